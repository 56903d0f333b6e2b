"""Whether code reaches the database: a query used by the health checks.

``database_access`` follows a function's calls, the repo functions it calls
(across modules, depth 4) and its ``Depends(...)`` dependencies, and returns
the first place that talks to a database or cache: a call on a
SQLAlchemy/SQLModel session, engine or connection (sync or async), a Redis or
Mongo client, or a driver's connect function.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from readycheck.findings import Span
    from readycheck.parsers.python import Function, ModuleFacts
    from readycheck.project import Project

DB_TYPES = {"sqlalchemy.orm.Session", "sqlmodel.Session", "sqlalchemy.engine.Engine", "sqlalchemy.engine.Connection",
            "sqlalchemy.ext.asyncio.AsyncSession", "sqlalchemy.ext.asyncio.session.AsyncSession",
            "sqlmodel.ext.asyncio.session.AsyncSession", "sqlalchemy.ext.asyncio.AsyncEngine",
            "sqlalchemy.ext.asyncio.AsyncConnection", "redis.Redis", "redis.asyncio.Redis", "asyncpg.Pool",
            "asyncpg.Connection", "motor.motor_asyncio.AsyncIOMotorClient", "pymongo.MongoClient"}
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



def database_access(project: "Project", function: "Function", module: "ModuleFacts", depth: int = 0,
                seen: frozenset = frozenset()) -> tuple["ModuleFacts", "Span", str] | None:
    """(module, span, description) of the first database access reached from a function."""
    key = (module.path, function.qualname)
    if key in seen or depth > 4:
        return None
    seen = seen | {key}
    db_names = set()
    receiver_types = dict(function.local_types)
    for param in function.params:
        annotation = param.annotation
        if annotation and param.annotation_is_alias_candidate:
            target = project.python.resolve(annotation, module)
            alias = target[0].type_aliases.get(target[1]) if target else None
            annotation = alias[0] if alias else annotation
        if annotation in DB_TYPES:
            db_names.add(param.name)
        if annotation:
            receiver_types[param.name] = annotation
        if param.depends and param.depends != "<annotation>":
            found = project.python.function(module, param.depends, "", True)
            if found is not None and not found[0].name.startswith(("get_db", "get_session", "get_async_session")):
                step = database_access(project, found[0], found[1], depth + 1, seen)
                if step is not None:
                    return step
    db_names |= {name for name, ctor in function.local_types.items()
                 if ctor in DB_TYPES or ctor.endswith(("connect", "begin", "Session", "SessionLocal"))}
    for call in function.calls:
        if call.callee in DB_CALLS:
            return module, call.span, f"`{call.text}()`"
        if call.receiver and (call.receiver in db_names or
                              (call.receiver in DB_RECEIVER_NAMES and call.method in
                               {"execute", "scalar", "scalars", "get", "query", "exec", "ping", "connect", "begin",
                                "fetch", "fetchval", "fetchrow"})):
            return module, call.span, f"`{call.text}()`"
        if not call.text:
            continue
        target = (project.python.function(module, call.callee or call.text, function.qualname, call.callee is not None)
                  or _method(project, module, function, call.receiver, call.method, receiver_types))
        if target is not None:
            step = database_access(project, target[0], target[1], depth + 1, seen)
            if step is not None:
                return step
    return None


def _method(project: "Project", module: "ModuleFacts", function: "Function", receiver: str | None,
            method: str | None, receiver_types: dict[str, str]) -> tuple["Function", "ModuleFacts"] | None:
    """The repo method a call reaches through its receiver: ``self.engine()`` inside a class, or
    ``db.is_db_connectable()`` on a parameter annotated (or a local constructed) with a repo class
    (prefect's readiness route takes ``db: PrefectDBInterface = Depends(...)``)."""
    if receiver is None or method is None:
        return None
    if receiver == "self":
        owner_class = function.qualname.rpartition(".")[0]
        found = module.functions.get(f"{owner_class}.{method}") if owner_class else None
        return (found, module) if found is not None else None
    owner = receiver_types.get(receiver)
    if not owner:
        return None
    return (project.python.function(module, f"{owner}.{method}", "", True)
            or project.python.function(module, f"{owner}.{method}"))
