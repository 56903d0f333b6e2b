"""Which environment a deployment file, compose service, build target or stage is for.

One function, ``classify_environment``, answers it for every check and every message: a start
command, a compose service, a declared environment variable and a finding's file are production
unless their path, their compose profile, their compose project name, the build target they build
or the Dockerfile stage they are say otherwise. The answer carries its reason, so a message names
what made it development ("compose profile testing", not "development-only file").

Kinds:
    production   the file or service is what gets deployed;
    development  it is a developer's setup (an override or ``*.dev.yml`` file, a ``dev``/``debug``
                 profile, target or stage, a ``*-local`` compose project, a Makefile recipe);
    auxiliary    it is not the service in any environment: tests and their fixtures, CI images,
                 the examples, samples, demos and docs a project ships, old copies (``Dockerfile.bak``).

Checks treat both non-production kinds alike (info findings); the kind and reason are for messages.

This module imports nothing from readycheck: it is knowledge, not plumbing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

#: Words that make a deployment file name development (split on ``.``, ``_`` and ``-``): compose's
#: own override convention (``docker-compose.override.yml``, merged by ``docker compose up`` only on a
#: developer's machine, https://docs.docker.com/compose/how-tos/multiple-compose-files/merge/), the
#: ``*.dev.yml``/``compose.local.yaml``/``Dockerfile.test``/``Procfile.dev`` habit, CI and end-to-end
#: test setups (playwright, cypress, selenium) and cloud development environments (gitpod,
#: devcontainer, codespaces). The same words name development compose profiles (``profiles: [testing]``,
#: https://docs.docker.com/compose/how-tos/profiles/): a service in one starts only when that profile is
#: asked for.
DEVELOPMENT_WORDS = frozenset({"dev", "develop", "development", "local", "debug", "test", "tests", "testing",
                               "override", "ci", "e2e", "playwright", "cypress", "selenium", "gitpod",
                               "devcontainer", "codespaces"})

#: Compose profiles that make a service development: the same words as file names.
DEVELOPMENT_PROFILES = DEVELOPMENT_WORDS

#: A file kept as an old copy (``Dockerfile.backup``, ``docker-compose.old.yml``) is not what gets
#: deployed. Only in file names: a ``backup/`` folder may well be a service.
STALE_COPY_WORDS = frozenset({"bak", "backup", "orig", "old"})

#: Folders whose files are a developer's setup, not the deployed service (the development words,
#: ``.devcontainer/`` of the Dev Containers spec, https://containers.dev/).
DEVELOPMENT_FOLDERS = (DEVELOPMENT_WORDS - {"override", "test", "tests", "testing", "ci", "e2e", "playwright",
                                            "cypress", "selenium"}) | {".devcontainer"}

#: Folders whose files never deploy the service: test suites and fixtures (prefect's
#: tests/docker/contexts/*/Dockerfile), CI configuration folders of the common CI services (GitHub
#: Actions, CircleCI, GitLab, Kokoro, Buildkite, Azure Pipelines, Woodpecker, Drone), and the examples,
#: samples, demos and docs a project ships for its users (jupyterhub's examples/*/Dockerfile).
AUXILIARY_FOLDERS = frozenset({"test", "tests", "testing", "ci", "e2e", "playwright", "cypress", "selenium",
                               ".github", ".circleci", ".gitlab", ".kokoro", ".buildkite", ".azure-pipelines",
                               ".woodpecker", ".drone", "fixtures", "integration-tests", "integration_tests",
                               "examples", "example", "samples", "sample", "demo", "demos", "docs", "doc",
                               "tutorial", "tutorials"})

#: Compose project names (top-level ``name:``) ending in one of these after ``-``/``_`` are a
#: development setup (``name: shop-local``).
DEVELOPMENT_PROJECT_SUFFIXES = tuple(f"{sep}{word}" for sep in "-_"
                                     for word in ("dev", "local", "development", "debug", "test"))

#: Build targets (compose ``build.target``) and Dockerfile stage names that are development images:
#: production builds another ``--target`` (the multi-stage convention of Docker's own guide,
#: https://docs.docker.com/build/building/multi-stage/#stop-at-a-specific-build-stage).
DEVELOPMENT_TARGETS = frozenset({"dev", "development", "debug", "local", "test", "testing"})

#: In code: settings whose name ends with one of these say which environment runs
#: (``settings.APP_ENV``, ``ENVIRONMENT``, ``MODE``), the values of such a setting that mean development
#: (``if settings.ENV == "local":``) or production, and flags that are on only in development
#: (``if DEBUG:``); the names the FastAPI full-stack template, pydantic-settings examples and Django's
#: DEBUG use.
ENVIRONMENT_SETTINGS = ("env", "environment", "stage", "mode", "app_env", "environment_name")
DEVELOPMENT_VALUES = frozenset({"dev", "develop", "development", "local", "debug", "test", "testing"})
PRODUCTION_VALUES = frozenset({"prod", "production", "live"})
DEVELOPMENT_FLAGS = frozenset({"debug", "dev", "is_dev", "is_development", "is_local", "testing", "dev_mode",
                               "is_debug"})

_AUXILIARY_CODE = re.compile(r"(^|/)(tests?|testing|docs?|docs_src|examples?|samples?|tutorials?|benchmarks?|"
                             r"benches?|load[_-]?test(?:s|ing)?|scripts)(/|$)"
                             r"|(^|/)(conftest|tests|test_[^/]*|[^/]*_test)\.py$")


@dataclass(frozen=True)
class Environment:
    """Where a file or service runs, and why readycheck thinks so ("" for production)."""

    kind: str  # "production", "development" or "auxiliary"
    reason: str = ""

    @property
    def production(self) -> bool:
        return self.kind == "production"

    @property
    def note(self) -> str:
        """The message suffix that says why a finding is only info: " (development: compose profile testing)"."""
        return "" if self.production else f" ({self.kind}: {self.reason})"


PRODUCTION = Environment("production")


def classify_environment(path: str, profiles: Iterable[object] = (), *, project_name: object = None,
                         target: object = None, stage: object = None, origin: str = "") -> Environment:
    """The environment of a deployment file, or of one service in it: its path first (folders, then
    the file name), then the compose project name, the service's profiles, the build target it
    builds and the Dockerfile stage it is. ``origin`` "Makefile": a Makefile recipe is a developer's
    command. Non-string profiles, names and targets (hostile YAML) are ignored."""
    parts = path.lower().split("/")
    for depth, folder in enumerate(parts[:-1], start=1):
        bare = folder.lstrip(".")  # .ci/ too
        kind = "auxiliary" if folder in AUXILIARY_FOLDERS or bare in AUXILIARY_FOLDERS else \
            "development" if folder in DEVELOPMENT_FOLDERS or bare in DEVELOPMENT_FOLDERS else ""
        if kind:
            return Environment(kind, f"under {'/'.join(path.split('/')[:depth])}/")
    name = path.rsplit("/", 1)[-1]
    words = re.split(r"[._-]", parts[-1])
    if any(word in DEVELOPMENT_WORDS for word in words):
        return Environment("development", f"file name {name}")
    if any(word in STALE_COPY_WORDS for word in words):
        return Environment("auxiliary", f"old copy {name}")
    if origin == "Makefile":
        return Environment("development", "a Makefile recipe")
    if isinstance(project_name, str) and project_name.lower().endswith(DEVELOPMENT_PROJECT_SUFFIXES):
        return Environment("development", f"compose project {project_name}")
    for profile in profiles:
        if isinstance(profile, str) and profile.lower() in DEVELOPMENT_PROFILES:
            return Environment("development", f"compose profile {profile}")
    if isinstance(target, str) and target.lower() in DEVELOPMENT_TARGETS:
        return Environment("development", f"build target {target}")
    if isinstance(stage, str) and stage.lower() in DEVELOPMENT_TARGETS:
        return Environment("development", f"stage {stage}")
    return PRODUCTION


def is_development_path(path: str) -> bool:
    """True when a file is not production by its path alone (``classify_environment(path)``)."""
    return not classify_environment(path).production


@lru_cache(maxsize=1 << 16)
def is_auxiliary_path(path: str) -> bool:
    """Python code that is not the deployed service: tests (``conftest.py``, ``test_*.py``, ``*_test.py``
    beside the code too), docs, examples, tutorials, benchmarks, scripts. Broader than the deployment
    folders above: a ``scripts/`` module is not served, but a ``scripts/`` Dockerfile may deploy.
    Memoised: the web model and the checks ask it of the same modules again and again (44,000
    times in a scan of a 5,000-module repository)."""
    return bool(_AUXILIARY_CODE.search(path))


#: Calls that read an environment variable and fall back to a default when it is unset, qualified callee ->
#: the position of the default argument (``default=`` by keyword always counts): ``os.getenv(key, default)``
#: and ``os.environ.get(key, default)``; python-decouple's ``config(option, default=..., cast=...)``
#: (https://github.com/HBNetwork/python-decouple#usage).
ENV_DEFAULT_CALLS: dict[str, int | None] = {"os.getenv": 1, "os.environ.get": 1, "decouple.config": 1}
#: Classes whose instances are such readers when called, qualified class -> the default's position:
#: starlette's ``config = Config(".env")``; ``config(key, cast=None, default=...)``
#: (https://www.starlette.io/config/), the default by keyword only.
ENV_READER_CLASSES: dict[str, int | None] = {"starlette.config.Config": None}
