"""RC301 unpinned-requirement: a requirements file lets pip pick whatever is newest.

What it does
    Reads every ``requirements*.txt`` (and ``requirements/*.txt``), following
    ``-r`` and ``-c`` includes, and flags each requirement that does not name
    exactly one release: bare names, ``>=``, ``~=``, ``<``, wildcards, ``!=``,
    a VCS URL without a full commit id, an archive URL without a hash. ``==``
    (without ``*``), ``===``, ``--hash`` and a pin in a ``-c`` constraints file
    count as pinned; a requirement whose environment marker never holds on
    Linux CPython 3 (``; python_version < "3.0"``, ``; sys_platform ==
    "win32"``) is never installed in a container. Inputs of a lock are not
    judged, the lock is: pip-tools ``*.in`` files, and any list whose every loose requirement is pinned by a
    sibling file in the same folder (``base_requirements.txt`` beside the
    frozen ``requirements.txt``). Requirements files named for development or
    tooling (``dev``, ``test``, ``lint``, ``docs``, ``github-actions``,
    ``tox``, ``bench``...), files that include one (``-r
    requirements-tests.txt``: a contributor's set-up) and files that are
    mostly test, lint and docs tools give info findings only. A file setuptools
    reads as the package's own dependencies (``[tool.setuptools.dynamic]
    dependencies = {file = "requirements.txt"}``) declares the ranges the
    package accepts: RC302 asks for the lockfile instead.

Why is this bad
    An unpinned requirement installs whatever was released last: the image you
    tested is not the image you ship, a rebuild at 2 a.m. pulls a breaking
    release, and rollbacks stop being rollbacks.

Example
    fastapi>=0.110
    uvicorn

Use instead
    fastapi==0.115.6
    uvicorn[standard]==0.34.0
    # or compile a lock: pip-compile --generate-hashes requirements.in
"""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Severity

if TYPE_CHECKING:
    from readycheck.api import Project, RequirementsFile

_DEV_NAME = re.compile(r"(^|[/._-])(dev|devel|develop|test|tests|testing|lint|docs|doc|ci|typing|mypy|github|actions|"
                       r"tox|nox|bench|benchmarks?|examples?|insiders|pre-?commit)([/._-]|$)")


def is_development_requirements(path: str) -> bool:
    return bool(_DEV_NAME.search(path.lower().rsplit(".", 1)[0]))


#: Test runners, linters, type checkers, docs builders and release tools: what a contributor installs.
_DEV_TOOLS = {"pytest", "coverage", "codecov", "black", "flake8", "mypy", "ruff", "isort", "pylint", "tox", "nox",
              "pre-commit", "hypothesis", "ipython", "ipdb", "bandit", "twine", "pyright", "autopep8", "yapf",
              "pycodestyle", "pydocstyle", "pyflakes", "mkdocs", "sphinx", "faker", "factory-boy", "freezegun",
              "responses", "respx", "httpretty", "mock", "asynctest", "trio-typing", "pip-tools", "bump2version"}
_DEV_TOOL_PREFIXES = ("pytest-", "flake8-", "mkdocs-", "mkdocstrings", "sphinx-", "sphinxcontrib-", "types-", "mypy-")


def _mostly_development_tools(req_file: RequirementsFile) -> bool:
    """A list that is mostly test, lint and docs tools is a contributor's set-up (mangum's requirements.txt:
    pytest, black, flake8, mypy, mkdocs... beside the two frameworks it tests against)."""
    names = [req.name for req in req_file.requirements if req.name]
    tools = [n for n in names if n in _DEV_TOOLS or n.startswith(_DEV_TOOL_PREFIXES)]
    return len(names) >= 3 and 2 * len(tools) > len(names)


def _includes_development_file(req_file: RequirementsFile) -> bool:
    """`-r requirements-tests.txt` inside a file makes it a contributor's set-up, not what production installs."""
    return any(include.option == "-r" and is_development_requirements(include.target) for include in req_file.includes)


def _pinned_by_sibling(req_file: RequirementsFile, siblings: dict[str, list[tuple[RequirementsFile, set[str]]]]
                       ) -> bool:
    """True when another requirements file of the same folder pins every loose requirement of this one.

    Such a file is the hand-written input of a lock (netbox's ``base_requirements.txt`` is frozen into
    ``requirements.txt``), the same role a pip-tools ``.in`` file plays: the lock is what gets installed.
    ``siblings``: folder -> (file, the names it pins), worked out once for all files.
    """
    loose = {req.name for req in req_file.requirements if req.name and not req.pinned}
    if not loose or any(req.name is None and not req.pinned for req in req_file.requirements):
        return False
    return any(loose <= pinned for other, pinned in siblings.get(req_file.source.directory, ()) if other is not req_file)


def _siblings(files: list[RequirementsFile]) -> dict[str, list[tuple[RequirementsFile, set[str]]]]:
    by_folder: dict[str, list[tuple[RequirementsFile, set[str]]]] = {}
    for req_file in files:
        pinned = {req.name for req in req_file.requirements if req.name and req.pinned}
        by_folder.setdefault(req_file.source.directory, []).append((req_file, pinned))
    return by_folder


class UnpinnedRequirement(Check):
    id = "RC301"
    name = "unpinned-requirement"
    severity = Severity.WARNING
    summary = "A requirement in a requirements file is not pinned to one release"
    fix = ("Pin every requirement with `==` (or `--hash`), ideally generated: `pip-compile --generate-hashes`, "
           "`uv pip compile`, or `uv export --frozen` from a lockfile.")
    tags = ("dependencies", "reproducibility")
    references = ("https://pip.pypa.io/en/stable/topics/repeatable-installs/",)
    examples = (
        Example({"requirements.txt": """
            fastapi>=0.110
            uvicorn[standard]
            sqlalchemy==2.0.36
            httpx~=0.27
            redis<5; python_version < "3.0"
            pywin32; sys_platform == "win32"
            uvloop; sys_platform != "win32"
            """}, expect=['requirements.txt:1:1 `fastapi>=0.110` is not pinned: a range (>=0.110)', "requirements.txt:2", "requirements.txt:4", "requirements.txt:7"],
            title="ranges and bare names; markers for Python 2 or Windows are never installed in a container"),
        Example({"requirements.txt": """
            -r requirements/base.txt
            gunicorn==23.0.0
            """, "requirements/base.txt": """
            # shared
            pydantic>=2  # any v2
            git+https://github.com/example/lib.git@main#egg=lib
            """}, expect=["requirements/base.txt:2", "requirements/base.txt:3"], title="followed -r include, VCS branch"),
        Example({"requirements-dev.txt": "pytest\n"}, expect=["requirements-dev.txt:1:info"],
                title="development requirements are info"),
        Example({"requirements.txt": """
            -c constraints.txt
            fastapi
            uvicorn==0.34.0 \\
                --hash=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
            lib @ git+https://github.com/example/lib.git@0123456789abcdef0123456789abcdef01234567
            -e .
            """, "constraints.txt": "fastapi==0.115.6\n"},
            title="pins through constraints, hashes, commit ids; the local package"),
        Example({"requirements.in": "fastapi\n", "requirements.txt": "fastapi==0.115.6\n"},
                title="pip-tools input beside its compiled output"),
        Example({"base_requirements.txt": "Django\ngunicorn>=22\n",
                 "requirements.txt": "Django==5.1.4\ngunicorn==23.0.0\nsqlparse==0.5.3\n"},
                title="a hand-written list beside the frozen file that pins all of it"),
        Example({"base_requirements.txt": "Django\ngunicorn>=22\n", "requirements.txt": "Django==5.1.4\n"},
                expect=["base_requirements.txt:1", "base_requirements.txt:2"],
                title="a sibling that pins only part of the list is not its lock"),
        Example({"requirements-github-actions.txt": "PyGithub>=2.3,<3\n",
                 "requirements.txt": "-e .\n-r requirements-tests.txt\npre-commit>=2.17\n",
                 "requirements-tests.txt": "pytest==8.3.4\n"},
                expect=["requirements-github-actions.txt:1:info", "requirements.txt:3:info"],
                title="CI tooling, and a contributor set-up that includes the test requirements"),
        Example({"requirements.txt": "pytest\npytest-cov\nblack\nmypy\nmkdocs-material\nstarlette\n"},
                expect=[f"requirements.txt:{n}:info" for n in range(1, 7)],
                title="a list of mostly test, lint and docs tools"),
        Example({"requirements.txt": "fastapi\nsqlalchemy==2.0.36\nuvicorn==0.34.0\npytest==8.3.4\n"},
                expect=["requirements.txt:1"], title="an application's list with one test tool in it"),
        Example({"requirements.txt": "tornado>=5.1\nsqlalchemy>=1.4.1\n", "pyproject.toml": """
            [project]
            name = "hub"
            dynamic = ["dependencies"]

            [tool.setuptools.dynamic]
            dependencies = { file = "requirements.txt" }
            """}, title="the package's own dependencies, read by setuptools"),
    )

    def run(self, project: Project):
        package_lists = {path for pyproject in project.pyprojects for path in pyproject.dependency_files}
        files = {f.path: f for f in project.requirements_files
                 if not f.path.endswith(".in") and f.path not in package_lists}
        queue = list(files.values())
        constraints: dict[str, bool] = {}
        seen = set(files)
        while queue:
            req_file = queue.pop()
            for include in req_file.includes:
                target = posixpath.normpath(posixpath.join(req_file.source.directory, include.target))
                included = self._parse(project, target, files)
                if included is None:
                    continue
                if include.option == "-c":
                    for req in included.requirements:
                        if req.name:
                            constraints[req.name] = constraints.get(req.name, False) or req.pinned
                if target not in seen:
                    seen.add(target)
                    files[target] = included
                    queue.append(included)
        siblings = _siblings(list(files.values()))
        for path in sorted(files):
            req_file = files[path]
            if _pinned_by_sibling(req_file, siblings):
                continue
            development = (is_development_requirements(path) or _includes_development_file(req_file)
                           or _mostly_development_tools(req_file))
            severity = Severity.INFO if development else None
            for req in req_file.requirements:
                if not req.installed_on_linux:
                    continue  # `; python_version < "3.0"`, `; sys_platform == "win32"`: never in the image
                reason = req.unpinned_reason
                if reason is None or (req.name and constraints.get(req.name)):
                    continue
                yield self.finding(path, req.span, f"`{req.text}` is not pinned: {reason}", severity=severity)

    @staticmethod
    def _parse(project: Project, path: str, known: dict) -> RequirementsFile | None:
        return known.get(path) or project.requirements_at(path)
