"""RC603 credentials-in-url: a connection URL with a password is written in code or committed config.

What it does
    Flags URLs with a password (``postgresql://app:s3cret@db/app``,
    ``redis://:pw@cache``, ``mongodb+srv://u:p@cluster``, ``amqp://u:p@mq``) in
    the service's Python code (assignments, call arguments, settings defaults)
    and in committed deployment config (compose ``environment``, Kubernetes
    container ``env``, render/app.yaml env). Values that are references
    (``${DB_PASSWORD}``, ``$(DB_PASSWORD)``, ``{password}``) are fine, and so
    are strings with words around the URL (help text: "e.g. redis://u:p@host").
    Tests, docs, scripts, benchmarks and load tests are not read. Development
    files (compose overrides), URLs to localhost and URLs to a database
    container of the same compose file, by service name, hostname, container
    name or network alias (local throwaway credentials) give info only. In
    compose, ``${NAME:-default}`` is read as its default (the value the
    service gets when the variable is unset), nested ones too. Dockerfile ENV/ARG are RC111's.

Why is this bad
    Whatever is committed is in every clone, fork, CI log and backup of the
    repository forever; a default in code also means the service silently runs
    with that password when the real one is missing.

Example
    DATABASE_URL = "postgresql://app:s3cret@db.internal:5432/app"

Use instead
    DATABASE_URL = os.environ["DATABASE_URL"]   # injected by the platform or a secret store
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Severity, is_auxiliary_path

if TYPE_CHECKING:
    from readycheck.api import Project

#: The scheme is at most 64 characters: unbounded, it was read from every letter of a long
#: dotted string that holds no "://" (40,000 "a." parts: minutes).
CREDENTIAL_URL = re.compile(r"\b([a-z][a-z0-9+.-]{0,63})://([^\s/:@'\"]*):([^\s/@'\"]+)@", re.IGNORECASE)
HOST = re.compile(r"@([A-Za-z0-9_.-]+)")
#: A reference or placeholder, not a password: ``${DB_PASSWORD}``, ``{password}``, a template's
#: ``{{cookiecutter.postgres_password}}`` (or the "…" readycheck blanks it to, to read the YAML).
REFERENCE = re.compile(r"^(\$\{[^}]+\}|\$\([^)]+\)|\$[A-Za-z_]\w*|\{\{[^}]*\}\}|\{[^}]*\}|%\([^)]*\)s|<[^>]+>|\*+|x+"
                       "|\u2026+)$")
MARKERS = (b"://",)
#: A string with words around its URL is prose (help text, a description), not a setting.
_PROSE = re.compile(r"\S\s+\S")


def credential(text: str) -> str | None:
    """The scheme of a URL that carries a literal password, else None."""
    for match in CREDENTIAL_URL.finditer(text):
        password = match.group(3)
        if not REFERENCE.match(password):
            return match.group(1)
    return None


class CredentialsInUrl(Check):
    id = "RC603"
    name = "credentials-in-url"
    severity = Severity.ERROR
    summary = "A connection URL with a password is committed in code or config"
    fix = ("Read the URL from the environment (`os.environ[\"DATABASE_URL\"]`), injected by the platform or a secret "
           "store; in compose, reference variables (`${DATABASE_URL}`) kept in an untracked .env file.")
    tags = ("security", "database")
    examples = (
        Example({"app/config.py": """
            import os
            from pydantic_settings import BaseSettings

            class Settings(BaseSettings):
                database_url: str = "postgresql+asyncpg://app:s3cret@db.internal:5432/app"

            redis = os.environ.get("REDIS_URL", "redis://:hunter2@cache:6379/0")
            LOCAL = os.environ.get("DATABASE_URL", "postgres://saleor:saleor@localhost:5432/saleor")
            """, "docker-compose.yml": """
            services:
              api:
                environment:
                  DATABASE_URL: postgresql://app:s3cret@prod-db.internal:5432/app
                  LOCAL_URL: postgresql://app:app@db:5432/app
                  PG_URI: ${PG_URI:-postgresql://${PG_USER:-app}:${PG_PASSWORD:-app}@pg-db:5432/app}
                  REMOTE_URL: ${REMOTE_URL:-postgresql://app:${PG_PASSWORD:-s3cret}@prod-db.internal/app}
              db:
                image: postgres:16
                networks:
                  default:
                    aliases: [pg-db]
            """, "docker-compose.override.yml": """
            services:
              api:
                environment:
                  - CACHE_URL=redis://:devpass@cache:6379
            """}, expect=['app/config.py:5:25 a postgresql+asyncpg URL with a literal password is written in the code', "app/config.py:7", "app/config.py:8:info", "docker-compose.yml:4", "docker-compose.yml:5:info",
                          "docker-compose.yml:6:info", "docker-compose.yml:7", "docker-compose.override.yml:4:info"],
            title="code defaults, compose env (a remote host; the file's own db container, also by a network "
                  "alias and through `${VAR:-default}` defaults), a dev override"),
        Example({"docker-compose.yml": """
            services:
              api:
                build: .
                command: uvicorn app.main:app --host 0.0.0.0 --reload
                profiles: ["testing"]
                environment:
                  DATABASE_URL: postgresql://app:s3cret@db.example.com/app
            """}, expect=["docker-compose.yml:7:21:info DATABASE_URL of compose service api holds a postgresql "
                        "URL with a literal password (development: compose profile testing)"],
            title="a service in a testing profile: info, for the reason RC201 gives"),
        Example({"app/config.py": """
            import os
            DATABASE_URL = os.environ["DATABASE_URL"]
            TEMPLATE = "postgresql://{user}:{password}@{host}/app"
            DOCS = "https://example.com/docs"
            HELP = "PostgreSQL example: postgresql+asyncpg://bench:bench@localhost/bench"
            """, "docker-compose.yml": """
            services:
              api:
                environment:
                  DATABASE_URL: postgresql://app:${DB_PASSWORD}@db:5432/app
            """, "deploy/{{cookiecutter.slug}}/docker-compose.yml": """
            services:
              api:
                ports:
                  - {{cookiecutter.port}}:80
                environment:
                  DATABASE_URL: 'postgresql://{{cookiecutter.db_user}}:{{cookiecutter.db_password}}@db.internal/app'
            """, "tests/conftest.py": 'URL = "postgresql://postgres:postgres@localhost/test"\n',
            "benches/bench_queries.py": 'URL = "postgresql://bench:bench@db.internal/bench"\n',
            "load_testing/track.py": 'URL = "postgresql://postgres:secret@db.internal/app"\n'},
            title="environment, templates (a cookiecutter's compose file too), references, help text, tests, "
                  "benchmarks, load tests"),
    )

    def run(self, project: Project):
        for facts in project.python.modules_with(b"://"):
            values = [a.value for a in facts.assignments] + [c.call for c in facts.all_calls() if c.call is not None]
            seen = set()
            for value in values:
                for string in value.strings():
                    if _PROSE.search(string.text):
                        continue  # help text or a docstring: "e.g. redis://user:pass@host:6379/0"
                    scheme = credential(string.text)
                    if scheme and string.span not in seen:
                        seen.add(string.span)
                        local = _local_host(string.text)
                        yield self.finding(facts.path, string.span,
                                           f"a {scheme} URL with a literal password is written in the code"
                                           + (_LOCAL_NOTE if local else ""),
                                           severity=Severity.INFO if local else None)
        services: dict[str, set[str]] = {}  # per compose file, not per variable (15,000 services)
        for where, name, token, environment in project.declared_env:
            if is_auxiliary_path(token.path):
                continue
            text = with_defaults(token.text) if where.startswith("compose") else token.text
            scheme = credential(text)
            if not scheme:
                continue
            host = HOST.search(text)
            if where.startswith("compose") and host is not None and token.path not in services:
                services[token.path] = _compose_services(project, token.path)
            in_compose = where.startswith("compose") and host is not None and host.group(1) in services[token.path]
            local = in_compose or _local_host(text)
            note = (" (a database container of this compose file: local credentials)" if in_compose
                    else _LOCAL_NOTE if local else environment.note)
            yield self.finding(token.path, token.span,
                               f"{name} of {where} holds a {scheme} URL with a literal password{note}",
                               severity=Severity.INFO if not environment.production or local else None)


_LOCAL_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "::1", "[::1]"}
_LOCAL_NOTE = " (localhost: a development default, but production must not fall back to it)"


#: ``${NAME:-default}`` / ``${NAME-default}`` with no interpolation inside the default (the innermost first).
_INTERPOLATION_DEFAULT = re.compile(r"\$\{[A-Za-z_]\w*:?-([^${}]*)\}")


def with_defaults(text: str) -> str:
    """A compose value with each ``${NAME:-default}`` replaced by its default, nested ones too: the URL the
    service gets when the variables are unset (``${PG_URI:-postgresql://${PG_USER:-app}:${PG_PASSWORD:-app}@db/app}``
    is ``postgresql://app:app@db/app``). ``${NAME}`` with no default stays a reference."""
    for _ in range(16):  # bounded: each round removes one level of nesting
        expanded = _INTERPOLATION_DEFAULT.sub(lambda m: m.group(1), text)
        if expanded == text:
            break
        text = expanded
    return text


def _local_host(url: str) -> bool:
    """A URL to this machine (saleor's default="postgres://saleor:saleor@localhost:5432/saleor"):
    a developer's default, not a production secret."""
    host = HOST.search(url)
    return host is not None and host.group(1).lower() in _LOCAL_HOSTS


def _compose_services(project: Project, path: str) -> set[str]:
    source = project.file(path)
    doc = (project.yaml_documents(source) or [None])[0] if source is not None else None
    services = doc.get("services") if isinstance(doc, dict) else None
    if not isinstance(services, dict):
        return set()
    names = {str(name) for name in services}
    for service in services.values():  # the other names a container answers to on the compose network
        if not isinstance(service, dict):
            continue
        names.update(str(service[key]) for key in ("hostname", "container_name") if isinstance(service.get(key), str))
        networks = service.get("networks")
        for network in networks.values() if isinstance(networks, dict) else ():
            aliases = network.get("aliases") if isinstance(network, dict) else None
            names.update(str(a) for a in aliases if isinstance(a, str)) if isinstance(aliases, list) else None
    return names
