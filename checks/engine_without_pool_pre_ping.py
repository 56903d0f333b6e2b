"""RC602 engine-without-pool-pre-ping: a SQLAlchemy engine that never checks its pooled connections.

What it does
    Flags ``create_engine(...)`` and ``create_async_engine(...)`` (SQLAlchemy and
    SQLModel, resolved through imports) in the service's code without
    ``pool_pre_ping=True``. SQLite engines (a ``sqlite`` URL literal, or
    ``connect_args={"check_same_thread": False}``, an argument only Python's
    sqlite3 driver takes), engines with ``poolclass=NullPool``
    (no pool to go stale), alembic migration environments (``env.py``: one
    short-lived connection), test modules (``conftest.py``, ``test_*.py``,
    ``*_test.py``) and code under tests, docs and scripts are not flagged.
    Autofix: adds ``pool_pre_ping=True`` to the call (libcst, formatting kept).

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

from functools import partial
from typing import TYPE_CHECKING

from readycheck.api import ENGINE_CONSTRUCTORS, Check, Edit, Example, Severity

if TYPE_CHECKING:
    from readycheck.api import Project, Span



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
            """}, expect=["app/db.py:5", "app/db.py:6", "app/db.py:7"],
            title="async and SQLModel engines; connect_args of another driver"),
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
        Example({"db.py": "from sqlalchemy.ext.asyncio import create_async_engine\nengine = create_async_engine(URL)\n"},
                expect=["db.py:2"],
                fixed={"db.py": "from sqlalchemy.ext.asyncio import create_async_engine\n"
                                "engine = create_async_engine(URL, pool_pre_ping=True)\n"},
                title="autofix: the argument appended on one line"),
    )
    def run(self, project: Project):
        parsed: dict[str, tuple] = {}  # path -> (libcst module, positions): each flagged file parsed once
        for facts in project.python.modules_with(b"create_engine", b"create_async_engine"):
            if any(target.split(".")[0] == "alembic" for target in facts.imports.values()):
                continue  # a migration environment (alembic env.py): one short-lived connection
            for call in facts.all_calls():
                if call.callee not in ENGINE_CONSTRUCTORS or call.call is None:
                    continue
                summary = call.call
                if project.reachability.keyword(facts, summary, "pool_pre_ping")[0] is not None:
                    continue  # written, or in a literal **engine_args dict
                url = summary.arg(0, "url")
                if url is not None and url.kind == "str" and url.text.startswith("sqlite"):
                    continue
                connect_args, _ = project.reachability.keyword(facts, summary, "connect_args")
                if connect_args is not None and connect_args.kind == "dict" and \
                        connect_args.kwarg("check_same_thread") is not None:
                    continue  # a sqlite3-only connect argument: the engine is SQLite whatever the URL variable
                poolclass = summary.kwarg("poolclass")
                if poolclass is not None and poolclass.text.endswith(("NullPool", "StaticPool")):
                    continue
                yield self.finding(facts.path, call.span,
                                   f"`{call.text}(...)` has no pool_pre_ping=True: dead pooled connections fail "
                                   f"the next request after a database failover",
                                   fix=partial(_add_pool_pre_ping, project, facts.path, call.span, parsed))


def _add_pool_pre_ping(project: Project, path: str, span: Span, parsed: dict[str, tuple]) -> list[Edit] | None:
    """Add ``pool_pre_ping=True`` as the last argument of the call at ``span``, keeping the file's formatting."""
    import libcst as cst
    import libcst.metadata  # noqa: F401  (cst.metadata below)

    source = project.file(path)
    if source is None:
        return None
    text = source.text
    if path not in parsed:
        module = cst.parse_module(text)
        parsed[path] = (module, cst.metadata.MetadataWrapper(module).resolve(cst.metadata.PositionProvider))
    module, positions = parsed[path]
    target = None
    for node, pos in positions.items():
        if isinstance(node, cst.Call) and (pos.start.line, pos.start.column + 1) == (span.line, span.column):
            target = node
            break
    if target is None or any(a.keyword and a.keyword.value == "pool_pre_ping" for a in target.args):
        return None
    new_arg = cst.Arg(keyword=cst.Name("pool_pre_ping"), value=cst.Name("True"),
                      equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                            whitespace_after=cst.SimpleWhitespace("")))
    args = list(target.args)
    if args and isinstance(args[-1].comma, cst.Comma):
        # One argument per line with a trailing comma: the old last argument takes the
        # separator the others use; the new one inherits the comma that leads to ")".
        last = args[-1]
        separator = args[-2].comma if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma) \
            else cst.Comma(whitespace_after=target.whitespace_before_args)
        args[-1] = last.with_changes(comma=separator)
        args.append(new_arg.with_changes(comma=last.comma))
    elif args:
        args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.append(new_arg)
    else:
        args.append(new_arg)
    new_call = target.with_changes(args=args)
    start = source.index.offset(span.line, span.column)
    old_code = module.code_for_node(target)
    if text[start:start + len(old_code)] != old_code:
        return None
    return [Edit(source.path, start, start + len(old_code), module.code_for_node(new_call))]
