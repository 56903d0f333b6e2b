"""RC101 root-user: the final Dockerfile stage runs as root.

What it does
    Flags a Dockerfile whose final stage (the one that runs) has no ``USER``
    instruction, or whose last ``USER`` is ``root`` or ``0``. Builder stages
    may run as root: only the final stage is judged. A final stage built
    ``FROM`` an earlier stage inherits that stage's user. Images that already
    run as a non-root user (``*:nonroot`` distroless, Chainguard) and start
    commands that drop privileges with ``gosu``/``su-exec``/``setpriv`` pass.
    An image with no ``CMD``/``ENTRYPOINT`` of its own, built FROM a generic
    base (python, debian, alpine), that no compose service or platform runs is
    a library's convenience or build image: info only.

Why is this bad
    Docker runs the process as root unless told otherwise. A remote code
    execution in the app, or in any dependency, then owns the container, can
    rewrite the app's code and reads every mounted secret; with a kernel or
    runtime escape it owns the host. hadolint never flags an image with no
    ``USER`` at all; this check does. Official database images (postgres,
    mysql, redis...) that drop root in their own entrypoint, and images built
    on the postgres one that keep its entrypoint (pgvector, PostGIS, TimescaleDB), images whose own
    Dockerfile ends with a non-root ``USER`` (Keycloak, Grafana, Prometheus,
    Jenkins, Airflow, Jupyter...), and AWS Lambda base images pass, and so does
    an image built ``FROM`` the project's own image (``myorg/<project name>``)
    when the project's Dockerfile switches to a non-root user.

Example
    FROM python:3.12-slim
    COPY . /app
    CMD ["gunicorn", "app.main:app"]

Use instead
    FROM python:3.12-slim
    RUN useradd --create-home --uid 10001 app
    COPY --chown=app:app . /app
    USER app
    CMD ["gunicorn", "app.main:app"]

Fix safety
    Unsafe, applied only with ``--unsafe-fixes``: the fix (``useradd`` and ``USER app`` added to a
    python:* final stage with no ``USER``) leaves the files already in the image
    owned by root, and an app that writes beside its code (a SQLite database in /app, a
    data folder a ``RUN`` created) can no longer write there. Review what the app writes
    and ``COPY --chown``/``chown`` it.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from readycheck.api import (
    GENERIC_BASES, NON_ROOT_IMAGE_HINTS, PRIVILEGE_DROPPERS, SELF_DROPPING_IMAGES, Check, Example, FileKind, Severity,
    canonicalize_name, is_development_path,
)

if TYPE_CHECKING:
    from readycheck.api import Dockerfile, Fix, Project, Stage

ROOT_USERS = {"root", "0"}


def _user_name(value: str) -> str:
    return value.split(":", 1)[0].strip()


def _resolve(value: str, dockerfile: Dockerfile, stage: Stage) -> str | None:
    """Expand a ``$VAR``/``${VAR}`` user from ARG/ENV defaults; None if unknown."""
    if not value.startswith("$"):
        return value
    name = value.strip("${}").split(":-")[0]
    for inst in reversed(dockerfile.preamble + stage.instructions):
        if inst.keyword in ("ARG", "ENV"):
            for part in inst.value.split():
                key, eq, default = part.partition("=")
                if key == name and eq:
                    return default.strip("\"'")
    return None


#: Base images whose own CMD starts no service (a Python prompt, a shell): an image built FROM one
#: without a CMD of its own runs nothing.


class RootUserInFinalStage(Check):
    id = "RC101"
    name = "root-user"
    severity = Severity.ERROR
    summary = "The final image stage runs as root"
    fix = ("Create an unprivileged user in the final stage and switch to it before CMD: "
           "`RUN useradd --create-home --uid 10001 app` then `USER app` (copy files with `--chown=app:app`).")
    tags = ("security", "dockerfile")
    references = ("https://docs.docker.com/build/building/best-practices/#user",)
    examples = (
        Example({"Dockerfile": """
            FROM python:3.12-slim
            WORKDIR /app
            COPY . .
            CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
            """}, expect=['Dockerfile:1:6 the final stage (FROM python:3.12-slim) sets no USER, so the container runs as root'], title="no USER at all"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            RUN useradd -m app
            USER app
            RUN echo setup
            USER root
            CMD ["gunicorn", "app.main:app"]
            """}, expect=["Dockerfile:5"], title="switches back to root last"),
        Example({"Dockerfile": """
            FROM python:3.12-slim AS runtime
            COPY . /app
            CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]

            FROM python:3.12-slim AS ci
            RUN pip install --no-cache-dir pytest==8.3.3
            """, "Makefile": "check:\n\tdocker build --target ci -t app-ci .\n"},
            expect=["Dockerfile:1:6 the stage runtime (FROM python:3.12-slim) that starts the service (the last stage, "
                    "ci, starts nothing and only Makefile builds it) sets no USER, so the container runs as root"],
            title="the last stage is a CI image only `make check` builds and starts nothing: the service is the "
                  "stage that starts something"),
        Example({"docker/Dockerfile.dev": """
            FROM python:3.12-slim
            CMD ["uvicorn", "app.main:app", "--reload"]
            """, "tests/docker/contexts/tiny/Dockerfile": """
            FROM busybox:1.37
            COPY . /data
            """, ".github/docker/ci.Dockerfile": """
            FROM python:3.12-slim
            RUN pip install --no-cache-dir tox==4.23.2
            """, ".kokoro/docker/Dockerfile": """
            FROM ubuntu:24.04
            RUN apt-get update
            """, ".ci/Dockerfile.cypress": """
            FROM cypress/browsers:node-24
            """, "serving/Dockerfile.backup": """
            FROM python:3.12-slim
            """, ".gitpod.Dockerfile": """
            FROM gitpod/workspace-base:2024.01.17
            """, "examples/service-fastapi/Dockerfile": """
            FROM python:3.12-slim
            CMD ["fastapi", "run", "app.py"]
            """}, expect=["docker/Dockerfile.dev:1:info", "tests/docker/contexts/tiny/Dockerfile:1:info",
                          ".github/docker/ci.Dockerfile:1:info", ".kokoro/docker/Dockerfile:1:info",
                          ".ci/Dockerfile.cypress:1:info", ".gitpod.Dockerfile:1:info",
                          "serving/Dockerfile.backup:1:info",
                          "examples/service-fastapi/Dockerfile:1:info"],
            title="development Dockerfiles, test fixtures, CI images and shipped examples are only info"),
        Example({"Dockerfile": """
            FROM python:3.12 AS builder
            RUN pip wheel --wheel-dir /wheels fastapi
            FROM python:3.12-slim
            COPY --from=builder /wheels /wheels
            RUN useradd --uid 10001 app
            USER 10001
            CMD ["gunicorn", "app.main:app"]
            """}, title="builder stage as root, final stage as a user"),
        Example({"Dockerfile": """
            FROM python:3.12-slim AS base
            RUN useradd app
            USER app
            FROM base AS final
            CMD ["gunicorn", "app.main:app"]
            """}, title="final stage inherits USER from an earlier stage"),
        Example({"Dockerfile": """
            FROM gcr.io/distroless/python3-debian12:nonroot
            COPY app /app
            CMD ["/app/main.py"]
            """}, title="base image that runs as non-root"),
        Example({"db/Dockerfile": """
            FROM postgres:16
            COPY init.sql /docker-entrypoint-initdb.d/
            """, "vector/Dockerfile": """
            ARG PGVECTOR=v0.5.1
            FROM ankane/pgvector:${PGVECTOR}
            COPY init.sql /docker-entrypoint-initdb.d/
            """, "lambda/Dockerfile": """
            FROM public.ecr.aws/lambda/python:3.12
            COPY app.py ./
            CMD ["app.handler"]
            """}, title="images whose own entrypoint or runtime drops root"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            RUN apt-get update && apt-get install -y --no-install-recommends gosu
            CMD ["gosu", "app", "gunicorn", "app.main:app"]
            """}, title="privileges dropped by gosu in the start command"),
        Example({"Dockerfile": """
            ARG APP_USER=app
            FROM python:3.12-slim
            ARG APP_USER
            USER ${APP_USER}
            CMD ["gunicorn", "app.main:app"]
            """}, title="USER from a build argument"),
        Example({"pyproject.toml": """
            [project]
            name = "tradebot"
            version = "1"
            """, "Dockerfile": """
            FROM python:3.12-slim
            RUN useradd --uid 1000 bot
            USER bot
            CMD ["tradebot", "trade"]
            """, "docker/Dockerfile.custom": """
            FROM tradebotorg/tradebot:develop
            RUN pip install --user --no-cache-dir pyti==0.2.2
            """, "docker/Dockerfile.plot": """
            ARG sourceimage=tradebotorg/tradebot
            ARG sourcetag=develop
            FROM ${sourceimage}:${sourcetag}
            RUN pip install --user --no-cache-dir plotly==5.24.1
            """}, title="images built FROM the project's own image inherit the USER of its Dockerfile"),
        Example({"pyproject.toml": """
            [project]
            name = "tradebot"
            version = "1"
            """, "Dockerfile": """
            FROM python:3.12-slim
            CMD ["tradebot", "trade"]
            """, "docker/Dockerfile.custom": """
            FROM tradebotorg/tradebot:develop
            RUN pip install --no-cache-dir pyti==0.2.2
            """}, expect=["Dockerfile:1", "docker/Dockerfile.custom:1"],
            title="the project's own image runs as root, and so does an image built FROM it"),
        Example({"auth/Dockerfile": """
            FROM quay.io/keycloak/keycloak:26.2
            COPY themes /opt/keycloak/themes
            ENTRYPOINT ["/opt/keycloak/bin/kc.sh", "start"]
            """, "logs/Dockerfile": """
            FROM kibana:5
            """}, title="official images that set a non-root USER or drop root in their entrypoint"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            RUN pip install --no-cache-dir mylib==1.0
            """, "server/Dockerfile": """
            FROM python:3.12-slim
            RUN pip install --no-cache-dir mylib==1.0
            """, "docker-compose.yml": """
            services:
              api:
                build: ./server
                command: mylib serve
            """}, expect=["Dockerfile:1:info", "server/Dockerfile:1"],
            title="an image with no CMD that nothing runs is only info; one a compose service runs is judged"),
        Example({"Dockerfile": """
            FROM python:3.12-slim AS runtime
            COPY . /app
            CMD ["gunicorn", "app:app"]
            FROM runtime AS dev
            RUN pip install debugpy
            """, ".github/workflows/release.yml": """
            on: push
            jobs:
              image:
                runs-on: ubuntu-latest
                steps:
                  - uses: docker/build-push-action@v6
                    with: {context: ., target: runtime, push: true}
                  - uses: docker/build-push-action@v6
                    with: {context: ., target: dev, push: true, tags: app:dev}
            """}, expect=["Dockerfile:1:6 the stage runtime (FROM python:3.12-slim) that CI .github/workflows/release.yml "
                          "builds with --target runtime sets no USER, so the container runs as root"],
                title="the stage CI publishes is judged, not a dev stage written after it"),
        Example({"Dockerfile": """
            FROM python:3.12-slim AS runtime
            RUN useradd --uid 10001 app
            USER app
            CMD ["gunicorn", "app:app"]
            FROM runtime AS dev
            USER root
            """, "deploy/docker-compose.yml": """
            services:
              api: {build: {context: .., target: runtime}}
            """, "docker-compose.dev.yml": """
            services:
              api: {build: {context: ., target: dev}}
            """}, title="production compose builds the non-root runtime stage; the root dev stage is development"),
        Example({"Dockerfile": "FROM python:3.12-slim\nCOPY . /app\nCMD [\"gunicorn\", \"app:app\"]\n"},
                expect=["Dockerfile:1"],
                fixed={"Dockerfile": "FROM python:3.12-slim\nCOPY . /app\nRUN useradd --create-home --uid 10001 app\n"
                                     "USER app\nCMD [\"gunicorn\", \"app:app\"]\n"},
                title="autofix (unsafe): a user created and switched to before CMD"),
        Example({"Dockerfile": "FROM python:3.12-alpine\nCOPY . /app\n"}, expect=["Dockerfile:1:info"],
                fixed={"Dockerfile": "FROM python:3.12-alpine\nCOPY . /app\nRUN adduser -D -u 10001 app\nUSER app\n"},
                title="autofix (unsafe): Alpine's adduser, at the end of a stage with no CMD"),
        Example({"Dockerfile": "FROM python:3.12-slim\nUSER root\nCMD [\"python\"]\n"}, expect=["Dockerfile:2"],
                fixed={"Dockerfile": "FROM python:3.12-slim\nUSER root\nCMD [\"python\"]\n"},
                title="no autofix: a final USER root was written on purpose"),
    )

    def run(self, project: Project):
        drops_privileges = {start.path for start in project.start_commands if start.origin == "Dockerfile"
                            and any(c.words and c.words[0].rsplit("/", 1)[-1] in PRIVILEGE_DROPPERS for c in start.chain)}
        effective = {d.path: self._effective_user(d, d.final_stage) for d in project.dockerfiles
                     if d.final_stage is not None}
        own_names = _project_names(project)
        # The repository's own image (FROM myorg/<project>:tag) gets its USER from a Dockerfile here.
        own_image_is_non_root = bool(own_names) and any(
            _non_root(d, *effective[d.path]) for d in project.dockerfiles
            if d.path in effective and not is_development_path(d.path)
            and not _is_own_image(effective[d.path][1], own_names))
        # An image that declares no CMD/ENTRYPOINT (nor inherits a known one) and that no compose service
        # runs is a library's convenience or build image, not a running service: info only.
        started = {start.path for start in project.start_commands if start.origin == "Dockerfile"}
        started |= {d.path for d in project.dockerfiles if d.final_stage is not None and any(
            inst.keyword in ("CMD", "ENTRYPOINT") for s in d.shipped_stages() for inst in s.instructions)}
        started |= {d.path for d in project.dockerfiles if d.final_stage is not None and
                    not d.shipped_stages()[0].image_ref.name.split("/")[-1].startswith(GENERIC_BASES)}
        built = {service.dockerfile for service in project.compose_services if service.dockerfile}
        # A platform that starts containers with its own command (Kubernetes, fly, render) may run any image.
        platform_runs = any(start.origin not in ("Dockerfile", "compose", "Procfile", "Makefile")
                            for start in project.start_commands)
        # ... and a compose file readycheck cannot read (a Jinja template) may run any of them.
        platform_runs = platform_runs or any(project.yaml_documents(f) is None for f in project.files(FileKind.COMPOSE))
        for dockerfile in project.dockerfiles:
            stage = dockerfile.final_stage
            if stage is None or dockerfile.path in drops_privileges:
                continue
            user_inst, owner = effective[dockerfile.path]
            if user_inst is None:
                if any(hint in owner.resolved_image.lower() for hint in NON_ROOT_IMAGE_HINTS):
                    continue
                if owner.image_ref.name in SELF_DROPPING_IMAGES and stage.last("ENTRYPOINT") is None:
                    continue
                if own_image_is_non_root and _is_own_image(owner, own_names):
                    continue
                image = stage.image or "scratch"
                idle = not platform_runs and dockerfile.path not in started and dockerfile.path not in built
                yield self.finding(dockerfile.path, dockerfile.span_of(stage.from_instruction, image),
                                   f"{_which_stage(dockerfile, image)} sets no USER, so the container runs as root"
                                   + (" (the image has no CMD and nothing here runs it as a service)" if idle else ""),
                                   severity=Severity.INFO if idle else None,
                                   fix=partial(_add_user, dockerfile))
                continue
            raw = user_inst.value.strip()
            user = _resolve(_user_name(raw), dockerfile, owner)
            if user is not None and user in ROOT_USERS:
                yield self.finding(dockerfile.path, dockerfile.span_of(user_inst, raw),
                                   f"{_which_stage(dockerfile)} switches to USER {raw} last, so the container runs as root")

    @staticmethod
    def _effective_user(dockerfile: Dockerfile, stage: Stage):
        """The last USER of the stage, or of the stages it is built FROM."""
        ancestry = dockerfile.ancestry(stage)
        for current in reversed(ancestry):
            user = current.last("USER")
            if user is not None:
                return user, current
        return None, ancestry[0]


def _which_stage(dockerfile: Dockerfile, image: str | None = None) -> str:
    """"the final stage (FROM python:3.12-slim)", or the stage production builds when it is not the last."""
    stage = dockerfile.deployed
    from_image = f" (FROM {image})" if image else ""
    return f"the final stage{from_image}" if stage is None else \
        f"the stage {stage.name}{from_image} {dockerfile.deployed_because}"


def _non_root(dockerfile: Dockerfile, user_inst, owner: Stage) -> bool:
    """The final stage's effective USER (``user_inst`` of stage ``owner``) is a known non-root user."""
    if user_inst is None:
        return False
    user = _resolve(_user_name(user_inst.value.strip()), dockerfile, owner)
    return user is not None and user not in ROOT_USERS


def _project_names(project: Project) -> set[str]:
    """The distribution names of the repository's own packages (``[project] name``)."""
    names = set()
    for pyproject in project.pyprojects:
        section = pyproject.data.get("project")
        name = section.get("name") if isinstance(section, dict) else None
        if isinstance(name, str) and name:
            names.add(canonicalize_name(name))
    return names


def _is_own_image(stage: Stage, own_names: set[str]) -> bool:
    """``FROM freqtradeorg/freqtrade:develop`` in the freqtrade repository: an image of a
    namespace whose name is the project's own, built from a Dockerfile of this repository."""
    repo = stage.image_ref.name
    if "/" not in repo:  # an official image (python, postgres), never the project's own
        return False
    return canonicalize_name(repo.rsplit("/", 1)[-1]) in own_names


def _add_user(dockerfile: Dockerfile) -> Fix | None:
    """Add an unprivileged user to a final stage that has no USER, for python:* base images
    (Debian: useradd; Alpine: adduser), just before its CMD/ENTRYPOINT. A final `USER root`
    was written on purpose and is left to a human.

    An unsafe fix (``--unsafe-fixes``): every file the image copied or created so far stays
    owned by root, so an app that writes where it lives (a SQLite file in /app, an uploads
    or data folder made by a RUN as root) fails with "permission denied" once it runs as
    ``app``. What the app writes at run time cannot be read from the Dockerfile, so no
    ``chown`` can be chosen for it."""
    from readycheck.api import Edit, Fix

    stage = dockerfile.final_stage
    if stage is None:
        return None
    image = stage.resolved_image.lower().removeprefix("docker.io/").removeprefix("library/")
    if not image.startswith("python:") and image != "python":
        return None
    create = ("RUN adduser -D -u 10001 app" if "alpine" in image
              else "RUN useradd --create-home --uid 10001 app")
    anchor = next((i for i in stage.instructions if i.keyword in ("CMD", "ENTRYPOINT")), None)
    index = dockerfile.source.index
    if anchor is not None:
        offset = index.offset(anchor.line)
    else:
        offset = len(index.text)
        if index.text and not index.text.endswith("\n"):
            return Fix.unsafe([Edit(dockerfile.path, offset, offset, f"\n{create}\nUSER app\n")])
    return Fix.unsafe([Edit(dockerfile.path, offset, offset, f"{create}\nUSER app\n")])
