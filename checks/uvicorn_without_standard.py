"""RC303 uvicorn-without-standard: the production server is uvicorn without its ``[standard]`` extra.

What it does
    When a production start command runs uvicorn (directly, or as gunicorn's
    uvicorn worker), flags the ``uvicorn`` requirement that has no
    ``[standard]`` extra, unless ``uvloop`` and ``httptools`` are declared
    separately or ``fastapi[standard]`` brings them.

Why is this bad
    Plain uvicorn runs on the pure-Python asyncio loop and h11 parser. The
    standard extra adds uvloop and httptools, typically a large share of
    throughput for I/O-bound services, at no code cost.

Example
    uvicorn==0.34.0

Use instead
    uvicorn[standard]==0.34.0
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Severity

if TYPE_CHECKING:
    from readycheck.api import Project


class UvicornWithoutStandard(Check):
    id = "RC303"
    name = "uvicorn-without-standard"
    severity = Severity.INFO
    summary = "uvicorn is the production server but its [standard] extra (uvloop, httptools) is not installed"
    fix = "Depend on `uvicorn[standard]` (or add uvloop and httptools), pinned."
    tags = ("dependencies", "performance")
    examples = (
        Example({"requirements.txt": "fastapi==0.115.6\nuvicorn==0.34.0\n",
                 "Procfile": "web: uvicorn app:app --host 0.0.0.0 --port $PORT\n"}, expect=['requirements.txt:2:1 `uvicorn==0.34.0` lacks the [standard] extra: no uvloop, no httptools'],
                title="plain uvicorn serves production"),
        Example({"requirements.txt": "uvicorn[standard]==0.34.0\n", "sub/requirements.txt": "uvicorn==0.34.0\nuvloop==0.21.0\nhttptools==0.6.4\n",
                 "Procfile": "web: gunicorn app:app -k uvicorn_worker.UvicornWorker\n"},
                title="standard extra; uvloop and httptools declared"),
        Example({"requirements.txt": "uvicorn==0.34.0\n", "Makefile": "dev:\n\tuvicorn app:app --reload\n",
                 "Procfile": "web: gunicorn app:app\n"}, title="uvicorn only for development"),
    )

    def run(self, project: Project):
        uses_uvicorn = any(
            s.server is not None and s.production and (
                s.server.name == "uvicorn" or "uvicorn" in (s.server.settings.get("worker_class").value
                                                            if s.server.settings.get("worker_class") else ""))
            for s in project.start_commands)
        packages = project.declared_packages or {}
        if not uses_uvicorn or "standard" in packages.get("uvicorn", set()) \
                or "standard" in packages.get("fastapi", set()) or {"uvloop", "httptools"} <= set(packages):
            return
        for path, req in project.requirement_declarations("uvicorn"):
            yield self.finding(path, req.span, f"`{req.text}` lacks the [standard] extra: no uvloop, no httptools")
