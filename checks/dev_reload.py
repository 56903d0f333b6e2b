"""RC201 dev-reload: a production start command runs a development server or auto-reload.

What it does
    Reads every start command (Dockerfile CMD/ENTRYPOINT in exec and shell
    form, ``sh -c "..."`` strings, the scripts they run, Procfile processes,
    docker-compose ``command``/``entrypoint``) and flags ``--reload`` on
    uvicorn, gunicorn, hypercorn and granian, ``fastapi dev``, ``flask run``
    with ``--reload``/``--debug``, ``hypercorn --debug``, Django's ``runserver``,
    ``reload = True`` in a gunicorn config file, ``UVICORN_RELOAD``,
    ``uvicorn.run(..., reload=True)`` in the module a production command runs (or in the
    functions its ``main()`` calls: ``python run.py``, ``python -m app``, a console script),
    and ``FastAPI(debug=True)`` on the app it serves. The value of ``reload=`` is followed as far as
    it is certain: a local assigned once, a ``**`` mapping (a dict literal, ``dict(...)``, a local or a
    helper's returned dict), a helper without parameters whose every return agrees (``is_dev()``), a
    parameter from the argument its caller passed, up to the command-line option of the Typer/Click
    command (``_run(reload)`` from ``serve(reload: bool = False)``), module constants, settings
    defaults and ``os.getenv`` defaults. Anything else (a key set only in a branch,
    ``reload=settings.DEBUG`` whose default is False) is not a finding. Files that are
    development by convention (``docker-compose.override.yml``, ``*.dev.yml``,
    ``compose.local.yaml``, ``Dockerfile.dev``, ``Procfile.dev``, anything under
    ``.devcontainer/``, ``tests/`` or ``dev/``), compose services in a ``dev``/``debug``/``testing`` profile
    or built from a development target, and Dockerfile stages named ``dev`` give an info finding only,
    whose message names the reason (readycheck.knowledge.environments).

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

Fix safety
    Safe: only the development reloader (or debug mode) is turned off; development files, where it is
    kept on purpose, are never fixed.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from readycheck.api import (Check, Example, Related, Severity, click_cli_repo, is_development_path, python_m_app_repo,
                            supervisord_repo, tiangolo_repo)

if TYPE_CHECKING:
    from readycheck.api import Edit, Project, Server, Span, Token

TRUE = {"true", "1", "yes", "on"}


def _dev_switches(server: Server) -> list[tuple[Token, str]]:
    """(where, description) for every development-only switch of a server."""
    from readycheck.api import Token  # the start-command model, loaded only when a scan runs

    found: list[tuple[Token, str]] = []
    sub = server.subcommand
    if server.name == "fastapi" and sub is not None and sub.text == "dev":
        return [(sub, "`fastapi dev` (auto-reload development server)")]
    if server.name in ("manage.py", "django-admin") and sub is not None:
        return [(sub, f"Django's development server (`{sub.text}`)")]
    reload = server.settings.get("reload")
    if reload is not None and reload.value.strip("\"'").lower() in TRUE:
        where = "" if reload.source == "command line" else f" (from {reload.source})"
        found.append((Token(reload.value, reload.path, reload.span), f"{server.label} with auto-reload{where}"))
    for flag in ("--debug", "--debugger"):
        if flag in server.flag_tokens and server.name in ("flask", "hypercorn"):
            found.append((server.flag_tokens[flag], f"`{server.label} {flag}`"))
    return found





def _python_m_app(env_default: str) -> dict[str, str]:
    """``python -m app`` whose ``__main__.py`` starts uvicorn with ``reload=settings.ENV == "local"``, the
    setting defaulting to ``env_default``."""
    return {"Dockerfile": """
        FROM python:3.12-slim
        CMD ["python", "-m", "app"]
        """, "app/__init__.py": "", "app/config.py": """
        from pydantic_settings import BaseSettings

        class Settings(BaseSettings):
            ENV: str = "DEFAULT"

        settings = Settings()
        """.replace("DEFAULT", env_default), "app/__main__.py": """
        import uvicorn
        from app.config import settings

        uvicorn.run("app.web:app", host="0.0.0.0", port=8000, reload=settings.ENV == "local")
        """}

class DevReloadInProduction(Check):
    id = "RC201"
    name = "dev-reload"
    severity = Severity.ERROR
    summary = "A production start command runs a development server or auto-reload"
    fix = ("Remove `--reload` (and `fastapi dev`, `flask run --debug`, `runserver`) from production commands; keep "
           "them in a development-only file such as docker-compose.override.yml, and run gunicorn with uvicorn "
           "workers or `fastapi run` in production.")
    tags = ("start-command", "performance")
    precision = "very-high"
    references = ("https://www.uvicorn.org/deployment/", "https://fastapi.tiangolo.com/deployment/manually/")
    examples = (
        Example({"Dockerfile": """
            FROM python:3.12-slim
            USER nobody
            CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", \\
                 "--reload"]
            """}, expect=['Dockerfile:4:6 uvicorn with auto-reload in the start command of Dockerfile CMD'], title="exec-form CMD across lines"),
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
        Example({"deploy/manifests.yaml": """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: apps/v1
              kind: Deployment
              metadata: {name: api}
              spec:
                replicas: 2
                template:
                  spec:
                    containers:
                    - name: api
                      image: registry.example.com/api:1.4.2
                      command: ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--reload"]
            """}, expect=["deploy/manifests.yaml:14"], title="a Deployment inside a kind: List (kubectl get -o yaml)"),
        Example({"chart/templates/api.yaml": """
            {{- if .Values.api.enabled }}
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {{ include "app.fullname" . }}
            spec:
              template:
                spec:
                  containers:
                    - name: api
                      image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
                      {{- with .Values.api.command }}
                      command:
                        - /bin/sh
                        - -c
                        - |
                          {{- if .Values.api.migrate }}
                          alembic upgrade head &&
                          {{- end }}
                          exec uvicorn app.main:app --port {{ .Values.port }}{{ if .Values.dev }} --reload{{ end }}
                      {{- end }}
            {{- end }}
            """}, expect=["chart/templates/api.yaml:20:87 uvicorn with auto-reload in the start command of Kubernetes "
                          "Deployment {{\u2026}}/api"],
                title="a Helm template: the command inside if/with blocks is declared, so is an {{ if }} --reload"),
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
        Example({"docker-compose.yml": """
            services:
              api:
                build: .
                command: uvicorn app.main:app --host 0.0.0.0 --reload
                profiles: ["testing"]
                environment:
                  DATABASE_URL: postgresql://app:s3cret@db.example.com/app
            """}, expect=["docker-compose.yml:4:50:info uvicorn with auto-reload in the start command of compose api "
                        "(development: compose profile testing)"],
            title="a testing profile: info, and the message names the profile (as RC603 does)"),
        Example({"tests/docker/Dockerfile": """
            FROM python:3.12-slim
            CMD ["uvicorn", "app.main:app", "--reload"]
            """}, expect=["tests/docker/Dockerfile:2:info uvicorn with auto-reload in the start command of "
                          "Dockerfile CMD (auxiliary: under tests/)"], title="a test fixture image: info, says why"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD ["gunicorn", "app.main:app", "-k", "uvicorn_worker.UvicornWorker", "--workers", "4"]
            """, "Procfile": "web: fastapi run app/main.py --port $PORT\n"}, title="production servers"),
        Example({"Procfile": "web: gunicorn app.main:app -c gunicorn.conf.py\nworker: python run.py\n",
                 "gunicorn.conf.py": """
            import multiprocessing
            workers = multiprocessing.cpu_count() * 2 + 1
            reload = True
            """, "run.py": """
            import uvicorn

            if __name__ == "__main__":
                uvicorn.run("app.main:app", host="0.0.0.0", reload=True)
            """}, expect=["gunicorn.conf.py:3", "run.py:4"], title="gunicorn config file and uvicorn.run()"),
        Example({"Procfile": "web: python run.py\n", "app/config.py": """
            from pydantic_settings import BaseSettings

            class Settings(BaseSettings):
                ENV: str = "local"

            settings = Settings()
            """, "run.py": """
            import uvicorn
            from app.config import settings

            if __name__ == "__main__":
                uvicorn.run("app.main:app", host="0.0.0.0", reload=settings.ENV == "local")
            """}, expect=["run.py:5"], title="reload from a settings default (the environment can override it)"),
        Example({"Procfile": "web: python run.py\n", "run.py": """
            import uvicorn

            RELOAD = False

            if __name__ == "__main__":
                uvicorn.run("app.main:app", host="0.0.0.0", reload=RELOAD)
            """}, title="reload from a module constant that is off"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            COPY deploy/ /etc/supervisor/conf.d/
            CMD ["supervisord", "-n"]
            """, "deploy/web.conf": """
            [program:web]
            command=gunicorn app.main:app -k uvicorn_worker.UvicornWorker --bind 0.0.0.0:%(ENV_PORT)s --reload
            process_name=%(program_name)s_%(process_num)02d
            """, "deploy/worker.conf": """
            [program:worker]
            command=celery -A app.tasks worker --hostname=%(program_name)s@%%h
            """}, expect=["deploy/web.conf:2:91 gunicorn with auto-reload in the start command of Dockerfile CMD "
                          "(run by Dockerfile CMD in Dockerfile)"],
            title="supervisord's %(ENV_PORT)s expansion does not hide the --reload after it"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            COPY deploy/web.conf /etc/supervisor/conf.d/web.conf
            CMD ["supervisord", "-n"]
            """, "deploy/web.conf": """
            [program:web]
            command=uvicorn app.main:app --host 0.0.0.0 --port %(ENV_PORT)s --workers 2
            """}, title="a supervisord program with an expansion and no reload"),
        Example(_python_m_app("local"),
                expect=["app/__main__.py:4:62 uvicorn with auto-reload (from uvicorn.run() in app/__main__.py, the "
                        "default of a setting the environment can override) in the start command of Dockerfile CMD "
                        "(run by Dockerfile CMD in Dockerfile)"],
                title="python -m app runs the top level of app/__main__.py, unguarded; reload from a settings default"),
        Example(_python_m_app("production"), title="the same __main__.py whose setting defaults to production"),
        Example({"Dockerfile": "FROM python:3.12-slim\nCMD [\"svc\", \"run\", \"--host\", \"0.0.0.0\", \"--reload\"]\n",
                 **click_cli_repo()},
                expect=["Dockerfile:2:41 uvicorn with auto-reload (from --reload of run() in svc/cli.py) in the start "
                        "command of Dockerfile CMD"],
                title="a console script's Click command given --reload in the CMD passes it on to uvicorn.run()"),
        Example({"Dockerfile": "FROM python:3.12-slim\nCMD [\"svc\", \"serve\"]\n",
                 "pyproject.toml": "[project]\nname = 'svc'\nversion = '1'\n[project.scripts]\nsvc = 'svc.cli:app'\n",
                 "svc/__init__.py": "", "svc/cli.py": """
            import typer
            import uvicorn

            app = typer.Typer()

            @app.command()
            def serve(host: str = "0.0.0.0", reload: bool = False):
                uvicorn.run("svc.web:app", host=host, reload=reload)

            @app.command()
            def dev():
                uvicorn.run("svc.web:app", reload=True)
            """}, title="a Typer command whose --reload defaults to off; the dev command is not the one run"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            COPY Procfile.docker ./
            CMD ["honcho", "start", "-f", "Procfile.docker"]
            """, "Procfile.docker": "web: uvicorn app.main:app --host 0.0.0.0 --reload\nworker: celery -A app worker\n",
            "Procfile": "web: uvicorn app.main:app --host 0.0.0.0 --port $PORT --reload\n"},
            expect=["Procfile.docker:1:42 uvicorn with auto-reload in the start command of Dockerfile CMD (run by "
                    "Dockerfile CMD in Dockerfile)", "Procfile:1:55 uvicorn with auto-reload in the start command of "
                                                     "Procfile web"],
            title="a Procfile.docker honcho runs in the image is judged once, as the image's; Heroku's Procfile too"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD ["fastapi", "run", "app/main.py"]
            """, "app/main.py": """
            from fastapi import FastAPI

            app = FastAPI(title="svc", debug=True)
            """}, expect=["app/main.py:3"], title="FastAPI(debug=True) on the production app"),
        Example({"Makefile": "dev:\n\tuvicorn app.main:app --reload\n", "app/main.py": """
            from fastapi import FastAPI

            app = FastAPI(debug=True)
            """}, expect=["Makefile:2:info"], title="Makefile targets are development; debug app not served in production"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            # uvicorn --reload is for local development only
            CMD ["uvicorn", "app.main:app", "--reload-dir", "app"]
            """}, title="a comment and --reload-dir (which alone does not reload) are not --reload"),
        Example({"Makefile": "deploy:\n\tdocker compose -f ops/stack.yml up -d\n", "ops/stack.yml": """
            services:
              api:
                image: ghcr.io/acme/api:1.4
                command: uvicorn app.main:app --host 0.0.0.0 --reload
            """}, expect=["ops/stack.yml:4"], title="the only deploy file, found through the Makefile"),
        Example({"docker-compose.yml": """
            name: shop-local
            services:
              api:
                command: uvicorn app.main:app --host 0.0.0.0 --reload
            """, "deploy/compose.yml": """
            services:
              api:
                build: {context: .., target: development}
                command: uvicorn app.main:app --host 0.0.0.0 --reload
            """}, expect=["docker-compose.yml:4:info", "deploy/compose.yml:4:info"],
            title="a compose project named *-local; a service built from the development target: info only"),
        Example({"Dockerfile": """
            FROM python:3.12-slim AS prod
            CMD ["gunicorn", "app.main:app", "--bind", "0.0.0.0:8000"]
            FROM prod AS dev
            CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--reload"]
            """}, expect=["Dockerfile:4:info"], title="a final stage named dev: info only"),
        Example({"myapp/__main__.py": """
            import click
            import uvicorn


            @click.group()
            def cli():
                pass


            @cli.command()
            def serve():
                uvicorn.run("myapp.main:app", host="0.0.0.0", reload=True)


            @cli.command()
            def dev():
                uvicorn.run("myapp.main:app", reload=True)


            if __name__ == "__main__":
                cli()
            """, "Dockerfile": """
            FROM python:3.12-slim
            CMD ["python", "-m", "myapp", "serve"]
            """, "worker/Dockerfile": """
            FROM python:3.12-slim
            CMD ["python", "-m", "myapp", "dev"]
            """}, expect=["myapp/__main__.py:12", "myapp/__main__.py:17"],
            title="python -m myapp runs myapp/__main__.py, whose Click command starts uvicorn with reload"),
        Example({"myapp/__main__.py": """
            import click
            import uvicorn


            @click.group()
            def cli():
                pass


            @cli.command()
            def serve():
                uvicorn.run("myapp.main:app", host="0.0.0.0", workers=4)


            @cli.command()
            def dev():
                uvicorn.run("myapp.main:app", reload=True)


            if __name__ == "__main__":
                cli()
            """, "Dockerfile": """
            FROM python:3.12-slim
            CMD ["python", "-m", "myapp", "serve"]
            """}, title="reload only in the dev command, which nothing deploys"),
        Example({"Dockerfile": 'FROM python:3.12-slim\nCMD ["uvicorn", "app:app", "--reload", "--host", "0.0.0.0"]\n'},
                expect=["Dockerfile:2"],
                fixed={"Dockerfile": 'FROM python:3.12-slim\nCMD ["uvicorn", "app:app", "--host", "0.0.0.0"]\n'},
                title="autofix: the --reload element and its comma are removed"),
        Example({"Procfile": "web: uvicorn app:app --host 0.0.0.0 --reload --port $PORT\n",
                 "gunicorn.conf.py": "workers = 4\nreload = True\n",
                 "Dockerfile": "FROM python:3.12-slim\nCMD gunicorn app:app\n"},
                expect=["Procfile:1", "gunicorn.conf.py:2"],
                fixed={"Procfile": "web: uvicorn app:app --host 0.0.0.0 --port $PORT\n",
                       "gunicorn.conf.py": "workers = 4\nreload = False\n"},
                title="autofix: a shell word with the blank before it; reload = True in a config file"),
        Example({"chart/templates/api.yaml": """
            {{- if .Values.api.enabled }}
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: api
            spec:
              replicas: 3
              template:
                spec:
                  containers:
                    - name: api
                      image: registry.example.com/api:1.4.2
                      command:
                        - /bin/sh
                        - -c
                        - |
                          {{- /* local development: add --reload */}}
                          {{- if .Values.api.migrate }}
                          alembic upgrade head &&
                          {{- end }}
                          exec gunicorn app.main:app -k uvicorn_worker.UvicornWorker --workers {{ .Values.workers }}
            {{- end }}
            """}, title="a Helm template: --reload only in a template comment"),
        Example({"chart/Chart.yaml": "apiVersion: v2\nname: api\nversion: 1.0.0\n",
                 "chart/templates/api.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {{ include "api.fullname" . }}
            spec:
              template:
                spec:
                  containers:
                    - name: api
                      image: registry.example.com/api:1.4.2
                      command:
                        - /bin/sh
                        - -c
                        - |
                          {{- if .Values.dev }}
                          uvicorn app.main:app --host 0.0.0.0 --reload
                          {{- else }}
                          exec gunicorn app.main:app -k uvicorn_worker.UvicornWorker --bind 0.0.0.0:8000
                          {{- end }}
            """}, title="a Helm template: --reload only in the if branch of an if/else, read as its else"),
        Example(tiangolo_repo('CMD ["/start-reload.sh"]'),
                expect=["Dockerfile:2:6 uvicorn with auto-reload (from the base image's start script) in the start "
                        "command of Dockerfile CMD"],
                title="tiangolo's image told to run its development script /start-reload.sh (uvicorn --reload)"),
        Example(tiangolo_repo(), title="tiangolo's image with its own /start.sh: gunicorn, no reload"),
        Example(supervisord_repo("uvicorn app.main:app --host 0.0.0.0 --workers 2", "gunicorn app.admin:app -k uvicorn_worker.UvicornWorker --reload"),
                expect=["supervisord.conf:8:64 gunicorn with auto-reload in the start command of Dockerfile CMD "
                        "supervisord [program:admin] (run by Dockerfile CMD supervisord [program:admin] in Dockerfile)"],
                title="supervisord's second program reloads: each program is a start command of the image"),
        Example(supervisord_repo("uvicorn app.main:app --host 0.0.0.0 --workers 2", "gunicorn app.admin:app -k uvicorn_worker.UvicornWorker"),
                title="supervisord running two production servers"),
        Example(python_m_app_repo("""
            import uvicorn

            def server_options():
                return {"host": "0.0.0.0", "reload": True}

            uvicorn.run("app.web:app", **server_options())
            """), expect=["app/__main__.py:4:42 uvicorn with auto-reload (from uvicorn.run() in app/__main__.py, from the "
                          "mapping server_options() returns) in the start command of Dockerfile CMD (run by Dockerfile "
                          "CMD in Dockerfile)"],
            title="reload=True in the mapping a helper returns, passed as **server_options()"),
        Example(python_m_app_repo("""
            import uvicorn

            uvicorn.run("app.web:app", host="0.0.0.0", **{"reload": True})
            """), expect=["app/__main__.py:3"], title="**{\"reload\": True}"),
        Example({"Dockerfile": "FROM python:3.12-slim\nCMD [\"svc\", \"--reload\"]\n", **click_cli_repo("""
            import click
            import uvicorn

            def _run(host, reload):
                uvicorn.run("svc.web:app", host=host, reload=reload)

            @click.command()
            @click.option("--reload/--no-reload", default=False)
            def cli(reload):
                _run("0.0.0.0", reload)
            """)}, expect=["Dockerfile:2:13 uvicorn with auto-reload (from --reload of cli() in svc/cli.py) in the start command of Dockerfile CMD"],
            title="the command's --reload passed on positionally to a helper that starts uvicorn"),
        Example({"Dockerfile": 'FROM python:3.12-slim\nCOPY . /srv\nWORKDIR /srv\nCMD ["python", "run.py"]\n',
                 "run.py": """
            import uvicorn

            def main():
                uvicorn.run("app.web:app", host="0.0.0.0", reload=True)

            if __name__ == "__main__":
                main()
            """, "scripts/run.py": """
            import uvicorn

            def main():
                uvicorn.run("app.web:app", host="0.0.0.0", workers=2)

            if __name__ == "__main__":
                main()
            """}, expect=["run.py:4:55 uvicorn with auto-reload (from uvicorn.run() in run.py) in the start command of "
                          "Dockerfile CMD (run by Dockerfile CMD in Dockerfile)"],
            title="python run.py runs main(), which starts uvicorn with reload (the other run.py is not the one run)"),
        Example(python_m_app_repo("""
            import os
            import uvicorn
            from pydantic_settings import BaseSettings

            class Settings(BaseSettings):
                DEBUG: bool = False

            settings = Settings()

            def main():
                options = {"host": "0.0.0.0"}
                if os.getenv("DEV"):
                    options["reload"] = True
                uvicorn.run("app.web:app", reload=settings.DEBUG, **options)

            main()
            """), title="reload from a setting that defaults to False; a key set only in a branch is not known"),
        Example({"Dockerfile": "FROM python:3.12-slim\nCMD [\"svc\", \"serve\", \"--reload\"]\n",
                 **click_cli_repo("""
            import typer
            import uvicorn

            cli = typer.Typer()

            @cli.command()
            def serve(host: str = typer.Option("0.0.0.0", "--host"), reload: bool = typer.Option(False, "--reload")):
                uvicorn.run("svc.web:app", host=host, reload=reload)
            """)}, expect=["Dockerfile:2:22 uvicorn with auto-reload (from --reload of serve() in svc/cli.py) in the "
                           "start command of Dockerfile CMD"],
            title="a Typer option declared typer.Option(False, \"--reload\"), given --reload in the CMD"),
        Example({"Dockerfile": "FROM python:3.12-slim\nCMD [\"svc\", \"serve\"]\n", **click_cli_repo("""
            import typer
            import uvicorn

            cli = typer.Typer()

            @cli.command()
            def serve(reload: bool = typer.Option(False, "--reload"), workers: int = typer.Option(default=2)):
                uvicorn.run("svc.web:app", host="0.0.0.0", reload=reload, workers=workers)
            """)}, title="the same option not given: typer.Option(False) is off"),
    )

    def run(self, project: Project):
        for start in project.start_commands:
            if start.server is None or start.role != "boot":
                continue
            severity = Severity.INFO if start.development else None
            for token, what in _dev_switches(start.server):
                where = "" if token.path == start.path else f" (run by {start.label} in {start.path})"
                note = start.environment.note  # " (development: compose profile testing)"
                related = [Related(start.path, start.span, f"{start.label} starts the server")] \
                    if token.path != start.path else []
                fix = None if _kept_on_purpose(token.path, start.development) else \
                    (partial(_reload_off, project, token.path, token.span))
                yield self.finding(token.path, token.span,
                                   f"{what} in the start command of {start.label}{where}{note}", severity=severity,
                                   related=related, fix=fix)
        yield from self._debug_apps(project)

    def _debug_apps(self, project: Project):
        """``FastAPI(debug=True)``/``Starlette(debug=True)`` on an app a production command serves:
        tracebacks with local values go to every client that triggers an error."""
        seen = set()
        for start in project.start_commands:
            server = start.server
            if server is None or start.role != "boot" or start.development or server.target is None:
                continue
            for app in project.web.apps_for_target(server.target.text, near=server.target.path):
                debug = app.call.kwarg("debug")
                if debug is None or debug.literal is not True or app.key in seen:
                    continue
                seen.add(app.key)
                yield self.finding(app.module.path, debug.span,
                                   f"app `{app.name}` is created with debug=True and served in production by "
                                   f"{start.label}: error pages show tracebacks to clients",
                                   related=[Related(server.target.path, server.target.span, "served here")],
                                   fix=partial(_reload_off, project, app.module.path, debug.span))


def _remove_token(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The range to delete to remove one argument: a JSON array element with its comma,
    or a shell word with the blanks before it."""
    token = text[start:end]
    if token.startswith('"') and token.endswith('"'):
        before = start
        while before > 0 and text[before - 1] in " \t\\\r\n":
            before -= 1
        if before > 0 and text[before - 1] == ",":
            return before - 1, end
        after = end
        while after < len(text) and text[after] in " \t\\\r\n":
            after += 1
        if after < len(text) and text[after] == ",":
            after += 1
            while after < len(text) and text[after] in " \t":
                after += 1
            return start, after
        return None
    if any(c in token for c in "'\"$`\\"):
        return None
    before = start
    while before > 0 and text[before - 1] in " \t":
        before -= 1
    return (before, end) if before < start else None


def _reload_off(project: Project, path: str, span: Span) -> list[Edit] | None:
    """Turn the switch at ``span`` off: ``reload=True``/``debug=True`` becomes False (formatting kept);
    a ``--reload`` word is removed (a JSON array element with its comma, a shell word with the blanks
    before it)."""
    from readycheck.api import Edit

    source = project.file(path)
    if source is None:
        return None
    text = source.text
    start = source.index.offset(span.line, span.column)
    end = source.index.offset(span.end_line, span.end_column)
    token = text[start:end]
    if token in ("True", "true") and source.path.endswith(".py"):
        return [Edit(source.path, start, end, "False")]  # reload=True / debug=True, formatting kept
    if token.strip('"') == "--reload":
        removal = _remove_token(text, start, end)
        if removal is not None:
            return [Edit(source.path, removal[0], removal[1], "")]
    return None


def _kept_on_purpose(path: str, development: bool) -> bool:
    """Development files keep their reload on purpose and are never fixed: a development start command,
    or a file the engine reports as development (info) by its path."""
    return development or (not path.endswith(".py") and is_development_path(path))
