"""RC505 liveness-touches-database: the liveness endpoint depends on the database.

What it does
    Finds the app's liveness routes (a path ending in ``healthz``, ``livez``,
    ``liveness``, ``live``, ``alive`` or ``ping``, and any route a Kubernetes
    livenessProbe, a Dockerfile HEALTHCHECK or a compose ``healthcheck:``
    requests, in its command or in the repository script it runs: Swarm, ECS
    and autoheal replace a container that fails those) and flags one whose
    handler touches the database:
    calls on a SQLAlchemy/SQLModel session, engine or connection (sync or async,
    awaited or not), or on a database/cache client, directly, in the repo
    functions it calls (across modules), or in its dependencies
    (``Depends(...)``), or, for these and for any other health route whose
    own handler is cheap (``/healthcheck`` returning ``ok``, written for
    liveness), in an HTTP middleware of an app on the way to it
    (``@app.middleware("http")``, a ``BaseHTTPMiddleware`` given to
    ``add_middleware``) that every request passes: one whose own code does not
    look at the request's path or method, so it cannot leave the probe alone (dispatch's
    ``db_session_middleware`` queries the schema names for every request).
    Readiness routes (``/readyz``) are supposed to check the
    database and are not flagged. An app with no health route readycheck can
    see, whose routers reach it in a way readycheck cannot follow (a loop over
    plugins found at run time), is not judged: an info finding at that include
    says so.

Why is this bad
    Liveness answers "is this process stuck?"; the orchestrator restarts pods
    that fail it. If it checks the database, a database blip fails liveness on
    every pod at once and the orchestrator restarts the whole fleet, turning a
    few seconds of database trouble into a full outage with cold starts.

Example
    @app.get("/healthz")
    async def healthz(db: AsyncSession = Depends(get_db)):
        await db.execute(text("SELECT 1"))

Use instead
    @app.get("/healthz")          # liveness: no I/O
    async def healthz():
        return {"status": "ok"}

    @app.get("/readyz")           # readiness: check the database here
    async def readyz(db: AsyncSession = Depends(get_db)):
        await db.execute(text("SELECT 1"))
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Related, Severity, database_access, is_health_path

if TYPE_CHECKING:
    from readycheck.api import Probe, Project

#: An app whose /api/app/about queries the database and whose /api/app/version does not (probe examples).
ABOUT_APP = """
    from fastapi import Depends, FastAPI
    from sqlalchemy.orm import Session
    from app.db import get_session

    app = FastAPI()

    @app.get("/api/app/about")
    def about(session: Session = Depends(get_session)):
        return {"groups": session.execute("select count(*) from groups").scalar()}

    @app.get("/api/app/version")
    def version():
        return {"version": "1"}
    """
LIVENESS_SEGMENTS = {"healthz", "livez", "liveness", "live", "alive", "ping"}
READINESS_SEGMENTS = {"readyz", "ready", "readiness"}
#: Platforms whose single health check restarts or replaces the container that fails it (Swarm and
#: ECS replace a task whose Docker HEALTHCHECK fails; autoheal restarts unhealthy compose services): a
#: liveness check. fly.toml, render and railway checks only take an instance out of routing.
RESTARTING_HEALTH_CHECKS = {"Dockerfile", "compose"}



def _probed_by_script(path: str) -> dict[str, str]:
    """A Dockerfile whose HEALTHCHECK runs a script that requests ``path`` (mealie's healthcheck.py)."""
    return {"Dockerfile": """
            FROM python:3.12-slim
            USER app
            HEALTHCHECK CMD python $APP_HOME/app/scripts/healthcheck.py || exit 1
            CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
            """, "app/scripts/healthcheck.py": f"""
            import sys, requests
            sys.exit(0 if requests.get("http://127.0.0.1:9000{path}").ok else 1)
            """}

class LivenessTouchesDatabase(Check):
    id = "RC505"
    name = "liveness-touches-database"
    severity = Severity.ERROR
    summary = "The liveness endpoint touches the database"
    fix = ("Keep liveness free of I/O (return 200 if the process can answer at all) and check the database in a "
           "separate readiness route that the readinessProbe uses.")
    tags = ("health", "database", "kubernetes")
    precision = "medium"
    examples = (
        Example({"app/main.py": """
            from fastapi import Depends, FastAPI
            from sqlalchemy import text
            from sqlalchemy.ext.asyncio import AsyncSession
            from app.db import get_session, ping_db

            app = FastAPI()

            @app.get("/healthz")
            async def healthz(session: AsyncSession = Depends(get_session)):
                await session.execute(text("SELECT 1"))
                return {"ok": True}

            @app.get("/ping")
            def ping():
                return ping_db()
            """, "app/db.py": """
            from sqlalchemy import create_engine, text

            engine = create_engine("postgresql://db/app", pool_pre_ping=True)

            def get_session(): ...

            def ping_db():
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
                return True
            """}, expect=['app/main.py:8:2 liveness route /healthz (healthz) touches the database: `session.execute()`', "app/main.py:13"], title="directly, and through a helper in another module"),
        Example({"app/core/cache.py": """
            import redis

            redis_client = redis.Redis(host="cache")
            """, "app/services.py": """
            from sqlalchemy.orm import Session

            class HealthService:
                def __init__(self, db: Session):
                    self.db = db

                def check(self):
                    return self.db.execute("select 1")
            """, "app/main.py": """
            from fastapi import Depends, FastAPI
            from app.core.cache import redis_client
            from app.services import HealthService

            app = FastAPI()

            @app.get("/healthz")
            async def healthz():
                redis_client.ping()
                return {"ok": True}

            @app.get("/ping")
            def ping(svc: HealthService = Depends()):
                return svc.check()
            """}, expect=["app/main.py:7", "app/main.py:12"],
            title="a sync redis client from another module; a service class used as a dependency"),
        Example({"app/main.py": """
            from fastapi import Depends, FastAPI
            from sqlalchemy import text
            from sqlalchemy.ext.asyncio import AsyncSession
            from app.db import get_session

            app = FastAPI()

            @app.get("/healthz")
            async def healthz():
                return {"status": "ok"}

            @app.get("/readyz")
            async def readyz(session: AsyncSession = Depends(get_session)):
                await session.execute(text("SELECT 1"))
                return {"status": "ready"}
            """, "app/db.py": "async def get_session(): ...\n"},
            title="cheap liveness; readiness checks the database"),
        Example({"app/main.py": """
            from fastapi import FastAPI, Request
            from sqlalchemy import inspect
            from app.db import SessionLocal, engine

            app = FastAPI()

            @app.middleware("http")
            async def db_session_middleware(request: Request, call_next):
                if "tenant" not in inspect(engine).get_schema_names():
                    raise RuntimeError("no schema")
                request.state.db = SessionLocal()
                response = await call_next(request)
                request.state.db.close()
                return response

            @app.get("/healthcheck")
            def healthcheck():
                return {"status": "ok"}

            @app.get("/readyz")
            def readyz():
                return {"status": "ready"}
            """, "app/db.py": """
            from sqlalchemy import create_engine
            from sqlalchemy.orm import sessionmaker

            engine = create_engine("postgresql://db/app", pool_pre_ping=True)
            SessionLocal = sessionmaker(bind=engine)
            """, "Dockerfile": """
            FROM python:3.12-slim
            USER app
            CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
            """}, expect=["app/main.py:16:2 health route /healthcheck (healthcheck) passes middleware "
                          "`db_session_middleware`, which touches the database for every request: "
                          "`inspect(…).get_schema_names()`"],
            title="a cheap health route behind an HTTP middleware that queries for every request (readiness "
                  "routes are not judged)"),
        Example({"app/main.py": """
            from fastapi import FastAPI, Request
            from starlette.middleware.base import BaseHTTPMiddleware
            from app.db import SessionLocal

            app = FastAPI()

            class TimingMiddleware(BaseHTTPMiddleware):
                async def dispatch(self, request, call_next):
                    return await call_next(request)

            class AuditMiddleware(BaseHTTPMiddleware):
                async def dispatch(self, request: Request, call_next):
                    if request.url.path in ("/healthz", "/metrics"):
                        return await call_next(request)
                    with SessionLocal() as session:
                        session.execute("insert into audit values (1)")
                    return await call_next(request)

            class CsrfMiddleware(BaseHTTPMiddleware):
                async def dispatch(self, request: Request, call_next):
                    if request.method in {"POST", "PUT", "PATCH", "DELETE"}:
                        with SessionLocal() as session:
                            session.execute("select token from csrf")
                    return await call_next(request)

            app.add_middleware(TimingMiddleware)
            app.add_middleware(AuditMiddleware)
            app.add_middleware(CsrfMiddleware)

            @app.get("/healthz")
            def healthz():
                return {"status": "ok"}
            """, "app/db.py": """
            from sqlalchemy import create_engine
            from sqlalchemy.orm import sessionmaker

            SessionLocal = sessionmaker(bind=create_engine("postgresql://db/app", pool_pre_ping=True))
            """}, title="a middleware that does no database work; one that leaves the probe's path alone; one that "
                  "queries only for unsafe methods (a GET probe never reaches the query)"),
        Example({"app/main.py": """
            from fastapi import APIRouter, Depends, FastAPI
            from sqlalchemy.orm import Session
            from app.config import API_PREFIX
            from app.db import get_db

            router = APIRouter()

            @router.get("/healthz")
            def healthz(db: Session = Depends(get_db)):
                db.execute("SELECT 1")

            app = FastAPI()
            app.include_router(router, prefix="/api")
            app.include_router(router, prefix=API_PREFIX)
            """, "app/config.py": "import os\nAPI_PREFIX = os.environ['API_PREFIX']\n",
            "app/db.py": "def get_db(): ...\n"},
            expect=["app/main.py:8:2 liveness route /api/healthz (healthz) touches the database: `db.execute()`"],
            title="one liveness route served under two prefixes, one unknown: one finding, at the route, with the "
                  "path readycheck knows"),
        Example({"app/main.py": ABOUT_APP, "app/db.py": "def get_session(): ...\n", **_probed_by_script("/api/app/about")}, expect=["app/main.py:7:2 the HEALTHCHECK requests /api/app/about (about), which touches the "
                          "database: `session.execute()`"],
            title="the route the Dockerfile HEALTHCHECK's script requests queries the database"),
        Example({"app/main.py": ABOUT_APP, "app/db.py": "def get_session(): ...\n", **_probed_by_script("/api/app/version")}, title="the probe script requests a cheap route; the route that queries is not probed"),
        Example({"app/main.py": """
            from fastapi import FastAPI
            from app.api import health, users

            app = FastAPI()
            for router in [users.router, health.router]:
                app.include_router(router)
            """, "app/api/users.py": """
            from fastapi import APIRouter
            router = APIRouter()

            @router.get("/users")
            def users():
                return []
            """, "app/api/health.py": """
            from fastapi import APIRouter, Depends
            from sqlalchemy import text
            from sqlalchemy.orm import Session
            from app.db import get_session

            router = APIRouter()

            @router.get("/healthz")
            def healthz(session: Session = Depends(get_session)):
                session.execute(text("SELECT 1"))
            """, "app/db.py": "def get_session(): ...\n"}, expect=["app/api/health.py:8"],
            title="a liveness route that queries, in a router included in a loop"),
        Example({"app/main.py": """
            from fastapi import FastAPI
            from app.plugins import discover

            app = FastAPI()

            @app.get("/")
            def root():
                return "ok"

            for plugin in discover():
                app.include_router(plugin.router)
            """, "app/plugins.py": "def discover():\n    return []\n"}, expect=["app/main.py:11:info"],
            title="routers found at run time, no health route seen: info, not judged"),
        Example({"app/main.py": """
            from fastapi import FastAPI
            from app.plugins import discover

            app = FastAPI()

            @app.get("/health")
            def health():
                return "ok"

            for plugin in discover():
                app.include_router(plugin.router)
            """, "app/plugins.py": "def discover():\n    return []\n"},
            title="routers found at run time beside a cheap health route: judged on what is seen"),
    )

    def run(self, project: Project):
        from readycheck.api import UNKNOWN_SEGMENT  # loads the web model: only when the check runs

        probes = [p for p in project.probes if p.http_path and (
            p.kind == "liveness" or (p.kind == "health" and p.platform in RESTARTING_HEALTH_CHECKS))]
        for app in project.service_apps:
            health_routes = 0
            #: id(route) -> the liveness probe that requests it (a probe path is served by one route at most)
            probed: dict[int, Probe] = {}
            for probe in probes:
                found = project.web.served_by([app], probe.http_path or "")
                if found is not None:
                    probed.setdefault(id(found[1]), probe)
            # A route served under several prefixes is one piece of code: judged once, by its first known path.
            reported: set[int] = set()
            for path, route, way in sorted(app.routes_through(), key=lambda seen: UNKNOWN_SEGMENT in seen[0]):
                if id(route) in reported:
                    continue
                handler = route.handler
                health_routes += is_health_path(path)
                last = [s for s in path.lower().split("/") if s][-1:] or [""]
                probe = probed.get(id(route))
                liveness = last[0] in LIVENESS_SEGMENTS or probe is not None
                # A health route written cheap (/healthcheck returning "ok") is meant for liveness: a
                # database middleware in front of it defeats that. One that queries may be readiness.
                cheap_health = not liveness and is_health_path(path) and last[0] not in READINESS_SEGMENTS
                if handler is None or not (liveness or cheap_health):
                    continue
                step = database_access(project, handler, route.module)
                if step is not None and not liveness:
                    continue
                passes = None
                if step is None:
                    passes = next(((obj, function, module, span, found) for obj in way
                                   for function, module, span in obj.middleware if not function.reads_request_path
                                   for found in [database_access(project, function, module)] if found), None)
                    if passes is None:
                        continue
                    obj, function, home, registered, step = passes
                module, site_span, what = step
                related = [Related(module.path, site_span, what)] if (module.path, site_span) != \
                    (route.module.path, route.span) else []
                if passes is not None:
                    related.insert(0, Related(home.path, registered, f"middleware `{function.qualname}` of app "
                                                                      f"`{obj.name}`, for every request"))
                    reported.add(id(route))
                    yield self.finding(route.module.path, route.span,
                                       f"{'liveness' if liveness else 'health'} route {path} ({handler.name}) passes middleware "
                                       f"`{function.qualname}`, which touches the database for every request: "
                                       f"{what}", related=related)
                    continue
                if probe is not None and last[0] not in LIVENESS_SEGMENTS:
                    check = "HEALTHCHECK" if probe.platform == "Dockerfile" else f"{probe.platform} health check"
                    related.append(Related(probe.file, probe.span, f"the {check} that requests {path}"))
                    message = (f"the {check} requests {path} ({handler.name}), which touches the database: "
                               f"{what}")
                else:
                    message = f"liveness route {path} ({handler.name}) touches the database: {what}"
                reported.add(id(route))
                yield self.finding(route.module.path, route.span, message, related=related)
            unfollowed = app.cannot_follow() if not health_routes else None
            if unfollowed is not None:
                where, what, related = unfollowed
                yield self.finding(where.module.path, where.span,
                                   f"cannot tell whether app `{app.name}` has a liveness route that touches the "
                                   f"database: readycheck cannot follow {what}, where it may be",
                                   severity=Severity.INFO, related=related)
