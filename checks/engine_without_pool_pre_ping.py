"""RC602 engine-without-pool-pre-ping: a SQLAlchemy engine that never checks its pooled connections.

What it does
    Flags ``create_engine(...)``, ``create_async_engine(...)`` and
    ``engine_from_config(...)`` (SQLAlchemy and SQLModel, resolved through
    imports), and the engine fastapi-async-sqlalchemy's ``SQLAlchemyMiddleware``
    or FastAPI-SQLAlchemy's ``DBSessionMiddleware`` creates from its
    ``engine_args``, in the service's code without ``pool_pre_ping=True``.
    ``pool_pre_ping`` counts when passed, also through ``**engine_args``
    where that is a literal dict (a module constant or the calling function's
    local, keys added later by ``engine_args[...] = ...`` or ``.update(...)``
    included); ``pool_pre_ping=False``, also as a setting's default, is
    flagged. ``engine_from_config`` counts when its mapping is a literal (an
    .ini section readycheck cannot read is not judged).
    SQLite engines (a ``sqlite`` URL, also through a constant, or
    ``connect_args={"check_same_thread": False}``, an argument only Python's
    sqlite3 driver takes), engines with ``poolclass=NullPool``
    (no pool to go stale), alembic migration environments (``env.py``: one
    short-lived connection), test modules (``conftest.py``, ``test_*.py``,
    ``*_test.py``) and code under tests, docs and scripts are not flagged.
    Autofix: adds ``pool_pre_ping=True`` to the call, formatting kept.

Why is this bad
    Pooled connections die silently: a database failover, a restart, an idle
    timeout on the server or a proxy (PgBouncer, cloud NAT). Without a pre-ping
    the next request to draw that connection fails with "server closed the
    connection unexpectedly", and every worker hits it once per dead
    connection after each failover.

Example
    engine = create_async_engine(DATABASE_URL, pool_size=5, max_overflow=10)

Use instead
    engine = create_async_engine(DATABASE_URL, pool_size=5, max_overflow=10, pool_pre_ping=True)

Fix safety
    Safe: every pooled connection is checked with a cheap ping before use, and a dead one is replaced;
    queries and results are unchanged.
"""

from __future__ import annotations

import re
from functools import partial
from typing import TYPE_CHECKING

from readycheck.api import Check, Edit, Example, Severity

if TYPE_CHECKING:
    from readycheck.api import Engine, Project



class EngineWithoutPoolPrePing(Check):
    id = "RC602"
    name = "engine-without-pool-pre-ping"
    severity = Severity.WARNING
    summary = "A SQLAlchemy engine is created without pool_pre_ping"
    fix = "Pass `pool_pre_ping=True` to create_engine/create_async_engine (readycheck --fix adds it)."
    tags = ("database", "availability", "python")
    references = ("https://docs.sqlalchemy.org/en/20/core/pooling.html#disconnect-handling-pessimistic",)
    examples = (
        Example({"app/db.py": """
            from sqlalchemy import create_engine

            engine_args = {"pool_size": 5, "pool_pre_ping": True}
            engine = create_engine("postgresql://db/app", **engine_args)
            other = create_engine("postgresql://db/other", **{"echo": True})
            """}, expect=['app/db.py:5:9 `create_engine(...)` has no pool_pre_ping=True: dead pooled connections fail the next request after a database failover'], title="pool_pre_ping inside a literal **engine_args dict counts"),
        Example({"app/db.py": """
            import os
            from sqlalchemy.ext.asyncio import create_async_engine
            import sqlmodel

            engine = create_async_engine(os.environ["DATABASE_URL"], pool_size=5)
            sync_engine = sqlmodel.create_engine(os.environ["DATABASE_URL"])
            pg = create_async_engine(os.environ["DATABASE_URL"], connect_args={"server_settings": {"jit": "off"}})
            fallback = create_async_engine(os.getenv("DATABASE_URL", "sqlite+aiosqlite:///./dev.db"))
            """}, expect=["app/db.py:5", "app/db.py:6", "app/db.py:7", "app/db.py:8"],
            title="async and SQLModel engines; connect_args of another driver; a SQLite default the environment overrides"),
        Example({"app/db.py": """
            import os
            from sqlalchemy import create_engine
            from sqlalchemy.pool import NullPool

            engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
            lite = create_engine("sqlite:///./app.db")
            local = create_engine(os.environ["DATABASE_URL"], connect_args={"check_same_thread": False})
            serverless = create_engine(os.environ["DATABASE_URL"], poolclass=NullPool)
            """, "tests/conftest.py": """
            from sqlalchemy import create_engine
            engine = create_engine("postgresql://localhost/test")
            """, "backend/conftest.py": """
            from sqlalchemy import create_engine
            engine = create_engine("postgresql://db/test")
            """, "backend/app/db_test.py": """
            from sqlalchemy import create_engine
            engine = create_engine("postgresql://db/test")
            """, "db/revisions/env.py": """
            from alembic import context
            from sqlalchemy import create_engine
            connectable = create_engine(context.config.get_main_option("sqlalchemy.url"))
            """}, title="pre-ping, SQLite (a URL literal, sqlite3's check_same_thread), NullPool, tests (a folder, conftest.py and *_test.py beside the code), "
                    "an alembic migration environment"),
        Example({"db.py": 'from sqlalchemy import create_engine\n\nengine = create_engine(\n    URL,\n    pool_size=5,\n)\n'},
                expect=["db.py:3"],
                fixed={"db.py": 'from sqlalchemy import create_engine\n\nengine = create_engine(\n    URL,\n    '
                                'pool_size=5,\n    pool_pre_ping=True,\n)\n'},
                title="autofix: one argument a line, the trailing comma kept"),
        Example({"app/vector.py": """
            from sqlalchemy import create_engine
            from sqlalchemy.pool import NullPool, QueuePool


            class Client:
                def __init__(self, url, size):
                    engine_kwargs = {"pool_pre_ping": True, "echo": False}
                    if size:
                        engine_kwargs.update({"pool_size": size, "poolclass": QueuePool})
                    else:
                        engine_kwargs["poolclass"] = NullPool
                    self.engine = create_engine(url, **engine_kwargs)
            """, "app/db.py": """
            from sqlalchemy import create_engine

            def make(url):
                options = {"echo": True}
                options["pool_pre_ping"] = True
                return create_engine(url, **options)
            """, "app/pyramid.py": """
            from sqlalchemy import engine_from_config

            def main(settings):
                return engine_from_config(settings, "sqlalchemy.")
            """}, title="pre-ping in a function's **engine_kwargs dict, a key added to it later; "
                        "engine_from_config reads an .ini section readycheck does not see"),
        Example({"app/config.py": """
            from starlette.config import Config

            config = Config(".env")
            DATABASE_ENGINE_POOL_PING = config("DATABASE_ENGINE_POOL_PING", default=False)
            """, "app/database.py": """
            from sqlalchemy import create_engine, engine_from_config

            from app import config


            def create_db_engine(url):
                kwargs = {"pool_size": 20, "pool_pre_ping": config.DATABASE_ENGINE_POOL_PING}
                return create_engine(url, **kwargs)


            legacy = engine_from_config({"sqlalchemy.url": "postgresql://db/app"}, prefix="sqlalchemy.")
            """}, expect=["app/database.py:8:12 `create_engine(...)` sets pool_pre_ping=False by default (the environment "
                          "can override it): dead pooled connections fail the next request after a database failover",
                          "app/database.py:11:10 `engine_from_config(...)` has no pool_pre_ping=True: dead pooled "
                          "connections fail the next request after a database failover"],
            title="pre-ping switched off by a setting's default; a literal engine_from_config mapping"),
        Example({"app/main.py": """
            from fastapi import FastAPI
            from fastapi_async_sqlalchemy import SQLAlchemyMiddleware
            from sqlalchemy.pool import QueuePool

            from app.db import engine

            app = FastAPI()
            app.add_middleware(SQLAlchemyMiddleware, db_url=URL, engine_args={"echo": False, "poolclass": QueuePool})
            app.add_middleware(SQLAlchemyMiddleware, db_url=URL, engine_args={"pool_pre_ping": True})
            app.add_middleware(SQLAlchemyMiddleware, custom_engine=engine)
            """}, expect=["app/main.py:8:1 the engine `SQLAlchemyMiddleware` creates has no pool_pre_ping=True in "
                          "engine_args: dead pooled connections fail the next request after a database failover"],
            title="the engine a middleware creates from engine_args; one given its engine"),
        Example({"db.py": "from sqlalchemy import create_engine\n\nengine = create_engine(\n    URL,\n    pool_size=5\n)\n"},
                expect=["db.py:3"],
                fixed={"db.py": "from sqlalchemy import create_engine\n\nengine = create_engine(\n    URL,\n    "
                                "pool_size=5,\n    pool_pre_ping=True\n)\n"},
                title="autofix: one argument a line without a trailing comma"),
        Example({"db.py": "from sqlalchemy.ext.asyncio import create_async_engine\nengine = create_async_engine(URL)\n"},
                expect=["db.py:2"],
                fixed={"db.py": "from sqlalchemy.ext.asyncio import create_async_engine\n"
                                "engine = create_async_engine(URL, pool_pre_ping=True)\n"},
                title="autofix: the argument appended on one line"),
    )
    def run(self, project: Project):
        for engine in project.engines:
            if engine.migration:
                continue  # a migration environment (alembic env.py): one short-lived connection
            pre_ping = engine.setting("pool_pre_ping")
            value = pre_ping.value
            disabled = value is not None and pre_ping.certain and value.kind == "bool" and value.text == "False"
            if (value is not None and not disabled) or (value is None and not pre_ping.certain):
                continue  # written (also in a literal **engine_args dict), or in a mapping readycheck cannot read
            if engine.sqlite or engine.unpooled:
                continue  # SQLite, or no pool to go stale
            what = f"the engine `{engine.text}` creates" if engine.wrapper else f"`{engine.text}(...)`"
            where = " in engine_args" if engine.wrapper else ""
            if disabled:
                default = " by default (the environment can override it)" if pre_ping.overridable else ""
                yield self.finding(engine.path, engine.span,
                                   f"{what} sets pool_pre_ping=False{where}{default}: dead pooled connections "
                                   f"fail the next request after a database failover")
                continue
            yield self.finding(engine.path, engine.span,
                               f"{what} has no pool_pre_ping=True{where}: dead pooled connections fail "
                               f"the next request after a database failover",
                               fix=None if engine.wrapper else partial(_add_pool_pre_ping, project, engine))


#: What may stand between two arguments (a comma, spaces, line breaks, comments), and the text that opens an
#: argument before its value (``name=``, ``*``, ``**``).
_SEPARATOR = re.compile(r"\s*,(?:\s|#[^\n]*)*")
_TAIL = re.compile(r"(?:\s|#[^\n]*)*(,)?(?:\s|#[^\n]*)*")
_ARGUMENT_HEAD = re.compile(r"(?:\*\*|\*|[A-Za-z_][A-Za-z0-9_]*\s*=)\s*$")


def _add_pool_pre_ping(project: Project, engine: Engine) -> list[Edit] | None:
    """Add ``pool_pre_ping=True`` as the last argument of the engine's call, keeping the file's formatting:
    one argument a line with a trailing comma stays so (the new argument takes the separator the others
    use), otherwise ``, pool_pre_ping=True`` after the last argument. Worked out from the positions the
    parser recorded; None (no fix) for a shape it does not know (a parenthesised last argument)."""
    source = project.file(engine.path)
    if source is None:
        return None
    text, index, call = source.text, source.index, engine.call
    close = index.offset(call.span.end_line, call.span.end_column) - 1
    opened = text.find("(", index.offset(engine.span.end_line, engine.span.end_column))
    if not 0 <= opened < close or text[close] != ")" or text[index.offset(engine.span.end_line,
                                                                        engine.span.end_column):opened].strip():
        return None
    spans = sorted([v.span for v in call.items] + [v.span for _, v in call.keywords])
    if not spans:
        return [Edit(source.path, close, close, "pool_pre_ping=True")]
    starts = [index.offset(s.line, s.column) for s in spans]
    ends = [index.offset(s.end_line, s.end_column) for s in spans]
    tail = _TAIL.fullmatch(text, ends[-1], close)
    if tail is None:
        return None
    before = text[ends[-2] if len(spans) > 1 else opened + 1:starts[-1]]
    head = _ARGUMENT_HEAD.search(before)
    separator = before[:head.start()] if head is not None else before
    if tail.group(1) is None:
        # No trailing comma: one argument a line keeps that layout, otherwise ", " on the same line.
        multiline = len(spans) > 1 and "\n" in separator and _SEPARATOR.fullmatch(separator) is not None
        return [Edit(source.path, ends[-1], ends[-1], (separator if multiline else ", ") + "pool_pre_ping=True")]
    if len(spans) == 1:
        if separator.strip():
            return None
        separator = "," + separator
    elif not _SEPARATOR.fullmatch(separator):
        return None
    return [Edit(source.path, ends[-1], ends[-1], separator + "pool_pre_ping=True")]
