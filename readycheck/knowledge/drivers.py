"""Python database drivers and SQLAlchemy engine constructors: which database each driver talks to, whether
it is async, and which calls make an engine.

One table for every question about drivers: RC304 (an async app whose only driver for its database is a
sync one) and the migration rules (is this service's database PostgreSQL?). Names are PyPI distribution
names as ``packaging.utils.canonicalize_name`` gives them. From the drivers' own documentation: psycopg 3
(``psycopg``) has both a sync and an async API and counts as async here; ``psycopg-c`` and ``psycopg-pool``
are its C accelerator and connection pool.
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
#: exports only ``AsyncSession``). RC602, RC604, RC605 and RC304 ask this table.
SYNC_ENGINE_CONSTRUCTORS = frozenset({"sqlalchemy.create_engine", "sqlalchemy.engine.create_engine",
                                      "sqlmodel.create_engine"})
ASYNC_ENGINE_CONSTRUCTORS = frozenset({"sqlalchemy.ext.asyncio.create_async_engine",
                                       "sqlalchemy.ext.asyncio.engine.create_async_engine"})
ENGINE_CONSTRUCTORS = SYNC_ENGINE_CONSTRUCTORS | ASYNC_ENGINE_CONSTRUCTORS
