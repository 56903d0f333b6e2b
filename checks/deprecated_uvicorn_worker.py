"""RC203 deprecated-uvicorn-worker: gunicorn runs ``uvicorn.workers.UvicornWorker``.

What it does
    Flags ``uvicorn.workers.UvicornWorker`` and ``uvicorn.workers.UvicornH11Worker``
    as gunicorn's worker class, wherever it is set: ``-k``/``--worker-class``,
    ``worker_class`` in a gunicorn config file, or ``GUNICORN_CMD_ARGS``.

Why is this bad
    The workers inside the uvicorn package are deprecated since uvicorn 0.30 and
    will be removed; they moved to the separate ``uvicorn-worker`` package,
    where fixes to the gunicorn integration now land. An upgrade of uvicorn
    can then break the start command.

Example
    gunicorn app.main:app -k uvicorn.workers.UvicornWorker

Use instead
    pip install uvicorn-worker
    gunicorn app.main:app -k uvicorn_worker.UvicornWorker
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Severity

if TYPE_CHECKING:
    from readycheck.api import Project

DEPRECATED = {"uvicorn.workers.UvicornWorker": "uvicorn_worker.UvicornWorker",
              "uvicorn.workers.UvicornH11Worker": "uvicorn_worker.UvicornH11Worker"}


class DeprecatedUvicornWorker(Check):
    id = "RC203"
    name = "deprecated-uvicorn-worker"
    severity = Severity.WARNING
    summary = "gunicorn uses the deprecated uvicorn.workers.UvicornWorker"
    fix = "Install `uvicorn-worker` and use `-k uvicorn_worker.UvicornWorker`."
    tags = ("start-command", "dependencies")
    precision = "very-high"
    references = ("https://github.com/Kludex/uvicorn-worker",)
    examples = (
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD ["gunicorn", "app:app", "--worker-class", "uvicorn.workers.UvicornWorker"]
            """}, expect=['Dockerfile:2:47 `uvicorn.workers.UvicornWorker` is deprecated: use `uvicorn_worker.UvicornWorker` from the uvicorn-worker package'], title="on the command line"),
        Example({"Procfile": "web: gunicorn app:app\n",
                 "gunicorn.conf.py": 'bind = "0.0.0.0:8000"\nworker_class = "uvicorn.workers.UvicornWorker"\n'},
                expect=["gunicorn.conf.py:2"], title="in gunicorn.conf.py"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD ["gunicorn", "app:app", "-k", "uvicorn_worker.UvicornWorker"]
            """}, title="the uvicorn-worker package"),
    )

    def run(self, project: Project):
        seen = set()
        for start in project.start_commands:
            server = start.server
            if server is None or server.name != "gunicorn" or start.role != "boot":
                continue
            worker = server.settings.get("worker_class")
            if worker is None or worker.value.strip("\"'") not in DEPRECATED:
                continue
            key = (worker.path, worker.span)
            if key in seen:
                continue
            seen.add(key)
            value = worker.value.strip("\"'")
            yield self.finding(worker.path, worker.span,
                               f"`{value}` is deprecated: use `{DEPRECATED[value]}` from the uvicorn-worker package"
                               f"{start.environment.note}", severity=Severity.INFO if start.development else None)
