"""RC605 pool-budget: workers x pool x replicas can open more connections than the database allows.

What it does
    Adds up the connection pools of the service's engines per process
    (``pool_size + max_overflow`` of each ``create_engine``/``create_async_engine``,
    SQLAlchemy's defaults 5 and 10 when not given; NullPool, SQLite and the
    short-lived engine of an alembic migration environment count 0), multiplies
    by the worker processes of each production start command (from its settings;
    ``cpu_count()`` formulas count as ``2 x cpu-count + 1``, a base image's known
    formula as it computes: tiangolo's ``max(2, WORKERS_PER_CORE x cpu-count)``) and by its replicas
    (Kubernetes, compose, render, railway), and flags the engine when the total
    exceeds the database's connection limit (option ``connection-limit``, 100 by
    default: PostgreSQL's default ``max_connections``). The message shows the
    arithmetic and where each number came from. In a repository of several
    services, a start command counts only the engines of its own service: those
    under the folder that holds its target's package (``main:app`` declared in
    ``recaptcha/demosite/`` is ``recaptcha/demosite/main.py``).

Why is this bad
    Every worker of every replica has its own pool. Past the limit new
    connections are refused ("FATAL: sorry, too many clients already") exactly
    when traffic peaks: it works locally with one process and dies under load.
    The seed article calls it the #1 cause of "works locally, dies under load".

Example
    engine = create_async_engine(URL, pool_size=20, max_overflow=10)
    # gunicorn -w 4, replicas: 3  ->  4 x 30 x 3 = 360 connections

Use instead
    engine = create_async_engine(URL, pool_size=5, max_overflow=2)   # 4 x 7 x 3 = 84
    # or PgBouncer in front, or a larger connection limit
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Related, Severity, tiangolo_repo

if TYPE_CHECKING:
    from readycheck.api import Project



class PoolBudget(Check):
    id = "RC605"
    name = "pool-budget"
    severity = Severity.WARNING
    summary = "Workers x pool size x replicas can exceed the database's connection limit"
    fix = ("Size pools so workers x (pool_size + max_overflow) x replicas stays under the limit, put PgBouncer in "
           "front, or raise the limit (set [tool.readycheck.options.RC605] connection-limit to your database's).")
    tags = ("database", "performance")
    precision = "medium"
    default_options = {"connection-limit": 100, "cpu-count": 2}
    examples = (
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD ["gunicorn", "app.main:app", "-w", "8", "-k", "uvicorn.workers.UvicornWorker"]
            """, "app/config.py": """
            from pydantic_settings import BaseSettings

            class Settings(BaseSettings):
                DB_POOL_SIZE: int = 20
                DB_MAX_OVERFLOW: int = 10

            settings = Settings()
            """, "app/db.py": """
            from sqlalchemy.ext.asyncio import create_async_engine
            from app.config import settings

            engine = create_async_engine(URL, pool_size=settings.DB_POOL_SIZE, max_overflow=settings.DB_MAX_OVERFLOW)
            """}, expect=['app/db.py:4:10 gunicorn runs 8 workers (Dockerfile:2) x pool 20+10 (settings defaults; the environment can override them) per process = 240 connections, over the limit of 100'], title="pool sizes from settings class defaults"),
        Example({"app/db.py": """
            from sqlalchemy.ext.asyncio import create_async_engine
            engine = create_async_engine(URL, pool_size=20, max_overflow=10)
            """, "k8s.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: api}
            spec:
              replicas: 3
              template:
                spec:
                  containers:
                    - name: web
                      command: ["gunicorn", "app.main:app", "-w", "4", "-k", "uvicorn_worker.UvicornWorker"]
            """}, expect=["app/db.py:2"], title="4 workers x 30 x 3 replicas = 360"),
        Example({"app/db.py": """
            from sqlalchemy import create_engine
            engine = create_engine(URL)
            """, "Procfile": "web: gunicorn app.main:app -w 4\n"}, options={"connection-limit": 50},
            expect=["app/db.py:2"], title="defaults 5+10 x 4 workers against a 50-connection plan"),
        Example({"app/db.py": """
            from sqlalchemy import create_engine
            engine = create_engine(URL, pool_size=5, max_overflow=2)
            """, "Procfile": "web: gunicorn app.main:app -w 4\n"}, title="4 x 7 = 28, under 100"),
        Example({"docker-compose.yml": """
            services:
              api:
                build: .
                command: sh -c 'alembic upgrade head && gunicorn -w 3 -k uvicorn.workers.UvicornWorker app.main:app'
            """, "app/db.py": """
            from sqlalchemy.ext.asyncio import create_async_engine
            engine = create_async_engine(URL)
            jobs = create_async_engine(JOBS_URL)
            """, "alembic/env.py": """
            from alembic import context
            from sqlalchemy.ext.asyncio import create_async_engine
            connectable = create_async_engine(context.config.get_main_option("sqlalchemy.url"))
            """}, title="3 x (15 + 15) = 90: the migration environment's engine is not one of the workers' pools"),
        Example({"Procfile": "web: gunicorn app.main:app -w 4 -k uvicorn.workers.UvicornWorker\n", "app/main.py": """
            from fastapi import FastAPI
            from fastapi_async_sqlalchemy import SQLAlchemyMiddleware

            app = FastAPI()
            app.add_middleware(SQLAlchemyMiddleware, db_url=URL, engine_args={"pool_size": 20, "pool_pre_ping": True})
            """}, expect=["app/main.py:5:1 gunicorn runs 4 workers (Procfile:1) x pool 20+10 per process = 120 "
                          "connections, over the limit of 100"],
            title="the engine a middleware creates from its engine_args"),
        Example({"app/db.py": """
            from sqlalchemy import create_engine

            def make(url):
                options = {"pool_size": 20, "max_overflow": 10, "pool_pre_ping": True}
                return create_engine(url, **options)

            def make_reporting(url, size):
                options = {"pool_pre_ping": True}
                if size:
                    options["pool_size"] = size
                return create_engine(url, **options)
            """, "Procfile": "web: gunicorn app.main:app -w 4\n"}, expect=[
                "app/db.py:5:12 gunicorn runs 4 workers (Procfile:1) x pool 20+10 per process = 120 connections, "
                "over the limit of 100"],
            title="pool sizes in a function's **options dict; one sized at run time is not added up"),
        Example({"recaptcha/demosite/docker-compose.yaml": """
            services:
              web:
                build: .
                command: gunicorn main:app --workers 4 -b 0.0.0.0:8080
            """, "recaptcha/demosite/main.py": "from flask import Flask\napp = Flask(__name__)\n",
            "cloud-sql/postgres/connect.py": """
            from sqlalchemy import create_engine
            pool = create_engine(URL, pool_size=20, max_overflow=10)
            """, "cloud-sql/postgres/main.py": "from flask import Flask\napp = Flask(__name__)\n"},
            title="a repository of samples: one sample's workers, another sample's engine"),
        Example({"services/api/Procfile": "web: gunicorn api.main:app -w 4\n",
                 "services/api/api/main.py": "from api.db import engine\n",
                 "services/api/api/db.py": """
            from sqlalchemy import create_engine
            engine = create_engine(URL, pool_size=20, max_overflow=10)
            """, "services/worker/db.py": """
            from sqlalchemy import create_engine
            engine = create_engine(URL, pool_size=50, max_overflow=50)
            """}, expect=["services/api/api/db.py:2"],
            title="its own service's engine counts, the worker's beside it does not"),
        Example({**tiangolo_repo("ENV WORKERS_PER_CORE=4"), "app/db.py": "from sqlalchemy.ext.asyncio import create_async_engine\nengine = create_async_engine(URL, pool_size=20, max_overflow=10)\n"},
                expect=["app/db.py:2:10 gunicorn runs 8 workers (Dockerfile:2, cpu-count 2) x pool 20+10 per process = "
                        "240 connections, over the limit of 100"],
                title="tiangolo's image runs WORKERS_PER_CORE x cores workers"),
        Example({**tiangolo_repo(), "app/db.py": "from sqlalchemy.ext.asyncio import create_async_engine\nengine = create_async_engine(URL, pool_size=20, max_overflow=10)\n"},
                title="tiangolo's image by default: max(2, 1 x cores) = 2 workers x 30 = 60 connections"),
    )

    def run(self, project: Project):
        engines = []
        for engine in project.engines:
            if engine.migration or engine.sqlite or engine.unpooled:
                continue  # a migration environment's short-lived engine, SQLite, or no pool to add up
            # Literals, module constants, settings class defaults and **engine_args dicts.
            size, overflow = engine.setting("pool_size"), engine.setting("max_overflow")
            size_n, over_n = size.number(), overflow.number()
            if size_n is None or over_n is None:
                continue  # a pool sized at run time: nothing to add up
            engines.append((engine.path, engine, size_n, over_n, not size.passed, not overflow.passed,
                            size.overridable or overflow.overridable))
        if not engines:
            return
        limit = int(self.options["connection-limit"])
        worst: dict[int, tuple] = {}  # engine index -> (total, start, count, where, replicas, its engines)
        for start in project.start_commands:
            if start.server is None or not start.production:
                continue
            workers = start.server.settings.get("workers")
            if workers is None:
                count, where = 1, f"{start.server.label} default"
            elif workers.number is not None:
                count, where = workers.number, f"{workers.path}:{workers.span.line}"
            elif workers.cpu_based:
                cores = int(self.options["cpu-count"])
                known = workers.for_cores(cores)  # a formula readycheck knows (a base image's), else 2 x cores + 1
                count = known if known is not None else 2 * cores + 1
                where = f"{workers.path}:{workers.span.line}, cpu-count {self.options['cpu-count']}"
            else:
                continue
            root = service_root(project, start, [e[0] for e in engines])
            mine = [i for i, engine in enumerate(engines) if engine[0].startswith(root)]
            replicas = int(start.replicas.text) if start.replicas is not None and start.replicas.text.isdigit() else 1
            total = count * sum(engines[i][2] + engines[i][3] for i in mine) * replicas
            if total <= limit:
                continue
            for i in mine:
                if i not in worst or total > worst[i][0]:
                    worst[i] = (total, start, count, where, replicas, mine)
        for i in sorted(worst):
            total, start, count, where, replicas, mine = worst[i]
            path, call, _, _, default_size, default_overflow, from_settings = engines[i]
            pools = " + ".join(f"{engines[j][2]}+{engines[j][3]}" for j in mine)
            replica_text = (f" x {replicas} replicas ({start.replicas.path}:{start.replicas.span.line})"
                            if replicas > 1 else "")
            defaults = " (SQLAlchemy defaults)" if default_size and default_overflow else \
                " (settings defaults; the environment can override them)" if from_settings else ""
            yield self.finding(path, call.span,
                               f"{start.server.label} runs {count} workers ({where}) x pool {pools}{defaults} per "
                               f"process{replica_text} = {total} connections, over the limit of {limit}",
                               related=[Related(start.path, start.span, f"{start.label} starts {start.server.label}")])


def service_root(project: Project, start, engine_paths: list[str]) -> str:
    """The folder holding the code a start command serves, as a path prefix ("" for the whole repository).

    The folder that holds the package of the server's target (``main:app`` started from
    ``recaptcha/demosite/docker-compose.yaml`` is ``recaptcha/demosite/main.py``, or the nearest such module):
    in a repository of many services, another service's engines are not this one's. Without a
    target found in the repository, the nearest folder above the declaring file that has engines.
    """
    folder = posixpath.dirname(start.path)
    target = start.server.target.text if start.server.target is not None else ""
    module = target.split(":", 1)[0].strip("\"'")
    dotted = module[:-3].replace("/", ".") if module.endswith(".py") else module
    if dotted and not dotted.startswith(("$", "/", ".")):
        found = project.python.sources_named(dotted)
        near = [s for s in found if not folder or s.path.startswith(folder + "/")]
        if found:
            best = min(near or found, key=lambda s: (len(s.path), s.path)).path
            depth = dotted.count(".") + 1 + best.endswith("/__init__.py")  # path parts the dotted name spans
            parts = best.split("/")
            return "/".join(parts[:-depth]) + "/" if len(parts) > depth else ""
    while folder and not any(p.startswith(folder + "/") for p in engine_paths):
        folder = posixpath.dirname(folder)
    return folder + "/" if folder else ""
