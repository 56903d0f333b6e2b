"""RC504 healthcheck-tool-missing: the HEALTHCHECK runs curl or wget, which the image does not have.

What it does
    Flags a Dockerfile ``HEALTHCHECK`` (or a compose ``healthcheck`` of a service
    built from such an image) that runs ``curl`` or ``wget`` when the final image
    is based on ``python:*-slim`` (which has neither) or ``python:*-alpine``
    (which has busybox wget, but no curl), and no shipped stage installs the tool.

Why is this bad
    The health check fails with "curl: not found" on every run, so the
    container is marked unhealthy forever (and, under Swarm, compose
    ``depends_on: service_healthy`` or ECS, never starts receiving traffic or
    is restarted in a loop), while the app itself is fine.

Example
    FROM python:3.12-slim
    HEALTHCHECK CMD curl -f http://localhost:8000/healthz || exit 1

Use instead
    HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Severity

if TYPE_CHECKING:
    from readycheck.api import Project

_MANAGER = re.compile(r"\b(apt-get|apt|apk|yum|dnf|microdnf)\b")
_INSTALL_VERB = re.compile(r"\b(install|add)\b")


def installs_packages(text: str) -> bool:
    """A package manager word followed on its line by install/add. The first manager of
    each line is enough (a verb after a later one is after it too), so each line is read
    once: "manager[^\\n]*verb" as one regex read to the line's end from every manager
    word (25,000 "apt" words: minutes)."""
    position = 0
    while True:
        manager = _MANAGER.search(text, position)
        if manager is None:
            return False
        line_end = text.find("\n", manager.end())
        line_end = len(text) if line_end < 0 else line_end
        if _INSTALL_VERB.search(text, manager.end(), line_end):
            return True
        position = line_end + 1


class HealthcheckToolMissing(Check):
    id = "RC504"
    name = "healthcheck-tool-missing"
    severity = Severity.ERROR
    summary = "The HEALTHCHECK uses curl or wget, which the image does not contain"
    fix = ("Check with Python, which the image has: `HEALTHCHECK CMD python -c \"import urllib.request; "
           "urllib.request.urlopen('http://127.0.0.1:8000/healthz')\"`, or install the tool.")
    tags = ("health", "dockerfile")
    examples = (
        Example({"Dockerfile": """
            FROM python:3.12-slim
            HEALTHCHECK CMD curl -f http://localhost:8000/healthz || exit 1
            CMD ["gunicorn", "app:app"]
            """, "alpine/Dockerfile": """
            FROM python:3.12-alpine
            HEALTHCHECK --interval=30s CMD ["curl", "-f", "http://localhost:8000/healthz"]
            """}, expect=['Dockerfile:2:17 HEALTHCHECK runs curl, but python:3.12-slim does not contain it and no step installs it', "alpine/Dockerfile:2"], title="slim and alpine without curl"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
            HEALTHCHECK CMD curl -f http://localhost:8000/healthz || exit 1
            """, "alpine/Dockerfile": """
            FROM python:3.12-alpine
            HEALTHCHECK CMD wget -q -O- http://localhost:8000/healthz
            """, "full/Dockerfile": "FROM python:3.12\nHEALTHCHECK CMD curl -f http://localhost/\n"},
            title="curl installed; busybox wget on alpine; the full image has curl"),
    )

    def run(self, project: Project):
        for dockerfile in project.dockerfiles:
            shipped = dockerfile.shipped_stages()
            if not shipped:
                continue
            check = next((s.last("HEALTHCHECK") for s in reversed(shipped) if s.last("HEALTHCHECK")), None)
            if check is None:
                continue
            command = check.value
            image = shipped[0].resolved_image.lower().removeprefix("docker.io/").removeprefix("library/")
            if not image.startswith("python:"):
                continue
            alpine, slim = "alpine" in image, "slim" in image
            for tool in ("curl", "wget"):
                if not re.search(rf"(^|[\s\"'\[]){tool}\b", command):
                    continue
                if not (slim or (alpine and tool == "curl")):
                    continue
                installed = any(installs_packages(inst.value) and re.search(rf"\b{tool}\b", inst.value)
                                for stage in shipped for inst in stage.all("RUN"))
                if installed:
                    continue
                yield self.finding(dockerfile.path, dockerfile.span_of(check, tool),
                                   f"HEALTHCHECK runs {tool}, but {shipped[0].resolved_image} does not contain it "
                                   f"and no step installs it")
