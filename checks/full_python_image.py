"""RC104 full-python-image: the final stage is built on the full ``python:X`` image.

What it does
    Flags a final stage (or the stage it is built FROM) based on the full
    Debian ``python`` image (``python:3.12``, ``python:3.12-bookworm``) instead
    of a ``-slim`` variant. Builder stages, which need compilers, are fine.

Why is this bad
    The full image carries compilers, headers and hundreds of Debian packages
    the app never uses at run time: about 1 GB against 150 MB for -slim, slower
    pulls on every deploy and scale-up, and hundreds more packages for scanners
    to report and attackers to use.

Example
    FROM python:3.12
    COPY . /app

Use instead
    FROM python:3.12 AS builder         # build wheels with compilers here
    RUN pip wheel -w /wheels -r requirements.txt
    FROM python:3.12-slim               # ship only what runs
    COPY --from=builder /wheels /wheels
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Severity

if TYPE_CHECKING:
    from readycheck.api import Project

_FULL = re.compile(r"^(\d+(\.\d+)*)?(-(bookworm|bullseye|buster|trixie|stretch))?$")


class FullPythonImage(Check):
    id = "RC104"
    name = "full-python-image"
    severity = Severity.WARNING
    summary = "The final image is built on the full python image instead of -slim"
    fix = "Use python:X-slim for the final stage; build wheels that need compilers in a separate builder stage."
    tags = ("dockerfile", "performance")
    precision = "very-high"
    examples = (
        Example({"Dockerfile": "FROM python:3.12\nCMD [\"python\", \"app.py\"]\n"}, expect=['Dockerfile:1:6 the shipped image is based on python:3.12; python:3.12-slim is a fraction of its size'],
                title="full image ships"),
        Example({"Dockerfile": """
            FROM docker.io/library/python:3.11-bookworm AS base
            FROM base
            CMD ["python", "app.py"]
            """}, expect=["Dockerfile:1"], title="through an intermediate stage"),
        Example({"Dockerfile": """
            FROM python:3.12 AS builder
            RUN pip wheel -w /w uvloop
            FROM python:3.12-slim
            COPY --from=builder /w /w
            """, "other/Dockerfile": "FROM python:3.12-alpine\n"}, title="full image only as builder; slim and alpine"),
    )

    def run(self, project: Project):
        for dockerfile in project.dockerfiles:
            for stage in dockerfile.shipped_stages():
                ref = stage.image_ref
                tag = ref.tag or ""
                if ref.name != "python" or not _FULL.match(tag):
                    continue
                yield self.finding(dockerfile.path, dockerfile.span_of(stage.from_instruction, stage.image),
                                   f"the shipped image is based on {stage.resolved_image}; "
                                   f"python:{tag or '3'}{'-' if tag else ''}slim is a fraction of its size")
