"""RC112 database-in-image: a database or cache server is installed or started in the app image.

What it does
    Flags, in the shipped stages of an app image (a Python base image or a
    Python server in its start command), an ``apt-get``/``apk``/``yum``/``dnf``
    install of a database or cache server (postgresql, mysql-server,
    mariadb-server, redis-server, mongodb, memcached...) and a start command
    that runs one (``postgres``, ``pg_ctl``, ``mysqld``, ``redis-server``,
    ``mongod``). Client libraries (``libpq5``, ``postgresql-client``,
    ``default-libmysqlclient-dev``) are fine, and so are images built FROM a
    database image (they are the database).

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

from readycheck.api import Check, Example, Severity

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
DATABASE_IMAGES = ("postgres", "mysql", "mariadb", "redis", "mongo", "bitnami/", "timescale", "postgis", "valkey")


class DatabaseInImage(Check):
    id = "RC112"
    name = "database-in-image"
    severity = Severity.ERROR
    summary = "A database or cache server is installed or started inside the app image"
    why = ("A database inside the app container has no backups and no failover, loses its data on every redeploy, "
           "and every replica gets a separate empty copy.")
    fix = ("Run the database as a managed service or a separate container/StatefulSet, connect through "
           "DATABASE_URL, and install only client libraries (libpq5) in the app image.")
    tags = ("dockerfile", "database", "availability")
    examples = (
        Example({"Dockerfile": """
            FROM python:3.12-slim
            RUN apt-get update && apt-get install -y --no-install-recommends postgresql redis-server \\
                && rm -rf /var/lib/apt/lists/*
            CMD ["sh", "-c", "redis-server --daemonize yes && exec gunicorn app:app"]
            """}, expect=["Dockerfile:2", "Dockerfile:2", "Dockerfile:4"], title="installed and started"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            RUN apt-get update && apt-get install -y --no-install-recommends libpq5 postgresql-client \\
                && rm -rf /var/lib/apt/lists/*
            CMD ["gunicorn", "app:app"]
            """, "db/Dockerfile": "FROM postgres:16\nRUN apt-get update && apt-get install -y postgresql-16-postgis-3\n"},
            title="client libraries; a database image of its own"),
    )

    def run(self, project: Project):
        starts = {s.path: s for s in project.start_commands if s.origin == "Dockerfile"}
        for dockerfile in project.dockerfiles:
            shipped = dockerfile.shipped_stages()
            if not shipped:
                continue
            base = shipped[0].resolved_image.lower().removeprefix("docker.io/").removeprefix("library/")
            start = starts.get(dockerfile.path)
            is_app = base.startswith("python") or (start is not None and start.server is not None)
            if not is_app or base.startswith(DATABASE_IMAGES):
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
                if command.program in SERVER_BINARY:
                    token = command.argv[command.program_index()]
                    yield self.finding(token.path, token.span,
                                       f"the app container starts `{command.program}` next to the app")
