"""Deployment files found by what they hold and by who uses them, not only by their name.

A compose file named ``deploy/stack.yml`` (a top-level ``services:`` whose entries have
``image``/``build``/``command``) is a compose file; so is every file a Makefile, a CI
workflow or a shell script passes to ``docker compose -f``, ``docker-compose -f``,
``podman-compose -f`` or ``docker stack deploy -c``, and every file given to
``docker build -f`` is a Dockerfile. Their kind is corrected once, before any reader
asks for files by kind.
"""

from __future__ import annotations

import posixpath
import re
from typing import Iterable

from readycheck.core.sourcefile import FileKind, SourceFile, UnreadableFile

#: ``services:`` at the start of a line: a top-level key (GitHub workflows indent theirs).
_TOP_LEVEL_SERVICES = re.compile(rb"(?m)^services:[ \t]*(#.*)?\r?$")
#: One option naming a file, after a compose or build command: ``-f x``, ``--file=x``, ``-c x``.
_FILE_OPTION = re.compile(r"(?:^|\s)(-f|--file|-c|--compose-file)(?:=|\s+)(['\"]?)([^\s'\";|&)]+)\2")
_COMPOSE_COMMAND = re.compile(r"\b(?:docker[ -]compose|podman[ -]compose|docker\s+stack\s+deploy)\b")
_BUILD_COMMAND = re.compile(r"\b(?:docker|podman)\s+(?:buildx\s+)?build\b")
_SERVICE_KEYS = ("image", "build", "command")


def _is_ci_file(path: str) -> bool:
    return path.startswith(".github/workflows/") or posixpath.basename(path) in (".gitlab-ci.yml", ".gitlab-ci.yaml",
                                                                                 "azure-pipelines.yml",
                                                                                 "bitbucket-pipelines.yml")


def _data(source: SourceFile) -> bytes:
    try:
        return source.data
    except UnreadableFile:
        return b""


def referenced_files(source: SourceFile) -> Iterable[tuple[str, FileKind]]:
    """(path as written, kind) of each file a Makefile, script or CI file hands to compose or build."""
    data = _data(source)
    if b"docker" not in data and b"podman" not in data:
        return
    try:
        text = source.text
    except UnreadableFile:
        return
    for line in text.splitlines():
        if "docker" not in line and "podman" not in line:
            continue
        compose = _COMPOSE_COMMAND.search(line)
        build = _BUILD_COMMAND.search(line)
        for match in _FILE_OPTION.finditer(line):
            option, path = match.group(1), match.group(3)
            if "$" in path or path.startswith("-") or path == "-":
                continue
            if compose is not None and match.start() > compose.start() and (option != "-c" or "stack" in
                                                                           compose.group(0)):
                yield path, FileKind.COMPOSE
            elif build is not None and match.start() > build.start() and option in ("-f", "--file"):
                yield path, FileKind.DOCKERFILE


def looks_like_compose(source: SourceFile, load) -> bool:
    """A YAML file whose top-level ``services`` maps names to services with image/build/command."""
    data = _data(source)
    if not _TOP_LEVEL_SERVICES.search(data) or b"apiVersion" in data:
        return False
    documents = load(source)
    doc = documents[0] if documents else None
    services = doc.get("services") if isinstance(doc, dict) else None
    return isinstance(services, dict) and bool(services) and all(
        isinstance(s, dict) for s in services.values()) and any(
        any(key in s for key in _SERVICE_KEYS) for s in services.values())


def reclassify(files: list[SourceFile], by_path: dict[str, SourceFile], load) -> None:
    """Correct the kind of compose files and Dockerfiles named otherwise (in place)."""
    for source in files:
        if source.kind in (FileKind.MAKEFILE, FileKind.SHELL) or (source.kind == FileKind.YAML and
                                                                 _is_ci_file(source.path)):
            for written, kind in referenced_files(source):
                for candidate in (posixpath.normpath(posixpath.join(source.directory, written)),
                                  posixpath.normpath(written.lstrip("./") if written.startswith("./") else written)):
                    target = by_path.get(candidate)
                    renamable = (FileKind.YAML, FileKind.OTHER) if kind == FileKind.COMPOSE else (FileKind.OTHER,)
                    if target is not None and target.kind in renamable and target is not source:
                        target.kind = kind
                        break
    for source in files:
        if source.kind == FileKind.YAML and not _is_ci_file(source.path) and "/templates/" not in f"/{source.path}" \
                and looks_like_compose(source, load):
            source.kind = FileKind.COMPOSE
