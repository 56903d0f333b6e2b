"""RC201 dev-reload: a production start command runs a development server or auto-reload.

What it does
    Reads every start command (Dockerfile CMD/ENTRYPOINT in exec and shell
    form, ``sh -c "..."`` strings, the scripts they run, Procfile processes,
    docker-compose ``command``/``entrypoint``) and flags ``--reload`` on
    uvicorn, gunicorn, hypercorn and granian, ``fastapi dev``, ``flask run``
    with ``--reload``/``--debug``, and Django's ``runserver``. Files that are
    development by convention (``docker-compose.override.yml``, ``*.dev.yml``,
    ``compose.local.yaml``, ``Dockerfile.dev``, ``Procfile.dev``,
    ``.devcontainer/``) and compose services in a ``dev``/``debug`` profile give
    an info finding only.

Why is this bad
    The reloader watches the file system and restarts the server on changes:
    memory grows with the watched tree, a stray write restarts production,
    it runs a single process with no worker management, and development
    servers are not hardened (Django's own docs forbid runserver in
    production).

Example
    CMD ["uvicorn", "app.main:app", "--reload", "--host", "0.0.0.0"]

Use instead
    CMD ["gunicorn", "app.main:app", "-k", "uvicorn_worker.UvicornWorker", "--bind", "0.0.0.0:8000"]
"""

from __future__ import annotations

from readycheck.api import Check, Example, Project, Server, Severity, Token

RELOAD_FLAGS = ("--reload",)


def _dev_tokens(server: Server) -> list[tuple[Token, str]]:
    """(token, description) for every development-only switch of a server."""
    found: list[tuple[Token, str]] = []
    sub = server.subcommand
    if server.name == "fastapi" and sub is not None and sub.text == "dev":
        found.append((sub, "`fastapi dev` (auto-reload development server)"))
    if server.name in ("manage.py", "django-admin") and sub is not None:
        found.append((sub, f"Django's development server (`{sub.text}`)"))
    if server.name == "flask" and sub is not None:
        for flag in ("--reload", "--debug", "--debugger"):
            if flag in server.flag_tokens:
                found.append((server.flag_tokens[flag], f"`flask run {flag}`"))
    elif server.name != "fastapi" or sub is None or sub.text != "dev":
        for flag in RELOAD_FLAGS:
            if flag in server.flag_tokens:
                found.append((server.flag_tokens[flag], f"{server.name} with `{flag}`"))
    return found


class DevReloadInProduction(Check):
    id = "RC201"
    name = "dev-reload"
    severity = Severity.ERROR
    summary = "A production start command runs a development server or auto-reload"
    why = ("Auto-reload watches the file system and restarts the server on changes: memory grows, a stray write "
           "restarts production, there is one process and no worker management, and development servers are not "
           "hardened for the internet.")
    fix = ("Remove `--reload` (and `fastapi dev`, `flask run --debug`, `runserver`) from production commands; keep "
           "them in a development-only file such as docker-compose.override.yml, and run gunicorn with uvicorn "
           "workers or `fastapi run` in production.")
    tags = ("start-command", "performance", "security")
    references = ("https://www.uvicorn.org/deployment/", "https://fastapi.tiangolo.com/deployment/manually/")
    examples = (
        Example({"Dockerfile": """
            FROM python:3.12-slim
            USER nobody
            CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", \\
                 "--reload"]
            """}, expect=["Dockerfile:4"], title="exec-form CMD across lines"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD sh -c "alembic upgrade head && uvicorn app.main:app --reload"
            """}, expect=["Dockerfile:2"], title="inside sh -c"),
        Example({"Procfile": "web: fastapi dev app/main.py --port $PORT\n"}, expect=["Procfile:1"],
                title="fastapi dev in a Procfile"),
        Example({"docker-compose.yml": """
            services:
              api:
                build: .
                command: gunicorn app.main:app -k uvicorn_worker.UvicornWorker --reload
            """}, expect=["docker-compose.yml:4"], title="compose command"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            COPY start.sh /start.sh
            CMD ["/start.sh"]
            """, "start.sh": """
            #!/bin/sh
            set -e
            exec hypercorn app.main:app --bind 0.0.0.0:8000 --reload
            """}, expect=["start.sh:3"], title="in the script the CMD runs"),
        Example({"docker-compose.override.yml": """
            services:
              api:
                command: uvicorn app.main:app --reload --host 0.0.0.0
            """}, expect=["docker-compose.override.yml:3:info"], title="development override file: info only"),
        Example({"docker-compose.yml": """
            services:
              api:
                build: .
                command: ["uvicorn", "app.main:app", "--reload"]
                profiles: ["dev"]
            """}, expect=["docker-compose.yml:4:info"], title="dev profile: info only"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD ["gunicorn", "app.main:app", "-k", "uvicorn_worker.UvicornWorker", "--workers", "4"]
            """, "Procfile": "web: fastapi run app/main.py --port $PORT\n"}, title="production servers"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            # uvicorn --reload is for local development only
            CMD ["uvicorn", "app.main:app", "--reload-dir", "app"]
            """}, title="a comment and --reload-dir (which alone does not reload) are not --reload"),
    )

    def run(self, project: Project):
        for start in project.start_commands:
            if start.server is None or start.role != "boot":
                continue
            severity = Severity.INFO if start.development else None
            for token, what in _dev_tokens(start.server):
                where = "" if token.path == start.path else f" (run by {start.label} in {start.path})"
                note = " in a development-only file" if start.development else ""
                yield self.finding(token.path, token.span,
                                   f"{what} in the start command of {start.label}{where}{note}", severity=severity)
