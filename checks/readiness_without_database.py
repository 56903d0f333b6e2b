"""RC506 readiness-without-database: the service uses a database but nothing reports when it cannot reach it.

What it does
    For a service whose code creates a database engine (or pool), flags the app
    when it has no readiness route (a path ending in ``readyz``, ``ready`` or
    ``readiness``, or one a readinessProbe requests) that touches the database
    (directly, through helpers or dependencies), and no other health route
    a probe can request (GET, a health word not right after a path
    parameter) does either. A readiness route that exists but never queries the database
    is flagged at that route. Where the repository serves several apps, only
    the apps whose routes reach the database are judged (prefect's worker
    health server is not its API). An app with no such route readycheck can
    see, whose routers reach it in a way readycheck cannot follow (a loop over
    plugins found at run time), is not judged: an info finding at that include
    says so.

Why is this bad
    Readiness is how the orchestrator and load balancer learn that a pod cannot
    serve: without a database check, pods that lost their connection (network
    partition, exhausted pool, failover in progress) keep receiving traffic and
    answer every request with a 500.

Example
    engine = create_async_engine(URL, pool_pre_ping=True)
    @app.get("/healthz")
    async def healthz(): return {"ok": True}     # and nothing checks the database

Use instead
    @app.get("/readyz")
    async def readyz(session: AsyncSession = Depends(get_session)):
        await session.execute(text("SELECT 1"))
        return {"status": "ready"}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Severity, database_access

if TYPE_CHECKING:
    from readycheck.api import Project, Route

READINESS_SEGMENTS = {"readyz", "ready", "readiness"}
ENGINE_MARKERS = (b"create_engine", b"create_async_engine", b"create_pool", b"AsyncIOMotorClient")

APP = """
    from fastapi import Depends, FastAPI
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import AsyncSession
    from app.db import get_session

    app = FastAPI()

    @app.get("/healthz")
    async def healthz():
        return {"status": "ok"}
    """


def _health_like(path: str, route: Route) -> bool:
    """A route a probe can request (GET or HEAD) with a health word in its path (``/health/db``), not
    right after a path parameter (``PUT /tasks/{pk}/status`` is the state of one object)."""
    if route.websocket or not {"GET", "HEAD"} & set(route.methods):
        return False
    segments = [s for s in path.lower().split("/") if s]
    return any(segment.startswith(("health", "live", "ping", "status"))
               and not (i and segments[i - 1].startswith("{")) for i, segment in enumerate(segments))


class ReadinessWithoutDatabase(Check):
    id = "RC506"
    name = "readiness-without-database"
    severity = Severity.WARNING
    summary = "The service uses a database but no readiness route checks it"
    fix = "Add a /readyz route that runs a cheap query (SELECT 1) through the app's session, and point the readinessProbe at it."
    tags = ("health", "database")
    precision = "medium"
    examples = (
        Example({"app/main.py": APP, "app/db.py": """
            from sqlalchemy.ext.asyncio import create_async_engine
            engine = create_async_engine("postgresql+asyncpg://db/app", pool_pre_ping=True)
            async def get_session(): ...
            """}, expect=['app/main.py:6:1 app `app` uses a database but has no readiness route that checks it'], title="liveness only"),
        Example({"app/main.py": APP + """
    @app.put("/tasks/{pk}/status")
    async def set_task_status(pk: int, session: AsyncSession = Depends(get_session)):
        await session.execute(text("UPDATE task SET status = 1"))
    """, "app/db.py": """
            from sqlalchemy.ext.asyncio import create_async_engine
            engine = create_async_engine("postgresql+asyncpg://db/app", pool_pre_ping=True)
            async def get_session(): ...
            """}, expect=["app/main.py:6"],
            title="a PUT of one task's status queries the database, but no probe can request it"),
        Example({"app/main.py": APP + """
    @app.get("/readyz")
    async def readyz():
        return {"status": "ready"}
    """, "app/db.py": """
            from sqlalchemy.ext.asyncio import create_async_engine
            engine = create_async_engine("postgresql+asyncpg://db/app", pool_pre_ping=True)
            async def get_session(): ...
            """}, expect=["app/main.py:12"], title="a readiness route that checks nothing"),
        Example({"app/main.py": APP + """
    @app.get("/readyz")
    async def readyz(session: AsyncSession = Depends(get_session)):
        await session.execute(text("SELECT 1"))
        return {"status": "ready"}
    """, "app/db.py": """
            from sqlalchemy.ext.asyncio import create_async_engine
            engine = create_async_engine("postgresql+asyncpg://db/app", pool_pre_ping=True)
            async def get_session(): ...
            """, "other/main.py": "from fastapi import FastAPI\napp = FastAPI()\n"},
            title="readiness checks the database; an app with no database"),
        Example({"api/main.py": """
            from fastapi import Depends, FastAPI
            from api.db import Database, provide_database

            app = FastAPI()

            @app.get("/ready")
            async def ready(db: Database = Depends(provide_database)):
                return {"ok": await db.is_connectable()}
            """, "api/db.py": """
            from sqlalchemy.ext.asyncio import create_async_engine

            class Database:
                async def engine(self):
                    return create_async_engine("postgresql+asyncpg://db/app", pool_pre_ping=True)

                async def is_connectable(self) -> bool:
                    engine = await self.engine()
                    async with engine.connect():
                        return True

            def provide_database() -> Database:
                return Database()
            """}, title="readiness through a method of the repo's database class"),
        Example({"api/main.py": """
            from fastapi import Depends, FastAPI
            from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
            from api.deps import get_session

            engine = create_async_engine("postgresql+asyncpg://db/app", pool_pre_ping=True)
            app = FastAPI()

            @app.get("/items")
            async def items(session: AsyncSession = Depends(get_session)):
                return (await session.execute("SELECT 1")).all()
            """, "worker/health.py": """
            from fastapi import FastAPI

            app = FastAPI()

            @app.get("/health")
            def health():
                return {"polling": True}
            """}, expect=["api/main.py:6"],
            title="of two apps, the one that uses the database has no readiness; a worker's health server does not"),
        Example({"app/main.py": """
            from fastapi import FastAPI
            from app.api import ROUTERS

            app = FastAPI()
            for router in ROUTERS:
                app.include_router(router)
            """, "app/api/__init__.py": """
            from app.api import ops
            ROUTERS = [ops.router]
            """, "app/api/ops.py": """
            from fastapi import APIRouter, Depends
            from sqlalchemy import text
            from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

            engine = create_async_engine("postgresql+asyncpg://db/app", pool_pre_ping=True)
            router = APIRouter()

            async def get_session(): ...

            @router.get("/readyz")
            async def readyz(session: AsyncSession = Depends(get_session)):
                await session.execute(text("SELECT 1"))
            """}, title="the readiness route is in a router included through a list in another module"),
        Example({"app/main.py": """
            from fastapi import FastAPI
            from sqlalchemy.ext.asyncio import create_async_engine
            from app.plugins import discover

            engine = create_async_engine("postgresql+asyncpg://db/app", pool_pre_ping=True)
            app = FastAPI()
            for plugin in discover():
                app.include_router(plugin.router)
            """, "app/plugins.py": "def discover():\n    return []\n"}, expect=["app/main.py:8:info"],
            title="routers found at run time: info, not judged"),
    )

    def run(self, project: Project):
        # A recorded prefilter, not the modules' bytes read here: an edit of a service module that
        # still names no engine is then answered from the last result (engine.incremental).
        if not project.python.service_modules_mentioning(*ENGINE_MARKERS):
            return
        probed = {p.http_path.rstrip("/") for p in project.probes if p.kind == "readiness" and p.http_path}
        apps = project.service_apps
        for app in apps:
            routes = list(app.all_routes())
            unfollowed = app.cannot_follow()
            if not routes and unfollowed is None:
                continue
            if len(apps) > 1 and unfollowed is None and not any(
                    r.handler is not None and database_access(project, r.handler, r.module) for _, r in routes):
                continue  # one of several apps (a worker's health server), and none of its routes uses the database
            readiness = [(path, r) for path, r in routes
                         if ([s for s in path.lower().split("/") if s][-1:] or [""])[0] in READINESS_SEGMENTS
                         or path.rstrip("/") in probed]
            checked = [(path, r) for path, r in routes if r.handler is not None and
                       (path, r) in readiness and database_access(project, r.handler, r.module)]
            if checked:
                continue
            if readiness:
                path, route = readiness[0]
                yield self.finding(route.module.path, route.span,
                                   f"readiness route {path} does not check the database the service uses")
                continue
            health_checks_db = any(r.handler is not None and database_access(project, r.handler, r.module)
                                   for path, r in routes if _health_like(path, r))
            if not health_checks_db and unfollowed is not None:
                where, what, related = unfollowed
                yield self.finding(where.module.path, where.span,
                                   f"cannot tell whether app `{app.name}` has a readiness route that checks the "
                                   f"database: readycheck cannot follow {what}, where it may be",
                                   severity=Severity.INFO, related=related)
            elif not health_checks_db:
                yield self.finding(app.module.path, app.span,
                                   f"app `{app.name}` uses a database but has no readiness route that checks it")
