"""RC110 multiple-cmd: a stage has several CMD or ENTRYPOINT instructions.

What it does
    Flags every CMD or ENTRYPOINT of a stage but the last of its kind: only the
    last one takes effect.

Why is this bad
    The earlier instruction is silently ignored. A reader, or a reviewer of a
    change to the first one, believes the container starts one way while it
    starts another.

Example
    CMD ["alembic", "upgrade", "head"]
    CMD ["gunicorn", "app:app"]

Use instead
    CMD ["gunicorn", "app:app"]      # and migrate in a release step
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Severity

if TYPE_CHECKING:
    from readycheck.api import Project


class MultipleCmd(Check):
    id = "RC110"
    name = "multiple-cmd"
    severity = Severity.WARNING
    summary = "A stage has more than one CMD or ENTRYPOINT; only the last takes effect"
    fix = "Keep one CMD and at most one ENTRYPOINT per stage."
    tags = ("dockerfile", "start-command")
    precision = "very-high"
    references = ("https://github.com/hadolint/hadolint/wiki/DL4003", "https://github.com/hadolint/hadolint/wiki/DL4004")
    examples = (
        Example({"Dockerfile": """
            FROM python:3.12-slim
            ENTRYPOINT ["/entry.sh"]
            CMD ["alembic", "upgrade", "head"]
            ENTRYPOINT ["/other.sh"]
            CMD ["gunicorn", "app:app"]
            """}, expect=['Dockerfile:2:1 ENTRYPOINT on line 2 is overridden by the ENTRYPOINT on line 4', "Dockerfile:3"], title="two of each"),
        Example({"Dockerfile": """
            FROM python:3.12 AS builder
            CMD ["echo", "builder"]
            FROM python:3.12-slim
            ENTRYPOINT ["/entry.sh"]
            CMD ["gunicorn", "app:app"]
            """}, title="one of each per stage"),
    )

    def run(self, project: Project):
        for dockerfile in project.dockerfiles:
            for stage in dockerfile.stages:
                environment = dockerfile.stage_environment(stage)  # a developer's stage: info
                for keyword in ("CMD", "ENTRYPOINT"):
                    found = stage.all(keyword)
                    for inst in found[:-1]:
                        yield self.finding(dockerfile.path, dockerfile.span_of(inst),
                                           f"{keyword} on line {inst.line} is overridden by the {keyword} on line "
                                           f"{found[-1].line}{environment.note}",
                                           severity=None if environment.production else Severity.INFO)
