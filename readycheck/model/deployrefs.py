"""Deployment files found by what they hold and by who uses them, not only by their name.

A compose file named ``deploy/stack.yml`` (a top-level ``services:`` whose entries have
``image``/``build``/``command``) is a compose file; so is every file a Makefile, a CI
workflow or a shell script passes to ``docker compose -f``, ``docker-compose -f``,
``podman-compose -f`` or ``docker stack deploy -c``, and every file given to
``docker build -f`` is a Dockerfile. Their kind is corrected once, before any reader
asks for files by kind.

The stage a Dockerfile's image is built to is read here too (``build_targets``): a compose
service's ``build.target``, ``docker build --target`` in a CI workflow or script, a
``docker/build-push-action`` step's ``target:``. When every production build of a Dockerfile
names the same stage, that stage is the image that runs, not the last one: a Dockerfile whose
last stage is a ``dev`` variant of the ``runtime`` stage CI publishes is judged by ``runtime``.
"""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING, Iterable

from dataclasses import dataclass

from readycheck.core.sourcefile import FileKind, SourceFile, UnreadableFile
from readycheck.knowledge.environments import Environment, classify_environment

if TYPE_CHECKING:
    from readycheck.parsers.dockerfile import Dockerfile, Stage

#: ``services:`` at the start of a line: a top-level key (GitHub workflows indent theirs).
_TOP_LEVEL_SERVICES = re.compile(rb"(?m)^services:[ \t]*(#.*)?\r?$")
#: One option naming a file, after a compose or build command: ``-f x``, ``--file=x``, ``-c x``.
_FILE_OPTION = re.compile(r"(?:^|\s)(-f|--file|-c|--compose-file)(?:=|\s+)(['\"]?)([^\s'\";|&)]+)\2")
_COMPOSE_COMMAND = re.compile(r"\b(?:docker[ -]compose|podman[ -]compose|docker\s+stack\s+deploy)\b")
_BUILD_COMMAND = re.compile(r"\b(?:docker|podman)\s+(?:buildx\s+)?build\b")
_SERVICE_KEYS = ("image", "build", "command")
#: The two top-level keys of every Kubernetes object (App Engine's app.yaml has neither).
_API_VERSION = re.compile(rb"(?m)^apiVersion:")
_KIND = re.compile(rb"(?m)^kind:")
_TARGET_OPTION = re.compile(r"(?:^|\s)--target(?:=|\s+)(['\"]?)([A-Za-z0-9_.-]+)\1")
_CONTEXT_ARGUMENT = re.compile(r"\s(['\"]?)([^\s'\"-][^\s'\";|&)]*)\1\s*(?:$|[;|&)])")
_BUILD_PUSH_ACTION = "docker/build-push-action"


def _is_ci_file(path: str) -> bool:
    return path.startswith((".github/workflows/", ".github/actions/")) or posixpath.basename(path) in (".gitlab-ci.yml", ".gitlab-ci.yaml",
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
    """Correct the kind of compose files, Dockerfiles and Kubernetes manifests named otherwise (in place)."""
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
        # k8s/app.yaml, chart/templates/app.yaml: named like App Engine's file, a Kubernetes manifest
        # by content (was: read as App Engine's, which found no entrypoint, so its workloads were lost)
        if source.kind == FileKind.APP_YAML and _API_VERSION.search(data := _data(source)) and _KIND.search(data):
            source.kind = FileKind.YAML
        if source.kind == FileKind.YAML and not _is_ci_file(source.path) and "/templates/" not in f"/{source.path}" \
                and looks_like_compose(source, load):
            source.kind = FileKind.COMPOSE


@dataclass(frozen=True)
class BuildTarget:
    """One build of a Dockerfile: the stage it stops at ("" for the last), and who builds it."""

    dockerfile: str  # path of the Dockerfile
    target: str
    where: str  # "compose file deploy/prod.yml service api", "CI .github/workflows/release.yml"
    production: bool


def _runs_in_production(target: str) -> bool:
    """A build stopping at a ``dev``/``debug``/``test`` stage makes a development image, even in CI."""
    return classify_environment("Dockerfile", target=target).production


def _resolve(directory: str, path: str) -> str:
    return posixpath.normpath(posixpath.join(directory, path.removeprefix("./")) if not path.startswith("/")
                              else path.lstrip("/"))


def _command_builds(source: SourceFile, production: bool, where: str) -> list[BuildTarget]:
    """``docker build [-f F] [--target T] CONTEXT`` lines of a script, Makefile or workflow. Paths are
    taken from the repository root for CI files (they run there) and from the file's folder otherwise."""
    try:
        text = source.text
    except UnreadableFile:
        return []
    # A CI step runs at the repository root; a script or Makefile may be run from its folder or from the
    # root (``./scripts/release.sh``): both readings, as for the -f files above.
    bases = {""} if _is_ci_file(source.path) else {source.directory, ""}
    found: list[BuildTarget] = []
    for line in text.splitlines():
        build = _BUILD_COMMAND.search(line) if "build" in line else None
        if build is None:
            continue
        rest = line[build.end():]
        target = _TARGET_OPTION.search(rest)
        file_option = next((m for m in _FILE_OPTION.finditer(rest) if m.group(1) in ("-f", "--file")), None)
        if file_option is not None:
            written = file_option.group(3)
        else:
            context = _CONTEXT_ARGUMENT.search(" " + rest.split("#", 1)[0].rstrip() + " ;")
            if context is None:
                continue
            written = posixpath.join(context.group(2), "Dockerfile")
        if "$" in written or "{" in written:
            continue
        name = target.group(2) if target else ""
        found += [BuildTarget(path, name, where, production and _runs_in_production(name))
                  for path in sorted({_resolve(base, written) for base in bases})]
    return found


def _action_builds(source: SourceFile, load) -> list[BuildTarget]:
    """``uses: docker/build-push-action`` steps of a workflow or composite action: ``file`` (default
    ``{context}/Dockerfile``) and ``target``, paths from the repository root."""
    documents = load(source) or []
    found: list[BuildTarget] = []
    stack: list = list(documents)
    while stack:  # every mapping of the document: steps sit under jobs.<id>.steps or runs.steps
        node = stack.pop()
        if isinstance(node, dict):
            uses = node.get("uses")
            if isinstance(uses, str) and uses.startswith(_BUILD_PUSH_ACTION):
                options = node.get("with") if isinstance(node.get("with"), dict) else {}
                context, file, target = (options.get(k) for k in ("context", "file", "target"))
                context = context if isinstance(context, str) else "."
                written = file if isinstance(file, str) else posixpath.join(context, "Dockerfile")
                if "$" not in written and "://" not in context and (target is None or isinstance(target, str)):
                    name = target if isinstance(target, str) and "$" not in target else ""
                    found.append(BuildTarget(_resolve("", written), name, f"CI {source.path}",
                                             _runs_in_production(name)))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _compose_builds(source: SourceFile, load) -> list[BuildTarget]:
    documents = load(source) or []
    doc = documents[0] if documents else None
    services = doc.get("services") if isinstance(doc, dict) else None
    found: list[BuildTarget] = []
    for name, service in services.items() if isinstance(services, dict) else ():
        build = service.get("build") if isinstance(service, dict) else None
        build = {"context": build} if isinstance(build, str) else build
        if not isinstance(build, dict):
            continue
        context, file, target = (build.get(k) for k in ("context", "dockerfile", "target"))
        context = context if isinstance(context, str) else "."
        file = file if isinstance(file, str) else "Dockerfile"
        if "$" in context + file or "://" in context:
            continue
        profiles = service.get("profiles") if isinstance(service.get("profiles"), list) else []
        environment = classify_environment(source.path, profiles, project_name=doc.get("name"),
                                           target=target if isinstance(target, str) else None)
        found.append(BuildTarget(_resolve(_resolve(source.directory, context), file),
                                 target if isinstance(target, str) else "", f"compose {source.path} service {name}",
                                 environment.production))
    return found


def build_targets(files: list[SourceFile], load) -> list[BuildTarget]:
    """Every build of a Dockerfile the repository declares: compose services, CI workflows and
    composite actions, scripts; Makefile recipes are a developer's builds (not production)."""
    found: list[BuildTarget] = []
    for source in files:
        if source.kind == FileKind.COMPOSE:
            found += _compose_builds(source, load)
        elif source.kind == FileKind.YAML and _is_ci_file(source.path):
            if b"docker" in _data(source):
                found += _action_builds(source, load) + _command_builds(source, True, f"CI {source.path}")
        elif source.kind in (FileKind.SHELL, FileKind.MAKEFILE) and b"build" in _data(source):
            production = source.kind == FileKind.SHELL and classify_environment(source.path).production
            found += _command_builds(source, production, source.path if source.kind == FileKind.MAKEFILE
                                     else f"script {source.path}")
    return found


def deployed_stage(dockerfile: "Dockerfile", builds: list[BuildTarget]) -> "tuple[Stage, str] | None":
    """The stage that is the service's image when it is not the last one, and why (a phrase for
    messages: "that CI x.yml builds with --target runtime"), or None: the last stage is the image.

    Either every production build names the same stage (``production_target``), or the last stage
    cannot be the service: it starts nothing (no CMD or ENTRYPOINT in it or the stages it is built
    FROM), no production build makes it, and the builds that name it are a developer's (``make test``
    running ``docker build --target test``). The service is then the one earlier stage that starts
    something (its CMD or ENTRYPOINT, or one of the stages it is built FROM) and is not a ``dev``/``test``
    stage nor built FROM by another such stage; with two candidates, none is chosen."""
    stages = dockerfile.stages
    if len(stages) < 2:
        return None
    chosen = production_target(builds)
    if chosen is not None:
        stage = next((s for s in stages if s.name == chosen.target), None)
        if stage is None or stage is stages[-1]:
            return None
        return stage, f"that {chosen.where} builds with --target {stage.name}"
    last = stages[-1]
    naming = [b for b in builds if last.name and b.target == last.name]
    if not naming or _starts_something(dockerfile, last) or \
            any(b.production and b.target in ("", last.name) for b in builds):
        return None
    starting = [s for s in stages[:-1] if _starts_something(dockerfile, s)
                and classify_environment(dockerfile.path, stage=s.name).production]
    ancestors = {a.index for s in starting for a in dockerfile.ancestry(s)[:-1]}
    leaves = [s for s in starting if s.index not in ancestors]
    if len(leaves) != 1:  # two images that start something: which one is the service is not written here
        return None
    return leaves[0], (f"that starts the service (the last stage, {last.name}, starts nothing and only "
                       f"{naming[0].where} builds it)")


def development_stages(dockerfile: "Dockerfile", builds: list[BuildTarget]) -> dict[int, Environment]:
    """The stages that are a developer's image and ship nothing into the service: not the deployed
    stage nor one it is built FROM or copies from (``COPY --from``), and either named ``dev``/``test``
    (``classify_environment``'s targets) or named only by a developer's builds (a Makefile recipe, a
    ``--target test`` in CI). A builder stage nobody names stays production: what it installs is
    copied into the image."""
    if len(dockerfile.stages) < 2:
        return {}
    shipped = dockerfile.shipped_stages()
    used = {s.index for s in shipped}
    by_name = {s.name: s for s in dockerfile.stages if s.name}
    pending = list(shipped)
    while pending:  # COPY --from=builder, and what builder itself is built FROM or copies from
        for inst in pending.pop().all("COPY"):
            source = by_name.get(inst.flags().get("from", ""))
            for stage in dockerfile.ancestry(source) if source is not None else ():
                if stage.index not in used:
                    used.add(stage.index)
                    pending.append(stage)
    found: dict[int, Environment] = {}
    for stage in dockerfile.stages:
        if stage.index in used or not stage.name:
            continue
        environment = classify_environment(dockerfile.path, stage=stage.name)
        naming = [b for b in builds if b.target == stage.name]
        if environment.production and naming and not any(b.production for b in naming):
            environment = Environment("development", f"stage {stage.name}, built only by {naming[0].where}")
        if not environment.production:
            found[stage.index] = environment
    return found


def _starts_something(dockerfile: "Dockerfile", stage: "Stage") -> bool:
    return any(s.last("CMD") is not None or s.last("ENTRYPOINT") is not None for s in dockerfile.ancestry(stage))


def production_target(builds: list[BuildTarget]) -> BuildTarget | None:
    """The one stage every production build of a Dockerfile stops at, or None (no production build
    names a stage, one builds the last stage, or two builds name different stages)."""
    production = [b for b in builds if b.production]
    names = {b.target for b in production}
    return production[0] if len(names) == 1 and "" not in names else None
