"""RC205 bind-localhost: the server listens on 127.0.0.1 inside a container or platform.

What it does
    Flags a production server whose listening host is ``127.0.0.1``,
    ``localhost`` or ``::1``: written explicitly (``--host 127.0.0.1``,
    ``--bind localhost:8000``, ``bind`` in gunicorn.conf.py, ``uvicorn.run(host=...)``)
    or by default: uvicorn, hypercorn, granian, daphne and gunicorn all bind
    127.0.0.1 unless told otherwise (gunicorn binds ``0.0.0.0:$PORT`` when
    ``PORT`` is set, as on Heroku, Render and Railway; ``fastapi run`` binds
    0.0.0.0). No default is assumed when gunicorn is given a config file that
    readycheck cannot find (``-c "$GUNICORN_CONF"``): it may set the bind; nor when
    ``uvicorn.run(app, **options)`` passes a mapping whose keys readycheck cannot read.
    A well-known base image's own start script and config file are known
    (tiangolo's uvicorn-gunicorn images bind ``$HOST:$PORT``, 0.0.0.0:80).

Why is this bad
    Inside a container, 127.0.0.1 is the container itself: the port mapping,
    the load balancer and the platform's router cannot reach the server. The
    deploy "succeeds" and every request times out or is refused.

Example
    CMD ["uvicorn", "app.main:app", "--port", "8000"]

Use instead
    CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import (CLICK_CLI, Check, Example, Severity, click_cli_repo, python_m_app_repo,
                            tiangolo_repo)

if TYPE_CHECKING:
    from readycheck.api import Project

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}




class BindLocalhost(Check):
    id = "RC205"
    name = "bind-localhost"
    severity = Severity.ERROR
    summary = "The server listens on 127.0.0.1, unreachable from outside its container"
    fix = "Bind all interfaces: `--host 0.0.0.0` (uvicorn, fastapi, granian) or `--bind 0.0.0.0:8000` (gunicorn, hypercorn)."
    tags = ("start-command", "network")
    examples = (
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD ["uvicorn", "app.main:app", "--port", "8000"]
            """}, expect=['Dockerfile:2:6 uvicorn listens on 127.0.0.1 by default, no host is given (Dockerfile CMD): nothing outside the container can reach it'], title="uvicorn's default host"),
        Example({"k8s/deploy.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            spec:
              template:
                spec:
                  containers:
                    - name: api
                      command: ["gunicorn", "app:app", "--bind", "localhost:8000"]
            """, "gunicorn.conf.py": ""}, expect=["k8s/deploy.yaml:8"], title="explicit localhost"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD ["gunicorn", "app:app"]
            """}, expect=["Dockerfile:2"], title="gunicorn's default bind without PORT"),
        Example({"Procfile": "web: gunicorn app:app\nother: uvicorn app:app --host 0.0.0.0 --port $PORT\n",
                 "Dockerfile": """
            FROM python:3.12-slim
            CMD ["fastapi", "run", "app/main.py"]
            """, "docker-compose.override.yml": "services:\n  api:\n    command: uvicorn app:app --reload\n"},
                title="gunicorn with the platform's PORT, explicit 0.0.0.0, fastapi run, a development file"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            COPY start.sh /start.sh
            CMD ["/start.sh"]
            """, "start.sh": """
            #!/bin/sh
            if [ -f /app/gunicorn_conf.py ]; then DEFAULT_CONF=/app/gunicorn_conf.py; else DEFAULT_CONF=/gunicorn_conf.py; fi
            export GUNICORN_CONF=${GUNICORN_CONF:-$DEFAULT_CONF}
            exec gunicorn -k uvicorn_worker.UvicornWorker -c "$GUNICORN_CONF" app.main:app
            """}, title="a config file readycheck cannot find may set the bind"),
        Example({"Dockerfile": "FROM python:3.12-slim\nCMD [\"svc\", \"run\"]\n", **click_cli_repo()},
                expect=["svc/cli.py:9:33 uvicorn listens on 127.0.0.1 (Dockerfile CMD): nothing outside the "
                        "container can reach it"],
                title="a console script's Click command passes its --host default on to uvicorn.run()"),
        Example({"Dockerfile": "FROM python:3.12-slim\nCMD [\"svc\", \"run\", \"--host\", \"0.0.0.0\"]\n",
                 **click_cli_repo()},
                title="the same command given --host 0.0.0.0 in the CMD"),
        Example({"Dockerfile": "FROM python:3.12-slim\nCMD [\"svc\", \"run\", \"-h\", \"0.0.0.0\"]\n",
                 **click_cli_repo(CLICK_CLI.replace('"--host",', '"--host", "-h",'))},
                title="the option's short name given in the CMD: not the default"),
        Example(tiangolo_repo("ENV HOST=127.0.0.1"),
                expect=["Dockerfile:2:10 gunicorn listens on 127.0.0.1 (Dockerfile FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11): "
                        "nothing outside the container can reach it"],
                title="tiangolo's image binds $HOST:$PORT, and the Dockerfile sets HOST to the loopback"),
        Example(tiangolo_repo(), title="tiangolo's image with no CMD: its /gunicorn_conf.py binds 0.0.0.0:80"),
        Example(python_m_app_repo("""
            import uvicorn

            def get_host():
                return "127.0.0.1"

            uvicorn.run("app.web:app", host=get_host(), port=8000)
            """), expect=["app/__main__.py:4:12 uvicorn listens on 127.0.0.1 (Dockerfile CMD): nothing outside the "
                          "container can reach it"], title="the host a helper returns"),
        Example(python_m_app_repo("""
            import uvicorn
            from app.config import server_options

            uvicorn.run("app.web:app", **server_options())
            """), title="options readycheck cannot read (**server_options() of an unknown module) may set the host"),
    )

    def run(self, project: Project):
        for start, server in project.production_servers():
            if start.origin == "systemd":  # a service on a host, behind the host's own reverse proxy
                continue
            host, _, setting = server.host_port()
            if host is None or host.strip("\"'") not in LOCAL_HOSTS:
                continue
            explicit = setting is not None and setting in (server.settings.get("bind"), server.settings.get("host"))
            if explicit:
                yield self.finding(setting.path, setting.span,
                                   f"{server.label} listens on {host} ({start.label}): nothing outside the container "
                                   f"can reach it")
            else:
                token = server.program
                yield self.finding(token.path, token.span,
                                   f"{server.label} listens on {host} by default, no host is given ({start.label}): "
                                   f"nothing outside the container can reach it")
