"""RC601 migrations-at-boot: the schema is migrated every time the server starts.

What it does
    Flags two forms of the same mistake:

    * a migration command (``alembic upgrade``, ``manage.py migrate``,
      ``flask db upgrade``, ``prisma migrate deploy``, ``aerich upgrade``) in
      the start chain of a server: before uvicorn/gunicorn in a Dockerfile
      CMD/ENTRYPOINT, in ``sh -c "alembic upgrade head && uvicorn ..."``, in
      the script the CMD runs or a script it sources (also the app's
      ``/app/prestart.sh`` that tiangolo's uvicorn-gunicorn images source
      before gunicorn), in a Procfile ``web:``
      process or a compose ``command``;
    * ``metadata.create_all()`` (also via ``run_sync``/``to_thread``),
      ``alembic.command.upgrade()``, peewee's ``database.create_tables()``,
      or a migration command run as a
      subprocess (``subprocess.run(["alembic", "upgrade", "head"])``,
      ``os.system("alembic upgrade head")``,
      ``asyncio.create_subprocess_exec("alembic", ...)``) in code that runs
      at startup: a lifespan function, an ``on_startup`` handler or
      ``@app.on_event("startup")``, and everything they reach through the
      repo's functions and methods (the reachability model, no depth limit;
      a coroutine started with ``create_task`` too), or at import time of
      the module that creates the app (or a module it imports), directly or
      in a repo function called there (open-webui's config.py calls
      ``run_migrations()`` when it is imported) or the ``__init__`` of a repo
      object built there, or Django's
      ``call_command("migrate")`` when the ASGI/WSGI module is imported.

    A schema change under a development guard (``if settings.ENV == "dev":``,
    ``if DEBUG:``, the ``else`` of ``if ENV == "production":``) is reported
    as info: fine locally, as long as the setting is off in production.

    A chain that migrates and starts no server is a one-shot job: a Procfile
    ``release:`` process, a compose service others wait for with
    ``service_completed_successfully``, a Kubernetes Job. Those are the right
    place and are not flagged.

Why is this bad
    Every replica, and with gunicorn every worker, runs the migration at the
    same moment: they race, deadlock on locks, or leave a half-applied schema;
    a failing migration turns into a crash loop of the whole service; and a
    rollback of the code cannot roll back the schema it already changed.

Example
    CMD sh -c "alembic upgrade head && gunicorn app.main:app"

Use instead
    # Procfile
    release: alembic upgrade head
    web: gunicorn app.main:app
    # or a Kubernetes Job / compose one-shot service / fly release_command
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import shlex

from readycheck.api import (ECS_CLOUDFORMATION_REPO, ECS_TASK_DEFINITION_REPO, Check, Example, Related, Rule, Severity,
                            Span, release_step, tiangolo_repo)

if TYPE_CHECKING:
    from readycheck.api import CallSite, Command, ModuleFacts, Project, StartCommand


def migration_command(command: Command) -> str | None:
    """A description of the migration a command runs, or None."""
    words = command.words
    if not words:
        return None
    index = command.program_index()
    program = command.program
    args = [w for w in words[index + 1:]]
    if program == "alembic" and "upgrade" in args:
        return "alembic upgrade " + (args[args.index("upgrade") + 1] if args.index("upgrade") + 1 < len(args) else "")
    if program in ("manage.py", "django-admin") and args[:1] == ["migrate"]:
        return f"{program} migrate"
    if program == "flask" and args[:2] == ["db", "upgrade"]:
        return "flask db upgrade"
    if program in ("prisma", "prisma-client-py") and args[:2] == ["migrate", "deploy"]:
        return "prisma migrate deploy"
    if program == "aerich" and "upgrade" in args:
        return "aerich upgrade"
    if program == "yoyo" and args[:1] == ["apply"]:
        return "yoyo apply"
    return None


#: Calls that run a command line: a list of words, or a shell string.
_PROCESS_CALLS = {"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
                  "subprocess.Popen", "os.system", "os.popen", "asyncio.create_subprocess_exec",
                  "asyncio.create_subprocess_shell"}
#: Names a peewee ``Database`` goes by (``database.create_tables([...])``).
_DATABASE_NAMES = {"db", "database"}
#: Calls that run the function they are given (in a thread, or with a sync connection).
_RUNNERS = {"run_sync", "to_thread", "run_in_executor", "run_in_threadpool"}


def schema_change(call: CallSite) -> str | None:
    """``create_all``/alembic upgrade/a migration command made by a call, or None."""
    if call.method == "create_all" and ("metadata" in call.text or (call.callee or "").endswith("metadata.create_all")):
        return f"{call.text}()"
    if call.callee in ("alembic.command.upgrade",):
        return "alembic.command.upgrade()"
    if call.method == "create_tables" and call.receiver in _DATABASE_NAMES:
        return f"{call.text}()"  # peewee's Database.create_tables([User, ...])
    arguments = call.call
    if arguments is None:
        return None
    if call.method in _RUNNERS:
        for item in arguments.items:
            if item.kind == "ref" and item.text.endswith(("metadata.create_all", "alembic.command.upgrade")):
                return f"{call.text}({'.'.join(item.text.split('.')[-3:])})"
    if call.callee in _PROCESS_CALLS:
        return _command_migration(call)
    if (call.callee or call.text).rsplit(".", 1)[-1] == "call_command":
        first = arguments.arg(0)
        if first is not None and first.kind == "str" and first.text == "migrate":
            return 'call_command("migrate")'
    return None


def _command_migration(call: CallSite) -> str | None:
    """The migration a subprocess call runs: ``subprocess.run(["alembic", "upgrade", "head"])``,
    ``os.system("alembic upgrade head")``, ``create_subprocess_exec("alembic", "upgrade", "head")``."""
    from readycheck.api import Command, Token  # loaded only when a subprocess call is judged

    arguments = call.call
    first = arguments.arg(0, "args")
    if call.callee == "asyncio.create_subprocess_exec":
        lines = [[v.text for v in arguments.items if v.kind == "str"]]
    elif first is not None and first.kind == "list":
        lines = [[v.text for v in first.items if v.kind == "str"]]
    elif first is not None and first.kind == "str":
        try:
            words = shlex.split(first.text)
        except ValueError:
            words = first.text.split()
        lines = []
        current: list[str] = []
        for word in words:
            if word in ("&&", "||", ";", "|"):
                lines.append(current)
                current = []
            else:
                current.append(word)
        lines.append(current)
    else:
        return None
    for words in lines:
        if words:
            command = Command([Token(word, "", call.span) for word in words])
            found = migration_command(command)
            if found is not None:
                return found.strip()
    return None


def where_to_move(project: Project, start: StartCommand) -> str:
    """The release mechanism of the platform that runs this start command (or of another the repository
    deploys with), as the platform registry describes it."""
    return release_step(start.origin, {s.origin for s in project.start_commands}) or \
        "a release step of your platform or a one-shot job run once per deploy"


class MigrationsAtBoot(Check):
    id = "RC601"
    name = "migrations-at-boot"
    severity = Severity.WARNING
    summary = "Database migrations or create_all run every time the server starts"
    fix = ("Run migrations once per deploy, before the new code starts: a Procfile `release:` process, fly.toml "
           "`[deploy] release_command`, render `preDeployCommand`, a Kubernetes Job or initContainer, or a compose "
           "one-shot service the app waits for with `condition: service_completed_successfully`.")
    tags = ("database", "start-command", "python")
    references = ("https://alembic.sqlalchemy.org/en/latest/cookbook.html",)
    examples = (
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD sh -c "alembic upgrade head && exec uvicorn app.main:app --host 0.0.0.0"
            """}, expect=['Dockerfile:2:12 `alembic upgrade head` runs in the start chain of Dockerfile CMD before uvicorn: every replica migrates at boot; move it to a release step of your platform or a one-shot job run once per deploy'], title="sh -c chain"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            COPY scripts/ /app/scripts/
            WORKDIR /app
            ENTRYPOINT ["./scripts/entrypoint.sh"]
            CMD ["gunicorn", "app.main:app"]
            """, "scripts/entrypoint.sh": """
            #!/bin/sh
            set -e
            . ./scripts/prestart.sh
            exec "$@"
            """, "scripts/prestart.sh": """
            python -m alembic upgrade head
            """}, expect=["scripts/prestart.sh:1"], title="sourced prestart script before exec \"$@\""),
        Example(tiangolo_repo("COPY prestart.sh /app/prestart.sh", prestart="#!/bin/sh\nalembic upgrade head\n"),
                expect=["prestart.sh:2:1 `alembic upgrade head` in prestart.sh runs in the start chain of Dockerfile "
                        "FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11 before gunicorn: every replica migrates "
                        "at boot; move it to a release step of your platform or a one-shot job run once per deploy"],
                title="tiangolo's image sources /app/prestart.sh before gunicorn"),
        Example(tiangolo_repo(prestart="#!/bin/sh\nalembic upgrade head\n"),
                title="a prestart.sh the image never gets (only ./app is copied): nothing runs it"),
        Example({"app/main.py": """
            from contextlib import asynccontextmanager
            from fastapi import FastAPI
            from app.db import init_db

            @asynccontextmanager
            async def lifespan(app):
                await init_db()
                yield

            app = FastAPI(lifespan=lifespan)
            """, "app/db.py": """
            from sqlalchemy.ext.asyncio import create_async_engine
            from app.models import Base

            engine = create_async_engine("postgresql+asyncpg://db/app")

            async def init_db():
                async with engine.begin() as conn:
                    await conn.run_sync(Base.metadata.create_all)
            """}, expect=["app/db.py:8"], title="create_all through a helper called by the lifespan"),
        Example({"app/lifespan.py": """
            from contextlib import AsyncExitStack, asynccontextmanager

            class LifespanManager:
                def __init__(self):
                    self.hooks = []

                def register(self, hook):
                    self.hooks.append(hook)
                    return hook

                def build(self):
                    @asynccontextmanager
                    async def combined(app):
                        async with AsyncExitStack() as stack:
                            for hook in self.hooks:
                                await stack.enter_async_context(hook(app))
                            yield
                    return combined

            lifespan_manager = LifespanManager()
            """, "app/registrar.py": """
            from contextlib import asynccontextmanager
            from fastapi import FastAPI
            from app.db import create_tables
            from app.lifespan import lifespan_manager

            @lifespan_manager.register
            @asynccontextmanager
            async def register_init(app: FastAPI):
                await create_tables()
                yield

            def register_app() -> FastAPI:
                app = FastAPI(lifespan=lifespan_manager.build())
                return app
            """, "main.py": """
            from app.registrar import register_app

            app = register_app()
            """, "app/db.py": """
            from sqlalchemy.ext.asyncio import create_async_engine
            from app.models import Base

            engine = create_async_engine("postgresql+asyncpg://db/app")

            async def create_tables():
                async with engine.begin() as conn:
                    await conn.run_sync(Base.metadata.create_all)
            """, "Dockerfile": """
            FROM python:3.12-slim
            USER app
            CMD ["uvicorn", "main:app", "--host", "0.0.0.0"]
            """}, expect=["app/db.py:8"],
            title="an app factory whose lifespan combines the hooks registered on a lifespan manager"),
        Example({"app/registrar.py": """
            from contextlib import asynccontextmanager
            from fastapi import FastAPI
            from app.cache import redis_client
            from app.lifespan import lifespan_manager

            @lifespan_manager.register
            @asynccontextmanager
            async def register_init(app: FastAPI):
                await redis_client.initialize()
                yield

            def register_app() -> FastAPI:
                app = FastAPI(lifespan=lifespan_manager.build())
                return app
            """, "app/lifespan.py": """
            class LifespanManager:
                def register(self, hook):
                    return hook

                def build(self): ...

            lifespan_manager = LifespanManager()
            """, "app/db.py": """
            from app.models import Base

            def reset_schema(engine):
                Base.metadata.create_all(engine)
            """}, title="... the registered hook only connects a cache (a schema helper nothing at startup calls)"),
        Example({"main.py": """
            from fastapi import FastAPI
            from database import Base, engine

            Base.metadata.create_all(bind=engine)
            app = FastAPI()

            @app.on_event("startup")
            def migrate():
                from alembic import command
                command.upgrade(config, "head")
            """}, expect=["main.py:4", "main.py:10"], title="import time and a startup event"),
        Example({"app/main.py": """
            from fastapi import FastAPI
            from app.config import settings

            app = FastAPI(title=settings.name)
            """, "app/config.py": """
            from alembic import command
            from alembic.config import Config

            class Settings:
                name = "svc"

            settings = Settings()

            def run_migrations():
                command.upgrade(Config("alembic.ini"), "head")

            run_migrations()
            """}, expect=["app/config.py:10"],
            title="a helper the app's config module calls when it is imported"),
        Example({"app/server.py": """
            from fastapi import FastAPI
            from app.session import DBSessionStore

            session_store = DBSessionStore()
            app = FastAPI()
            """, "app/session.py": """
            from app.db import ensure_migrated

            class DBSessionStore:
                def __init__(self):
                    ensure_migrated()
            """, "app/db.py": """
            from peewee import SqliteDatabase

            database = SqliteDatabase("app.db")

            def ensure_migrated():
                database.create_tables([])
            """}, expect=["app/db.py:6"],
            title="peewee tables created by the __init__ of an object the app module builds at import"),
        Example({"app/main.py": """
            from fastapi import FastAPI
            from app.config import settings

            app = FastAPI(title=settings.name)
            """, "app/config.py": """
            from alembic import command
            from alembic.config import Config

            def load():
                return {"name": "svc"}

            def run_migrations():
                command.upgrade(Config("alembic.ini"), "head")

            settings = load()

            if __name__ == "__main__":
                run_migrations()
            """}, title="... called only when the module is run as a script; the helper called at import does not migrate"),
        Example({"Procfile": """
            release: alembic upgrade head
            web: gunicorn app.main:app -k uvicorn_worker.UvicornWorker
            """, "docker-compose.yml": """
            services:
              migrate:
                build: .
                command: alembic upgrade head
              api:
                build: .
                command: uvicorn app.main:app --host 0.0.0.0
                depends_on:
                  migrate:
                    condition: service_completed_successfully
            """}, title="release phase and one-shot compose service"),
        Example({"k8s/deploy.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: api}
            spec:
              replicas: 3
              template:
                spec:
                  containers:
                    - name: api
                      command: ["sh", "-c", "alembic upgrade head && exec uvicorn app.main:app --host 0.0.0.0"]
            """}, expect=["k8s/deploy.yaml:10"], title="a Kubernetes container migrating before its server"),
        Example({"fly.toml": """
            app = "svc"
            [deploy]
              release_command = "alembic upgrade head"
            [processes]
              app = "gunicorn app.main:app -k uvicorn_worker.UvicornWorker"
            """, "render.yaml": """
            services:
              - type: web
                name: api
                preDeployCommand: alembic upgrade head
                startCommand: uvicorn app.main:app --host 0.0.0.0 --port $PORT
            """, "k8s/deploy.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            spec:
              template:
                spec:
                  initContainers:
                    - name: migrate
                      command: ["alembic", "upgrade", "head"]
                  containers:
                    - name: api
                      command: ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
            ---
            apiVersion: batch/v1
            kind: Job
            spec:
              template:
                spec:
                  containers:
                    - name: migrate
                      command: ["sh", "-c", "alembic upgrade head && python -m app.seed"]
            """}, title="fly release_command, render preDeployCommand, k8s initContainer and Job"),
        Example({"app/main.py": """
            import asyncio, os, subprocess
            from contextlib import asynccontextmanager
            from alembic import command
            from alembic.config import Config
            from fastapi import FastAPI
            from app.settings import settings
            from app.db import create_tables

            def run_migrations():
                command.upgrade(Config("alembic.ini"), "head")

            @asynccontextmanager
            async def lifespan(app):
                run_migrations()
                subprocess.run(["alembic", "upgrade", "head"], check=True)
                os.system("alembic upgrade head")
                proc = await asyncio.create_subprocess_exec("alembic", "upgrade", "head")
                if settings.ENV == "dev":
                    await create_tables()
                yield

            app = FastAPI(lifespan=lifespan)
            """, "app/db.py": """
            from sqlalchemy.ext.asyncio import create_async_engine
            from app.models import Base

            engine = create_async_engine("postgresql+asyncpg://db/app")

            async def create_tables():
                async with engine.begin() as conn:
                    await conn.run_sync(Base.metadata.create_all)
            """}, expect=["app/main.py:10", "app/main.py:15", "app/main.py:16", "app/main.py:17", "app/db.py:8:info"],
            title="alembic through a helper, subprocess/os.system/create_subprocess_exec; create_all only in dev is info"),
        Example({"myproject/asgi.py": """
            import os
            from django.core.asgi import get_asgi_application
            from django.core.management import call_command

            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myproject.settings")
            application = get_asgi_application()
            call_command("migrate", interactive=False)
            """}, expect=["myproject/asgi.py:7"], title="Django call_command(migrate) when the ASGI module is imported"),
        Example({"app/main.py": """
            import os, subprocess
            from contextlib import asynccontextmanager
            from fastapi import FastAPI

            @asynccontextmanager
            async def lifespan(app):
                subprocess.run(["alembic", "current"], check=True)
                os.system("echo starting")
                yield

            app = FastAPI(lifespan=lifespan)
            """}, title="commands at startup that do not migrate"),
        Example({"docs_src/sql/tutorial001.py": """
            from fastapi import FastAPI
            from sqlmodel import SQLModel

            def create_db_and_tables():
                SQLModel.metadata.create_all(engine)

            app = FastAPI(on_startup=[create_db_and_tables])
            """}, title="documentation snippets are not the service"),
        Example({"tests/conftest.py": """
            from app.db import Base, engine

            def setup_module():
                Base.metadata.create_all(engine)
            """, "scripts/init_db.py": """
            from app.db import Base, engine
            Base.metadata.create_all(engine)
            """}, title="tests and one-off scripts"),
        Example({"deploy/api.service": """
            [Service]
            WorkingDirectory=/srv/api
            ExecStartPre=/srv/api/.venv/bin/alembic upgrade head
            ExecStart=/srv/api/.venv/bin/gunicorn app.main:app --bind 0.0.0.0:8000
            """}, expect=["deploy/api.service:3"], title="systemd ExecStartPre= runs before every start"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            COPY supervisord.conf /etc/supervisor/conf.d/app.conf
            CMD ["supervisord", "-n"]
            """, "supervisord.conf": """
            [program:web]
            command=gunicorn app.main:app --bind 0.0.0.0:8000
            """, "deploy/migrate.service": """
            [Service]
            Type=oneshot
            ExecStart=/srv/api/.venv/bin/alembic upgrade head
            """}, title="supervisord running only the server; a one-shot migration unit"),
        Example({"pyproject.toml": """
            [project]
            name = "shop"
            version = "1"
            [project.scripts]
            shop = "shop.cli:app"
            """, "shop/cli.py": """
            import typer
            import uvicorn
            from alembic import command
            from alembic.config import Config

            app = typer.Typer()


            def run_migrations():
                command.upgrade(Config("alembic.ini"), "head")


            @app.command()
            def serve():
                run_migrations()
                uvicorn.run("shop.main:app", host="0.0.0.0", port=8000)


            @app.command()
            def migrate():
                run_migrations()
            """, "Dockerfile": """
            FROM python:3.12-slim
            CMD ["shop", "serve"]
            """}, expect=["shop/cli.py:10"], title="a console script's command migrates before uvicorn.run"),
        Example({"pyproject.toml": """
            [project]
            name = "shop"
            version = "1"
            [project.scripts]
            shop = "shop.cli:app"
            """, "shop/cli.py": """
            import typer
            import uvicorn
            from alembic import command
            from alembic.config import Config

            app = typer.Typer()


            @app.command()
            def serve():
                uvicorn.run("shop.main:app", host="0.0.0.0", port=8000)


            @app.command()
            def migrate():
                command.upgrade(Config("alembic.ini"), "head")
            """, "Dockerfile": """
            FROM python:3.12-slim
            CMD ["shop", "serve"]
            """, "k8s/migrate.yaml": """
            apiVersion: batch/v1
            kind: Job
            spec:
              template:
                spec:
                  containers:
                    - name: migrate
                      command: ["shop", "migrate"]
            """}, title="the migrate command runs in a Job; serve only serves"),
        Example({"chart/templates/api.yaml": """
            {{- if gt (int .Values.api.replicaCount) 0 }}
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {{ include "app.fullname" . }}-api
            spec:
              template:
                spec:
                  containers:
                    - name: api
                      image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
                      command:
                        - "/bin/sh"
                        - "-c"
                        - |
                          {{- if .Values.api.runStartupMigrations }}
                          alembic upgrade head &&
                          {{- end }}
                          exec uvicorn app.main:app --host 0.0.0.0 --port {{ .Values.api.port }}
            {{- end }}
            """}, expect=["chart/templates/api.yaml:17:15"],
                title="a Helm template: migrations inside an {{- if }} block run at boot when it is on"),
        Example({"chart/templates/migrate.yaml": """
            {{- if .Values.migrations.enabled }}
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: {{ .Release.Name }}-migrate
              annotations:
                "helm.sh/hook": pre-upgrade
            spec:
              template:
                spec:
                  restartPolicy: Never
                  containers:
                    - name: migrate
                      image: "{{ .Values.image.repository }}"
                      command:
                        - sh
                        - -c
                        - |
                          {{- range .Values.migrations.waitFor }}
                          until nc -z {{ . }} 5432; do sleep 1; done
                          {{- end }}
                          alembic upgrade head
            {{- end }}
            """, "chart/templates/api.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: api
            spec:
              template:
                spec:
                  containers:
                    - name: api
                      image: "{{ .Values.image.repository }}"
                      {{- with .Values.api.args }}
                      command: ["gunicorn", "app.main:app", "-k", "uvicorn_worker.UvicornWorker"]
                      {{- end }}
            """}, title="a Helm template: the Job under {{- if }} migrates once, the Deployment only serves"),
        Example(ECS_CLOUDFORMATION_REPO, expect=["infra/api-service.yaml:19:15"],
            title="ECS: a CloudFormation task definition's sh -c chain migrates in every task"),
        Example({**ECS_TASK_DEFINITION_REPO, "infra/nightly.yaml": """
            Resources:
              Nightly:
                Type: AWS::Events::Rule
                Properties:
                  ScheduleExpression: rate(1 day)
                  Targets:
                    - Id: migrate
                      EcsParameters:
                        TaskDefinitionArn: !Ref MigrateTask
              MigrateTask:
                Type: AWS::ECS::TaskDefinition
                Properties:
                  ContainerDefinitions:
                    - Name: migrate
                      Command: ["sh", "-c", "alembic upgrade head && python -m app.cleanup"]
            """},
                title="ECS: a migration container the app waits for (condition SUCCESS), a scheduled task"),
    )

    def run(self, project: Project):
        for start in project.start_commands:
            yield from self._start_chain(project, start)
        yield from self._startup_code(project)

    def _start_chain(self, project: Project, start: StartCommand):
        if start.role != "boot" or start.server is None:
            return
        server_token = start.server.command.argv[start.server.command.program_index()]
        for command in start.chain:
            what = migration_command(command)
            if what is None:
                continue
            first, last = command.argv[0], command.argv[-1]
            span = Span(first.span.line, first.span.column, last.span.end_line, last.span.end_column) \
                if first.path == last.path and first.span.line == last.span.line else first.span
            related = [Related(server_token.path, server_token.span, f"{start.server.name} starts here")]
            if first.path != start.path:
                related.append(Related(start.path, start.span, f"{start.label} runs this chain"))
            in_file = f" in {first.path}" if first.path != start.path else ""
            yield self.finding(
                first.path, span,
                f"`{what.strip()}`{in_file} runs in the start chain of {start.label} before {start.server.name}: "
                f"every replica migrates at boot; move it to {where_to_move(project, start)}{start.environment.note}",
                severity=Severity.INFO if start.development else None, related=related)

    def _startup_code(self, project: Project):
        index = project.python
        model = project.reachability
        rule = SchemaChangeRule()
        reported: set[tuple[str, int, int]] = set()
        for app in project.service_apps:
            for function, module in app.startup:
                for hit in model.hits(function, module, rule):
                    leaf = hit.steps[-1]
                    key = (leaf.module.path, leaf.call.span.line, leaf.call.span.column)
                    if key in reported:
                        continue
                    reported.add(key)
                    via = " -> ".join([function.name] + [s.label for s in hit.steps[:-1]])
                    dev = any(s.module.in_dev_block(s.call.span.line) for s in hit.steps)
                    related = [Related(module.path, function.span, "startup hook")] + [
                        Related(s.module.path, s.call.span, f"step {i + 1}: `{s.label}()`")
                        for i, s in enumerate(hit.steps[:-1])]
                    yield self.finding(leaf.module.path, leaf.call.span,
                                       f"`{hit.reason}` runs at startup of app `{app.name}` (via {via}): every worker "
                                       f"changes the schema at boot{_DEV_NOTE if dev else ''}",
                                       severity=Severity.INFO if dev else None, related=related)
            app_modules = [app.module] + [m for m in (index.module(q.rsplit(".", 1)[0], app.module)
                                                       for q in app.module.imports.values()) if m is not None]
            for module in app_modules:
                yield from self._import_time(module, reported,
                                             "the app module" if module is app.module else module.path, project)
        for module in index.modules_with(b"call_command"):
            if module.path.rsplit("/", 1)[-1] in ("asgi.py", "wsgi.py"):
                yield from self._import_time(module, reported, f"the server's {module.path.rsplit('/', 1)[-1]}")

    def _import_time(self, module: ModuleFacts, reported: set, where: str, project: Project | None = None):
        for call in module.module_calls:
            what = schema_change(call)
            key = (module.path, call.span.line, call.span.column)
            if what and key not in reported:
                reported.add(key)
                dev = module.in_dev_block(call.span.line)
                yield self.finding(module.path, call.span,
                                   f"`{what}` runs when {where} is imported: every worker changes the schema at "
                                   f"boot{_DEV_NOTE if dev else ''}", severity=Severity.INFO if dev else None)
            elif not what and project is not None:
                yield from self._import_time_helper(project, module, call, reported, where)

    def _import_time_helper(self, project: Project, module: ModuleFacts, call, reported: set, where: str):
        """A repo function called when the module is imported (open-webui's config.py runs
        ``run_migrations()`` at import), and the schema changes it reaches."""
        text, resolved = call.callee or call.text, call.callee is not None
        found = project.python.function(module, text, "", resolved) if text else None
        if found is None and text:  # an instance of a repo class built at import: its __init__ runs
            target = project.python.resolve(text, module) if resolved else (module, text)
            if target is not None and target[1] in target[0].classes:
                init = target[0].functions.get(f"{target[1]}.__init__")
                found = (init, target[0]) if init is not None else None
        if found is None:
            return
        function, home = found
        for hit in project.reachability.hits(function, home, SchemaChangeRule()):
            leaf = hit.steps[-1]
            key = (leaf.module.path, leaf.call.span.line, leaf.call.span.column)
            if key in reported:
                continue
            reported.add(key)
            dev = module.in_dev_block(call.span.line) or any(s.module.in_dev_block(s.call.span.line)
                                                             for s in hit.steps)
            via = " -> ".join([function.qualname] + [s.label for s in hit.steps[:-1]])
            related = [Related(module.path, call.span, f"`{function.qualname}()` runs when {where} is imported")] + [
                Related(s.module.path, s.call.span, f"step {i + 1}: `{s.label}()`")
                for i, s in enumerate(hit.steps[:-1])]
            yield self.finding(leaf.module.path, leaf.call.span,
                               f"`{hit.reason}` runs when {where} is imported (via {via}): every worker changes the "
                               f"schema at boot{_DEV_NOTE if dev else ''}", severity=Severity.INFO if dev else None,
                               related=related)


_DEV_NOTE = " (only when a development setting is on: check it is off in production)"


class SchemaChangeRule(Rule):
    """A schema change anywhere under the startup code (a coroutine started with ``create_task`` too)."""

    key = "schema-change"
    follow_unawaited = True

    def hit(self, edge) -> str | None:
        return schema_change(edge.call)
