"""Start commands from every platform file, normalised settings, and `readycheck inspect`."""

from __future__ import annotations

import json

from helpers import write_tree
from readycheck.cli import main
from readycheck.engine.discovery import discover
from readycheck.model.project import Project


def starts_of(tmp_path, files):
    write_tree(tmp_path, files)
    project = Project(tmp_path, discover(tmp_path))
    assert not project.diagnostics, project.diagnostics
    return {(s.path, s.process, s.role): s for s in project.start_commands}, project


def test_fly_processes_release_env_and_internal_port(tmp_path):
    starts, _ = starts_of(tmp_path, {"fly.toml": """
        app = "svc"
        [env]
          WEB_CONCURRENCY = "3"
        [deploy]
          release_command = "alembic upgrade head"
        [processes]
          app = "gunicorn app.main:app --bind 0.0.0.0:8080"
          worker = "python -m app.worker"
        [http_service]
          internal_port = 8080
        """})
    app = starts[("fly.toml", "app", "boot")]
    assert app.server.settings["workers"].number == 3
    assert app.server.settings["workers"].source == "WEB_CONCURRENCY"
    assert [t.text for t in app.ports] == ["8080"]
    assert app.server.program.span.line == 7
    assert starts[("fly.toml", "release_command", "release")].chain[0].words == ["alembic", "upgrade", "head"]
    assert starts[("fly.toml", "worker", "boot")].server is None


def test_render_railway_app_engine(tmp_path):
    starts, _ = starts_of(tmp_path, {
        "render.yaml": """
            services:
              - type: web
                name: api
                numInstances: 3
                startCommand: gunicorn app:app -w 2
                preDeployCommand: python manage.py migrate
            """,
        "railway.toml": '[deploy]\nstartCommand = "uvicorn app:app --host 0.0.0.0 --port $PORT"\nnumReplicas = 2\n',
        "app.yaml": "runtime: python312\nentrypoint: gunicorn -b :$PORT main:app\n",
    })
    api = starts[("render.yaml", "api", "boot")]
    assert api.replicas.text == "3" and api.server.settings["workers"].number == 2
    # Render sets PORT, so gunicorn's default bind is 0.0.0.0:$PORT.
    assert api.server.host_port()[0] == "0.0.0.0"
    assert starts[("render.yaml", "api", "release")].server is None
    railway = starts[("railway.toml", "startCommand", "boot")]
    assert railway.replicas.text == "2" and railway.server.settings["port"].value == "$PORT"
    gae = starts[("app.yaml", "entrypoint", "boot")]
    assert gae.server.target.text == "main:app" and gae.server.settings["bind"].value == ":$PORT"


def test_railway_json_and_malformed_platform_files(tmp_path):
    write_tree(tmp_path, {
        "railway.json": '{"deploy": {"startCommand": "gunicorn app:app -w 3", "preDeployCommand": ["alembic upgrade head"]}}',
        "svc/railway.json": "{not json",
        "svc/fly.toml": "[processes\n",
    })
    project = Project(tmp_path, discover(tmp_path))
    roles = {(s.path, s.role): s for s in project.start_commands}
    assert roles[("railway.json", "boot")].server.settings["workers"].number == 3
    assert roles[("railway.json", "release")].chain[0].words == ["alembic", "upgrade", "head"]
    assert {d.path for d in project.diagnostics} == {"svc/railway.json", "svc/fly.toml"}
    assert all(d.kind == "parse" for d in project.diagnostics)


def test_kubernetes_roles_env_ports_cpu_and_helm(tmp_path):
    starts, _ = starts_of(tmp_path, {
        "k8s/api.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: api}
            spec:
              replicas: 4
              template:
                spec:
                  initContainers:
                    - name: migrate
                      command: ["alembic", "upgrade", "head"]
                  containers:
                    - name: web
                      command: ["uvicorn"]
                      args: ["app:app", "--host", "0.0.0.0", "--port", "9000"]
                      ports: [{containerPort: 9000}]
                      env: [{name: UVICORN_WORKERS, value: "2"}]
                      resources: {limits: {cpu: 250m}}
            ---
            apiVersion: batch/v1
            kind: CronJob
            metadata: {name: nightly}
            spec:
              jobTemplate:
                spec:
                  template:
                    spec:
                      containers:
                        - name: job
                          command: ["python", "-m", "app.nightly"]
            """,
        "chart/templates/deploy.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {{ include "chart.fullname" . }}
            spec:
              {{- if not .Values.autoscaling.enabled }}
              replicas: {{ .Values.replicaCount }}
              {{- end }}
              template:
                spec:
                  containers:
                    - name: app
                      command: ["gunicorn", "app:app", "--workers", "{{ .Values.workers }}"]
            """,
    })
    web = starts[("k8s/api.yaml", "Deployment api/web", "boot")]
    assert web.replicas.text == "4" and web.cpu_limit.text == "0.25"
    assert web.server.settings["workers"].source == "UVICORN_WORKERS"
    assert web.server.host_port()[:2] == ("0.0.0.0", 9000)
    assert [t.text for t in web.ports] == ["9000"]
    assert starts[("k8s/api.yaml", "Deployment api/migrate", "oneshot")].server is None
    assert ("k8s/api.yaml", "CronJob nightly/job", "oneshot") in starts
    (helm,) = [s for (path, _, _), s in starts.items() if path.startswith("chart/")]
    assert helm.server.name == "gunicorn" and helm.server.settings["workers"].number is None


def test_gunicorn_conf_is_read_statically_with_formulas_and_defaults(tmp_path):
    starts, _ = starts_of(tmp_path, {
        "Procfile": "web: gunicorn -c deploy/gunicorn_conf.py\n",
        "deploy/gunicorn_conf.py": """
            import multiprocessing
            import os

            wsgi_app = "app.main:app"
            workers = int(os.getenv("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
            bind = os.environ.get("BIND", "0.0.0.0:8000")
            timeout = 60
            worker_class = "uvicorn_worker.UvicornWorker"
            """,
    })
    server = starts[("Procfile", "web", "boot")].server
    assert server.target.text == "app.main:app"
    assert server.settings["workers"].cpu_based
    assert server.settings["bind"].value == "0.0.0.0:8000"
    assert server.settings["timeout"].number == 60
    assert server.settings["worker_class"].path == "deploy/gunicorn_conf.py"


def test_dockerfile_env_and_expose_feed_the_model(tmp_path):
    starts, _ = starts_of(tmp_path, {"Dockerfile": """
        FROM python:3.12-slim AS base
        ENV WEB_CONCURRENCY=5 PORT=8080
        FROM base
        ENV GUNICORN_CMD_ARGS="--timeout 90 -k uvicorn_worker.UvicornWorker"
        EXPOSE 8080/tcp
        CMD ["gunicorn", "app:app"]
        """})
    (start,) = starts.values()
    settings = start.server.settings
    assert settings["workers"].number == 5 and settings["workers"].span.line == 2
    assert settings["timeout"].value == "90" and settings["worker_class"].source == "GUNICORN_CMD_ARGS"
    assert settings["bind"].value == "0.0.0.0:8080"  # gunicorn binds 0.0.0.0:$PORT when PORT is set
    assert [t.text for t in start.ports] == ["8080"]


def test_inspect_json_and_text(tmp_path, capsys):
    write_tree(tmp_path, {
        "Dockerfile": "FROM python:3.12-slim\nENV SECRET_KEY=hunter2\nCMD [\"uvicorn\", \"app.main:app\", \"--host\", \"0.0.0.0\"]\n",
        "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/healthz')\nasync def h():\n    return 1\n",
    })
    assert main(["inspect", str(tmp_path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    (start,) = data["start_commands"]
    assert start["server"]["name"] == "uvicorn" and start["server"]["host"] == "0.0.0.0"
    assert start["env"] == ["SECRET_KEY"]  # names only, never values
    assert "hunter2" not in json.dumps(data)
    (app,) = data["apps"]
    assert app["service"] and app["routes"][0]["path"] == "/healthz" and app["routes"][0]["async"]
    assert main(["inspect", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "server: uvicorn app.main:app  listens 0.0.0.0:8000" in text and "GET     /healthz" in text


def test_fastapi_run_without_a_path_uses_the_pyproject_entrypoint(tmp_path):
    starts, project = starts_of(tmp_path, {
        "Procfile": "web: fastapi run --port $PORT\n",
        "pyproject.toml": '[project]\nname = "svc"\nversion = "1"\n\n[tool.fastapi]\nentrypoint = "app.main:app"\n',
        "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/x')\ndef x():\n    return 1\n",
    })
    server = starts[("Procfile", "web", "boot")].server
    assert server.target.text == "app.main:app" and server.target.path == "pyproject.toml"
    assert [a.name for a in project.service_apps] == ["app"]


def test_probe_paths_may_carry_the_root_path(tmp_path):
    _, project = starts_of(tmp_path, {
        "app/main.py": "from fastapi import FastAPI\napp = FastAPI(root_path='/api')\n\n@app.get('/healthz')\n"
                       "def healthz():\n    return 1\n",
    })
    apps = project.service_apps
    assert project.web.serves(apps, "/api/healthz") is True
    assert project.web.serves(apps, "/healthz/") is True
    assert project.web.serves(apps, "/api/nope") is False


def test_an_exec_form_healthcheck_path_is_read_without_its_json_escapes(tmp_path):
    # HEALTHCHECK CMD ["python", "-c", "...urlopen(\"http://localhost:8000/health\")"]: the path Docker
    # requests is /health; read from the raw JSON it was "/health\" (with the escape's backslash).
    _, project = starts_of(tmp_path, {
        "Dockerfile": 'FROM python:3.11-slim\nHEALTHCHECK CMD ["python", "-c", "import urllib.request; '
                      'urllib.request.urlopen(\\"http://localhost:8000/health\\")"]\nCMD ["uvicorn", "app.main:app"]\n',
        "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
    })
    assert [p.http_path for p in project.probes] == ["/health"]


def test_route_paths_bound_to_names_are_resolved_when_they_name_one_string(tmp_path):
    _, project = starts_of(tmp_path, {
        "svc/paths.py": 'READY_PATH = "/ready"\nFLIP = "/a"\nFLIP = "/b"\n',
        "svc/server.py": (
            "from fastapi import APIRouter, FastAPI\n"
            "from svc.paths import READY_PATH, FLIP\n"
            "PREFIX = '/api'\n"
            "router = APIRouter(prefix=PREFIX)\n"
            "@router.get(READY_PATH)\n"
            "def ready():\n    return 1\n"
            "@router.get(FLIP)\n"
            "def flip():\n    return 1\n"
            "def create_app(health_path: str = '/health', other: str = '/x', unknown=None) -> FastAPI:\n"
            "    app = FastAPI()\n"
            "    PREFIX = '/inner'\n"
            "    app.include_router(router, prefix=PREFIX)\n"
            "    @app.get(health_path)\n"
            "    def health():\n        return 1\n"
            "    @app.get(unknown)\n"
            "    def what():\n        return 1\n"
            "    return app\n"),
    })
    (app,) = project.service_apps
    assert sorted(path for path, _ in app.all_routes()) == [
        "/health", "/inner/api/<unknown>", "/inner/api/ready", "<unknown>"]


def test_routers_included_in_a_loop_over_a_tuple_of_routers(tmp_path):
    _, project = starts_of(tmp_path, {
        "svc/api/__init__.py": "",
        "svc/api/root.py": "from fastapi import APIRouter\nrouter = APIRouter()\n\n@router.get('/ready')\n"
                           "def ready():\n    return 1\n",
        "svc/api/flows.py": "from fastapi import APIRouter\nrouter = APIRouter(prefix='/flows')\n\n@router.get('/')\n"
                            "def flows():\n    return []\n",
        "svc/server.py": (
            "from fastapi import FastAPI\n"
            "import svc.api as api\n"
            "from svc.api import flows, root\n"
            "API_ROUTERS = (api.flows.router, root.router)\n"
            "def create_app() -> FastAPI:\n"
            "    app = FastAPI()\n"
            "    for router in API_ROUTERS:\n"
            "        app.include_router(router, prefix='/api')\n"
            "    for extra in [flows.router]:\n"
            "        app.include_router(extra, prefix='/v2')\n"
            "    return app\n"),
    })
    (app,) = project.service_apps
    assert sorted(path for path, _ in app.all_routes()) == ["/api/flows/", "/api/ready", "/v2/flows/"]


def test_routers_included_through_a_repo_helper_function(tmp_path):
    _, project = starts_of(tmp_path, {
        "svc/__init__.py": "",
        "svc/users.py": "from fastapi import APIRouter\nrouter = APIRouter(prefix='/users')\n\n@router.get('/')\n"
                        "def users():\n    return []\n",
        "svc/health.py": "from fastapi import APIRouter\nhealth_router = APIRouter()\n\n@health_router.get('/health')\n"
                         "def health():\n    return 1\n",
        "svc/main.py": (
            "import os\n"
            "from fastapi import APIRouter, FastAPI\n"
            "from svc import users\n"
            "from svc.health import health_router\n"
            "def include_with_global_prefix(application: FastAPI, router: APIRouter, **kwargs) -> None:\n"
            "    application.include_router(router, prefix=os.environ.get('API_PREFIX', ''), **kwargs)\n"
            "def get_application() -> FastAPI:\n"
            "    application = FastAPI()\n"
            "    include_with_global_prefix(application, users.router)\n"
            "    include_with_global_prefix(application, router=health_router)\n"
            "    return application\n"
            "app = get_application()\n"),
    })
    (app,) = project.service_apps
    assert sorted(path for path, _ in app.all_routes()) == ["<unknown>/health", "<unknown>/users/"]
    assert project.web.serves([app], "/health") is None  # the prefix is computed at run time: not known


# ------------------------------------------------------------------ process managers and multi-stage images


def test_supervisord_programs_through_include_and_copy(tmp_path):
    starts, project = starts_of(tmp_path, {
        "Dockerfile": """
            FROM python:3.12-slim AS base
            COPY deploy/supervisord.conf /etc/supervisor/supervisord.conf
            FROM base
            COPY deploy/web.conf /etc/supervisor/conf.d/
            CMD ["supervisord", "-c", "/etc/supervisor/supervisord.conf"]
            """,
        "deploy/supervisord.conf": "[supervisord]\nnodaemon=true ; foreground\n[include]\nfiles = conf.d/*.conf\n",
        "deploy/web.conf": """
            [program:web]
            directory=/app
            environment=WEB_CONCURRENCY="3",OTHER=x
            numprocs=2
            command=gunicorn app.main:app --bind 0.0.0.0:8000 ; a comment
            """,
        "deploy/unused.conf": "[program:other]\ncommand=celery -A app worker\n",
    })
    start = starts[("Dockerfile", "CMD", "boot")]
    assert [c.words[0] for c in start.chain] == ["supervisord", "gunicorn"]
    program = start.chain[1]
    assert program.via == "supervisord [program:web] x2" and program.env["WEB_CONCURRENCY"] == "3"
    assert (program.argv[0].path, program.argv[0].span.line, program.argv[0].span.column) == ("deploy/web.conf", 5, 9)
    assert program.words[-1] == "0.0.0.0:8000"  # the inline comment is not a word
    assert start.server.name == "gunicorn" and start.server.settings["workers"].number == 3
    model = json.loads(_inspect_json(tmp_path))
    step = model["start_commands"][0]["chain"][1]
    assert step["via"] == "supervisord [program:web] x2" and step["path"] == "deploy/web.conf" and step["line"] == 5


def test_supervisord_expansions_become_variables_located_in_the_conf(tmp_path):
    """``%(ENV_PORT)s`` is supervisord's expansion of its own environment: read as ``${PORT}`` (which
    the image's ENV resolves), located at the expansion, the words after it kept."""
    from readycheck.parsers.processmanagers import supervisord_expand

    text = "gunicorn app:app -b 0.0.0.0:%(ENV_PORT)s --reload -n %(program_name)s_%(process_num)02d %(bogus)s"
    expanded, locate = supervisord_expand(text, "web", "/etc", base=10)
    assert expanded == "gunicorn app:app -b 0.0.0.0:${PORT} --reload -n web_00 %(bogus)s"
    at = expanded.index("0.0.0.0")
    assert locate(at, at + len("0.0.0.0:${PORT}")) == (10 + text.index("0.0.0.0"), 10 + text.index(" --reload"))
    at = expanded.index("--reload")
    assert locate(at, at + 8) == (10 + text.index("--reload"), 10 + text.index("--reload") + 8)
    hostile = "%(x)" + "0" * 100_000 + "q"  # flags and width in one class: linear, no backtracking
    assert supervisord_expand(hostile, "web", "")[0] == hostile
    starts, _ = starts_of(tmp_path, {
        "Dockerfile": """
            FROM python:3.12-slim
            ENV PORT=8080
            COPY web.conf /etc/supervisor/conf.d/web.conf
            CMD ["supervisord", "-n"]
            """,
        "web.conf": "[program:web]\nenvironment=APP_PORT=\"%(ENV_PORT)s\"\n"
                    "command=gunicorn app:app -b 0.0.0.0:%(ENV_PORT)s --reload\n",
    })
    server = starts[("Dockerfile", "CMD", "boot")].server
    assert server.settings["reload"].value == "true" and server.settings["reload"].span.column == 50
    assert server.settings["bind"].value == "0.0.0.0:${PORT}"
    assert server.command.env["APP_PORT"] == "${PORT}"


def test_supervisord_command_on_continuation_lines(tmp_path):
    """supervisord splits ``command=`` like a shell line after configparser joined its indented
    continuation lines: the words there are the program's (was: only the first line was read, so
    ``--reload`` went unseen), located on their own lines, also after a blank line (configparser keeps
    it in the value when more indented lines follow); comment lines and inline comments are not words."""
    starts, _ = starts_of(tmp_path, {
        "Dockerfile": "FROM python:3.12-slim\nCOPY web.conf /etc/supervisor/conf.d/web.conf\nCMD [\"supervisord\", \"-n\"]\n",
        "web.conf": "[program:web]\r\ncommand=uvicorn app.main:app\r\n  --host 0.0.0.0 ; the bind\r\n"
                    "  ; a comment line\r\n\r\n  --reload\r\n\r\n[program:x]\r\ncommand=true\r\n",
    })
    start = starts[("Dockerfile", "CMD", "boot")]
    assert start.chain[1].words == ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--reload"]
    reload = start.server.settings["reload"]
    assert (reload.value, reload.path, reload.span.line, reload.span.column) == ("true", "web.conf", 6, 3)
    assert start.chain[2].words == ["true"]


def test_shell_and_script_behind_an_init_or_user_switch_are_followed(tmp_path):
    """``ENTRYPOINT ["tini", "--"]`` with a ``bash -lc`` CMD, ``gosu app ./start.sh``: the wrapper runs
    the rest of its argument vector, so the shell string and the script are read (was: the whole line
    one command, the server, its --reload and the migration before it unseen). A plain command behind
    a wrapper stays one line."""
    starts, _ = starts_of(tmp_path, {
        "Dockerfile": """
            FROM python:3.12-slim
            ENTRYPOINT ["tini", "-g", "--"]
            CMD ["/bin/bash", "-lc", "alembic upgrade head && exec uvicorn app.main:app --reload"]
            """,
        "worker/Dockerfile": """
            FROM python:3.12-slim
            COPY start.sh /start.sh
            CMD ["gosu", "app", "/start.sh"]
            """,
        "worker/start.sh": "#!/bin/sh\nexec gunicorn app.main:app -w 2\n",
        "plain/Dockerfile": "FROM python:3.12-slim\nCMD [\"dumb-init\", \"uvicorn\", \"app:app\"]\n",
    })
    start = starts[("Dockerfile", "ENTRYPOINT", "boot")]
    assert [c.words for c in start.chain] == [["tini", "-g", "--"], ["alembic", "upgrade", "head"],
                                              ["uvicorn", "app.main:app", "--reload"]]
    assert start.server.settings["reload"].span.line == 3 and start.server.command.exec_
    worker = starts[("worker/Dockerfile", "CMD", "boot")]
    assert worker.chain[0].words == ["gosu", "app"] and worker.server.command.exec_
    assert worker.server.command.argv[0].path == "worker/start.sh"
    plain = starts[("plain/Dockerfile", "CMD", "boot")]
    assert [c.words for c in plain.chain] == [["dumb-init", "uvicorn", "app:app"]]


def test_background_server_before_a_foreground_one(tmp_path):
    """A server started with ``&`` and a later one in the foreground: the later one is the service."""
    starts, _ = starts_of(tmp_path, {
        "Dockerfile": "FROM python:3.12-slim\nCOPY start.sh /start.sh\nCMD [\"/start.sh\"]\n",
        "start.sh": "#!/bin/sh\nuvicorn boot:app --port 9 &\nsleep 1 && kill $!\nexec gunicorn app:app -w 2\n",
    })
    start = starts[("Dockerfile", "CMD", "boot")]
    assert [c.background for c in start.chain] == [True, False, False, False]
    assert start.server.name == "gunicorn" and start.server.command.exec_


def _inspect_json(root) -> str:
    import io
    from contextlib import redirect_stdout

    out = io.StringIO()
    with redirect_stdout(out):
        main(["inspect", str(root), "--format", "json"])
    return out.getvalue()


def test_supervisord_packaged_conf_and_unreadable_conf(tmp_path):
    write_tree(tmp_path, {
        "Dockerfile": "FROM python:3.12-slim\nCOPY app.conf /etc/supervisor/conf.d/app.conf\nCMD [\"supervisord\", \"-n\"]\n",
        "app.conf": "[program:api]\ncommand=uvicorn app.main:app --host 0.0.0.0\n",
        "broken/Dockerfile": "FROM python:3.12-slim\nCOPY s.conf /s.conf\nCMD [\"supervisord\", \"-c\", \"/s.conf\"]\n",
        "broken/s.conf": "command=no section header\n",
    })
    project = Project(tmp_path, discover(tmp_path))
    by_path = {s.path: s for s in project.start_commands}
    assert by_path["Dockerfile"].server.name == "uvicorn"  # Debian's supervisord.conf includes conf.d/*.conf
    assert by_path["broken/Dockerfile"].server is None
    assert any("cannot parse supervisord config" in d.message for d in project.diagnostics)


def test_systemd_unit_runs_exec_start_pre_first(tmp_path):
    starts, _ = starts_of(tmp_path, {"deploy/api.service": """
        [Unit]
        Description=api
        [Service]
        WorkingDirectory=/srv/api
        Environment=WEB_CONCURRENCY=4
        ExecStartPre=-/srv/api/.venv/bin/alembic upgrade head
        ExecStart=/srv/api/.venv/bin/gunicorn app.main:app --bind 0.0.0.0:8000
        [Install]
        WantedBy=multi-user.target
        """, "deploy/notes.service": "not a unit\n"})
    start = starts[("deploy/api.service", "api", "boot")]
    assert [c.program for c in start.chain] == ["alembic", "gunicorn"]
    assert start.chain[0].argv[0].span.column == 15  # after the "-" prefix
    assert start.server.settings["workers"].number == 4
    assert len(starts) == 1


def test_systemd_continuation_lines_and_quoted_environment(tmp_path):
    """A line ending in a backslash continues on the next (systemd.syntax): the words there are the
    command's (was: cut at the first line, so ``--reload`` and ``upgrade head`` were lost), each
    located on its own line; ``Environment="A=b c"`` is one assignment."""
    starts, _ = starts_of(tmp_path, {"deploy/api.service": """
        [Service]
        Environment="OPTS=--log-level info" WEB_CONCURRENCY=2
        ExecStartPre=/srv/api/.venv/bin/alembic \\
            upgrade head
        ExecStart=/srv/api/.venv/bin/uvicorn \\
            app.main:app --host 0.0.0.0 \\
            --reload
        Restart=always
        """})
    start = starts[("deploy/api.service", "api", "boot")]
    assert [c.words[1:] for c in start.chain] == [["upgrade", "head"], ["app.main:app", "--host", "0.0.0.0", "--reload"]]
    assert start.chain[0].env["OPTS"] == "--log-level info" and start.chain[0].env["WEB_CONCURRENCY"] == "2"
    assert start.chain[0].argv[0].span.line == 3
    assert start.server.settings["reload"].value == "true" and start.server.settings["reload"].span.line == 7


def test_s6_services_and_honcho(tmp_path):
    starts, _ = starts_of(tmp_path, {
        "Dockerfile": """
            FROM python:3.12-slim
            COPY rootfs/ /
            ENTRYPOINT ["/init"]
            """,
        "rootfs/etc/s6-overlay/s6-rc.d/api/run": "#!/command/with-contenv sh\nexec gunicorn app.main:app -b 0.0.0.0:80\n",
        "rootfs/etc/s6-overlay/s6-rc.d/api/type": "longrun\n",
        "worker/Dockerfile": """
            FROM python:3.12-slim
            WORKDIR /app
            COPY . .
            CMD ["honcho", "start", "-f", "Procfile.prod", "web"]
            """,
        "worker/Procfile.prod": "web: alembic upgrade head && uvicorn app.main:app --host 0.0.0.0\nclock: python clock.py\n",
    })
    s6 = starts[("Dockerfile", "ENTRYPOINT", "boot")]
    assert [c.program for c in s6.chain] == ["init", "gunicorn"] and s6.chain[1].exec_
    assert s6.chain[1].via == "s6 service api"
    honcho = starts[("worker/Dockerfile", "CMD", "boot")]
    assert [c.program for c in honcho.chain] == ["honcho", "alembic", "uvicorn"]  # only the process asked for
    assert honcho.chain[2].shell == "sh -c" and honcho.chain[2].shell_last
    assert honcho.server.name == "uvicorn"


def test_multi_stage_copy_from_follows_the_builders_files(tmp_path):
    starts, _ = starts_of(tmp_path, {
        "Dockerfile": """
            FROM python:3.12-slim AS builder
            ENV APP_HOME=/src
            WORKDIR $APP_HOME
            COPY . .
            RUN pip install -r requirements.txt
            FROM python:3.12-slim
            WORKDIR /app
            COPY --from=builder /src/server ./server
            COPY --from=ghcr.io/astral-sh/uv:0.4.0 /uv /bin/uv
            CMD ["./server/startup.sh"]
            """,
        "server/startup.sh": "#!/bin/sh\nalembic upgrade head\npostgres &\nuvicorn app.main:app --host 0.0.0.0\n",
        "requirements.txt": "uvicorn==0.30.0\n",
    })
    start = starts[("Dockerfile", "CMD", "boot")]
    assert [c.program for c in start.chain] == ["alembic", "postgres", "uvicorn"]
    assert start.chain[0].argv[0].path == "server/startup.sh"
    assert start.server.command.shell == "server/startup.sh"


def test_inherited_cmd_and_known_base_images(tmp_path):
    starts, _ = starts_of(tmp_path, {
        "Dockerfile": """
            FROM python:3.12-slim AS base
            CMD ["gunicorn", "app.main:app"]
            FROM base AS prod
            RUN pip install gunicorn
            """,
        "tiangolo/Dockerfile": """
            FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11
            COPY ./app /app/app
            COPY prestart.sh /app/prestart.sh
            """,
        "tiangolo/prestart.sh": "#!/bin/sh\nalembic upgrade head\n",
        "tiangolo/app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
    })
    assert starts[("Dockerfile", "CMD (stage prod)", "boot")].server.target.text == "app.main:app"
    tiangolo = next(s for (path, _, _), s in starts.items() if path == "tiangolo/Dockerfile")
    assert [c.program for c in tiangolo.chain] == ["alembic", "gunicorn"]
    assert tiangolo.server.target.text == "app.main:app" and tiangolo.server.settings["worker_class"].value == \
        "uvicorn.workers.UvicornWorker"
    assert tiangolo.chain[-1].argv[0].span.line == 1  # placed on the FROM line
    assert tiangolo.image.startswith("tiangolo/")
    # the image's own /gunicorn_conf.py: 0.0.0.0:80, workers per core, its timeouts
    assert tiangolo.server.host_port()[:2] == ("0.0.0.0", 80)
    workers = tiangolo.server.settings["workers"]
    assert workers.cpu_based and workers.number is None and workers.value == "max(2, 1 x cores)"
    assert tiangolo.server.settings["graceful_timeout"].number == 120
    assert tiangolo.server.settings["timeout"].number == 120


def test_tiangolo_image_reads_its_settings_from_the_environment(tmp_path):
    starts, _ = starts_of(tmp_path, {
        "Dockerfile": """
            FROM tiangolo/uvicorn-gunicorn:python3.11-slim
            ENV PORT=8080 MAX_WORKERS=3 APP_MODULE=svc.web:api
            COPY . .
            """,
        "main.py": "",
        "deploy/gunicorn_conf.py": "workers = 4\n",  # /app/deploy/: not one that start.sh looks for
        "docker-compose.yml": """
            services:
              dev:
                build: .
                command: /start-reload.sh
                environment:
                  HOST: 127.0.0.1
              prod:
                build: .
                command: /start.sh
        """,
    })
    image = starts[("Dockerfile", "FROM tiangolo/uvicorn-gunicorn:python3.11-slim", "boot")]
    server = image.server
    assert server.target.text == "svc.web:api" and server.target.span.line == 2
    assert server.host_port()[:2] == ("0.0.0.0", 8080)
    assert server.settings["port"].span.line == 2 and "PORT" in server.settings["port"].source
    assert server.settings["workers"].value == "max(2, 1 x cores), at most 3" and server.settings["workers"].cpu_based
    reload = starts[("docker-compose.yml", "dev", "boot")].server
    assert reload.name == "uvicorn" and "--reload" in reload.options
    assert reload.host_port()[:2] == ("127.0.0.1", 8080)  # compose's HOST, the image's ENV PORT
    assert reload.target.text == "svc.web:api"
    assert reload.command.via.endswith("(base image: /start-reload.sh)")
    prod = starts[("docker-compose.yml", "prod", "boot")].server  # the image's ENV PORT read by its gunicorn_conf.py
    assert prod.name == "gunicorn" and prod.host_port()[:2] == ("0.0.0.0", 8080)


def test_tiangolo_image_whose_start_finds_no_app_is_no_start(tmp_path):
    starts, _ = starts_of(tmp_path, {
        "Dockerfile": "FROM tiangolo/uvicorn-gunicorn-fastapi\nWORKDIR /code\nCOPY . /code\n",
        "main.py": "",
        "env/Dockerfile": "FROM tiangolo/uvicorn-gunicorn-fastapi\nENV MODULE_NAME=svc.web\n",
    })
    assert [path for path, _, _ in starts] == ["env/Dockerfile"]  # /app/main.py, /app/app/main.py: neither
    assert starts[("env/Dockerfile", "FROM tiangolo/uvicorn-gunicorn-fastapi", "boot")].server.target.text == \
        "svc.web:app"


def test_tiangolo_image_uses_the_apps_gunicorn_conf_and_main(tmp_path):
    starts, _ = starts_of(tmp_path, {
        "Dockerfile": """
            FROM tiangolo/uvicorn-gunicorn-fastapi
            COPY . /app
            CMD ["/start.sh"]
            """,
        "main.py": "",
        "gunicorn_conf.py": "bind = '0.0.0.0:9000'\nworkers = 4\n",
        "start.sh": "#!/bin/sh\nexec uvicorn main:app --reload\n",  # not /start.sh in the image
    })
    server = starts[("Dockerfile", "CMD", "boot")].server
    assert server.name == "gunicorn" and server.target.text == "main:app"
    assert server.options["-c"].text == "/app/gunicorn_conf.py"
    assert server.host_port()[:2] == ("0.0.0.0", 9000) and server.settings["workers"].number == 4


def test_compose_service_runs_in_the_image_its_build_makes(tmp_path):
    starts, _ = starts_of(tmp_path, {
        "Dockerfile": """
            ARG SERVER_TYPE=api
            FROM python:3.12-alpine AS base
            COPY deploy/ /etc/supervisor/conf.d/
            FROM base AS api
            CMD ["supervisord", "-n"]
            FROM base AS dev
            FROM ${SERVER_TYPE}
            """,
        "deploy/api.conf": "[program:api]\ncommand=uvicorn app.main:app --host 0.0.0.0\n",
        "docker-compose.yml": """
            name: shop-dev
            services:
              api:
                build: {context: ., args: [SERVER_TYPE=api]}
                command: sh -c "supervisord -n"
            """,
        "deploy/docker-compose.prod.yml": """
            services:
              api:
                build: {context: .., target: dev}
                command: ["sh", "-c", "sleep 1; uvicorn app.main:app --host 0.0.0.0"]
            """,
    })
    api = starts[("docker-compose.yml", "api", "boot")]
    assert api.server.name == "uvicorn" and api.image == "python:3.12-alpine"
    assert api.development  # the compose project is named *-dev
    assert starts[("deploy/docker-compose.prod.yml", "api", "boot")].development  # builds the dev target


def test_compose_and_dockerfiles_by_content_and_reference(tmp_path):
    write_tree(tmp_path, {
        "Makefile": "deploy:\n\tdocker compose -f deploy/stack.yml up -d\nimage:\n\tdocker build -f ops/api.docker .\n",
        ".github/workflows/ci.yml": "jobs:\n  a:\n    steps:\n      - run: docker-compose --file=ci/services.yaml up\n",
        "deploy/stack.yml": "services:\n  api:\n    image: acme/api:1\n    command: uvicorn app:app --reload\n",
        "myapp.yml": "services:\n  web:\n    build: .\n    command: gunicorn app:app\n",
        "ci/services.yaml": "version: '3'\n",
        "ops/api.docker": "FROM python:3.12-slim\nCMD [\"gunicorn\", \"app:app\"]\n",
        "config.yml": "services:\n  - name: a\n",  # a list of services: not compose
        "notes.yml": "services:\n  cache: {ttl: 3}\n",  # no image/build/command
    })
    project = Project(tmp_path, discover(tmp_path))
    from readycheck.core.sourcefile import FileKind

    assert {f.path for f in project.files(FileKind.COMPOSE)} == {"deploy/stack.yml", "myapp.yml", "ci/services.yaml"}
    assert {f.path for f in project.files(FileKind.DOCKERFILE)} == {"ops/api.docker"}
    assert {s.path for s in project.start_commands} == {"deploy/stack.yml", "myapp.yml", "ops/api.docker"}


def test_python_entry_points_reach_the_server(tmp_path):
    starts, _ = starts_of(tmp_path, {
        "pyproject.toml": """
            [project]
            name = "svc"
            version = "1"
            [project.scripts]
            svc = "svc.cli:main"
            svc-gunicorn = "svc.gun:main"
            svc-exec = "svc.execs:main"
            """,
        "svc/cli.py": """
            import uvicorn


            def main():
                config = uvicorn.Config("svc.app:app", host="0.0.0.0", port=9000, workers=2)
                uvicorn.Server(config).run()
            """,
        "svc/gun.py": """
            from gunicorn.app.base import BaseApplication


            class App(BaseApplication):
                def load(self):
                    return None


            def main():
                App().run()
            """,
        "svc/execs.py": """
            import os
            import subprocess


            def main():
                subprocess.run(["alembic", "upgrade", "head"], check=True)
                os.execvp("gunicorn", ["gunicorn", "svc.app:app", "--bind", "0.0.0.0:8000", "--reload"])
            """,
        "Dockerfile": "FROM python:3.12-slim\nCMD [\"svc\"]\n",
        "gun/Dockerfile": "FROM python:3.12-slim\nCMD [\"svc-gunicorn\"]\n",
        "exec/Dockerfile": "FROM python:3.12-slim\nCMD [\"svc-exec\"]\n",
        "other/Dockerfile": "FROM python:3.12-slim\nCMD [\"python\", \"-m\", \"svc.missing\"]\n",
    })
    by_path = {path: s for (path, _, _), s in starts.items()}
    config = by_path["Dockerfile"].server
    assert (config.name, config.target.text, config.settings["port"].number) == ("uvicorn", "svc.app:app", 9000)
    assert config.entry.text == "uvicorn.Config()" and config.entry.path == "svc/cli.py"
    assert by_path["gun/Dockerfile"].server.name == "gunicorn"
    execs = by_path["exec/Dockerfile"]
    assert [c.program for c in execs.chain] == ["alembic", "gunicorn", "svc-exec"]
    assert execs.server.settings["reload"].value == "true" and execs.server.settings["reload"].path == "svc/execs.py"
    assert by_path["other/Dockerfile"].server is None
    model = json.loads(_inspect_json(tmp_path))
    entry = next(s for s in model["start_commands"] if s["path"] == "Dockerfile")["server"]["entry"]
    assert entry["via"] == "console script svc = svc.cli:main: main() in svc/cli.py" and entry["line"] == 5


def test_click_groups_an_external_uvicorn_command_and_a_main_block(tmp_path):
    starts, _ = starts_of(tmp_path, {
        "pyproject.toml": '[project]\nname = "ops"\nversion = "1"\n[project.scripts]\nops = "ops.cli:entrypoint"\n',
        "ops/cli.py": """
            import click
            import uvicorn


            @click.group()
            def ops_cli():
                pass


            @ops_cli.group("server")
            def ops_server():
                pass


            @ops_server.command("develop")
            def develop():
                uvicorn.run("ops.main:app", reload=True)


            ops_server.add_command(uvicorn.main, name="start")


            def entrypoint():
                ops_cli()
            """,
        "ui/__main__.py": """
            from uvicorn import Config

            from ui import server

            if __name__ == "__main__":
                api = server.Server(Config("ui.app:app", host="0.0.0.0", port=7878))
                api.run()
            """,
        "ui/server.py": "import uvicorn\n\n\nclass Server(uvicorn.Server):\n    pass\n",
        "Dockerfile": 'FROM python:3.12-slim\nENTRYPOINT ["ops", "server", "start", "ops.main:app", "--port", "80"]\n',
        "ui/Dockerfile": 'FROM python:3.12-slim\nCMD ["python", "-m", "ui"]\n',
    })
    by_path = {path: s for (path, _, _), s in starts.items()}
    ops = by_path["Dockerfile"].server
    assert (ops.name, ops.target.text, ops.settings["port"].number) == ("uvicorn", "ops.main:app", 80)
    assert "reload" not in ops.settings  # the develop command is not what runs
    assert ops.settings["port"].span.line == 2 and ops.settings["port"].path == "Dockerfile"
    ui = by_path["ui/Dockerfile"].server
    assert (ui.name, ui.target.text, ui.settings["port"].number) == ("uvicorn", "ui.app:app", 7878)
    assert ui.entry.path == "ui/__main__.py"


def test_the_stage_every_production_build_names_is_the_image_that_runs(tmp_path):
    """compose build.target, CI build-push-action target and docker build --target in a script decide which
    stage a Dockerfile's image is; a dev/test target, a Makefile recipe and a development compose file do not,
    and one production build of the last stage (or two different targets) keeps the last stage."""
    from readycheck.model.deployrefs import build_targets, production_target

    dockerfile = ("FROM python:3.12-slim AS runtime\nCMD [\"gunicorn\", \"app:app\"]\n"
                  "FROM runtime AS dev\nRUN pip install debugpy\n")
    write_tree(tmp_path, {
        "api/Dockerfile": dockerfile,
        "worker/Dockerfile": dockerfile,
        "scripts/release.sh": "docker build --target=runtime -t app api\ndocker build -f worker/Dockerfile .\n",
        "Makefile": "dev:\n\tdocker build --target dev -t app-dev api\n",
        "docker-compose.dev.yml": "services:\n  w: {build: {context: worker, target: runtime}}\n",
        ".github/workflows/ci.yml": "jobs:\n  b:\n    steps:\n      - run: docker build --target test api\n",
    })
    project = Project(tmp_path, discover(tmp_path))
    builds = build_targets(project.all_files, project.yaml_documents)
    by_file: dict[str, list] = {}
    for build in builds:
        by_file.setdefault(build.dockerfile, []).append(build)
    assert sorted((b.target, b.production) for b in by_file["api/Dockerfile"]) == [
        ("dev", False), ("runtime", True), ("test", False)]
    assert production_target(by_file["api/Dockerfile"]).target == "runtime"
    assert production_target(by_file["worker/Dockerfile"]) is None  # scripts/release.sh builds its last stage
    stages = {d.path: d.final_stage.name for d in project.dockerfiles}
    assert stages == {"api/Dockerfile": "runtime", "worker/Dockerfile": "dev"}
    start = next(s for s in project.start_commands if s.path == "api/Dockerfile")
    assert start.server is not None and start.environment.production


def test_a_last_stage_only_a_developer_builds_that_starts_nothing_is_not_the_service(tmp_path):
    """The last stage with no CMD/ENTRYPOINT that only a Makefile names is a developer's image: the one
    other stage that starts something is the service, and the developer's stage is development. Two
    stages that start something, a production build of the last stage, or a last stage nobody names
    keep the last stage; a builder stage the service copies from is never development."""
    from readycheck.model.deployrefs import development_stages

    service_and_ci = ("FROM python:3.12-slim AS builder\nRUN pip wheel -w /w fastapi\n"
                      "FROM python:3.12-slim AS runtime\nCOPY --from=builder /w /w\nCMD [\"uvicorn\", \"a:app\"]\n"
                      "FROM python:3.12-slim AS ci\nRUN pip install pytest\n")
    two_services = ("FROM python:3.12-slim AS api\nCMD [\"uvicorn\", \"a:app\"]\n"
                    "FROM python:3.12-slim AS worker\nCMD [\"celery\", \"-A\", \"a\", \"worker\"]\n"
                    "FROM python:3.12-slim AS ci\nRUN pip install pytest\n")
    write_tree(tmp_path, {
        "a/Dockerfile": service_and_ci, "b/Dockerfile": two_services, "c/Dockerfile": service_and_ci,
        "d/Dockerfile": service_and_ci,
        "Makefile": "ci:\n\tdocker build --target ci a\n\tdocker build --target ci b\n\tdocker build --target ci c\n",
        "scripts/release.sh": "docker build -t app c\n",
    })
    project = Project(tmp_path, discover(tmp_path))
    by_path = {d.path: d for d in project.dockerfiles}
    assert {p: d.final_stage.name for p, d in by_path.items()} == {
        "a/Dockerfile": "runtime", "b/Dockerfile": "ci", "c/Dockerfile": "ci", "d/Dockerfile": "ci"}
    assert by_path["a/Dockerfile"].deployed_because == (
        "that starts the service (the last stage, ci, starts nothing and only Makefile builds it)")
    a = by_path["a/Dockerfile"]
    assert {i: e.note for i, e in a.development_stages.items()} == {
        2: " (development: stage ci, built only by Makefile)"}  # builder (index 0) ships its wheels
    assert a.stage_environment(a.stages[0]).production
    assert by_path["c/Dockerfile"].development_stages == {}  # scripts/release.sh ships the last stage
    assert development_stages(by_path["d/Dockerfile"], []) == {}
    (start,) = [s for s in project.start_commands if s.path == "a/Dockerfile"]
    assert start.server is not None and start.server.name == "uvicorn"


def test_a_templated_compose_file_is_read_with_its_expressions_blanked(tmp_path):
    """A cookiecutter's compose file is no YAML as written; blanked, it parses with every offset kept.
    One still broken after blanking keeps the parser's first error as its diagnostic."""
    write_tree(tmp_path, {
        "{{cookiecutter.slug}}/docker-compose.yml": """
            services:
              api:
                build: .
                ports:
                  - {{cookiecutter.port}}:80
                command: uvicorn app.main:app --host 0.0.0.0 --port 8000
            """,
        "broken/docker-compose.yml": "services:\n  api: {{x}}\n   bad: [\n",
    })
    project = Project(tmp_path, discover(tmp_path))
    (start,) = [s for s in project.start_commands if s.path.startswith("{{")]
    lines = (tmp_path / start.path).read_text().splitlines()
    assert start.server is not None and start.server.name == "uvicorn"
    assert lines[start.span.line - 1].strip().startswith("command:")  # offsets kept through the blanking
    assert [d.path for d in project.diagnostics] == ["broken/docker-compose.yml"]


def test_every_platform_reader_is_registered_and_reads_each_file_once(tmp_path, monkeypatch):
    # A reader module under model/deployments/ that PLATFORMS does not name would silently never run.
    import importlib
    from pathlib import Path

    from readycheck.model import deployments

    folder = Path(deployments.__file__).parent
    readers = {p.stem for p in folder.glob("*.py")} - {"__init__", "common", "fact"}
    assert readers == {p.module for p in deployments.PLATFORMS}
    for platform in deployments.PLATFORMS:
        assert callable(importlib.import_module(f"readycheck.model.deployments.{platform.module}").read)

    from readycheck.parsers import located

    loads: list[str] = []
    real = located.load_located
    monkeypatch.setattr(located, "load_located", lambda source: loads.append(source.path) or real(source))
    _, project = starts_of(tmp_path, {
        "fly.toml": 'app = "svc"\n[deploy]\n  release_command = "alembic upgrade head"\n'
                    '[processes]\n  app = "uvicorn app.main:app --port 8080"\n'
                    '[http_service]\n  internal_port = 8080\n'
                    '[[http_service.checks]]\n  path = "/healthz"\n',
        "Dockerfile": 'FROM python:3.12-slim\nCMD ["uvicorn", "app.main:app"]\n',
        "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
    })
    fly = next(d for d in project.deployments if d.platform == "fly.toml")
    assert [s.process for s in fly.releases] == ["release_command"]
    assert [p.http_path for p in project.probes] == ["/healthz"]
    assert fly.scales_out and project.replicas_visible
    docker = next(s for s in project.start_commands if s.origin == "Dockerfile")
    assert [p.text for p in docker.ports] == ["8080"]  # fly routes to the image built beside it
    assert loads == ["fly.toml"]  # parsed once for start commands, ports and checks


def test_each_platform_file_becomes_one_deployment_fact(tmp_path):
    _, project = starts_of(tmp_path, {
        "render.yaml": """
            services:
              - type: web
                name: api
                numInstances: 3
                startCommand: uvicorn app.main:app --host 0.0.0.0 --port $PORT
                preDeployCommand: alembic upgrade head
                healthCheckPath: /healthz
                envVars:
                  - key: LOG_LEVEL
                    value: info
                  - key: DATABASE_URL
                    fromDatabase: {name: db, property: connectionString}
            """,
        "Procfile": "web: gunicorn app.main:app\nrelease: alembic upgrade head\n",
        "k8s/api.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: api}
            spec:
              template:
                spec:
                  containers:
                    - name: web
                      env: [{name: MODE, value: prod}]
                      readinessProbe: {httpGet: {path: /ready, port: 8000}}
            ---
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata: {name: api}
            """,
        "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
    })
    by_platform = {d.platform: d for d in project.deployments}
    assert list(by_platform) == ["Procfile", "render.yaml", "Kubernetes"]  # the registry's order
    render = by_platform["render.yaml"]
    assert [(s.process, s.role) for s in render.starts] == [("api", "boot"), ("api", "release")]
    assert [s.replicas.text for s in render.starts if s.replicas] == ["3", "3"]
    assert [(p.kind, p.http_path, p.owner) for p in render.probes] == [("readiness", "/healthz", "api")]
    assert {(e.name, e.value.text) for e in render.env} == {("LOG_LEVEL", "info")}  # not the database's secret
    assert [s.process for s in by_platform["Procfile"].releases] == ["release"]
    kubernetes = by_platform["Kubernetes"]
    assert kubernetes.starts == ()  # the container runs its image's CMD
    assert [(e.where, e.name) for e in kubernetes.env] == [("Deployment container web", "MODE")]
    assert [(p.kind, p.http_path, p.owner) for p in kubernetes.probes] == [("readiness", "/ready", "Deployment api/web")]
    assert kubernetes.scales_out and not render.scales_out
    # The Project's properties are the aggregations, probes in their historical platform order.
    assert [p.platform for p in project.probes] == ["Kubernetes", "render.yaml"]
    assert [(e.where, e.name) for d in project.deployments for e in d.env] == \
        [(where, name) for where, name, _, _ in project.declared_env]


def test_align_maps_folded_and_unquoted_text_back_to_the_file():
    from readycheck.model.startcommands import align

    raw = '>\n  /bin/sh -c "a &&\n  echo \\"x\\" && b"\n'
    value = '/bin/sh -c "a && echo \\"x\\" && b"\n'
    offsets = align(value, raw)
    assert offsets is not None and raw[offsets[value.index("echo")]:][:4] == "echo"
    inner = 'a && echo "x" && b'  # the -c word after the shell removed its quotes
    word = '"a &&\n  echo \\"x\\" && b"'
    at = align(inner, word)
    assert at is not None and word[at[inner.index("b")]] == "b" and word[at[inner.index("x")]] == "x"
    assert align("abc", "abd") is None and align("abc", "a-bc") is None  # nothing but what YAML/sh drop
    assert align("", "") == []


def test_whom_each_container_runs_as_is_part_of_the_deployment_fact(tmp_path):
    _, project = starts_of(tmp_path, {
        "k8s/api.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: api}
            spec:
              template:
                spec:
                  securityContext: {runAsNonRoot: true, runAsUser: 1000, runAsGroup: 3000}
                  initContainers:
                    - name: migrate
                  containers:
                    - name: web
                      securityContext: {runAsUser: null}
                    - name: sidecar
                      securityContext: {runAsUser: "2000", runAsNonRoot: false}
            ---
            apiVersion: batch/v1
            kind: CronJob
            metadata: {name: nightly}
            spec:
              jobTemplate:
                spec:
                  template:
                    spec:
                      containers: [{name: job, securityContext: {runAsUser: 7}}]
            ---
            apiVersion: serving.knative.dev/v1
            kind: Service
            metadata: {name: fn}
            spec:
              template:
                spec:
                  containers: [{name: fn, securityContext: {runAsNonRoot: true}}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: plain}
            spec: {ports: [{port: 80}]}
            """,
        "docker-compose.yml": """
            services:
              api: {image: app, user: "1000:1000"}
              worker: {image: app, user: 1001}
              db: {image: postgres}
            """,
    })
    by_platform = {d.platform: d for d in project.deployments}

    def settings(run_as):
        return tuple(None if s is None else (s.value, s.level, s.span.line if s.span else None)
                     for s in (run_as.user, run_as.group, run_as.non_root))

    assert [(r.owner, r.kind, r.init, settings(r)) for r in by_platform["Kubernetes"].run_as] == [
        # The pod's settings, each overridden by a key the container sets (even to null, even to a string).
        ("Deployment api/migrate", "Deployment", True, ((1000, "pod", 7), (3000, "pod", 7), (True, "pod", 7))),
        ("Deployment api/web", "Deployment", False, ((None, "container", 12), (3000, "pod", 7), (True, "pod", 7))),
        ("Deployment api/sidecar", "Deployment", False,
         (("2000", "container", 14), (3000, "pod", 7), (False, "container", 14))),
        ("CronJob nightly/job", "CronJob", False, ((7, "container", 24), None, None)),  # its jobTemplate's pod
        ("Service fn/fn", "Service", False, (None, None, (True, "container", 32))),  # a Knative Service's template
    ]
    compose = [(r.owner, r.kind, settings(r)) for r in by_platform["compose"].run_as]
    assert compose == [("api", "service", (("1000", "service", 2), ("1000", "service", 2), None)),
                       ("worker", "service", ((1001, "service", 3), None, None))]


def test_ecs_task_definitions_in_cloudformation_and_task_definition_files(tmp_path):
    starts, project = starts_of(tmp_path, {
        "infra/api.yaml": """
            Resources:
              Service:
                Type: AWS::ECS::Service
                Properties:
                  TaskDefinition: !Ref ApiTask
                  DesiredCount: 3
              Scaling:
                Type: AWS::ApplicationAutoScaling::ScalableTarget
              ApiTask:
                Type: AWS::ECS::TaskDefinition
                Properties:
                  ContainerDefinitions:
                    - Name: api
                      Image: example/api:1.2
                      EntryPoint: ["gunicorn"]
                      Command: ["-k", "uvicorn.workers.UvicornWorker", "app.main:app", "--bind", "0.0.0.0:8080"]
                      PortMappings:
                        - ContainerPort: 8080
                      Environment:
                        - Name: WEB_CONCURRENCY
                          Value: "4"
                        - Name: DATABASE_URL
                          Value: !Sub "postgresql://${DbHost}/app"
                      Secrets:
                        - Name: DB_PASSWORD
                          ValueFrom: arn:aws:secretsmanager:eu-west-1:1:secret:db
                      HealthCheck:
                        Command: ["CMD-SHELL", "curl -f http://localhost:8080/healthz || exit 1"]
              Nightly:
                Type: AWS::Events::Rule
                Properties:
                  Targets:
                    - EcsParameters:
                        TaskDefinitionArn: !Ref CleanupTask
              CleanupTask:
                Type: AWS::ECS::TaskDefinition
                Properties:
                  ContainerDefinitions:
                    - Name: cleanup
                      Command: ["python", "-m", "app.cleanup"]
            """,
        "deploy/task-definition.json": """
            {"family": "worker", "containerDefinitions": [
              {"name": "migrate", "command": ["alembic", "upgrade", "head"], "essential": false},
              {"name": "web", "command": ["uvicorn", "app.main:app", "--port", "9000"],
               "dependsOn": [{"containerName": "migrate", "condition": "SUCCESS"}]}]}
            """,
        "infra/not-ecs.yaml": "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n",
    })
    api = starts[("infra/api.yaml", "ApiTask/api", "boot")]
    assert api.server.name == "gunicorn" and api.server.program.span.line == 15
    assert api.server.settings["workers"].number == 4
    assert api.replicas.text == "3" and [t.text for t in api.ports] == ["8080"]
    assert api.image == "example/api:1.2"
    assert set(api.env) == {"WEB_CONCURRENCY", "DATABASE_URL"}  # a secret has no literal value
    assert ("infra/api.yaml", "CleanupTask/cleanup", "oneshot") in starts  # run by a schedule, not a service
    assert starts[("deploy/task-definition.json", "worker/migrate", "oneshot")].server is None
    web = starts[("deploy/task-definition.json", "worker/web", "boot")]
    assert web.server.name == "uvicorn" and web.server.program.span.line == 3
    ecs = [d for d in project.deployments if d.platform == "ECS"]
    assert [d.path for d in ecs] == ["deploy/task-definition.json", "infra/api.yaml"]
    assert ecs[1].scales_out and not ecs[0].scales_out
    probe, = ecs[1].probes
    assert (probe.kind, probe.http_path, probe.owner) == ("health", "/healthz", "ApiTask/api")


def test_ecs_booleans_are_not_counts_or_ports(tmp_path):
    """``DesiredCount: true`` and ``containerPort: true`` are the author's mistake, not 1 replica or port 1
    (bool is an int in Python: inspect printed ``replicas=True``)."""
    starts, _ = starts_of(tmp_path, {"infra/api.yaml": """
        Resources:
          Service:
            Type: AWS::ECS::Service
            Properties: {TaskDefinition: !Ref Task, DesiredCount: true}
          Task:
            Type: AWS::ECS::TaskDefinition
            Properties:
              ContainerDefinitions:
                - Name: api
                  Command: ["uvicorn", "app.main:app"]
                  PortMappings: [{ContainerPort: true}, {ContainerPort: 8000}]
        """})
    api = starts[("infra/api.yaml", "Task/api", "boot")]
    assert api.replicas is None and [t.text for t in api.ports] == ["8000"]


def test_a_plain_yaml_file_does_not_make_a_package_deployed(tmp_path):
    """ECS reads every YAML file for CloudFormation templates, as Kubernetes does for manifests: neither makes
    YAML a deployment file by its kind (polar's SDK template has a workflow YAML and is a library)."""
    _, project = starts_of(tmp_path, {"sdk/.github/workflows/test.yml": "on: push\njobs: {}\n",
                                      "sdk/pyproject.toml": "[project]\nname = 'sdk'\ndependencies = ['httpx>=0.28']\n"})
    assert not project.deployable
    _, project = starts_of(tmp_path / "svc", {"task-definition.json": '{"containerDefinitions": []}'})
    assert project.deployable


def test_inspect_text_says_unknown_host_and_port_plainly(tmp_path, capsys):
    """gunicorn -c with a config file that is not in the repository: where it listens is not known,
    printed as ``?`` (was ``listens None:None``); JSON keeps null."""
    write_tree(tmp_path, {"Dockerfile": "FROM python:3.12-slim\nCMD [\"gunicorn\", \"app:app\", \"-c\", \"/etc/g.py\"]\n"})
    assert main(["inspect", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "server: gunicorn app:app  listens ?:?" in text and "None" not in text
    assert main(["inspect", str(tmp_path), "--format", "json"]) == 0
    server = json.loads(capsys.readouterr().out)["start_commands"][0]["server"]
    assert server["host"] is None and server["port"] is None


def test_kubernetes_manifest_named_app_yaml(tmp_path):
    """``k8s/app.yaml`` (or a chart's ``templates/app.yaml``) holding Kubernetes objects is a manifest,
    not App Engine's app.yaml (was: read as App Engine's, no entrypoint, its workloads lost)."""
    starts, project = starts_of(tmp_path, {
        "k8s/app.yaml": """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: cfg}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: api}
            spec:
              template:
                spec:
                  containers:
                    - name: api
                      command: ["uvicorn", "app.main:app", "--reload"]
            """,
        "gae/app.yaml": "runtime: python312\nentrypoint: gunicorn -b :$PORT app.main:app\n",
    })
    assert starts[("k8s/app.yaml", "Deployment api/api", "boot")].server.settings["reload"].value == "true"
    assert starts[("gae/app.yaml", "entrypoint", "boot")].server.name == "gunicorn"


def test_makefile_recipe_on_continuation_lines(tmp_path):
    """A recipe line ending in a backslash goes on with the next (make hands both to the shell): the
    flags there are the command's (was: cut at the first line)."""
    starts, _ = starts_of(tmp_path, {"Makefile": "prod:\n\tgunicorn app.main:app \\\n\t  -w 4 --reload\nother:\n\ttrue\n"})
    start = starts[("Makefile", "prod", "boot")]
    assert start.chain[0].words == ["gunicorn", "app.main:app", "-w", "4", "--reload"]
    assert start.server.settings["reload"].span.line == 3 and start.server.settings["workers"].number == 4


def test_compose_entrypoint_runs_the_command_as_its_arguments(tmp_path):
    """compose runs ``entrypoint`` with ``command`` as its arguments, one argument vector: an
    ``entrypoint: ["sh", "-c"]`` runs the command's string (was: two commands, the server in that
    string never found)."""
    starts, _ = starts_of(tmp_path, {"docker-compose.yml": """
        services:
          api:
            image: app:1
            entrypoint: ["sh", "-c"]
            command:
              - "alembic upgrade head && exec uvicorn app.main:app --reload"
          worker:
            image: app:1
            entrypoint: ["dumb-init", "--"]
            command: celery -A app worker
        """})
    api = starts[("docker-compose.yml", "api", "boot")]
    assert [c.words for c in api.chain] == [["alembic", "upgrade", "head"], ["uvicorn", "app.main:app", "--reload"]]
    assert api.server.settings["reload"].span.line == 6 and api.server.command.exec_
    assert [c.words for c in starts[("docker-compose.yml", "worker", "boot")].chain] == [
        ["dumb-init", "--", "celery", "-A", "app", "worker"]]


def test_helm_probes_are_what_values_yaml_sets(tmp_path):
    template = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  template:
    spec:
      containers:
        - name: api
          command: ["uvicorn", "app:app", "--host", "0.0.0.0"]
          livenessProbe:
            {{- toYaml .Values.api.livenessProbe | nindent 12 }}
          {{- with .Values.api.readinessProbe }}
          readinessProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with .Values.api.startupProbe }}
          startupProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
        - name: side
          command: ["gunicorn", "side:app"]
          livenessProbe:
            {{ .Values.side.livenessProbe | toYaml | nindent 12 }}
"""
    write_tree(tmp_path, {
        "charts/svc/Chart.yaml": "apiVersion: v2\nname: svc\nversion: 1.0.0\n",
        "charts/svc/templates/api.yaml": template,
        "charts/svc/values.yaml": "api:\n  livenessProbe: {}\n  readinessProbe:\n    httpGet:\n      path: /ready\n"
                                  "      port: 8000\nside:\n  livenessProbe:\n    httpGet: {path: /live, port: 80}\n",
        "other/templates/api.yaml": template,  # no values.yaml: nothing known
    })
    project = Project(tmp_path, discover(tmp_path))
    probes = [(p.path, p.file, p.kind, p.http_path, p.span.line) for p in project.probes]
    assert probes == [("charts/svc/templates/api.yaml", "charts/svc/values.yaml", "readiness", "/ready", 5),
                      ("charts/svc/templates/api.yaml", "charts/svc/values.yaml", "liveness", "/live", 9)]
    unset = [(p.file, p.kind, p.span.line, p.owner) for p in project.unset_probes]
    assert unset == [("charts/svc/values.yaml", "liveness", 2, "Deployment {{…}}/api")]  # startupProbe: omitted


def test_supervisord_programs_that_run_servers_are_start_commands_of_their_own(tmp_path):
    write_tree(tmp_path, {
        "Dockerfile": "FROM python:3.12-slim\nCOPY deploy/ /etc/supervisor/conf.d/\n"
                      "CMD sh -c \"alembic upgrade head && exec supervisord -n\"\n",
        "deploy/web.conf": "[program:api]\ncommand=uvicorn app.main:app --host 0.0.0.0 --workers 2\n"
                           "[program:worker]\ncommand=celery -A app.tasks worker\n"
                           "[program:admin]\ncommand=gunicorn admin:app --reload\n",
        "one/Dockerfile": "FROM python:3.12-slim\nCOPY one.conf /etc/supervisord.conf\nCMD [\"supervisord\"]\n",
        "one/one.conf": "[program:api]\ncommand=uvicorn app.main:app\n[program:worker]\ncommand=celery worker\n",
    })
    project = Project(tmp_path, discover(tmp_path))
    starts = [s for s in project.start_commands if s.path == "Dockerfile"]
    assert [(s.program, s.server.name) for s in starts] == [("supervisord [program:api]", "uvicorn"),
                                                            ("supervisord [program:admin]", "gunicorn")]
    api, admin = starts
    assert [c.program for c in api.chain] == ["alembic", "supervisord", "uvicorn"]
    assert [c.program for c in admin.chain] == ["supervisord", "gunicorn"]  # what runs first: judged once
    assert admin.label == "Dockerfile CMD supervisord [program:admin]" and "reload" in admin.server.settings
    assert api.server.settings["workers"].number == 2 and api.chain[1] is admin.chain[0]
    one = [s for s in project.start_commands if s.path == "one/Dockerfile"]
    assert [(s.program, s.server.name) for s in one] == [("", "uvicorn")]  # one server: the image's start as before


def test_supervisord_percent_signs_and_numprocs(tmp_path):
    """``%%`` is supervisord's literal percent sign (onyx's celery ``--hostname=primary@%%n``), and ``numprocs``
    copies of a program are counted on its commands."""
    starts, _ = starts_of(tmp_path, {
        "Dockerfile": 'FROM python:3.12-slim\nCOPY . /app\nCMD ["supervisord", "-c", "/app/supervisord.conf"]\n',
        "supervisord.conf": "[program:worker]\nnumprocs=2\nprocess_name=w%(process_num)d\n"
                            "command=celery -A app worker --hostname=primary@%%n\n"})
    start, = starts.values()
    worker = start.chain[-1]
    assert worker.words == ["celery", "-A", "app", "worker", "--hostname=primary@%n"]
    assert worker.copies == 2


def test_compose_double_dollar_is_a_literal_dollar_for_the_container(tmp_path):
    starts, _ = starts_of(tmp_path, {"docker-compose.yml": """
        services:
          api:
            image: python:3.12-slim
            command: ["sh", "-c", "exec uvicorn app:app --host 0.0.0.0 --port $${PORT:-8000}"]
          worker:
            image: python:3.12-slim
            entrypoint: /bin/bash
            command:
              - -c
              - |
                rm -rf $${HOME}/.cache
                exec celery -A app worker --hostname=w@$${HOSTNAME}
        """})
    api = starts[("docker-compose.yml", "api", "boot")]
    assert api.chain[-1].words[-1] == "${PORT:-8000}"
    rm, celery = starts[("docker-compose.yml", "worker", "boot")].chain[-2:]
    assert rm.words == ["rm", "-rf", "${HOME}/.cache"] and celery.words[-1] == "--hostname=w@${HOSTNAME}"
    assert (rm.argv[0].span.line, celery.argv[0].span.line) == (11, 12)  # each at its own line, as written


def test_ecs_values_of_the_wrong_type_name_nothing(tmp_path):
    """A task definition file is anyone's JSON: a name that is a list, a health check made of numbers, an
    environment entry without a string name are not read as text (review: ``ECS ['x']/{'a': 1}``)."""
    starts, project = starts_of(tmp_path, {"task-definition.json": """
        {"family": ["x"], "containerDefinitions": [
          {"name": {"a": 1}, "command": ["uvicorn", "app:app"], "environment": [{"name": 1, "value": "v"}],
           "healthCheck": {"command": [1, ["CMD"], null]}}]}
        """})
    (start,) = starts.values()
    assert start.process == "task-definition/container" and start.env == {}
    (ecs,) = [d for d in project.deployments if d.platform == "ECS"]
    assert ecs.probes == ()
