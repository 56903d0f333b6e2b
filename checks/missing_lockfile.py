"""RC302 missing-lockfile: a deployed service declares dependencies in pyproject.toml (or a
Pipfile) with nothing that locks them.

What it does
    For a package that is deployed (a Dockerfile, Procfile, compose file,
    PaaS config or systemd unit sits in its folder or below it), flags a ``pyproject.toml`` whose dependencies
    (PEP 621 ``[project] dependencies``, Poetry's, or the requirements file
    setuptools reads them from: ``[tool.setuptools.dynamic]``) are not all pinned with
    ``==`` and that has no lockfile (``uv.lock``, ``poetry.lock``, ``pdm.lock``,
    ``Pipfile.lock``) and no fully pinned ``requirements*.txt`` beside it or at
    the repository root; and a ``Pipfile`` without ``Pipfile.lock``.
    Libraries, which must not pin, are not deployed, so they are not flagged,
    also inside a monorepo whose service is deployed from another folder, or
    when the only deployment files are development ones (``examples/``,
    ``tests/``, ``docker-compose.override.yml``...).
    A lockfile counts only when the image reads it: a Dockerfile that installs
    the package with ``pip install .`` and nothing lock-aware (``uv sync``,
    ``poetry install``, ``pdm install``, ``pipenv install``, ``pip install -r``
    of an exported file) is flagged at that install.

Why is this bad
    Ranges in pyproject.toml are resolved again at every build: the service
    you tested is not the service you ship, and a new release of any
    transitive dependency can break a deploy with no code change.

Example
    [project]
    dependencies = ["fastapi>=0.110", "sqlalchemy"]
    # ...and no uv.lock / poetry.lock beside it

Use instead
    uv lock          # commit uv.lock, install with `uv sync --frozen`
    poetry lock      # commit poetry.lock, install with `poetry install --only main`
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from readycheck.api import Check, Example, FileKind, Severity, Span, install_command, is_development_path

if TYPE_CHECKING:
    from readycheck.api import Project

LOCKFILE_NAMES = ("uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock")


LOCK_AWARE = {"uv", "poetry", "pdm", "pipenv"}


def _deploys(directory: str, deploy_dirs: set[str]) -> bool:
    """A package is deployed when a deployment file sits in its folder or below it."""
    prefix = directory + "/" if directory else ""
    return any(d == directory or d.startswith(prefix) for d in deploy_dirs)


class MissingLockfile(Check):
    id = "RC302"
    name = "missing-lockfile"
    severity = Severity.WARNING
    summary = "Dependencies of a deployed service are declared with ranges and nothing locks them"
    fix = ("Generate and commit a lockfile (`uv lock`, `poetry lock`, `pdm lock`, `pipenv lock`) and install from "
           "it in the image (`uv sync --frozen`, `poetry install --only main`), or pin with a compiled "
           "requirements.txt.")
    tags = ("dependencies", "reproducibility")
    precision = "medium"
    references = ("https://docs.astral.sh/uv/concepts/projects/sync/",)
    examples = (
        Example({"pyproject.toml": """
            [project]
            name = "svc"
            version = "1.0"
            dependencies = ["fastapi>=0.110", "uvicorn"]
            """, "Dockerfile": "FROM python:3.12-slim\n"}, expect=['pyproject.toml:4:1 2 dependencies are ranges (`fastapi>=0.110`, `uvicorn`) and no lockfile (uv.lock, poetry.lock, pdm.lock) or pinned requirements file locks them'],
            title="ranges, no lockfile, deployed"),
        Example({"pyproject.toml": """
            [project]
            name = "hub"
            dynamic = ["dependencies"]

            [tool.setuptools.dynamic]
            dependencies = { file = "requirements.txt" }
            """, "requirements.txt": "tornado>=5.1\nsqlalchemy>=1.4.1\n", "Dockerfile": "FROM python:3.12-slim\n"},
            expect=["pyproject.toml:6"], title="dependencies read by setuptools from a requirements file"),
        Example({"pyproject.toml": """
            [tool.poetry]
            name = "svc"

            [tool.poetry.dependencies]
            python = "^3.12"
            fastapi = "^0.115"
            """, "Procfile": "web: uvicorn app:app\n"}, expect=["pyproject.toml:4"], title="Poetry without poetry.lock"),
        Example({"pyproject.toml": """
            [project]
            name = "svc"
            version = "1.0"
            dependencies = ["fastapi>=0.110"]
            """, "deploy/svc.service": "[Service]\nExecStart=/opt/svc/bin/uvicorn app:app\n"},
            expect=["pyproject.toml:4"], title="deployed by a systemd unit"),
        Example({"Pipfile": """
            [packages]
            fastapi = "*"
            """, "Procfile": "web: uvicorn app:app\n"}, expect=["Pipfile:1"], title="Pipfile without Pipfile.lock"),
        Example({"pyproject.toml": """
            [project]
            name = "svc"
            version = "1.0"
            dependencies = ["fastapi>=0.110"]
            """, "uv.lock": "version = 1\n", "Dockerfile": "FROM python:3.12-slim\n"}, title="uv.lock beside it"),
        Example({"pyproject.toml": """
            [project]
            name = "lib"
            version = "1.0"
            dependencies = ["httpx>=0.27"]
            """, "examples/service/Dockerfile": "FROM python:3.12-slim\n",
            "tests/docker/Dockerfile": "FROM python:3.12-slim\n"},
            title="a library (nothing deploys it, its examples and tests aside) must not pin"),
        Example({"sdk/python/pyproject.toml": """
            [project]
            name = "svc-sdk"
            version = "1.0"
            dependencies = ["httpx>=0.27"]
            """, "server/Dockerfile": "FROM python:3.12-slim\n", "server/uv.lock": "version = 1\n",
            "server/pyproject.toml": """
            [project]
            name = "svc"
            version = "1.0"
            dependencies = ["fastapi>=0.110"]
            """}, title="monorepo: the SDK is not deployed; the server is locked"),
        Example({"pyproject.toml": """
            [project]
            name = "svc"
            version = "1.0"
            dependencies = ["fastapi>=0.110"]
            """, "uv.lock": "version = 1\n", "Dockerfile": """
            FROM python:3.12-slim
            COPY . /app
            RUN pip install --no-cache-dir /app/.
            """}, expect=["Dockerfile:3"], title="a lockfile the image ignores"),
        Example({"pyproject.toml": """
            [project]
            name = "svc"
            version = "1.0"
            dependencies = ["fastapi>=0.110"]
            """, "poetry.lock": "", "Dockerfile": """
            FROM python:3.12-slim
            COPY pyproject.toml poetry.lock ./
            RUN pip install --no-cache-dir poetry==1.8.5 && poetry install --only main --no-root
            COPY . .
            RUN pip install --no-cache-dir --no-deps .
            """}, title="poetry installs from the lock; the project itself without dependencies"),
        Example({"pyproject.toml": """
            [project]
            name = "svc"
            version = "1.0"
            dependencies = ["fastapi>=0.110"]
            """, "requirements.txt": "fastapi==0.115.6\nstarlette==0.41.3\n", "Dockerfile": "FROM python:3.12-slim\n"},
            title="a fully pinned requirements.txt is the lock"),
        Example({"pyproject.toml": """
            [tool.hatch.envs.default]
            dependencies = ["pytest"]

            [project]
            name = "svc"
            version = "1"
            dependencies = ["fastapi>=0.110"]
            """, "uv.lock": "version = 1\n", "Dockerfile": """
            FROM python:3.12-slim
            COPY pyproject.toml uv.lock /app/
            RUN uv pip compile /app/pyproject.toml -o /req.txt && uv pip install --system --no-cache -r /req.txt
            """}, expect=["Dockerfile:3"], title="uv pip compile resolves pyproject.toml again and ignores uv.lock"),
        Example({"pyproject.toml": """
            [tool.hatch.envs.default]
            dependencies = ["pytest"]

            [project]
            name = "api"
            version = "1"
            dependencies = ["fastapi>=0.110"]
            """, "Procfile": "web: uvicorn app:app\n"},
            expect=["pyproject.toml:7"], title="the finding names [project].dependencies, not a hatch env's"),
        Example({"pyproject.toml": """
            [project]
            name = "svc"
            version = "1"
            dependencies = ["fastapi>=0.110"]
            """, "uv.lock": "version = 1\n", "Dockerfile": """
            FROM python:3.12-slim
            COPY pyproject.toml uv.lock /app/
            RUN uv export --frozen -o /req.txt && uv pip install --system --no-cache -r /req.txt
            """}, title="uv export of the lock"),
    )

    def run(self, project: Project):
        # A Dockerfile under examples/ or tests/ deploys nothing: readycheck's own examples/fastapi-bad.
        deploy_dirs = {f.directory for f in project.deployment_files if not is_development_path(f.path)}
        lock_dirs = {f.directory for f in project.lockfiles}
        pinned_dirs = {r.source.directory for r in project.requirements_files
                       if r.requirements and not r.path.endswith(".in") and all(q.pinned for q in r.requirements)}
        locked = lock_dirs | pinned_dirs
        for pyproject in project.pyprojects:
            deps = list(pyproject.dependencies)
            for path in pyproject.dependency_files:  # [tool.setuptools.dynamic] dependencies = {file = ...}
                listed = project.requirements_at(path)
                deps += listed.requirements if listed is not None else []
            if not deps or all(d.pinned for d in deps):
                continue
            directory = pyproject.source.directory
            if not _deploys(directory, deploy_dirs) or directory in locked or "" in locked:
                continue
            loose = [d.text for d in deps if not d.pinned]
            shown = ", ".join(f"`{t}`" for t in loose[:3]) + (f" and {len(loose) - 3} more" if len(loose) > 3 else "")
            yield self.finding(pyproject.path, pyproject.dependencies_span or Span(1),
                               f"{len(loose)} dependencies are ranges ({shown}) and no lockfile "
                               f"({', '.join(LOCKFILE_NAMES[:3])}) or pinned requirements file locks them")
        yield from self._lock_ignored(project, deploy_dirs, lock_dirs)
        for pipfile in project.files(FileKind.PIPFILE):
            if not _deploys(pipfile.directory, deploy_dirs):
                continue
            lock = posixpath.join(pipfile.directory, "Pipfile.lock") if pipfile.directory else "Pipfile.lock"
            if project.file(lock) is None:
                yield self.finding(pipfile.path, Span(1, 1, 1, 2), "Pipfile has no Pipfile.lock beside it")

    def _lock_ignored(self, project: Project, deploy_dirs: set[str], lock_dirs: set[str]):
        """A lockfile that the image never reads: the Dockerfile installs the package with
        ``pip install .`` (which resolves the ranges again) and nothing lock-aware."""
        for dockerfile in project.dockerfiles:
            directory = dockerfile.source.directory
            lock = next((f for f in project.lockfiles if f.directory in (directory, "")), None)
            if lock is None:
                continue
            installs = []
            compiles = []  # `uv pip compile pyproject.toml` / `pip-compile`: resolves the ranges again
            for stage in dockerfile.stages:
                for inst in stage.all("RUN"):
                    for words in dockerfile.commands(inst):
                        texts = [w.text for w in words]
                        found = install_command(texts)
                        if found is not None:
                            installs.append((found[0], texts, words[found[1]]))
                        if (texts[:3] == ["uv", "pip", "compile"] or texts[:1] == ["pip-compile"]) and \
                                any(t.endswith("pyproject.toml") for t in texts):
                            compiles.append((texts, words[0]))
            for texts, word in compiles[:1]:
                yield self.finding(dockerfile.path, dockerfile.word_span(word),
                                   f"{lock.path} locks the dependencies but `{' '.join(texts[:4])}` resolves the "
                                   f"ranges again and ignores it (use `uv export --frozen` or `uv sync --frozen`)")
            if compiles:
                continue
            if not installs or any(kind in LOCK_AWARE and texts[1:2] != ["pip"] for kind, texts, _ in installs):
                continue
            if any("-r" in texts or "--requirement" in texts or any(t.startswith("--requirement=") for t in texts)
                   for _, texts, _ in installs):
                continue  # installing an exported, pinned requirements file
            for _kind, texts, word in installs:
                if any(t in (".", "./", "-e") or t.startswith("./") or t.endswith("/.") for t in texts):
                    yield self.finding(dockerfile.path, dockerfile.word_span(word),
                                       f"{lock.path} locks the dependencies but `{' '.join(texts[:4])}` resolves the "
                                       f"ranges again and ignores it")
                    break
