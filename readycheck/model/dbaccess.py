"""Whether code reaches the database: a query used by the health checks.

``database_access`` asks the reachability model (``readycheck.model.reachability``)
for the first place a function reaches, through the repo functions and methods
it calls (across modules, no depth limit) and its ``Depends(...)`` dependencies,
that talks to a database or cache: a call on a SQLAlchemy/SQLModel session,
engine or connection (sync or async), a Redis or Mongo client (the receiver's
type comes from the model: a parameter, a module-level client in another
module, ``app.state``, a service's attribute), or a driver's connect function.
A dependency that only provides the session (``get_db`` yielding
``SessionLocal()``) is not itself a query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.model.reachability import RepoClass, Rule, call_label

if TYPE_CHECKING:
    from readycheck.core.findings import Span
    from readycheck.parsers.python import Function, ModuleFacts
    from readycheck.model.project import Project
    from readycheck.model.reachability import Edge, Reachability, Target

DB_TYPES = {"sqlalchemy.orm.Session", "sqlmodel.Session", "sqlalchemy.engine.Engine", "sqlalchemy.engine.Connection",
            "sqlalchemy.ext.asyncio.AsyncSession", "sqlalchemy.ext.asyncio.session.AsyncSession",
            "sqlmodel.ext.asyncio.session.AsyncSession", "sqlalchemy.ext.asyncio.AsyncEngine",
            "sqlalchemy.ext.asyncio.AsyncConnection", "redis.Redis", "redis.asyncio.Redis", "asyncpg.Pool",
            "asyncpg.Connection", "motor.motor_asyncio.AsyncIOMotorClient", "pymongo", "pymongo.MongoClient",
            "databases.Database"}
DB_CALLS = {"asyncpg.connect", "asyncpg.create_pool", "psycopg2.connect", "psycopg.connect",
            "psycopg.AsyncConnection.connect", "pymysql.connect", "sqlite3.connect", "aiosqlite.connect"}
DB_RECEIVER_NAMES = {"db", "session", "conn", "connection", "engine", "redis", "cache", "pool", "database"}
#: Packages whose exceptions a failed database or cache call raises (sqlalchemy.exc.OperationalError,
#: asyncpg.exceptions.PostgresError, redis.exceptions.ConnectionError...).
DB_ERROR_PACKAGES = ("sqlalchemy", "sqlmodel", "psycopg", "psycopg2", "asyncpg", "pymysql", "aiomysql", "sqlite3",
                     "aiosqlite", "redis", "pymongo", "motor", "databases", "tortoise", "django.db")
#: Exceptions that catch every database error, or the connection errors drivers raise.
BROAD_ERRORS = {"Exception", "BaseException", "OSError", "ConnectionError", "TimeoutError", "asyncio.TimeoutError",
                "socket.error", "builtins.Exception", "builtins.BaseException"}


def catches_database_error(types: tuple[str, ...]) -> bool:
    """Whether an ``except`` clause catching these (qualified) types catches the error a database
    call raises: a bare ``except:`` (no types), ``Exception``, a connection error, or any exception
    of a database driver or ORM."""
    return not types or any(t in BROAD_ERRORS or t.startswith(tuple(p + "." for p in DB_ERROR_PACKAGES))
                            for t in types)
_QUERY_METHODS = {"execute", "scalar", "scalars", "get", "query", "exec", "ping", "connect", "begin", "fetch",
                  "fetchval", "fetchrow"}
_SESSION_PROVIDERS = ("get_db", "get_session", "get_async_session")
#: Methods of SQLAlchemy's ``Inspector``, which query the database's catalog: on ``inspect(engine)``
#: itself or on a local named for it (``inspector = inspect(engine)``).
_INSPECTOR_METHODS = {"get_schema_names", "get_table_names", "has_table", "has_schema", "get_columns"}
_INSPECTOR_NAMES = {"inspector", "insp"}
#: Constructors whose local (``conn = engine.connect()``) is a connection, by the end of their name.
_CONNECTION_CONSTRUCTORS = ("connect", "begin", "Session", "SessionLocal")


class DatabaseRule(Rule):
    key = "database"
    follow_dependencies = True

    def __init__(self, model: "Reachability") -> None:
        self.model = model

    def hit(self, edge: "Edge") -> str | None:
        call = edge.call
        receiver = edge.receiver_type
        if call.callee in DB_CALLS or (isinstance(receiver, str) and receiver in DB_TYPES):
            return f"`{call.text}()`"
        if isinstance(receiver, RepoClass) and not edge.targets and \
                any(base in DB_TYPES for base in self.model.external_bases(receiver)):
            return f"`{call.text}()`"  # class AsyncSession(sqlalchemy AsyncSession): a repo's own subclass
        if call.receiver and call.receiver in DB_RECEIVER_NAMES and call.method in _QUERY_METHODS \
                and not edge.targets:
            return f"`{call.text}()`"
        if call.method in _INSPECTOR_METHODS and not edge.targets and (not call.text or call.receiver in _INSPECTOR_NAMES):
            return f"`{call_label(call)}()`"
        constructor = edge.function.local_types.get(call.receiver or "") if edge.function else None
        if constructor and constructor.endswith(_CONNECTION_CONSTRUCTORS) and not edge.targets:
            return f"`{call.text}()`"
        return None

    def skip(self, target: "Target") -> bool:
        """A dependency that provides the session or connection is not a query of its own."""
        function, module = target
        if function.name.startswith(_SESSION_PROVIDERS):
            return True
        provided = self.model.result_type(function, module) if function.is_generator else None
        return isinstance(provided, str) and provided in DB_TYPES


def database_access(project: "Project", function: "Function", module: "ModuleFacts"
                    ) -> tuple["ModuleFacts", "Span", str] | None:
    """(module, span, description) of the first database access reached from a function."""
    model = project.reachability
    rule = getattr(model, "_database_rule", None)
    if rule is None:
        rule = model._database_rule = DatabaseRule(model)
    hit = model.first_hit(function, module, rule)
    if hit is None:
        return None
    last = hit.steps[-1]
    return last.module, last.call.span, hit.reason
