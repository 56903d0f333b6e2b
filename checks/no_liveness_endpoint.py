"""RC501 no-liveness-endpoint: a web app serves routes but no health endpoint.

What it does
    Builds every FastAPI/Starlette app with its routers (``include_router``
    prefixes, ``APIRouter(prefix=...)``, ``mount``, Starlette ``Mount``, across
    modules) and flags an app none of whose routes is a health endpoint: a
    path whose last segment is ``health``, ``healthz``, ``healthcheck``,
    ``health-check``, ``livez``, ``liveness``, ``readyz``, ``ping``, ``status``,
    ``heartbeat`` and similar. The apps judged are the ones production start
    commands serve (``app.main:app``, ``fastapi run app/main.py``); when no
    start command names one, every top-level app outside tests, docs and
    examples.

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

from readycheck.api import Check, Example, Project, Severity, WebObject

HEALTH_SEGMENTS = {
    "health", "healthz", "healthcheck", "healthchecks", "health-check", "health_check", "healthy", "_health",
    "livez", "live", "liveness", "alive", "readyz", "ready", "readiness", "ping", "status", "heartbeat",
    "hc", "up", "__health__", "_ah",
}
_NOT_SERVICE = re.compile(r"(^|/)(tests?|testing|docs?|docs_src|examples?|samples?|tutorials?|benchmarks?|scripts)(/|$)")


def is_health_path(path: str) -> bool:
    segments = [s for s in path.lower().split("/") if s]
    return bool(segments) and segments[-1] in HEALTH_SEGMENTS


def _target_modules(project: Project) -> list[tuple[str, str | None]]:
    """(module dotted name, attribute or None) for every app a production start command serves."""
    targets = []
    for start in project.start_commands:
        server = start.server
        if server is None or start.development or start.role != "boot" or server.target is None:
            continue
        text = server.target.text
        if text.endswith(".py"):
            targets.append((text[:-3].replace("/", "."), None))
            continue
        module, _, attr = text.partition(":")
        attr = attr.split("(")[0] or None
        targets.append((module, attr))
    return targets


class NoLivenessEndpoint(Check):
    id = "RC501"
    name = "no-liveness-endpoint"
    severity = Severity.WARNING
    summary = "A web app serves routes but no health endpoint"
    why = ("Without a cheap endpoint to probe, the orchestrator cannot tell a hung process from a healthy one: "
           "a deadlocked worker keeps receiving traffic and is never restarted.")
    fix = ("Add a liveness route that does no I/O (`@app.get(\"/healthz\")` returning {\"status\": \"ok\"}), a "
           "readiness route that checks the database, and point the orchestrator's probes at them.")
    tags = ("health", "python")
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
            """}, expect=["app/main.py:4"], title="routes, none of them a health check"),
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
        Example({"tests/test_api.py": """
            from fastapi import FastAPI

            app = FastAPI()

            @app.get("/items")
            def items():
                return []
            """}, title="throwaway apps in tests are not services"),
    )

    def run(self, project: Project):
        apps = [a for a in project.web.apps if not a.included and any(True for _ in a.all_routes())]
        targets = _target_modules(project)
        served = [a for a in apps if any(self._matches(a, module, attr) for module, attr in targets)]
        judged = served or [a for a in apps if not _NOT_SERVICE.search(a.module.path)]
        for app in judged:
            routes = list(app.all_routes())
            if any(is_health_path(path) for path, _ in routes):
                continue
            yield self.finding(app.module.path, app.span,
                               f"app `{app.name}` serves {len(routes)} route{'s' if len(routes) != 1 else ''} but no "
                               f"health endpoint (/healthz, /health, /livez, /ping...)")

    @staticmethod
    def _matches(app: WebObject, module: str, attr: str | None) -> bool:
        dotted = app.module.module
        if not (dotted == module or dotted.endswith("." + module)):
            return False
        return attr is None or attr == app.name or "<locals>" in app.key or attr not in {
            a.name for a in app.module.assignments if not a.scope}
