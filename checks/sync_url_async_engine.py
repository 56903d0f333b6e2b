"""RC604 sync-url-async-engine: ``create_async_engine`` is given a synchronous driver URL.

What it does
    Flags ``create_async_engine(...)`` whose URL is a literal (directly, or a
    module-level name assigned a literal) naming a synchronous driver:
    ``postgresql://`` (psycopg2 by default), ``postgresql+psycopg2://``,
    ``mysql://``, ``mysql+pymysql://``, ``mysql+mysqldb://``, ``sqlite://``.
    URLs built at run time, like the common
    ``os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+asyncpg://")``,
    are not judged here (RC304 checks that their driver is installed).

Why is this bad
    SQLAlchemy refuses at the first connection: "The asyncio extension requires
    an async driver to be used. The loaded 'psycopg2' is not async." The
    service starts, and fails on its first request.

Example
    engine = create_async_engine("postgresql://app@db/app")

Use instead
    engine = create_async_engine("postgresql+asyncpg://app@db/app")
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from readycheck.api import ASYNC_ENGINE_CONSTRUCTORS, Check, Example, Severity

if TYPE_CHECKING:
    from readycheck.api import Project

SYNC_URL = re.compile(r"^(postgresql|postgres|mysql|mariadb|sqlite)(\+(psycopg2|psycopg2cffi|pg8000|pymysql|mysqldb|"
                      r"mysqlconnector|pysqlite))?://")
ASYNC_FOR = {"postgresql": "postgresql+asyncpg://", "postgres": "postgresql+asyncpg://",
             "mysql": "mysql+aiomysql://", "mariadb": "mariadb+asyncmy://", "sqlite": "sqlite+aiosqlite://"}


class SyncUrlAsyncEngine(Check):
    id = "RC604"
    name = "sync-url-async-engine"
    severity = Severity.ERROR
    summary = "create_async_engine is given a synchronous driver URL"
    fix = "Name an async driver in the URL: postgresql+asyncpg://, mysql+aiomysql://, sqlite+aiosqlite://."
    tags = ("database",)
    examples = (
        Example({"app/db.py": """
            from sqlalchemy.ext.asyncio import create_async_engine

            URL = "postgresql+psycopg2://app@db/app"
            engine = create_async_engine(URL)
            other = create_async_engine("sqlite:///./app.db")
            """}, expect=['app/db.py:4:10 create_async_engine gets `postgresql+psycopg2://`, a synchronous driver: use `postgresql+asyncpg://`', "app/db.py:5"], title="a module constant and a literal"),
        Example({"app/db.py": """
            import os
            from sqlalchemy import create_engine
            from sqlalchemy.ext.asyncio import create_async_engine

            engine = create_async_engine(os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+asyncpg://", 1))
            lite = create_async_engine("sqlite+aiosqlite:///./app.db")
            sync = create_engine("postgresql://app@db/app")
            """}, title="the replace idiom, an async driver, a sync engine"),
    )

    def run(self, project: Project):
        for facts in project.python.modules_with(b"create_async_engine"):
            constants = {a.name: a.value for a in facts.assignments if not a.scope and a.value.kind == "str"}
            for call in facts.all_calls():
                if call.callee not in ASYNC_ENGINE_CONSTRUCTORS or call.call is None:
                    continue
                url = call.call.arg(0, "url")
                if url is not None and url.kind == "ref":
                    local = url.text[len(facts.module) + 1:] if facts.module and url.text.startswith(facts.module + ".") \
                        else url.text
                    url = constants.get(local) if "." not in local else None
                if url is None or url.kind != "str":
                    continue
                match = SYNC_URL.match(url.text)
                if match:
                    yield self.finding(facts.path, call.span,
                                       f"create_async_engine gets `{match.group(0)}`, a synchronous driver: use "
                                       f"`{ASYNC_FOR[match.group(1)]}`")
