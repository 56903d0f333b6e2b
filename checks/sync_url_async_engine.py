"""RC604 sync-url-async-engine: ``create_async_engine`` is given a synchronous driver URL.

What it does
    Flags ``create_async_engine(...)`` (and ``async_engine_from_config``) whose
    URL is a literal (directly, a module constant, also imported, or a settings
    class default, said so in the message) naming a synchronous driver:
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

from readycheck.api import ASYNC_URL_FOR, SYNC_URL_DRIVERS, Check, Example, Severity

if TYPE_CHECKING:
    from readycheck.api import Project

SYNC_URL = re.compile(rf"^({'|'.join(ASYNC_URL_FOR)})(\+({'|'.join(sorted(SYNC_URL_DRIVERS))}))?://")


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
        Example({"app/settings.py": """
            from pydantic_settings import BaseSettings

            class Settings(BaseSettings):
                DATABASE_URL: str = "postgresql://app@db/app"

            settings = Settings()
            """, "app/db.py": """
            from sqlalchemy.ext.asyncio import create_async_engine

            from app.settings import settings

            engine = create_async_engine(settings.DATABASE_URL)
            """}, expect=["app/db.py:5:10 create_async_engine gets `postgresql://` by default (the environment can "
                          "override it), a synchronous driver: use `postgresql+asyncpg://`"],
            title="a settings class default"),
    )

    def run(self, project: Project):
        for engine in project.engines:
            url = engine.url
            if not engine.is_async or url is None or url.kind != "str":
                continue
            match = SYNC_URL.match(url.text)
            if match:
                default = " by default (the environment can override it)" if engine.url_overridable else ""
                yield self.finding(engine.path, engine.span,
                                   f"create_async_engine gets `{match.group(0)}`{default}, a synchronous driver: use "
                                   f"`{ASYNC_URL_FOR[match.group(1)]}`")
