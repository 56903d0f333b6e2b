"""RC107 missing-pythonunbuffered: a Python image without ``PYTHONUNBUFFERED``.

What it does
    Flags a Dockerfile whose final image runs Python (a Python server in its
    start command, or a ``python`` base image with a CMD) and that sets neither
    ``ENV PYTHONUNBUFFERED=1`` in a shipped stage nor ``python -u`` in its start
    command.

Why is this bad
    Python buffers stdout when it is not a terminal, as in a container: print()
    output and stdout log handlers reach ``docker logs`` late, interleaved out
    of order, or never when the process crashes, exactly when the logs are needed.

Example
    FROM python:3.12-slim
    CMD ["python", "worker.py"]

Use instead
    FROM python:3.12-slim
    ENV PYTHONUNBUFFERED=1
    CMD ["python", "worker.py"]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Severity

if TYPE_CHECKING:
    from readycheck.api import Project


class MissingPythonUnbuffered(Check):
    id = "RC107"
    name = "missing-pythonunbuffered"
    severity = Severity.INFO
    summary = "A Python image does not set PYTHONUNBUFFERED"
    fix = "Add `ENV PYTHONUNBUFFERED=1` to the final stage (or start Python with -u)."
    tags = ("dockerfile", "logging")
    precision = "medium"
    examples = (
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD ["gunicorn", "app:app"]
            """}, expect=['Dockerfile:1:6 the image runs Python without PYTHONUNBUFFERED=1: stdout logs are buffered (final stage)'], title="no PYTHONUNBUFFERED"),
        Example({"Dockerfile": """
            FROM python:3.12-slim AS base
            ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
            FROM base
            CMD ["uvicorn", "app:app"]
            """, "worker/Dockerfile": "FROM python:3.12-slim\nCMD [\"python\", \"-u\", \"worker.py\"]\n",
            "web/Dockerfile": "FROM nginx:1.27\n"}, title="set in the stage it is built from; python -u; not Python"),
    )

    def run(self, project: Project):
        starts = {s.path: s for s in project.start_commands if s.origin == "Dockerfile"}
        for dockerfile in project.dockerfiles:
            shipped = dockerfile.shipped_stages()
            if not shipped:
                continue
            start = starts.get(dockerfile.path)
            words = [w for c in start.chain for w in c.words] if start else []
            runs_python = (start is not None and start.server is not None) or any(
                w.rsplit("/", 1)[-1].startswith("python") for w in words) or (
                "python" in shipped[0].resolved_image.rsplit("/", 1)[-1].split(":")[0] and start is not None)
            if not runs_python or "-u" in words:
                continue
            env = {k for stage in shipped for inst in stage.all("ENV") for k, _, _ in dockerfile.assignments(inst)}
            if "PYTHONUNBUFFERED" in env:
                continue
            final = dockerfile.final_stage
            yield self.finding(dockerfile.path, dockerfile.span_of(shipped[0].from_instruction, shipped[0].image),
                               "the image runs Python without PYTHONUNBUFFERED=1: stdout logs are buffered"
                               + (" (final stage)" if final is shipped[0] else ""))
