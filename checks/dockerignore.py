"""RC116 dockerignore: the whole build context is copied and .dockerignore does not keep secrets and junk out.

What it does
    For a Dockerfile that copies the whole context (``COPY . .``), flags a
    missing ``.dockerignore`` (beside the Dockerfile, at the repository root,
    or ``<Dockerfile>.dockerignore``), and a .dockerignore that does not
    exclude ``.git``, ``.env``, virtualenvs (``.venv``/``venv``) and
    ``__pycache__``.

Why is this bad
    Everything in the context is sent to the builder and copied into the image:
    ``.env`` files with production secrets, the whole git history (with every
    secret ever committed), local virtualenvs built for another OS that shadow
    the image's packages, and caches. The image grows and leaks.

Example
    COPY . /app       # and no .dockerignore

Use instead
    # .dockerignore
    .git
    .env
    .venv
    venv
    __pycache__
"""

from __future__ import annotations

import posixpath

import pathspec

from readycheck.api import Check, Example, FileKind, Project, Severity, Span

MUST_EXCLUDE = {".git": ".git", ".env": ".env", ".venv": "a virtualenv (.venv)", "venv": "a virtualenv (venv)",
                "__pycache__": "__pycache__"}


class DockerIgnore(Check):
    id = "RC116"
    name = "dockerignore"
    severity = Severity.WARNING
    summary = "The whole context is copied without a .dockerignore that excludes secrets and junk"
    why = ("COPY . copies .env secrets, the whole git history, local virtualenvs and caches into the image when "
           ".dockerignore does not exclude them.")
    fix = "Add a .dockerignore next to the build context excluding at least .git, .env, .venv, venv and __pycache__."
    tags = ("dockerfile", "security")
    examples = (
        Example({"Dockerfile": "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n"}, expect=["Dockerfile:3"],
                title="no .dockerignore"),
        Example({"Dockerfile": "FROM python:3.12-slim\nCOPY . /app\n", ".dockerignore": "*.pyc\n.git\n"},
                expect=[".dockerignore:1"], title=".dockerignore misses .env and virtualenvs"),
        Example({"Dockerfile": "FROM python:3.12-slim\nCOPY . /app\n",
                 ".dockerignore": ".git\n**/.env\n.venv/\nvenv\n**/__pycache__\n",
                 "svc/Dockerfile": "FROM python:3.12-slim\nCOPY requirements.txt app/ /app/\n"},
                title="complete .dockerignore; a Dockerfile that copies named files only"),
    )

    def run(self, project: Project):
        for dockerfile in project.dockerfiles:
            copy = next((inst for stage in dockerfile.stages for inst in stage.instructions
                         if inst.keyword in ("COPY", "ADD") and "from" not in inst.flags()
                         and any(s in (".", "./", "*") for s in (inst.exec_form() or inst.arguments())[:-1])), None)
            if copy is None:
                continue
            candidates = [f"{dockerfile.path}.dockerignore",
                          posixpath.join(dockerfile.source.directory, ".dockerignore") if dockerfile.source.directory
                          else ".dockerignore", ".dockerignore"]
            ignore = next((project.file(p) for p in candidates if project.file(p) is not None), None)
            if ignore is None:
                yield self.finding(dockerfile.path, dockerfile.span_of(copy),
                                   f"{copy.keyword} copies the whole build context and there is no .dockerignore: "
                                   f".env, .git and virtualenvs go into the image")
                continue
            try:
                lines = ignore.text.splitlines()
            except Exception:
                continue
            spec = pathspec.GitIgnoreSpec.from_lines(lines)
            missing = [what for name, what in MUST_EXCLUDE.items()
                       if not (spec.match_file(name) or spec.match_file(name + "/") or spec.match_file(name + "/x"))]
            if missing:
                yield self.finding(ignore.path, Span(1, 1, 1, max(2, len(lines[0]) + 1 if lines else 2)),
                                   f"{ignore.path} does not exclude {', '.join(missing)}, and {dockerfile.path} copies "
                                   f"the whole context")
