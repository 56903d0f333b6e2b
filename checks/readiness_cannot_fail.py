"""RC507 readiness-cannot-fail: a readiness route catches the database error and still answers 200.

What it does
    Finds the readiness and health routes of the service's apps (a path ending
    in ``readyz``, ``ready``, ``readiness``, ``health``, ``healthz``,
    ``health-check``... or one a readiness probe requests; pure liveness paths
    such as ``/livez`` are RC505's) whose
    handler checks the database (directly, through helpers or dependencies),
    and flags the ``except`` clause that catches the database error around
    that check when nothing in the route can answer with an error status. The
    clause catches the database error when it is a bare ``except:``, ``except
    Exception`` or ``BaseException``, or a database driver's or
    ``ConnectionError``/``OSError``/``TimeoutError``. The route can fail when
    the clause re-raises, or the handler raises anywhere else
    (``HTTPException(503)``), or sets a status code that is not a literal 2xx
    or 3xx (``JSONResponse(..., status_code=503)``, ``response.status_code =
    503``, a status worked out at run time). The ``try`` may be in the handler
    or in a helper it calls (``async def check_db(): try: ... except Exception:
    return False``) whose result the route reports with a 200.

Why is this bad
    Readiness exists to answer "do not send me traffic" with a non-2xx status.
    A route that catches the database error and returns ``{"db": "down"}``
    with a 200 tells the orchestrator and the load balancer that the pod is
    ready while every request it serves fails: the probe can never fail, so it
    protects nothing.

Example
    @app.get("/readyz")
    async def readyz(session: AsyncSession = Depends(get_session)):
        try:
            await session.execute(text("SELECT 1"))
        except Exception:
            return {"database": "down"}      # 200: still ready
        return {"database": "up"}

Use instead
    @app.get("/readyz")
    async def readyz(session: AsyncSession = Depends(get_session)):
        try:
            await session.execute(text("SELECT 1"))
        except Exception:
            raise HTTPException(status_code=503, detail="database unreachable")
        return {"database": "up"}
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from readycheck.api import Check, Example, HEALTH_SEGMENTS, Related, Severity, catches_database_error, database_access

if TYPE_CHECKING:
    from readycheck.api import ErrorHandling, ExceptClause, Function, ModuleFacts, Project, Span, Value

#: Last path segments of the routes judged: readiness and health checks (``/readyz``, ``/health``,
#: ``/healthz``), not ``/status`` or ``/ping`` (``/connector/status`` is an API), nor pure liveness
#: (``/livez``: a database check there is RC505's finding).
JUDGED_SEGMENTS = {s for s in HEALTH_SEGMENTS if "health" in s or "ready" in s}
_SUCCESS_NAME = re.compile(r"HTTP_[23]\d\d(_|$)|HTTPStatus\.(OK|CREATED|ACCEPTED|NO_CONTENT)$")

HEAD = """
    from fastapi import Depends, FastAPI, HTTPException, Response
    from fastapi.responses import JSONResponse
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.ext.asyncio import AsyncSession
    from app.db import get_session

    app = FastAPI()
    """
DB = {"app/db.py": "async def get_session(): ...\n"}
#: A helper that answers False when the database is down, for the examples of routes that call it.
SWALLOWING_HELPER = {"app/checks.py": """
    from sqlalchemy import text
    from app.db import engine

    async def database_ok() -> bool:
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False
    """, **DB}


def _app(body: str) -> dict[str, str]:
    return {"app/main.py": HEAD + body, **DB}


def _succeeds(status: "Value") -> bool:
    """Whether a status code is written as a success (a literal 2xx or 3xx, ``status.HTTP_200_OK``)."""
    if status.kind == "int":
        return 200 <= int(status.text) < 400
    return status.kind == "ref" and bool(_SUCCESS_NAME.search(status.text))


def _inside(span, outer) -> bool:
    return (outer.line, outer.column) <= (span.line, span.column) and \
        (span.end_line, span.end_column) <= (outer.end_line, outer.end_column)


def _clause_text(clause: "ExceptClause") -> str:
    if not clause.types:
        return "except:"
    return "except " + ", ".join(t.rpartition(".")[2] for t in clause.types)


class ReadinessCannotFail(Check):
    id = "RC507"
    name = "readiness-cannot-fail"
    severity = Severity.ERROR
    summary = "A readiness route catches the database error and still answers 200"
    fix = ("In the except clause, answer 503: `raise HTTPException(status_code=503)`, return "
           "`JSONResponse(..., status_code=503)`, set `response.status_code = 503`, or let the error propagate.")
    tags = ("health", "database", "kubernetes")
    examples = (
        Example(_app("""
    @app.get("/readyz")
    async def readyz(session: AsyncSession = Depends(get_session)):
        try:
            await session.execute(text("SELECT 1"))
        except Exception:
            return {"database": "down"}
        return {"database": "up"}
    """), expect=['app/main.py:14:5 readiness route /readyz (readyz) cannot fail: `except Exception` catches the database error of `session.execute()` and the route still answers 200'], title="except Exception around the query, then a normal return"),
        Example(_app("""
    @app.get("/health")
    async def health(session: AsyncSession = Depends(get_session)):
        ok = True
        try:
            await session.execute(text("SELECT 1"))
        except:
            ok = False
        return JSONResponse({"database": ok}, status_code=200)
    """), expect=["app/main.py:15"], title="a bare except, and the response says 200 in so many words"),
        Example({"app/main.py": HEAD + """
    from app.checks import database_ok

    @app.get("/ready")
    async def ready():
        return {"database": await database_ok()}
    """, **SWALLOWING_HELPER}, expect=["app/checks.py:9"],
            title="the error is caught in a helper in another module, and the route reports its answer with a 200"),
        Example(_app("""
    @app.get("/readyz")
    async def readyz(session: AsyncSession = Depends(get_session)):
        try:
            await session.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return JSONResponse({"database": "down"}, status_code=503)
        return {"database": "up"}
    """), title="503 in the except clause"),
        Example(_app("""
    @app.get("/readyz")
    async def readyz(response: Response, session: AsyncSession = Depends(get_session)):
        try:
            await session.execute(text("SELECT 1"))
        except Exception:
            response.status_code = 503
            return {"database": "down"}
        return {"database": "up"}
    """), title="response.status_code = 503"),
        Example(_app("""
    @app.get("/readyz")
    async def readyz(session: AsyncSession = Depends(get_session)):
        try:
            await session.execute(text("SELECT 1"))
        except Exception:
            logger.exception("database down")
            raise
        return {"database": "up"}
    """), title="re-raises"),
        Example(_app("""
    @app.get("/readyz")
    async def readyz(session: AsyncSession = Depends(get_session)):
        try:
            await session.execute(text("SELECT 1"))
        except Exception as exc:
            raise HTTPException(status_code=503, detail="database down") from exc
        return {"database": "up"}
    """), title="raises HTTPException(503)"),
        Example(_app("""
    @app.get("/readyz")
    async def readyz(session: AsyncSession = Depends(get_session)):
        healthy = True
        try:
            await session.execute(text("SELECT 1"))
        except Exception:
            healthy = False
        return JSONResponse({"database": healthy}, status_code=200 if healthy else 503)
    """), title="the status is worked out after the try"),
        Example({"app/main.py": HEAD + """
    from app.checks import database_ok

    @app.get("/ready")
    async def ready():
        if not await database_ok():
            raise HTTPException(status_code=503)
        return {"database": "up"}
    """, **SWALLOWING_HELPER},
            title="the helper catches the error, and the route turns its answer into a 503"),
        Example(_app("""
    @app.get("/readyz")
    async def readyz(session: AsyncSession = Depends(get_session)):
        await session.execute(text("SELECT 1"))
        return {"database": "up"}
    """), title="no try at all: the error propagates as a 500"),
        Example(_app("""
    @app.get("/healthz")
    async def healthz():
        try:
            return {"version": read_version()}
        except Exception:
            return {"version": "unknown"}
    """), title="a liveness route that does not touch the database"),
        Example(_app("""
    @app.get("/readyz")
    async def readyz(session: AsyncSession = Depends(get_session)):
        try:
            await session.execute(text("SELECT 1"))
        except KeyError:
            return {"database": "odd"}
        return {"database": "up"}
    """), title="the except clause does not catch the database error"),
        Example(_app("""
    @app.get("/jobs/{job_id}/status")
    async def job_status(job_id: int, session: AsyncSession = Depends(get_session)):
        try:
            return (await session.execute(text("SELECT state FROM jobs"))).scalar()
        except Exception:
            return "unknown"
    """), title="an API route that ends in /status is not a health check"),
    )

    def run(self, project: Project):
        readiness_probes = {p.http_path.rstrip("/") for p in project.probes if p.kind == "readiness" and p.http_path}
        found: dict[tuple[str, tuple], tuple[str, Span, str, list[Related]]] = {}
        for app in project.service_apps:
            for path, route in app.all_routes():
                handler = route.handler
                last = ([s for s in path.lower().split("/") if s][-1:] or [""])[0]
                if handler is None or not (last in JUDGED_SEGMENTS or path.rstrip("/") in readiness_probes):
                    continue
                if database_access(project, handler, route.module) is None:
                    continue
                swallowed = self._swallowed(project, handler, route.module)
                if swallowed is None:
                    continue
                module, clause, what, helper = swallowed
                key = (module.path, tuple(clause.span))
                where = f" in `{helper}()`" if helper else ""
                message = (f"readiness route {path} ({handler.name}) cannot fail: `{_clause_text(clause)}`{where} "
                           f"catches the database error of {what} and the route still answers 200")
                related = Related(route.module.path, route.span, f"route {path}")
                if key in found:
                    found[key][3].append(related)
                else:
                    found[key] = (module.path, clause.span, message, [related])
        for path, span, message, places in found.values():
            yield self.finding(path, span, message, related=places)

    def _swallowed(self, project: "Project", handler: "Function", module: "ModuleFacts"
                   ) -> "tuple[ModuleFacts, ExceptClause, str, str | None] | None":
        """(module, except clause, the database call, helper name or None) of a clause that catches the
        database error the route checks, when nothing in the route can answer with an error status."""
        errors = module.error_handling.get(handler.qualname)
        if errors is not None and self._can_fail(errors):
            return None
        found = self._catching_clause(project, handler, module, errors)
        if found is not None:
            return module, found[0], found[1], None
        for call in handler.calls:
            if not call.text:
                continue
            target = project.python.function(module, call.callee or call.text, handler.qualname,
                                             call.callee is not None)
            if target is None:
                continue
            function, home = target
            helper_errors = home.error_handling.get(function.qualname)
            if helper_errors is None or self._can_fail(helper_errors):
                continue
            found = self._catching_clause(project, function, home, helper_errors)
            if found is not None:
                return home, found[0], found[1], function.name
        return None

    @staticmethod
    def _can_fail(errors: "ErrorHandling") -> bool:
        """Whether a function can answer with an error status: it raises outside the body of a
        ``try`` whose clauses would catch that (a re-raise in a clause counts), or sets a status
        code that is not written as a success."""
        catching = [t.body for t in errors.tries if any(catches_database_error(c.types) for c in t.handlers)]
        if any(not any(_inside(r, body) for body in catching) for r in errors.raises):
            return True
        return any(not _succeeds(status) for status in errors.statuses)

    @staticmethod
    def _catching_clause(project: "Project", function: "Function", module: "ModuleFacts",
                         errors: "ErrorHandling | None") -> "tuple[ExceptClause, str] | None":
        """The first clause that catches the database error of a call in its ``try`` body, without
        raising, and that database call."""
        for block in errors.tries if errors is not None else ():
            clause = next((c for c in block.handlers if catches_database_error(c.types)), None)
            if clause is None or clause.raises:
                continue
            inside = [c for c in function.calls if _inside(c.span, block.body)]
            if not inside:
                continue
            # Only the calls in the try body, and no dependencies: FastAPI resolves those before the handler runs.
            body = replace(function, calls=inside, params=[p._replace(depends=None) for p in function.params],
                           operators=[c for c in function.operators if _inside(c.span, block.body)])
            step = database_access(project, body, module)
            if step is not None:
                return clause, step[2]
        return None
