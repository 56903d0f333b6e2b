"""RC304 database-driver-mismatch: the database driver the code needs is not the one installed.

What it does
    Flags two mismatches between the code and the dependencies:

    * the code creates an async engine (``create_async_engine``) but the only
      PostgreSQL or MySQL driver declared is a synchronous one (``psycopg2``,
      ``psycopg2-binary``, ``pymysql``, ``mysqlclient``); the sync driver's
      requirement line is flagged. When every async engine's URL names its
      database (``f"postgresql+asyncpg://{host}/db"``), only the drivers of
      those databases are judged;
    * a connection URL in the code names an async driver (``postgresql+asyncpg://``,
      ``mysql+aiomysql://``, ``mysql+asyncmy://``, ``sqlite+aiosqlite://``,
      ``postgresql+psycopg://``), in a string or an f-string, also inside the common
      ``.replace("postgresql://", "postgresql+asyncpg://")`` idiom, and that
      driver is not declared; the URL is flagged.

    Tests, docs, examples and scripts are not the service and are not read.

Why is this bad
    With a sync driver the async engine cannot even connect ("The asyncio
    extension requires an async driver"), and a driver missing from the
    dependencies fails at the first query in production with
    ``ModuleNotFoundError``. Both pass every test that mocks the database.

Example
    # requirements.txt: psycopg2-binary==2.9.10
    engine = create_async_engine(os.environ["DATABASE_URL"])

Use instead
    # requirements.txt: asyncpg==0.30.0
    engine = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://", 1))
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from readycheck.api import (
    ASYNC_DRIVERS, ASYNC_URL_FOR, SYNC_DRIVERS, URL_DATABASES, URL_DRIVER_PACKAGES, Check, Example, Severity,
)

if TYPE_CHECKING:
    from readycheck.api import Project

URL_DRIVER = re.compile(rf"\b({'|'.join(ASYNC_URL_FOR)})\+({'|'.join(URL_DRIVER_PACKAGES)})://")
MARKERS = (b"+asyncpg", b"+aiomysql", b"+asyncmy", b"+aiosqlite", b"+psycopg")


class DatabaseDriverMismatch(Check):
    id = "RC304"
    name = "database-driver-mismatch"
    severity = Severity.ERROR
    summary = "The database driver the code needs is not the one the dependencies install"
    fix = "Install the driver the URL and engine need (asyncpg for postgresql+asyncpg, aiomysql/asyncmy for MySQL), pinned."
    tags = ("dependencies", "database")
    examples = (
        Example({"requirements.txt": "sqlalchemy==2.0.36\npsycopg2-binary==2.9.10\n", "app/db.py": """
            import os
            from sqlalchemy.ext.asyncio import create_async_engine

            engine = create_async_engine(os.environ["DATABASE_URL"])
            """}, expect=['requirements.txt:2:1 the code creates an async engine but the only postgresql driver is `psycopg2-binary==2.9.10`, a synchronous one'], title="async engine, only a sync driver"),
        Example({"requirements.txt": "sqlalchemy[asyncio]==2.0.36\n", "app/db.py": """
            import os
            from sqlalchemy.ext.asyncio import create_async_engine

            url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+asyncpg://", 1)
            engine = create_async_engine(url)
            """}, expect=["app/db.py:4"], title="asyncpg URL, asyncpg not installed"),
        Example({"pyproject.toml": """
            [project]
            name = "svc"
            version = "1"
            dependencies = ["sqlalchemy[asyncio]==2.0.36", "asyncpg==0.30.0", "psycopg2-binary==2.9.10"]
            """, "app/db.py": """
            import os
            from sqlalchemy import create_engine
            from sqlalchemy.ext.asyncio import create_async_engine

            engine = create_async_engine(os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+asyncpg://"))
            sync_engine = create_engine(os.environ["DATABASE_URL"])  # alembic uses psycopg2
            """}, title="async driver installed beside a sync one"),
        Example({"requirements.txt": "sqlalchemy==2.0.36\n", "app/dialects.py": """
            ASYNC_SCHEMES = {"postgresql": "postgresql+asyncpg://", "mysql": "mysql+aiomysql://",
                             "sqlite": "sqlite+aiosqlite://"}
            """}, title="a table of databases and their async drivers is not a URL"),
        Example({"requirements.txt": "sqlalchemy[asyncio]==2.0.36\npsycopg2-binary==2.9.10\n", "app/db.py": """
            from sqlalchemy.ext.asyncio import create_async_engine

            from app.settings import settings

            engine = create_async_engine(f"postgresql+asyncpg://{settings.db_user}@{settings.db_host}/app")
            """}, expect=["app/db.py:5", "requirements.txt:2"],
            title="an f-string URL names a driver that is not installed, beside a sync one"),
        Example({"pyproject.toml": """
            [project]
            name = "svc"
            version = "1"
            dependencies = ["sqlalchemy[asyncio]==2.0.36", "asyncpg==0.30.0", "aiosqlite==0.20.0",
                            "pymysql==1.1.1"]
            """, "app/clients.py": """
            from sqlalchemy import create_engine
            from sqlalchemy.ext.asyncio import create_async_engine


            def postgres(url):
                return create_async_engine(f"postgresql+asyncpg://{url}")


            def sqlite(path):
                return create_async_engine(f"sqlite+aiosqlite:///{path}")


            def mysql(url):
                return create_engine(f"mysql+pymysql://{url}")  # reports: a sync engine on purpose
            """}, title="the async engines name their databases; the sync MySQL driver serves a sync engine"),
        Example({"requirements.txt": "sqlalchemy[asyncio]==2.0.36\npsycopg2-binary==2.9.10\n", "app/db.py": """
            from sqlalchemy.ext.asyncio import async_engine_from_config

            def make(settings):
                return async_engine_from_config(settings, prefix="sqlalchemy.")
            """}, expect=["requirements.txt:2"], title="async_engine_from_config is an async engine too"),
    )

    def run(self, project: Project):
        packages = project.declared_packages
        if packages is None:
            return
        #: The databases the async engines connect to; None stands for an engine whose URL is not written out.
        async_databases: set[str | None] = set()
        urls = []
        for engine in project.engines:
            if engine.is_async:
                async_databases |= set(engine.url_databases) or {None}
        for facts in project.python.modules_with(*MARKERS):  # every URL naming an async driver has one
            calls = facts.all_calls()
            for value in [a.value for a in facts.assignments] + [c.call for c in calls if c.call is not None]:
                found = [(string, match) for string in value.strings(fstrings=True) if (match := URL_DRIVER.search(string.text))]
                if len({URL_DATABASES[match.group(1)] for _, match in found}) > 1:
                    continue  # a table of databases and their drivers ({"mysql": "mysql+aiomysql://", ...}), not a URL
                urls += [(facts.path, string, match.group(2)) for string, match in found]
        seen = set()
        for path, string, driver in urls:
            if packages.keys() & URL_DRIVER_PACKAGES[driver] or (path, string.span) in seen:
                continue
            seen.add((path, string.span))
            yield self.finding(path, string.span,
                               f"the URL uses the {driver} driver but no dependency installs {driver}")
        if async_databases:
            for name, database in SYNC_DRIVERS.items():
                if name not in packages or any(db == database and p in packages for p, db in ASYNC_DRIVERS.items()):
                    continue
                if database not in async_databases and None not in async_databases:
                    continue  # every async engine names another database: this driver serves sync engines
                for decl_path, req in project.requirement_declarations(name):
                    yield self.finding(decl_path, req.span,
                                       f"the code creates an async engine but the only {database} driver is "
                                       f"`{req.text}`, a synchronous one")
