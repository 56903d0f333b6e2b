"""RC116 dockerignore: the whole build context is copied and .dockerignore does not keep secrets and junk out.

What it does
    For a Dockerfile that copies the whole context (``COPY . .``), flags a
    missing ``.dockerignore`` (``<Dockerfile>.dockerignore``, else the one at the
    root of the build context: as a compose ``build:`` declares it, else the
    Dockerfile's folder, or the repository root when its COPY sources exist
    only there), and a .dockerignore that does not
    exclude ``.env``, virtualenvs (``.venv``/``venv``), ``__pycache__`` (those two
    only for a context that holds Python) and, when the context is the repository
    root, ``.git``. A .dockerignore shared by several Dockerfiles gets one finding.

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

from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Severity, Span, gitignore_spec

if TYPE_CHECKING:
    from readycheck.api import Project

MUST_EXCLUDE = {".git": ".git", ".env": ".env", ".venv": "a virtualenv (.venv)", "venv": "a virtualenv (venv)",
                "__pycache__": "__pycache__"}


class DockerIgnore(Check):
    id = "RC116"
    name = "dockerignore"
    severity = Severity.WARNING
    summary = "The whole context is copied without a .dockerignore that excludes secrets and junk"
    fix = "Add a .dockerignore next to the build context excluding at least .git, .env, .venv, venv and __pycache__."
    tags = ("dockerfile", "security")
    examples = (
        Example({"Dockerfile": "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n"}, expect=['Dockerfile:3:1 COPY copies the whole build context and there is no .dockerignore: .env, .git and virtualenvs go into the image'],
                title="no .dockerignore"),
        Example({"Dockerfile": "FROM python:3.12-slim\nCOPY . /app\n", ".dockerignore": "*.pyc\n.git\n"},
                expect=[".dockerignore:1"], title=".dockerignore misses .env and virtualenvs"),
        Example({"Dockerfile": "FROM python:3.12-slim\nCOPY . /app\n",
                 ".dockerignore": ".git\n**/.env\n.venv/\nvenv\n**/__pycache__\n",
                 "svc/Dockerfile": "FROM python:3.12-slim\nCOPY requirements.txt app/ /app/\n"},
                title="complete .dockerignore; a Dockerfile that copies named files only"),
        Example({"server/Dockerfile": "FROM python:3.12-slim\nCOPY . /app\n", "server/app.py": "",
                 "server/.dockerignore": ".env\n.venv\nvenv\n__pycache__\n",
                 "backend/Dockerfile": "FROM python:3.12-slim\nCOPY ./backend/app /app\nCOPY . /src\n",
                 "backend/app/main.py": "", ".dockerignore": ".git\n.env\n.venv\nvenv\n**/__pycache__\n"},
                title="a subfolder context holds no .git; a root context found from COPY paths"),
        Example({"docker/Dockerfile": "FROM python:3.12-slim\nCOPY . /app\n",
                 "docker/.dockerignore": ".env\n.venv\nvenv\n__pycache__\n",
                 "docker-compose.yml": "services:\n  api:\n    build:\n      context: .\n      dockerfile: docker/Dockerfile\n"},
                expect=["docker/Dockerfile:2"], title="compose says the context is the root, which has no .dockerignore"),
        Example({"api/Dockerfile": "FROM python:3.12-slim\nCOPY . /app\n", "api/main.py": "",
                 "worker/Dockerfile": "FROM python:3.12-slim\nCOPY . /app\n", "worker/run.py": "",
                 ".dockerignore": ".git\n",
                 "docker-compose.yml": "services:\n  api:\n    build: {context: ., dockerfile: api/Dockerfile}\n"
                                       "  worker:\n    build: {context: ., dockerfile: worker/Dockerfile}\n"},
                expect=[".dockerignore:1"], title="one .dockerignore shared by two Dockerfiles: one finding"),
        Example({"frontend/Dockerfile": "FROM node:20-alpine\nCOPY . /app\nRUN npm ci\n",
                 "frontend/package.json": "{}\n", "frontend/.dockerignore": ".env\nnode_modules\n"},
                title="a Node context: no advice about virtualenvs or __pycache__"),
    )

    def run(self, project: Project):
        shared: dict[str, tuple] = {}
        for dockerfile in project.dockerfiles:
            copy = next((inst for stage in dockerfile.stages for inst in stage.instructions
                         if inst.keyword in ("COPY", "ADD") and "from" not in inst.flags()
                         and any(s in (".", "./", "*") for s in (inst.exec_form() or inst.arguments())[:-1])), None)
            if copy is None:
                continue
            # BuildKit reads <Dockerfile>.dockerignore first, then .dockerignore at the context root.
            # When the context cannot be told from the COPY paths, a complete file at either candidate counts.
            results = []
            for context in project.build_contexts(dockerfile):
                ignore = project.dockerignore(dockerfile, context)
                python = self._python_context(project, context) or any(
                    "python" in stage.resolved_image.lower() for stage in dockerfile.stages)
                results.append((ignore, self._missing(ignore, context, python) if ignore is not None else None))
            if any(ignore is not None and not missing for ignore, missing in results):
                continue
            existing = [(ignore, missing) for ignore, missing in results if ignore is not None]
            if not existing:
                yield self.finding(dockerfile.path, dockerfile.span_of(copy),
                                   f"{copy.keyword} copies the whole build context and there is no .dockerignore: "
                                   f".env, .git and virtualenvs go into the image")
                continue
            ignore, missing = existing[0]
            if missing:
                entry = shared.setdefault(ignore.path, (ignore, [], []))
                entry[1].extend(m for m in missing if m not in entry[1])
                entry[2].append(dockerfile.path)
        # A .dockerignore shared by several Dockerfiles is one thing to fix: one finding.
        for ignore, missing, users in shared.values():
            first_line = ignore.index.line_text(1)  # readable: _missing() read it
            copied_by = users[0] if len(users) == 1 else f"{', '.join(users[:-1])} and {users[-1]}"
            yield self.finding(ignore.path, Span(1, 1, 1, max(2, len(first_line) + 1)),
                               f"{ignore.path} does not exclude {', '.join(missing)}, and {copied_by} "
                               f"cop{'ies' if len(users) == 1 else 'y'} the whole context")

    @staticmethod
    def _python_context(project, context: str) -> bool:
        """A build context holding Python code or packaging: a Node or Go frontend's gets no advice
        about virtualenvs and __pycache__."""
        return project.has_python_below(context)

    @staticmethod
    def _missing(ignore, context: str, python: bool = True) -> list[str]:
        try:
            lines = ignore.text.splitlines()
        except Exception:
            return []
        # Lines Docker cannot read either (a trailing backslash, "[z-a]") match nothing.
        spec = gitignore_spec(lines)
        if spec is None:
            return list({k: v for k, v in MUST_EXCLUDE.items() if k != ".git" or not context}.values())
        # .git lives at the repository root: it is in the context only when the context is the root.
        wanted = {k: v for k, v in MUST_EXCLUDE.items() if (k != ".git" or not context)
                  and (python or k in (".git", ".env"))}
        return [what for name, what in wanted.items()
                if not (spec.match_file(name) or spec.match_file(name + "/") or spec.match_file(name + "/x"))]
