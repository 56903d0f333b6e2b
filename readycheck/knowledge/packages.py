"""Which packages a repository installs, from every place it says so."""

from __future__ import annotations

import json
import re
import sys
from typing import TYPE_CHECKING

from readycheck.core.sourcefile import FileKind, UnreadableFile

if TYPE_CHECKING:
    from readycheck.model.project import Project

_SEPARATORS = re.compile(r"[-_.]+")


def canonicalize_name(name: str) -> str:
    """A project name as PEP 503 compares it (``Flask_SQLAlchemy`` is ``flask-sqlalchemy``):
    what packaging.utils.canonicalize_name does, without importing packaging.tags and
    packaging.version with it (15 ms of every scan, needed or not)."""
    return _SEPARATORS.sub("-", name).lower()


#: On one line ([ \t], [^"\n]): a TOML basic string cannot span lines, and an unclosed one
#: must not be read to the end of the file from every "name" line.
_LOCK_NAME = re.compile(r'(?m)^name[ \t]*=[ \t]*"([^"\n]+)"')
_INSTALLERS = {("pip", "install"), ("pip3", "install"), ("uv", "pip"), ("uv", "add"), ("poetry", "add"),
               ("pipx", "install"), ("pipenv", "install")}
#: Options of ``pip install``, ``uv pip install``, ``uv add``, ``poetry add``, ``pipx install`` that take
#: the next word as their value (``--index-strategy unsafe-best-match``): that word is not a package.
OPTIONS_WITH_VALUE = frozenset({
    "-r", "--requirement", "--requirements", "-c", "--constraint", "--constraints", "-e", "--editable",
    "-i", "--index-url", "--extra-index-url", "--index", "--default-index", "--index-strategy", "-f",
    "--find-links", "-t", "--target", "--prefix", "--root", "--src", "-p", "--python", "--python-preference",
    "--python-platform", "--python-version", "--no-binary", "--only-binary", "--platform", "--implementation",
    "--abi", "--group", "--extra", "--upgrade-strategy", "--progress-bar", "--log", "--cache-dir",
    "--trusted-host", "--proxy", "--retries", "--timeout", "--exists-action", "--cert", "--client-cert",
    "--global-option", "-C", "--config-settings", "--config-setting", "--report", "--root-user-action",
    "--keyring-provider", "--resolution", "--prerelease", "--link-mode", "--exclude-newer", "--override",
    "--overrides", "-b", "--build-constraints", "-P", "--upgrade-package", "--reinstall-package",
    "--no-build-package", "--no-binary-package", "--refresh-package", "--color", "--directory", "--project",
    "--config-file", "--torch-backend", "--source", "--suffix", "--pip-args", "--spec"})


def install_arguments(words: list[str]) -> list[int]:
    """Indexes of the package arguments among the words after an install subcommand: options, the
    values of options that take one, and shell operators are left out."""
    out: list[int] = []
    skip = False
    for index, word in enumerate(words):
        if skip:
            skip = False
        elif word in OPTIONS_WITH_VALUE:
            skip = True
        elif not word.startswith("-") and word not in (".", "&&"):
            out.append(index)
    return out


def _add(out: dict[str, set[str]], text: str) -> None:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(text.strip().strip("\"'"))
    except InvalidRequirement:
        return
    out.setdefault(canonicalize_name(req.name), set()).update(e.lower() for e in req.extras)


def declared_packages(project: "Project") -> dict[str, set[str]] | None:

    out: dict[str, set[str]] = {}
    found_any = False
    for req_file in project.requirements_files:
        found_any = True
        for req in req_file.requirements:
            if req.name:
                out.setdefault(req.name, set()).update(req.extras)
    for pyproject in project.pyprojects:
        found_any = found_any or bool(pyproject.all_requirements)
        for req in pyproject.all_requirements:
            if req.name:
                out.setdefault(req.name, set()).update(req.extras)
    for source in project.files(FileKind.PIPFILE, FileKind.LOCKFILE):
        try:
            text = source.text
            found_any = True
            if source.name == "Pipfile":
                # imported when a Pipfile is read (a scan without one never loads it)
                if sys.version_info >= (3, 11):
                    import tomllib
                else:  # pragma: no cover
                    import tomli as tomllib

                data = tomllib.loads(text)
                for section in ("packages", "dev-packages"):
                    for name in (data.get(section) or {}):
                        out.setdefault(canonicalize_name(name), set())
            elif source.name == "Pipfile.lock":
                data = json.loads(text)
                for section in ("default", "develop"):
                    for name in (data.get(section) or {}):
                        out.setdefault(canonicalize_name(name), set())
            else:
                for name in _LOCK_NAME.findall(text):
                    out.setdefault(canonicalize_name(name), set())
        except (UnreadableFile, ValueError, RecursionError, AttributeError):  # TOMLDecodeError is a ValueError;
            continue  # nested 100,000 deep; a list where a table belongs
    for dockerfile in project.dockerfiles:
        for stage in dockerfile.stages:
            for inst in stage.all("RUN"):
                for command in dockerfile.shell_commands(inst):
                    found_any |= _run_installs(command.argv, out)
    return out if found_any else None


def _run_installs(words: list[str], out: dict[str, set[str]]) -> bool:
    """Packages named by one install command in a RUN line; True if it was one."""
    for i in range(len(words) - 1):
        pair = (words[i].rsplit("/", 1)[-1], words[i + 1])
        if pair not in _INSTALLERS:
            continue
        rest = words[i + 2:]
        if pair == ("uv", "pip") and rest[:1] == ["install"]:
            rest = rest[1:]
        for index in install_arguments(rest):
            _add(out, rest[index])
        return True
    return False


#: Commands that install Python dependencies: (program, subcommand) -> installer.
DEPENDENCY_INSTALLS = {("pip", "install"): "pip", ("pip3", "install"): "pip", ("uv", "pip"): "uv", ("uv", "sync"): "uv",
                       ("poetry", "install"): "poetry", ("pipenv", "install"): "pipenv", ("pdm", "install"): "pdm",
                       ("pdm", "sync"): "pdm"}


def install_command(words: list[str]) -> tuple[str, int] | None:
    """(installer, index of its program word) when a command installs Python packages:
    ``pip install``, ``python -m pip install``, ``uv pip install``, ``uv sync``,
    ``poetry install``, ``pipenv install``, ``pdm install``."""
    for i in range(len(words) - 1):
        program = words[i].rsplit("/", 1)[-1]
        if program.startswith("python") and words[i + 1] == "-m" and i + 3 < len(words):
            if words[i + 2] in ("pip", "pip3") and words[i + 3] == "install":
                return "pip", i
        installer = DEPENDENCY_INSTALLS.get((program, words[i + 1]))
        if installer is not None:
            if (program, words[i + 1]) == ("uv", "pip") and words[i + 2:i + 3] != ["install"]:
                continue
            return installer, i
    return None
