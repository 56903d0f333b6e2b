"""RC206 port-mismatch: the server listens on another port than the one the platform routes to.

What it does
    Compares the port a production server listens on (``--port``, ``--bind``,
    gunicorn.conf.py, ``uvicorn.run(port=...)``, ``$PORT`` resolved from the
    environment given to it, or the server's default 8000) with the ports its
    platform declares for the same process: Dockerfile ``EXPOSE``, Kubernetes
    ``containerPort``, fly.toml ``internal_port`` for the Dockerfile beside it,
    a Dockerfile ``ENV PORT=...``. Flags the server when none of them match,
    and a Procfile server on a fixed port instead of ``$PORT`` (Heroku, Dokku
    and Scalingo assign the port).

Why is this bad
    The platform sends traffic and health checks to the declared port; nothing
    answers there. On fly.io and Kubernetes the app is marked unhealthy and
    never receives traffic; with EXPOSE the mismatch misleads whoever maps ports.

Example
    EXPOSE 80
    CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]

Use instead
    EXPOSE 8000
    CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Related, Severity, tiangolo_repo

if TYPE_CHECKING:
    from readycheck.api import Project


def _port(text: str) -> int | None:
    text = text.strip().strip("\"'")
    return int(text) if text.isdigit() else None



_TYPER_PYPROJECT = """
    [project]
    name = "svc"
    version = "1"
    dependencies = ["typer==0.12.0", "uvicorn==0.30.0", "fastapi==0.110.0"]
    [project.scripts]
    svc = "svc.cli:app"
    """
_TYPER_CLI = """
    import typer
    import uvicorn

    app = typer.Typer()


    @app.command()
    def serve(host: str = "0.0.0.0", port: int = 8000):
        uvicorn.run("svc.main:api", host=host, port=port)
    """
_TYPER_APP = "from fastapi import FastAPI\napi = FastAPI()\n"

class PortMismatch(Check):
    id = "RC206"
    name = "port-mismatch"
    severity = Severity.WARNING
    summary = "The server listens on a different port than the platform declares"
    fix = "Make the server's --port/--bind and the declared port the same number (or read both from $PORT)."
    tags = ("start-command", "network")
    examples = (
        Example({"Dockerfile": """
            FROM python:3.12-slim
            EXPOSE 80
            CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
            """}, expect=['Dockerfile:3:64 uvicorn listens on port 8000 but Dockerfile CMD declares 80'], title="EXPOSE disagrees"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD ["gunicorn", "app:app", "--bind", "0.0.0.0:8000"]
            """, "fly.toml": "app = 'svc'\n[http_service]\n  internal_port = 8080\n"},
            expect=["Dockerfile:2"], title="fly internal_port disagrees with the Dockerfile beside it"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            ENV PORT=8080
            EXPOSE 8080
            CMD uvicorn app.main:app --host 0.0.0.0 --port $PORT
            """, "k8s.yaml": """
            apiVersion: v1
            kind: Pod
            spec:
              containers:
                - name: api
                  command: ["gunicorn", "app:app", "--bind", "0.0.0.0:8000"]
                  ports:
                    - containerPort: 8000
            """}, title="$PORT resolved from ENV; containerPort agrees"),
        Example({"Procfile": "web: gunicorn app:app --bind 0.0.0.0:8000\n"}, expect=["Procfile:1"],
                title="fixed port on a platform that assigns $PORT"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            ENV PORT=8080
            CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
            """}, expect=["Dockerfile:3"], title="ENV PORT ignored by the server"),
        Example({"Procfile": "web: uvicorn app:app --host 0.0.0.0 --port ${PORT:-8000}\n"},
                title="$PORT with a local default"),
        Example({"Dockerfile": "FROM python:3.12-slim\nEXPOSE 8080\nCMD [\"svc\", \"serve\"]\n",
                 "pyproject.toml": _TYPER_PYPROJECT, "svc/cli.py": _TYPER_CLI, "svc/main.py": _TYPER_APP},
                expect=["svc/cli.py:8:34 uvicorn listens on port 8000 but Dockerfile CMD declares 8080"],
                title="a console script's Typer command passes its int default on to uvicorn.run"),
        Example({"Dockerfile": "FROM python:3.12-slim\nEXPOSE 8080\nCMD [\"svc\", \"serve\", \"--port\", \"8080\"]\n",
                 "pyproject.toml": _TYPER_PYPROJECT, "svc/cli.py": _TYPER_CLI, "svc/main.py": _TYPER_APP},
                title="the CMD gives the option the EXPOSE names"),
        Example(tiangolo_repo("EXPOSE 8000"),
                expect=["Dockerfile:1:6 gunicorn listens on port 80 but Dockerfile FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11 declares 8000"],
                title="tiangolo's image listens on $PORT, 80 unless set; EXPOSE says 8000"),
        Example(tiangolo_repo("ENV PORT=8000", "EXPOSE 8000"), title="tiangolo's image given PORT=8000"),
        Example({"backend/Dockerfile": "FROM tiangolo/uvicorn-gunicorn-fastapi:python3.10-slim\nWORKDIR /code\n"
                                       "COPY app /code\nEXPOSE 8000\n",
                 "backend/app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
                 "docker-compose.yml": "services:\n  api:\n    image: acme/api:1\n    command: gunicorn main:app "
                                       "-k uvicorn_worker.UvicornWorker --bind 0.0.0.0:8000\n"},
                title="tiangolo's image with the app in /code: its /start.sh finds no app, the command is compose's"),
    )

    def run(self, project: Project):
        for start, server in project.production_servers():
            _, port, setting = server.host_port()
            setting = server.settings.get("bind") or server.settings.get("port") or setting
            if setting is not None and (port is None or "$" in setting.value):
                # $PORT, or ${PORT:-8000} whose default counts only when the environment sets no PORT
                bound = setting.value.rsplit(":", 1)[-1] if setting.value.count(":") and \
                    not setting.value.startswith("$") else setting.value
                port = _port(start.resolve_env(bound)) or port
            if start.origin == "Procfile" and port is not None and setting is not None \
                    and "PORT" not in setting.value and setting.source == "command line":
                yield self.finding(setting.path, setting.span,
                                   f"{server.label} listens on the fixed port {port} but Procfile platforms route "
                                   f"to the port they assign in $PORT")
                continue
            ports = list(start.ports)
            env_port = start.env.get("PORT")
            if env_port is not None and _port(env_port.text) is not None and start.origin == "Dockerfile":
                ports.append(env_port)  # ENV PORT=8080: what Cloud Run-style platforms route to
            declared = {_port(t.text) for t in ports} - {None}
            if port is None or not declared or port in declared:
                continue
            where = setting if setting is not None and str(port) in setting.value + start.resolve_env(setting.value) \
                else None
            path, span = (where.path, where.span) if where else (server.program.path, server.program.span)
            shown = ", ".join(sorted({t.text for t in ports}))
            yield self.finding(path, span,
                               f"{server.label} listens on port {port} but {start.label} declares {shown}",
                               related=[Related(t.path, t.span, "declared port") for t in ports])
