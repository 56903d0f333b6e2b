"""RC112 database-in-image: a database or cache server is installed or started in the app image.

What it does
    Flags, in the shipped stages of an app image (a Python base image or a
    Python server in its start command), an ``apt-get``/``apk``/``yum``/``dnf``
    install of a database or cache server (postgresql, mysql-server,
    mariadb-server, redis-server, mongodb, memcached...) and a start command
    that runs one (``postgres``, ``pg_ctl``, ``mysqld``, ``redis-server``,
    ``mongod``). Client libraries (``libpq5``, ``postgresql-client``,
    ``default-libmysqlclient-dev``) are fine, and so is an image built FROM a
    database image that is only the database (an init script, an extension). An
    app image built FROM a database image (it runs a Python server, or installs
    Python packages) is flagged at its FROM, and so is a process manager's program
    (a supervisord ``[program:redis]``) that starts a database next to the app.

Why is this bad
    A database inside the app container dies with the container: no backups,
    no failover, data lost on every redeploy or reschedule, and every replica
    gets its own empty database. "Never ship a database inside your app container."

Example
    RUN apt-get update && apt-get install -y postgresql redis-server

Use instead
    # a managed database or a separate service (compose service, StatefulSet),
    # reached through DATABASE_URL; install only the client library:
    RUN apt-get update && apt-get install -y --no-install-recommends libpq5
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Severity, is_database_image

if TYPE_CHECKING:
    from readycheck.api import Project

SERVER_PACKAGE = re.compile(r"^(postgresql(-\d+(\.\d+)?)?|postgresql-server|mysql-server(-[\d.]+)?|mariadb-server|"
                            r"redis-server|redis|valkey|mongodb(-org)?(-server)?|memcached|rabbitmq-server|"
                            r"elasticsearch|cassandra|clickhouse-server)$")
SERVER_BINARY = {"postgres", "pg_ctl", "pg_ctlcluster", "mysqld", "mysqld_safe", "mariadbd", "redis-server",
                 "mongod", "memcached", "rabbitmq-server"}
PACKAGE_MANAGERS = {"apt-get", "apt", "apk", "yum", "dnf", "microdnf"}
CLIENT_HINTS = {"postgresql": " (for the client only: postgresql-client, or libpq5 for psycopg)",
                "mysql": " (for the client only: default-mysql-client or libmariadb3)",
                "mariadb": " (for the client only: mariadb-client or libmariadb3)",
                "redis": " (for the client only: redis-tools)"}
PYTHON_INSTALLERS = {"pip", "pip3", "uv", "poetry", "pipenv", "pdm"}


class DatabaseInImage(Check):
    id = "RC112"
    name = "database-in-image"
    severity = Severity.ERROR
    summary = "A database or cache server is installed or started inside the app image"
    fix = ("Run the database as a managed service or a separate container/StatefulSet, connect through "
           "DATABASE_URL, and install only client libraries (libpq5) in the app image.")
    tags = ("dockerfile", "database", "availability")
    examples = (
        Example({"Dockerfile": """
            FROM python:3.12-slim
            RUN apt-get update && apt-get install -y --no-install-recommends postgresql redis-server \\
                && rm -rf /var/lib/apt/lists/*
            CMD ["sh", "-c", "redis-server --daemonize yes && exec gunicorn app:app"]
            """}, expect=['Dockerfile:2:66 the app image installs the server package `postgresql` (for the client only: postgresql-client, or libpq5 for psycopg)', "Dockerfile:2", "Dockerfile:4"], title="installed and started"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            RUN apt-get update && apt-get install -y --no-install-recommends libpq5 postgresql-client \\
                && rm -rf /var/lib/apt/lists/*
            CMD ["gunicorn", "app:app"]
            """, "db/Dockerfile": "FROM postgres:16\nRUN apt-get update && apt-get install -y postgresql-16-postgis-3\n"},
            title="client libraries; a database image of its own"),
        Example({"Dockerfile": """
            FROM pgvector/pgvector:pg16 AS builder
            WORKDIR /app
            COPY . .
            FROM pgvector/pgvector:pg16
            RUN apt-get update && apt-get install -y python3-pip redis-server
            WORKDIR /app
            COPY --from=builder /app .
            ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
            CMD ["./server/startup.sh"]
            """, "server/startup.sh": """
            #!/bin/sh
            /usr/local/bin/docker-entrypoint.sh postgres &
            CMD="uvicorn app.main:app --host 0.0.0.0"
            exec $CMD
            """}, expect=["Dockerfile:4", "Dockerfile:5", "server/startup.sh:2"],
            title="an app image FROM a database image, its script followed through COPY --from and the entrypoint"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            RUN apt-get update && apt-get install -y --no-install-recommends supervisor && rm -rf /var/lib/apt/lists/*
            COPY deploy/app.conf /etc/supervisor/conf.d/app.conf
            CMD ["supervisord", "-n"]
            """, "deploy/app.conf": """
            [program:redis]
            command=redis-server --save ""
            [program:web]
            command=gunicorn app.main:app --bind 0.0.0.0:8000
            """}, expect=["deploy/app.conf:2"], title="a supervisord program starts redis next to the app"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            RUN apt-get update && apt-get install -y --no-install-recommends supervisor && rm -rf /var/lib/apt/lists/*
            COPY deploy/app.conf /etc/supervisor/conf.d/app.conf
            CMD ["supervisord", "-n"]
            """, "deploy/app.conf": """
            [program:web]
            command=gunicorn app.main:app --bind 0.0.0.0:8000
            [program:worker]
            command=celery -A app.worker worker
            """}, title="supervisord running the app and a worker"),
    )

    @staticmethod
    def _installs_python(dockerfile, shipped) -> bool:
        """A RUN of pip/uv/poetry in the shipped stages: Python packages, so an app, not a database image."""
        for stage in shipped:
            for inst in stage.all("RUN"):
                for words in dockerfile.commands(inst):
                    if words and words[0].text.rsplit("/", 1)[-1] in PYTHON_INSTALLERS | {"python", "python3"} and \
                            any(w.text in ("install", "sync", "-m") for w in words[1:4]):
                        return True
        return False

    def run(self, project: Project):
        starts = {s.path: s for s in project.start_commands if s.origin == "Dockerfile"}
        for dockerfile in project.dockerfiles:
            shipped = dockerfile.shipped_stages()
            if not shipped:
                continue
            base = shipped[0].resolved_image.lower().removeprefix("docker.io/").removeprefix("library/")
            start = starts.get(dockerfile.path)
            is_app = base.startswith("python") or (start is not None and start.server is not None)
            if is_database_image(base):
                if not (is_app or self._installs_python(dockerfile, shipped)):
                    continue  # the database's own image
                yield self.finding(dockerfile.path, dockerfile.span_of(shipped[0].from_instruction, shipped[0].image),
                                   f"the app image is built FROM the database image `{shipped[0].image}`: the "
                                   f"database runs inside the app container")
            if not is_app:
                continue
            for stage in shipped:
                for inst in stage.all("RUN"):
                    for words in dockerfile.commands(inst):
                        texts = [w.text for w in words]
                        if not texts or texts[0].rsplit("/", 1)[-1] not in PACKAGE_MANAGERS or \
                                not {"install", "add"} & set(texts[1:3]):
                            continue
                        for word in words[2:]:
                            if SERVER_PACKAGE.match(word.text):
                                hint = CLIENT_HINTS.get(word.text.split("-")[0], "")
                                yield self.finding(dockerfile.path, dockerfile.word_span(word),
                                                   f"the app image installs the server package `{word.text}`{hint}")
            for command in start.chain if start else []:
                at = command.program_index()
                # `docker-entrypoint.sh postgres` (a database image's entrypoint) starts the server too
                started = next((i for i in range(at, min(at + 2, len(command.argv)))
                                if command.argv[i].text.rsplit("/", 1)[-1] in SERVER_BINARY), None)
                if started is not None:
                    token = command.argv[started]
                    name = token.text.rsplit("/", 1)[-1]
                    yield self.finding(token.path, token.span, f"the app container starts `{name}` next to the app")
