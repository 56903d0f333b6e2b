"""RC210 server-not-in-dependencies: the start command runs a server nothing installs.

What it does
    For every production start command, checks that its server (gunicorn,
    uvicorn, hypercorn, granian, daphne, ``fastapi run``) and the package of its
    worker class (``uvicorn_worker.UvicornWorker`` needs ``uvicorn-worker``) are
    installed by something in the repository: a requirements file, pyproject.toml
    (any group), a Pipfile, a lockfile, or a ``pip``/``uv``/``poetry`` install in
    the Dockerfile. Extras count: ``fastapi[standard]`` brings uvicorn and
    fastapi-cli; ``uvicorn-worker`` brings gunicorn and uvicorn. Repositories
    that declare no dependencies at all, and base images that ship the server
    (``tiangolo/uvicorn-gunicorn``), are not judged.

Why is this bad
    The image builds, then the container exits at once with
    ``exec: "gunicorn": executable file not found``: a crash loop on deploy,
    often found only in production because development machines have the
    server installed globally.

Example
    # requirements.txt: fastapi==0.115.6
    CMD ["gunicorn", "app.main:app", "-k", "uvicorn_worker.UvicornWorker"]

Use instead
    # requirements.txt: fastapi==0.115.6, gunicorn==23.0.0, uvicorn-worker==0.3.0
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Severity

if TYPE_CHECKING:
    from readycheck.api import Project

#: server label -> packages (name, required extra or None) any of which provides it.
PROVIDERS: dict[str, list[tuple[str, str | None]]] = {
    "gunicorn": [("gunicorn", None), ("uvicorn-worker", None)],
    "uvicorn": [("uvicorn", None), ("fastapi", "standard"), ("fastapi", "all"), ("uvicorn-worker", None)],
    "hypercorn": [("hypercorn", None)],
    "granian": [("granian", None)],
    "daphne": [("daphne", None), ("channels", "daphne")],
    "fastapi run": [("fastapi-cli", None), ("fastapi", "standard"), ("fastapi", "all"), ("fastapi-slim", "standard")],
}
WORKER_PACKAGES: dict[str, list[tuple[str, str | None]]] = {"uvicorn_worker": [("uvicorn-worker", None)],
                   "uvicorn.workers": [("uvicorn", None), ("fastapi", "standard"), ("fastapi", "all")]}
SERVER_IMAGES = ("tiangolo/uvicorn-gunicorn", "tiangolo/uwsgi-nginx", "tiangolo/meinheld-gunicorn")


def _provided(packages: dict[str, set[str]], options: list[tuple[str, str | None]]) -> bool:
    return any(name in packages and (extra is None or extra in packages[name]) for name, extra in options)


class ServerNotInDependencies(Check):
    id = "RC210"
    name = "server-not-in-dependencies"
    severity = Severity.ERROR
    summary = "The start command runs a server that no dependency file installs"
    fix = "Add the server (and its worker package, e.g. uvicorn-worker) to the dependencies the image installs, pinned."
    tags = ("start-command", "dependencies")
    examples = (
        Example({"requirements.txt": "fastapi==0.115.6\n", "Dockerfile": """
            FROM python:3.12-slim
            RUN pip install --no-cache-dir -r requirements.txt
            CMD ["gunicorn", "app.main:app", "-k", "uvicorn_worker.UvicornWorker"]
            """}, expect=['Dockerfile:3:6 Dockerfile CMD runs gunicorn but no dependency file or install step provides `gunicorn` or `uvicorn-worker`'], title="neither gunicorn nor uvicorn-worker installed"),
        Example({"pyproject.toml": """
            [project]
            name = "svc"
            version = "1"
            dependencies = ["fastapi"]
            """, "Procfile": "web: fastapi run app/main.py --port $PORT\n"}, expect=["Procfile:1"],
            title="fastapi without the standard extra has no CLI"),
        Example({"requirements.txt": "fastapi[standard]==0.115.6\nuvicorn-worker==0.3.0\n", "Dockerfile": """
            FROM python:3.12-slim
            RUN pip install -r requirements.txt && pip install --no-cache-dir "hypercorn==0.17.3"
            CMD ["gunicorn", "app.main:app", "-k", "uvicorn_worker.UvicornWorker"]
            """, "Procfile": "web: uvicorn app.main:app --host 0.0.0.0\nother: hypercorn app.main:app\n"},
            title="provided through extras, the worker package, and a RUN install"),
        Example({"Dockerfile": """
            FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11
            CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
            """, "requirements.txt": "fastapi==0.115.6\n"}, title="a base image that ships the server"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
            """}, title="no dependency declarations at all: nothing to compare"),
    )

    def run(self, project: Project):
        packages = project.declared_packages
        if packages is None:
            return
        for start, server in project.production_servers():
            if server.label not in PROVIDERS:
                continue
            if start.dockerfile is not None and start.dockerfile.final_stage is not None and any(
                    image in start.dockerfile.final_stage.resolved_image for image in SERVER_IMAGES):
                continue
            missing = []
            if not _provided(packages, PROVIDERS[server.label]):
                missing.append(PROVIDERS[server.label][0][0] if server.label != "fastapi run" else "fastapi[standard]")
            worker = server.settings.get("worker_class")
            if worker is not None:
                module = worker.value.strip("\"'").rsplit(".", 1)[0]
                needed = WORKER_PACKAGES.get(module)
                if needed and not _provided(packages, needed):
                    missing.append(needed[0][0])
            if not missing:
                continue
            token = server.program
            yield self.finding(token.path, token.span,
                               f"{start.label} runs {server.label} but no dependency file or install step provides "
                               f"{' or '.join(f'`{m}`' for m in missing)}")
