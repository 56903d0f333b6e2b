"""RC501 no-liveness-endpoint: a web app serves routes but no health endpoint.

What it does
    Builds every FastAPI/Starlette app with its routers (``include_router``
    prefixes, ``APIRouter(prefix=...)``, ``mount``, Starlette ``Mount``, across
    modules) and flags an app none of whose routes is a health endpoint: a
    path whose last segment is ``health``, ``healthz``, ``healthcheck``,
    ``health-check``, ``livez``, ``liveness``, ``readyz``, ``ping``, ``status``,
    ``heartbeat`` and similar, that a probe can request (GET or HEAD; a
    health word right after a path parameter, ``PUT /tasks/{pk}/status``, is
    the state of one object, not a health endpoint). A path may be a name bound to one string (a
    constant, imported or not, or a factory's parameter default); a path
    readycheck cannot know counts as a health route when its handler is named
    for one (``health_check``, ``readiness``). The apps judged are the ones production start
    commands serve (``app.main:app``, ``fastapi run app/main.py``); when no
    start command names one, every top-level app outside tests, docs and
    examples. Routers reach an app directly, through a loop over routers
    written in the code (a tuple, a list or dict in another module,
    ``import_module(f"app.api.{name}")`` over a list of names, or over names
    built at run time when the f-string names the repo's own plugin modules:
    every router of those modules counts), a registrar function given the app,
    a factory returning a router, or a mounted sub-application. An app created
    in a factory (``def create_app(): app = FastAPI() ... return app``) is the
    one a start command serves through the name the factory's result is bound
    to (``main:app`` with ``app = create_app()`` in main.py); a factory nothing
    serves is not judged when another app is served. Where routers reach
    an app in a way readycheck cannot follow (a loop over plugins found at run
    time) and none of the routes it can see is a health endpoint, the app is
    not judged: an info finding at that include says so instead. Option ``extra-health-paths`` (full paths, e.g.
    ``["/internal/am-i-alive"]``) names health routes with a house name, and
    so does a probe the repository declares (HEALTHCHECK with curl, or running
    a repository script that requests a URL; a Kubernetes or compose probe;
    fly/render health-check paths) that requests one of the app's routes,
    unless that route touches the database: then the app has no cheap
    health endpoint and is flagged, with the probed route as a related
    location (RC505 reports the route itself when the probe is a liveness
    check).

Why is this bad
    Without a cheap endpoint to probe, the orchestrator (Kubernetes, ECS, a
    PaaS, Docker's HEALTHCHECK) can only see that the process exists, not that
    it answers: a deadlocked worker keeps receiving traffic until a human
    notices.

Example
    app = FastAPI()
    app.include_router(users.router, prefix="/users")

Use instead
    @app.get("/healthz")
    async def healthz():            # liveness: no database, no I/O
        return {"status": "ok"}
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Related, Severity, database_access, is_health_path

if TYPE_CHECKING:
    from readycheck.api import Project, Route

_HEALTH_WORDS = re.compile(r"health|liveness|readiness|alive|heartbeat|ping|^live|^ready")


def may_be_health_route(route: Route) -> bool:
    """A route whose own path readycheck cannot know (``@app.get(settings.HEALTH_PATH)``) and whose
    handler is named for a health check: the benefit of the doubt, not a guess that it is missing."""
    return (not route.path_is_known and route.handler is not None
            and bool(_HEALTH_WORDS.search(route.handler.name.lower())))


def probe_can_request(route: Route) -> bool:
    """Whether a probe can request a route: HTTP probes send GET (or HEAD), never PUT or POST."""
    return not route.websocket and bool({"GET", "HEAD"} & set(route.methods))


#: An app whose only route is not named like a health check (the probe examples).
ABOUT_APP = """
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/api/app/about")
    def about():
        return {"version": "1"}
    """


#: Routers in their own modules, for the examples of routers that reach the app dynamically.
_ROUTER = """
    from fastapi import APIRouter

    router = APIRouter(prefix="/{name}")

    @router.get("/")
    async def {name}():
        return []
    """
_HEALTH_ROUTER = """
    from fastapi import APIRouter

    router = APIRouter()

    @router.get("/healthz")
    async def healthz():
        return {"status": "ok"}
    """
_ROUTERS = {"app/api/users.py": _ROUTER.format(name="users"), "app/api/items.py": _ROUTER.format(name="items"),
            "app/api/health.py": _HEALTH_ROUTER}


#: An app factory that includes the router it is given (the router comes from its callers).
_FACTORY = """
            from fastapi import APIRouter, FastAPI

            def create_application(router: APIRouter, **kwargs) -> FastAPI:
                application = FastAPI(**kwargs)
                application.include_router(router)
                return application
            """

#: An app that includes the router of each plugin whose name it reads at run time.
_PLUGIN_MAIN = """
            from importlib import import_module
            from fastapi import FastAPI
            from app.config import enabled_plugins

            app = FastAPI()

            @app.get("/users")
            def users():
                return []

            for name in enabled_plugins():
                module = import_module(f"app.plugins.{name}.api")
                app.include_router(getattr(module, "router"))
            """

class NoLivenessEndpoint(Check):
    id = "RC501"
    name = "no-liveness-endpoint"
    severity = Severity.WARNING
    summary = "A web app serves routes but no health endpoint"
    fix = ("Add a liveness route that does no I/O (`@app.get(\"/healthz\")` returning {\"status\": \"ok\"}), a "
           "readiness route that checks the database, and point the orchestrator's probes at them.")
    tags = ("health", "python")
    precision = "medium"
    default_options = {"extra-health-paths": []}
    references = ("https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/",)
    examples = (
        Example({"app/main.py": """
            from fastapi import FastAPI
            from app.api import users

            app = FastAPI(title="svc")
            app.include_router(users.router, prefix="/users")
            """, "app/api/users.py": """
            from fastapi import APIRouter

            router = APIRouter()

            @router.get("/{user_id}")
            async def get_user(user_id: int):
                return {"id": user_id}
            """}, expect=['app/main.py:4:1 app `app` serves 1 route but no health endpoint (/healthz, /health, /livez, /ping...)'], title="routes, none of them a health check"),
        Example({"app/main.py": """
            from fastapi import FastAPI

            app = FastAPI()

            @app.put("/status")
            def set_status(value: str):
                return value

            @app.get("/tasks/{pk}/status")
            def task_status(pk: int):
                return {"pk": pk}
            """}, expect=["app/main.py:3"],
            title="a PUT /status and the status of one task are not health endpoints"),
        Example({"svc/main.py": """
            from starlette.applications import Starlette
            from starlette.routing import Route

            async def home(request): ...

            app = Starlette(routes=[Route("/", home)])
            """}, expect=["svc/main.py:6"], title="Starlette app"),
        Example({"app/main.py": """
            from fastapi import FastAPI
            from app.api.routes import utils

            app = FastAPI()
            app.include_router(utils.router, prefix="/api/v1")
            """, "app/api/routes/utils.py": """
            from fastapi import APIRouter

            router = APIRouter(prefix="/utils", tags=["utils"])

            @router.get("/health-check/")
            async def health_check() -> bool:
                return True
            """}, title="health route behind two prefixes in another module"),
        Example({"main.py": """
            from fastapi import FastAPI

            def create_app() -> FastAPI:
                app = FastAPI()

                @app.get("/items")
                def items():
                    return []

                @app.get("/healthz")
                def healthz():
                    return {"ok": True}

                return app
            """}, title="app factory"),
        Example({"svc/routing.py": """
            from fastapi import APIRouter as _APIRouter

            class VersionedRouter(_APIRouter):
                pass

            def make_router_class():
                class _Custom(_APIRouter):
                    pass
                return _Custom

            APIRouter = make_router_class()
            """, "svc/health.py": """
            from svc.routing import APIRouter

            router = APIRouter(tags=["health"])

            @router.get("/healthz")
            async def healthz():
                return {"status": "ok"}
            """, "svc/users.py": """
            from svc.routing import VersionedRouter

            router = VersionedRouter(prefix="/users")

            @router.get("/")
            async def users():
                return []
            """, "svc/app.py": """
            from fastapi import FastAPI
            from svc.health import router as health_router
            from svc import users

            def create_app() -> FastAPI:
                app = FastAPI()
                app.include_router(users.router)
                app.include_router(health_router)

                @app.get("/version")
                def version():
                    return "1"

                return app
            """}, title="routers from a repo subclass and from a class factory, included in an app factory"),
        Example({"app.py": """
            from fastapi import FastAPI

            app = FastAPI()

            @app.get("/internal/am-i-alive")
            def alive():
                return "yes"
            """}, options={"extra-health-paths": ["/internal/am-i-alive"]},
            title="a health route with a house name, declared in options"),
        Example({"svc/server.py": """
            from fastapi import FastAPI
            from svc.paths import READY_PATH

            def create_api_app(health_check_path: str = "/health") -> FastAPI:
                api_app = FastAPI()

                @api_app.get(health_check_path)
                async def check() -> bool:
                    return True

                @api_app.get(READY_PATH)
                async def db_check() -> bool:
                    return True

                return api_app
            """, "svc/paths.py": 'READY_PATH = "/ready"\n'},
            title="health paths from a factory's parameter default and from an imported constant"),
        Example({"svc/server.py": """
            from fastapi import FastAPI

            def create_api_app(health_check_path: str) -> FastAPI:
                api_app = FastAPI()

                @api_app.get(health_check_path)
                async def health_check() -> bool:
                    return True

                return api_app
            """}, title="a path readycheck cannot know, on a handler named for a health check"),
        Example({"app.py": ABOUT_APP, "Dockerfile": """
            FROM python:3.12-slim
            USER app
            HEALTHCHECK CMD curl -fsS http://localhost:8000/api/app/about || exit 1
            CMD ["uvicorn", "app:app", "--host", "0.0.0.0"]
            """}, title="a route the Dockerfile's HEALTHCHECK requests is the health endpoint"),
        Example({"app.py": ABOUT_APP, "Dockerfile": """
            FROM python:3.12-slim
            USER app
            HEALTHCHECK CMD python $APP_HOME/app/scripts/healthcheck.py || exit 1
            CMD ["uvicorn", "app:app", "--host", "0.0.0.0"]
            """, "app/scripts/healthcheck.py": """
            import os, sys, requests
            port = os.getenv("API_PORT", "9000")
            sys.exit(0 if requests.get(f"http://127.0.0.1:{port}/api/app/about").ok else 1)
            """}, title="... or that the repository script the HEALTHCHECK runs requests"),
        Example({"app.py": """
            from fastapi import Depends, FastAPI
            from sqlalchemy.orm import Session
            from app.db import get_session

            app = FastAPI()

            @app.get("/api/app/about")
            def about(session: Session = Depends(get_session)):
                return {"groups": session.execute("select count(*) from groups").scalar()}
            """, "app/db.py": "def get_session(): ...\n", "Dockerfile": """
            FROM python:3.12-slim
            USER app
            HEALTHCHECK CMD python $APP_HOME/app/scripts/healthcheck.py || exit 1
            CMD ["uvicorn", "app:app", "--host", "0.0.0.0"]
            """, "app/scripts/healthcheck.py": """
            import sys, requests
            sys.exit(0 if requests.get("http://127.0.0.1:9000/api/app/about").ok else 1)
            """}, expect=["app.py:5:1 app `app` serves 1 route but no cheap health endpoint: the route a declared "
                          "probe requests, /api/app/about (about), touches the database (`session.execute()`), so "
                          "a database blip fails the probe"],
            title="the only route a probe requests queries the database: no cheap health endpoint"),
        Example({"app/registrar.py": """
            from fastapi import FastAPI
            from app.plugin import build_final_router

            def register_app() -> FastAPI:
                app = FastAPI()
                register_router(app)
                return app

            def register_router(app: FastAPI) -> None:
                router = build_final_router()
                app.include_router(router)
            """, "app/plugin.py": """
            def build_final_router():
                from app.router import router as main_router
                return main_router
            """, "app/router.py": """
            from fastapi import APIRouter

            router = APIRouter()

            @router.get("/users")
            def users():
                return []
            """, "app/debug.py": """
            from fastapi import FastAPI

            def make_debug_app() -> FastAPI:
                app = FastAPI()

                @app.get("/debug/vars")
                def debug_vars():
                    return {}

                return app
            """, "main.py": """
            from app.registrar import register_app

            app = register_app()
            """, "Dockerfile": """
            FROM python:3.12-slim
            USER app
            CMD ["uvicorn", "main:app", "--host", "0.0.0.0"]
            """}, expect=["app/registrar.py:5"],
            title="the app a served factory builds, with the router another factory returns (the debug app "
                  "factory nothing serves is not judged)"),
        Example({"app/core/setup.py": _FACTORY, "app/api/users.py": _ROUTER.format(name="users"),
            "app/main.py": """
            from app.api.users import router
            from app.core.setup import create_application

            app = create_application(router=router, title="svc")
            """}, expect=["app/core/setup.py:4"],
            title="an app factory given its router by the module that builds the app (FastAPI-boilerplate)"),
        Example({"app/core/setup.py": _FACTORY, "app/api/health.py": _HEALTH_ROUTER, "app/main.py": """
            from app.api import health
            from app.core.setup import create_application

            app = create_application(health.router)
            """}, title="... given, by position, a router that serves /healthz"),
        Example({"app/core/setup.py": _FACTORY, "app/api/users.py": _ROUTER.format(name="users"),
            "app/api/health.py": _HEALTH_ROUTER, "app/main.py": """
            from app.api.users import router
            from app.core.setup import create_application

            app = create_application(router=router, title="svc")
            """, "app/admin.py": """
            from app.api import health
            from app.core.setup import create_application

            admin = create_application(health.router)
            """}, expect=["app/core/setup.py:5:5:info cannot tell whether app `application` serves a health endpoint: readycheck "
                       "cannot follow `include_router(router)`, and none of the 0 routes it can see is one"],
            title="... by two callers, each its own router: which one the served app has cannot be told (an info, "
                  "not the other caller's /healthz)"),
        Example({"app/core/setup.py": _FACTORY, "app/api/users.py": _ROUTER.format(name="users"), "app/main.py": """
            from app.api.users import router
            from app.core.setup import create_application

            app = create_application(router=router, title="svc")
            """, "app/admin.py": """
            import os
            from importlib import import_module
            from app.core.setup import create_application

            def build_router(name):
                return getattr(import_module(name), "router")

            admin = create_application(build_router(os.environ["HEALTH_MODULE"]))
            """}, expect=["app/core/setup.py:5:5:info cannot tell whether app `application` serves a health endpoint: "
                       "readycheck cannot follow `include_router(router)`, and none of the 0 routes it can see is one"],
            title="... or by a caller whose router readycheck cannot follow (built at run time)"),
        Example({"app/core/setup.py": _FACTORY, "app/api/users.py": _ROUTER.format(name="users"), "app/main.py": """
            from app.api.users import router
            from app.core.setup import create_application

            app = create_application(router=router, title="svc")
            """, "app/admin.py": """
            import os
            from importlib import import_module
            from app.core.setup import create_application

            admin = create_application(getattr(import_module(os.environ["HEALTH_MODULE"]), "router"))
            """}, expect=["app/core/setup.py:5:5:info cannot tell whether app `application` serves a health endpoint: "
                       "readycheck cannot follow `include_router(router)`, and none of the 0 routes it can see is one"],
            title="... built in place from a module named at run time"),
        Example({"app/main.py": _PLUGIN_MAIN, "app/config.py": "def enabled_plugins():\n    return []\n",
            "app/plugins/__init__.py": "", "app/plugins/notes/__init__.py": "",
            "app/plugins/notes/api.py": _ROUTER.format(name="notes")}, expect=["app/main.py:5"],
            title="plugins imported by a name built at run time: none of the repo's plugin routers is a health check"),
        Example({"app/main.py": _PLUGIN_MAIN, "app/config.py": "def enabled_plugins():\n    return []\n",
            "app/plugins/__init__.py": "", "app/plugins/notes/__init__.py": "",
            "app/plugins/notes/api.py": _ROUTER.format(name="notes"), "app/plugins/probe/__init__.py": "",
            "app/plugins/probe/api.py": _HEALTH_ROUTER},
            title="... and one of the repo's plugins serves /healthz"),
        Example({"tests/test_api.py": """
            from fastapi import FastAPI

            app = FastAPI()

            @app.get("/items")
            def items():
                return []
            """}, title="throwaway apps in tests are not services"),
        Example({**_ROUTERS, "app/main.py": """
            from fastapi import FastAPI
            from app.api import users, items

            app = FastAPI()
            for router in (users.router, items.router):
                app.include_router(router, prefix="/api")
            """}, expect=["app/main.py:4"], title="routers included in a loop, none of them a health check"),
        Example({**_ROUTERS, "app/main.py": """
            from fastapi import FastAPI
            from app.api import users, health

            app = FastAPI()
            for router in (users.router, health.router):
                app.include_router(router)
            """}, title="the /healthz router included in a loop"),
        Example({**_ROUTERS, "app/api/__init__.py": """
            from app.api import users, items, health

            ROUTERS = {"/users": users.router, "/items": items.router, "/ops": health.router}
            """, "app/main.py": """
            from fastapi import FastAPI
            from app.api import ROUTERS

            app = FastAPI()
            for prefix, router in ROUTERS.items():
                app.include_router(router, prefix=prefix)
            """}, title="a dict of routers in one module, included in a loop in another"),
        Example({**_ROUTERS, "app/main.py": """
            import importlib
            from fastapi import FastAPI

            API_MODULES = ["users", "items"]

            app = FastAPI()
            for name in API_MODULES:
                module = importlib.import_module(f"app.api.{name}")
                app.include_router(module.router)
            """}, expect=["app/main.py:6"], title="import_module over a literal list of names, no health module"),
        Example({**_ROUTERS, "app/main.py": """
            import importlib
            from fastapi import FastAPI

            API_MODULES = ["users", "items", "health"]

            app = FastAPI()
            for name in API_MODULES:
                module = importlib.import_module(f"app.api.{name}")
                app.include_router(module.router)
            """}, title="... and with the health module in the list"),
        Example({**_ROUTERS, "app/routes.py": """
            from fastapi import FastAPI
            from app.api import users, health

            def register_routers(app: FastAPI) -> None:
                app.include_router(users.router)
                app.include_router(health.router, prefix="/ops")
            """, "app/main.py": """
            from fastapi import FastAPI
            from app.routes import register_routers

            def create_app() -> FastAPI:
                app = FastAPI()
                register_routers(app)
                return app
            """}, title="a registrar function given the app includes the health router"),
        Example({**_ROUTERS, "app/routes.py": """
            from app.api import users, items

            def register_routers(app) -> None:
                for router in (users.router, items.router):
                    app.include_router(router)
            """, "app/main.py": """
            from fastapi import FastAPI
            from app.routes import register_routers

            app = FastAPI()
            register_routers(app)
            """}, expect=["app/main.py:4"], title="a registrar function that includes no health router"),
        Example({**_ROUTERS, "app/main.py": """
            from fastapi import FastAPI
            from app.api import users, health

            def create_v1() -> FastAPI:
                v1 = FastAPI()
                v1.include_router(users.router)
                v1.include_router(health.router)
                return v1

            app = FastAPI()
            app.mount("/v1", create_v1())

            @app.get("/")
            def root():
                return "see /v1"
            """}, title="the health route is in a mounted sub-application (served at /v1/healthz)"),
        Example({**_ROUTERS, "app/main.py": """
            from fastapi import FastAPI
            from app.api import users
            from app.plugins import discover

            app = FastAPI()
            app.include_router(users.router)
            for plugin in discover():
                app.include_router(plugin.router)
            """, "app/plugins.py": """
            import pkgutil, importlib

            def discover():
                return [importlib.import_module(m.name) for m in pkgutil.iter_modules(["plugins"])]
            """}, expect=["app/main.py:8:info"],
            title="routers found at run time: info, readycheck cannot judge the app"),
    )

    def run(self, project: Project):
        probed = sorted({p.http_path for p in project.probes if p.http_path})
        extra = {p.strip("/").lower() for p in self.options["extra-health-paths"]}
        for app in project.service_apps:
            routes = list(app.all_routes())
            if any((is_health_path(path) or path.strip("/").lower() in extra or may_be_health_route(route))
                   and probe_can_request(route) for path, route in routes):
                continue
            probed_routes = [(path, project.web.served_by([app], path)) for path in probed
                             if project.web.serves([app], path)]
            costly = [(full, route, step) for _, found in probed_routes if found is not None
                      for full, route in [found] if route.handler is not None
                      for step in [database_access(project, route.handler, route.module)] if step is not None]
            if len(costly) < len(probed_routes):
                continue  # a declared probe requests one of its routes that does no database work: its health endpoint
            unfollowed = app.cannot_follow()
            if unfollowed is not None:
                where, what, related = unfollowed
                yield self.finding(where.module.path, where.span,
                                   f"cannot tell whether app `{app.name}` serves a health endpoint: readycheck cannot "
                                   f"follow {what}, and none of the {len(routes)} routes it can see is one",
                                   severity=Severity.INFO, related=related)
                continue
            if not routes:
                continue
            served = f"app `{app.name}` serves {len(routes)} route{'s' if len(routes) != 1 else ''}"
            if costly:
                full, route, (module, span, what) = costly[0]
                yield self.finding(app.module.path, app.span,
                                   f"{served} but no cheap health endpoint: the route a declared probe requests, "
                                   f"{full} ({route.handler.name if route.handler else '?'}), touches the database "
                                   f"({what}), so a database blip fails the probe",
                                   related=[Related(route.module.path, route.span, f"probed route {full}"),
                                            Related(module.path, span, what)])
                continue
            yield self.finding(app.module.path, app.span,
                               f"{served} but no health endpoint (/healthz, /health, /livez, /ping...)")
