"""RC209 no-graceful-timeout: uvicorn shuts down with no time limit.

What it does
    Flags a production uvicorn command with no graceful-shutdown timeout
    (``--timeout-graceful-shutdown``, ``UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN`` or
    ``uvicorn.run(timeout_graceful_shutdown=...)``). gunicorn (30 s by default)
    and hypercorn (3 s) have one. A ``uvicorn.run(app, **options)`` whose mapping
    readycheck cannot read is not flagged: it may set the timeout.

Why is this bad
    Without it uvicorn waits on SIGTERM for every open connection, keep-alive
    and streaming ones included, for as long as they last. The orchestrator's
    own grace period runs out first and SIGKILL cuts every request still in
    flight, so a shutdown that should be graceful ends the hard way.

Example
    uvicorn app.main:app --host 0.0.0.0

Use instead
    uvicorn app.main:app --host 0.0.0.0 --timeout-graceful-shutdown 20
    # shorter than terminationGracePeriodSeconds (30 s by default)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Severity, python_m_app_repo

if TYPE_CHECKING:
    from readycheck.api import Project


class NoGracefulTimeout(Check):
    id = "RC209"
    name = "no-graceful-timeout"
    severity = Severity.INFO
    summary = "uvicorn runs without a graceful-shutdown timeout"
    fix = "Add `--timeout-graceful-shutdown N` with N a little shorter than the platform's grace period (30 s on Kubernetes)."
    tags = ("start-command", "graceful-shutdown")
    precision = "medium"
    references = ("https://www.uvicorn.org/settings/#timeouts",)
    examples = (
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--workers", "2"]
            """}, expect=['Dockerfile:2:6 uvicorn has no --timeout-graceful-shutdown in Dockerfile CMD: on SIGTERM it waits for open connections until SIGKILL cuts them'], title="no timeout"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--timeout-graceful-shutdown", "20"]
            """, "Procfile": "web: gunicorn app:app -k uvicorn_worker.UvicornWorker\n"},
            title="a timeout; gunicorn has its own default"),
        Example(python_m_app_repo("""
            import uvicorn

            uvicorn.run("app.web:app", host="0.0.0.0", **{"workers": 2})
            """), expect=["Dockerfile:2"], title="uvicorn.run() with a literal mapping that sets no timeout"),
        Example(python_m_app_repo("""
            import uvicorn
            from app.config import load

            uvicorn.run("app.web:app", host="0.0.0.0", **load())
            """), title="options readycheck cannot read may set the timeout"),
    )

    def run(self, project: Project):
        for start, server in project.production_servers():
            if server.name != "uvicorn":
                continue
            if "graceful_timeout" in server.settings or not server.settings_complete:
                continue  # set, or perhaps set by options readycheck cannot read (uvicorn.run(app, **options))
            token = server.program
            yield self.finding(token.path, token.span,
                               f"uvicorn has no --timeout-graceful-shutdown in {start.label}: on SIGTERM it waits "
                               f"for open connections until SIGKILL cuts them")
