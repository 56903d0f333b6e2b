"""Python database drivers and SQLAlchemy engine constructors: which database each driver talks to, whether
it is async, and which calls make an engine.

One table for every question about drivers: RC304 (an async app whose only driver for its database is a
sync one) and the migration rules (is this service's database PostgreSQL?). Names are PyPI distribution
names as ``packaging.utils.canonicalize_name`` gives them. From the drivers' own documentation: psycopg 3
(``psycopg``) has both a sync and an async API and counts as async here; ``psycopg-c`` and ``psycopg-pool``
are its C accelerator and connection pool.

Also the one table of what makes a SQLAlchemy engine (the constructors, and the middleware that builds one),
SQLAlchemy's pool defaults, and how a URL names its database and driver: ``project.engines``
(readycheck.model.engines) is built from them, and RC602, RC604, RC605 and RC304 read that fact. A new
database dialect or driver is a row here (plus an example in the check that judges it).
"""

from __future__ import annotations

#: name -> (database, "sync" or "async"): the drivers RC304 judges.
DRIVERS: dict[str, tuple[str, str]] = {
    "psycopg2": ("postgresql", "sync"), "psycopg2-binary": ("postgresql", "sync"),
    "pymysql": ("mysql", "sync"), "mysqlclient": ("mysql", "sync"),
    "asyncpg": ("postgresql", "async"), "psycopg": ("postgresql", "async"), "psycopg-binary": ("postgresql", "async"),
    "aiomysql": ("mysql", "async"), "asyncmy": ("mysql", "async"), "aiosqlite": ("sqlite", "async"),
}
#: Other distributions that only a PostgreSQL service installs (drivers RC304 does not judge yet, psycopg's
#: accelerator and pool).
OTHER_POSTGRES = frozenset({"pg8000", "psycopg2cffi", "psycopg-c", "psycopg-pool"})

SYNC_DRIVERS = {name: db for name, (db, kind) in DRIVERS.items() if kind == "sync"}
ASYNC_DRIVERS = {name: db for name, (db, kind) in DRIVERS.items() if kind == "async"}
POSTGRES_DRIVERS = frozenset({name for name, (db, _) in DRIVERS.items() if db == "postgresql"}) | OTHER_POSTGRES

#: The qualified names of the calls that build a SQLAlchemy engine, as imports resolve them: SQLAlchemy's own
#: (``sqlalchemy.create_engine`` is re-exported from ``sqlalchemy.engine.create``) and SQLModel's re-export
#: ``sqlmodel.create_engine``; SQLModel has no async constructor of its own (``sqlmodel.ext.asyncio.session``
#: exports only ``AsyncSession``). ``engine_from_config(configuration, prefix="sqlalchemy.", **kwargs)`` and its
#: async twin read the URL and the pool settings from a mapping (``sqlalchemy.url``, ``sqlalchemy.pool_size``...),
#: usually an .ini file's section (SQLAlchemy 2.0, "Engine Configuration" and "Asynchronous I/O").
#: The one table of engine constructors: ``project.engines`` (readycheck.model.engines) is built from it.
SYNC_ENGINE_CONSTRUCTORS = frozenset({"sqlalchemy.create_engine", "sqlalchemy.engine.create_engine",
                                      "sqlalchemy.engine.create.create_engine", "sqlmodel.create_engine"})
ASYNC_ENGINE_CONSTRUCTORS = frozenset({"sqlalchemy.ext.asyncio.create_async_engine",
                                       "sqlalchemy.ext.asyncio.engine.create_async_engine"})
CONFIG_ENGINE_CONSTRUCTORS = frozenset({"sqlalchemy.engine_from_config", "sqlalchemy.engine.engine_from_config",
                                        "sqlalchemy.engine.create.engine_from_config",
                                        "sqlalchemy.ext.asyncio.async_engine_from_config",
                                        "sqlalchemy.ext.asyncio.engine.async_engine_from_config"})
ENGINE_CONSTRUCTORS = SYNC_ENGINE_CONSTRUCTORS | ASYNC_ENGINE_CONSTRUCTORS | CONFIG_ENGINE_CONSTRUCTORS
ASYNC_CONSTRUCTORS = ASYNC_ENGINE_CONSTRUCTORS | frozenset(c for c in CONFIG_ENGINE_CONSTRUCTORS
                                                            if c.rpartition(".")[2].startswith("async_"))
#: Libraries' middleware that creates the engine itself, from ``db_url=`` and ``engine_args=`` (a dict of
#: create_engine keyword arguments), unless given ``custom_engine=``: qualified class -> async or not.
#: fastapi-async-sqlalchemy's ``SQLAlchemyMiddleware`` (create_async_engine) and FastAPI-SQLAlchemy's
#: ``DBSessionMiddleware`` (create_engine), both ``(app, db_url=None, custom_engine=None, engine_args=None, ...)``
#: and usually registered as ``app.add_middleware(SQLAlchemyMiddleware, db_url=..., engine_args={...})``
#: (https://github.com/h0rn3t/fastapi-async-sqlalchemy, https://github.com/mfreeborn/fastapi-sqlalchemy).
MIDDLEWARE_ENGINES = {"fastapi_async_sqlalchemy.SQLAlchemyMiddleware": True,
                      "fastapi_async_sqlalchemy.middleware.SQLAlchemyMiddleware": True,
                      "fastapi_sqlalchemy.DBSessionMiddleware": False,
                      "fastapi_sqlalchemy.middleware.DBSessionMiddleware": False}
#: The bytes a module that calls one of them contains (its last name; ``async_engine_from_config`` contains
#: ``engine_from_config``): the prefilter of ``project.engines``.
ENGINE_MARKERS = tuple(sorted({c.rpartition(".")[2].removeprefix("async_").encode()
                               for c in ENGINE_CONSTRUCTORS | MIDDLEWARE_ENGINES.keys()}))

#: SQLAlchemy's documented defaults of the pool settings of ``create_engine``/``create_async_engine``
#: (SQLAlchemy 2.0, "Engine Creation API" and "Connection Pooling"): a ``QueuePool`` (for asyncio the
#: ``AsyncAdaptedQueuePool``) of 5 connections and 10 overflow, no pre-ping, no recycling, no driver arguments.
POOL_DEFAULTS: dict[str, object] = {"pool_size": 5, "max_overflow": 10, "pool_pre_ping": False, "pool_recycle": -1,
                                    "poolclass": "QueuePool", "connect_args": {}}
#: Pool classes that keep no connections to go stale (``NullPool`` opens one per checkout; ``StaticPool`` holds
#: one connection, the in-memory SQLite idiom).
UNPOOLED = ("NullPool", "StaticPool")

#: URL dialect (the part of the scheme before ``+``) -> database, from SQLAlchemy's dialect list.
URL_DATABASES = {"postgresql": "postgresql", "postgres": "postgresql", "mysql": "mysql", "mariadb": "mysql",
                 "sqlite": "sqlite", "oracle": "oracle", "mssql": "mssql", "cockroachdb": "postgresql"}
#: The DBAPI driver a URL without ``+driver`` loads (SQLAlchemy's default driver of each dialect).
DEFAULT_URL_DRIVERS = {"postgresql": "psycopg2", "postgres": "psycopg2", "mysql": "mysqldb", "mariadb": "mysqldb",
                       "sqlite": "pysqlite", "oracle": "oracledb", "mssql": "pyodbc"}
#: URL driver names that are asyncio drivers (``postgresql+asyncpg://``); ``psycopg`` (3) is both, and async
#: under ``create_async_engine``.
ASYNC_URL_DRIVERS = frozenset({"asyncpg", "psycopg", "psycopg_async", "aiomysql", "asyncmy", "aiosqlite",
                               "aioodbc", "oracledb_async"})
#: URL driver name -> the distributions that install it, for the async drivers RC304 judges.
URL_DRIVER_PACKAGES = {"asyncpg": frozenset({"asyncpg"}), "psycopg": frozenset({"psycopg", "psycopg-binary", "psycopg-c"}),
                       "aiomysql": frozenset({"aiomysql"}), "asyncmy": frozenset({"asyncmy"}),
                       "aiosqlite": frozenset({"aiosqlite"})}
#: The async URL of each dialect, what RC604 suggests instead of a sync one.
ASYNC_URL_FOR = {"postgresql": "postgresql+asyncpg://", "postgres": "postgresql+asyncpg://",
                 "mysql": "mysql+aiomysql://", "mariadb": "mariadb+asyncmy://", "sqlite": "sqlite+aiosqlite://"}
#: URL driver names that are synchronous DBAPI drivers (RC604: such a URL cannot serve an async engine).
SYNC_URL_DRIVERS = frozenset({"psycopg2", "psycopg2cffi", "pg8000", "pymysql", "mysqldb", "mysqlconnector", "pysqlite"})
