"""project.engines (readycheck.model.engines): the one engine fact the database checks read."""

import textwrap
import time

from readycheck.api import Project
from readycheck.engine.discovery import discover


def engines_of(tmp_path, files):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return Project(tmp_path, discover(tmp_path)).engines


def test_url_driver_pool_settings_and_their_defaults(tmp_path):
    settings, constant, middleware, local, from_ini = engines_of(tmp_path, {"app/settings.py": """
        from pydantic_settings import BaseSettings

        class Settings(BaseSettings):
            DATABASE_URL: str = "postgresql+asyncpg://app@db/app"
            POOL: int = 20

        settings = Settings()
        """, "app/db.py": """
        from fastapi_async_sqlalchemy import SQLAlchemyMiddleware
        from sqlalchemy import create_engine, engine_from_config
        from sqlalchemy.ext.asyncio import create_async_engine
        from sqlalchemy.pool import NullPool

        from app.settings import settings

        URL = "mysql://app@db/app"
        engine = create_async_engine(settings.DATABASE_URL, pool_size=settings.POOL, pool_pre_ping=True)
        sync = create_engine(URL, connect_args={"check_same_thread": False})

        def make(url, size):
            options = {"max_overflow": 2}
            if size:
                options["poolclass"] = NullPool
            return create_engine(url, **options)

        def from_ini(settings):
            return engine_from_config(settings, "sqlalchemy.")

        app.add_middleware(SQLAlchemyMiddleware, db_url=URL, engine_args={"pool_recycle": 300})
        """})
    assert (settings.is_async, settings.database, settings.driver, settings.async_driver) == \
        (True, "postgresql", "asyncpg", True)
    assert settings.url_overridable and settings.url.text == "postgresql+asyncpg://app@db/app"
    size = settings.setting("pool_size")
    assert (size.number(), size.overridable, size.passed) == (20, True, True)
    overflow = settings.setting("max_overflow")
    assert (overflow.is_default, overflow.number(), overflow.default) == (True, 10, 10)
    assert (constant.is_async, constant.database, constant.driver, constant.url_overridable) == \
        (False, "mysql", "mysqldb", False)
    assert constant.sqlite and not settings.sqlite  # check_same_thread is sqlite3's own argument
    assert local.setting("max_overflow").number() == 2 and local.scope == "make"
    poolclass = local.setting("poolclass")
    assert poolclass.passed and not poolclass.certain and not local.unpooled  # set in a branch only
    assert from_ini.from_config and not from_ini.setting("pool_pre_ping").certain
    assert from_ini.setting("pool_size").number() is None  # the .ini section decides
    assert middleware.wrapper == "fastapi_async_sqlalchemy.SQLAlchemyMiddleware" and middleware.is_async
    assert middleware.setting("pool_recycle").value.text == "300" and middleware.database == "mysql"
    assert not any(e.migration for e in (settings, constant, local, from_ini, middleware))


def test_migration_environment_and_custom_engine(tmp_path):
    env, = engines_of(tmp_path, {"alembic/env.py": """
        from alembic import context
        from sqlalchemy import engine_from_config, pool
        connectable = engine_from_config(context.config.get_section("alembic"), prefix="sqlalchemy.",
                                         poolclass=pool.NullPool)
        """, "app/main.py": """
        from fastapi_async_sqlalchemy import SQLAlchemyMiddleware
        app.add_middleware(SQLAlchemyMiddleware, custom_engine=engine)
        """})
    assert env.migration and env.unpooled


def test_many_engines_sharing_a_large_kwargs_dict_stay_linear(tmp_path):
    lines = ["from sqlalchemy import create_engine", "", "def f():", "    kw = {'echo': True}"]
    lines += [f"    kw['k{i}'] = {i}" for i in range(3000)]
    lines += [f"    e{i} = create_engine('postgresql://db/{i}', **kw)" for i in range(3000)]
    (tmp_path / "db.py").write_text("\n".join(lines) + "\n")
    project = Project(tmp_path, discover(tmp_path))
    started = time.perf_counter()
    assert len(project.engines) == 3000
    assert time.perf_counter() - started < 10
