"""The project model: the scanned repository as typed facts.

Checks read facts from here, never raw paths. Every file is read once and
parsed once, lazily, the first time a check asks for its kind of fact; a file
that cannot be read or parsed becomes a ``Diagnostic`` and is left out of the
facts, and the scan goes on.
"""

from __future__ import annotations

import hashlib
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, TypeVar


from readycheck.core import timings as timing
from readycheck.core.findings import Diagnostic
from readycheck.core.sourcefile import FileKind, SourceFile, UnreadableFile, common_prefix
from readycheck.model import deployments as deployments_registry  # the registry only: readers load on first use
from readycheck.parsers.python_batch import ParseResult, parse_serially, worth_parallel

# The front ends (and PyYAML, dockerfile-parse, packaging) are imported where they are
# first needed: a scan answered from the cache never loads them. The model does not import
# the engine's cache: it is handed one (``cache``) and keys facts by the SHA-256 of a file's
# bytes; facts become bytes through ``parsers.python_codec``, imported where they are encoded.

if TYPE_CHECKING:
    from readycheck.engine.cache import Cache
    from readycheck.parsers.python import Function, ModuleFacts, Value
    from readycheck.parsers.dependencies import PyProject, Requirement, RequirementsFile
    from readycheck.knowledge.environments import Environment
    from readycheck.model.startcommands import Token
    from readycheck.parsers.dockerfile import Dockerfile
    from readycheck.model.startcommands import ComposeService, Server, StartCommand
    from readycheck.model.deployments.fact import Deployment, Probe
    from readycheck.model.migrations import MigrationModel
    from readycheck.model.engines import Engine
    from readycheck.model.reachability import Reachability
    from readycheck.model.webapp import LoopEntry, WebModel, WebObject
    from readycheck.parsers.located import LocatedDocument

T = TypeVar("T")
#: ``parse_many(items, jobs, progress, blobs=...)``: (facts, facts as bytes, error) per (path, bytes), in order.
ParseMany = Callable[..., list[ParseResult]]

#: A Python file can define an app, router or route only if it names one of these
#: (a repo's own router class need not mention fastapi, but it routes).
WEB_MARKERS = (b"fastapi", b"starlette", b"FastAPI", b"Starlette", b"router", b"Router", b"Route(", b"@app.")
#: Files that say how the repository is deployed (Dockerfile, Procfile, compose, PaaS files, systemd units).
DEPLOYMENT_KINDS = deployments_registry.DEPLOYABLE_KINDS
#: Files a start command or a health probe can come from (shell scripts are reached
#: only through these): without any, none of their readers is loaded.
START_COMMAND_KINDS = deployments_registry.KINDS


def _load_yaml(source: SourceFile) -> list[Any]:
    """Located YAML documents of a file. A file that is a template (``{{ ... }}`` of a cookiecutter,
    copier or Jinja project: ``- {{cookiecutter.port}}:80`` is no YAML) and does not parse as it is
    is read with each expression blanked out, every offset kept (as Helm templates are); if that
    does not parse either, the first error is the one reported."""
    from readycheck.parsers.yamlfile import helm_to_yaml, load_all

    text = source.text
    try:
        return load_all(text)
    except Exception:
        if "{{" not in text:
            raise
        try:
            return load_all(helm_to_yaml(text))
        except Exception:
            pass
        raise


class Project:
    def __init__(self, root: Path, files: list[SourceFile], cache: "Cache | None" = None, jobs: int = 1,
                 parse_many: "ParseMany | None" = None) -> None:
        self.root = root
        self.all_files = files
        self._by_path = {f.path: f for f in files}
        self._kinds_settled = False
        self._kinds_final = False  # settled, and no reader is reclassifying files any more
        self._diagnostics: dict[tuple[str, str], Diagnostic] = {}
        #: sha256 of files whose content a forked copy of this scan read (engine.forkedchecks): a recording
        #: scan records what the copy saw, not what this process would read from disk later.
        self.read_digests: dict[str, str] = {}
        self.cache = cache
        self.jobs = max(1, jobs)
        #: How batches of Python files become facts: the engine's worker pool (readycheck.engine.parsepool),
        #: or, for a project built without one, in this process.
        self.parse_many: ParseMany = parse_many or parse_serially
        #: Called with (stage, done, total) during long work; see readycheck.engine.progress.
        self.progress: Callable[[str, int, int], None] | None = None
        #: Set by the runner after the suppression pass, for the checks that judge suppressions (RC001).
        self.unused_suppressions: list = []

    # -- files -------------------------------------------------------------

    def file(self, path: str) -> SourceFile | None:
        return self._by_path.get(path)

    def files_named(self, name: str) -> list[SourceFile]:
        """Every file with this base name, in path order."""
        by_name = self.__dict__.get("_by_name")
        if by_name is None:
            by_name = self.__dict__["_by_name"] = {}
            for source in self.all_files:
                by_name.setdefault(source.name, []).append(source)
        return by_name.get(name, [])

    def files_below(self, folder: str) -> list[SourceFile]:
        """Every file inside a folder ('' for the whole repository), in path order."""
        if not folder or folder == ".":
            return list(self.all_files)
        prefix = folder.rstrip("/") + "/"
        return [f for f in self.all_files if f.path.startswith(prefix)]

    def has_python_below(self, folder: str) -> bool:
        """True when a folder ('' for the root) holds Python code or packaging (a .py file,
        pyproject.toml, requirements, Pipfile) at any depth: a build context of a Python image."""
        folders = self.__dict__.get("_python_folders")
        if folders is None:
            folders = self.__dict__["_python_folders"] = set()
            kinds = (FileKind.PYTHON, FileKind.PYPROJECT, FileKind.REQUIREMENTS, FileKind.PIPFILE)
            for source in self.all_files:
                if source.kind in kinds:
                    parts = source.path.split("/")[:-1]
                    for i in range(len(parts), -1, -1):
                        ancestor = "/".join(parts[:i])
                        if ancestor in folders:
                            break
                        folders.add(ancestor)
        return folder.strip("/") in folders

    def files(self, *kinds: FileKind) -> list[SourceFile]:
        """The files of these kinds, in path order. Asked some forty times a scan: once the kinds are
        settled the positions of each kind are listed once, not found again in every file each time."""
        if not self._kinds_settled and kinds != (FileKind.PYTHON,):
            self._settle_kinds()
        positions = self.__dict__.get("_positions_by_kind")
        if positions is None:
            if not self._kinds_final:  # settling now (a reader asks while files are reclassified), or not yet
                return [f for f in self.all_files if f.kind in kinds]
            positions = self.__dict__["_positions_by_kind"] = {}
            for position, source in enumerate(self.all_files):
                positions.setdefault(source.kind, []).append(position)
        found = positions.get(kinds[0], []) if len(kinds) == 1 else \
            sorted(p for kind in set(kinds) for p in positions.get(kind, ()))
        return [self.all_files[p] for p in found]

    def _settle_kinds(self) -> None:
        """Compose files and Dockerfiles known by their content or by the commands that use them
        (readycheck.model.deployrefs), before any reader asks for files by kind."""
        self._kinds_settled = True
        if any(f.kind in (FileKind.YAML, FileKind.OTHER, FileKind.APP_YAML) for f in self.all_files):
            from readycheck.model.deployrefs import reclassify

            reclassify(self.all_files, self._by_path, self.yaml_documents)
        self._kinds_final = True

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return sorted(self._diagnostics.values())

    def diagnose(self, path: str, message: str, line: int = 0, kind: str = "parse") -> None:
        self._diagnostics.setdefault((path, message), Diagnostic(path, message, line, kind))

    def parse_each(self, kinds: tuple[FileKind, ...], parser: Callable[[SourceFile], T], what: str) -> list[T]:
        """Parse every file of some kinds; failures become diagnostics."""
        out: list[T] = []
        for source in self.files(*kinds):
            result = self.parse_one(source, parser, what)
            if result is not None:
                out.append(result)
        return out

    def parse_one(self, source: SourceFile, parser: Callable[[SourceFile], T], what: str) -> T | None:
        try:
            with timing.phase("other files"):
                return parser(source)
        except UnreadableFile as exc:
            self.diagnose(source.path, str(exc))
        except RecursionError:
            self.diagnose(source.path, f"cannot parse {what}: nesting too deep")
        except Exception as exc:  # malformed input, or a parser bug: never stops the scan
            mark = getattr(exc, "problem_mark", None)  # PyYAML errors say where
            if mark is not None or type(exc).__name__ in ("YamlTooLarge", "YAMLError") or \
                    type(exc).__module__.startswith("yaml."):
                line = mark.line + 1 if mark is not None else 0
                self.diagnose(source.path, f"cannot parse {what}: {str(exc).splitlines()[0] if str(exc) else exc}",
                              line)
            else:
                self.diagnose(source.path, f"cannot parse {what}: {type(exc).__name__}: {exc}")
        return None

    # -- facts ---------------------------------------------------------------

    @cached_property
    def dockerfiles(self) -> list["Dockerfile"]:
        if not self.files(FileKind.DOCKERFILE):
            return []  # no need to load dockerfile-parse
        from readycheck.parsers.dockerfile import parse_dockerfile

        dockerfiles = self.parse_each((FileKind.DOCKERFILE,), parse_dockerfile, "Dockerfile")
        self._apply_build_targets(dockerfiles)
        return dockerfiles

    def _apply_build_targets(self, dockerfiles: list["Dockerfile"]) -> None:
        """A Dockerfile every production build stops at the same stage of (compose ``target:``, CI
        ``--target``), or whose last stage is a developer's image that starts nothing, is judged by
        the stage that is the service (readycheck.model.deployrefs.deployed_stage)."""
        if not any(len(d.stages) > 1 for d in dockerfiles):
            return
        from readycheck.model.deployrefs import build_targets, deployed_stage, development_stages

        by_path: dict[str, list] = {}
        for build in self.guarded("build targets", lambda: build_targets(self.all_files, self.yaml_documents)):
            by_path.setdefault(build.dockerfile, []).append(build)
        for dockerfile in dockerfiles:
            builds = by_path.get(dockerfile.path, [])
            found = deployed_stage(dockerfile, builds)
            if found is not None:
                dockerfile.deployed, dockerfile.deployed_because = found
            dockerfile.development_stages = development_stages(dockerfile, builds)

    @cached_property
    def requirements_files(self) -> list["RequirementsFile"]:
        """Every file named like a requirements file."""
        parsed = (self.requirements_at(f.path) for f in self.files(FileKind.REQUIREMENTS))
        return [r for r in parsed if r is not None]

    def requirements_at(self, path: str) -> "RequirementsFile | None":
        """Any file read as a requirements file (for ``-r``/``-c`` targets), parsed once."""
        from readycheck.parsers.dependencies import parse_requirements

        cache = self.__dict__.setdefault("_requirements_cache", {})
        if path not in cache:
            source = self.file(path)
            parsed = self.parse_one(source, parse_requirements, "requirements file") if source else None
            for line, message in parsed.errors if parsed else ():
                self.diagnose(path, message, line)
            cache[path] = parsed
        return cache[path]

    @cached_property
    def pyprojects(self) -> list["PyProject"]:
        if not self.files(FileKind.PYPROJECT):
            return []
        from readycheck.parsers.dependencies import parse_pyproject

        return self.parse_each((FileKind.PYPROJECT,), parse_pyproject, "pyproject.toml")

    @cached_property
    def lockfiles(self) -> list[SourceFile]:
        return self.files(FileKind.LOCKFILE)

    def yaml_documents(self, source: SourceFile) -> list[Any] | None:
        """Located YAML documents of a file, parsed once (see ``_load_yaml``)."""
        cache = self.__dict__.setdefault("_yaml_cache", {})
        if source.path not in cache:
            cache[source.path] = self.parse_one(source, _load_yaml, "YAML")
        return cache[source.path]

    def helm_documents(self, source: SourceFile) -> list[Any] | None:
        """Located YAML documents of a Helm template read with its ``{{ ... }}`` blanked out, offsets
        kept (readycheck.parsers.yamlfile.helm_to_yaml), parsed once for every reader."""
        cache = self._helm_documents
        if source.path not in cache:
            from readycheck.parsers.yamlfile import helm_to_yaml, load_all

            cache[source.path] = self.parse_one(source, lambda s: load_all(helm_to_yaml(s.text)), "Helm template")
        return cache[source.path]

    @cached_property
    def _helm_documents(self) -> dict[str, list[Any] | None]:
        """Path -> what ``helm_documents`` parsed (None for a template that did not parse)."""
        return {}

    def config_document(self, source: SourceFile) -> "LocatedDocument":
        """A TOML or JSON deployment file (fly.toml, railway.json/toml) with the positions of its keys
        and values, parsed once for every reader; a syntax error is raised again to each caller,
        which reports it (or not) as it always did."""
        from readycheck.parsers.located import load_located

        cache = self.__dict__.setdefault("_config_cache", {})
        if source.path not in cache:
            try:
                cache[source.path] = load_located(source)
            except (ValueError, RecursionError, UnreadableFile) as exc:
                cache[source.path] = exc
        found = cache[source.path]
        if isinstance(found, BaseException):
            raise found
        return found

    def dockerfile_at(self, path: str) -> "Dockerfile | None":
        """The parsed Dockerfile at a path (None when it is none, or did not parse)."""
        by_path = self.__dict__.get("_dockerfile_by_path")
        if by_path is None:
            by_path = self.__dict__["_dockerfile_by_path"] = {d.path: d for d in self.dockerfiles}
        return by_path.get(path)

    @cached_property
    def deployments(self) -> list["Deployment"]:
        """Every deployment file read once by its platform's reader (readycheck.model.deployments),
        in the registry's order; the properties below aggregate them."""
        if not self.files(*START_COMMAND_KINDS):
            return []  # nothing can say how the service starts: no need to load the readers
        with timing.phase("start commands"):
            return deployments_registry.read_all(self)

    @cached_property
    def start_commands(self) -> list["StartCommand"]:
        """Every process a deployment file starts (boot, one-shot and release), in the registry's order;
        an image whose process manager runs several servers, once per server (StartCommand.per_program)."""
        return [each for deployment in self.deployments for start in deployment.starts for each in start.per_program()]

    def guarded(self, path: str, build: Callable[[], list[T]], what: str | None = None) -> list[T]:
        """Run a builder (a platform reader's); unreadable or malformed input becomes a diagnostic,
        never a crash."""
        try:
            return build()
        except UnreadableFile as exc:
            self.diagnose(path, str(exc))
        except RecursionError:  # json and tomllib recurse once per nested array or table
            self.diagnose(path, f"cannot parse {what or 'file'}: nesting too deep")
        except ValueError as exc:  # json and TOML syntax errors (TOMLDecodeError is a ValueError)
            self.diagnose(path, f"cannot parse {what or 'file'}: {str(exc).splitlines()[0] if str(exc) else exc}")
        except Exception as exc:
            self.diagnose(path, f"cannot read start command: {type(exc).__name__}: {exc}", kind="internal")
        return []

    #: Which migrations the migration-safety rules judge: "heads" or "all", or the files changed since
    #: a git ref (see readycheck.model.migrations). Set from the configuration and ``--since``.
    migration_mode: str = "heads"
    migration_since: str | None = None

    @cached_property
    def migrations(self) -> "MigrationModel":
        """Schema migrations (Alembic revisions, SQL migration files), their revision graph, and which
        are judged. Empty, after one pass over file names, in a repository without migrations."""
        from readycheck.model.migrations import build

        with timing.phase("migrations"):
            return build(self, self.migration_mode, self.migration_since)

    @cached_property
    def python(self) -> "PythonIndex":
        return PythonIndex(self)

    @cached_property
    def web(self) -> "WebModel":
        from readycheck.model.webapp import build_web_model

        with timing.phase("web model"):
            return build_web_model(self.python)

    @cached_property
    def reachability(self) -> "Reachability":
        """What runs from where: the one call and type model every "what does this reach" check asks."""
        from readycheck.model.reachability import Reachability

        return Reachability(self.python)

    @cached_property
    def engines(self) -> list["Engine"]:
        """Every SQLAlchemy/SQLModel engine the service creates, with its URL, driver and pool settings
        (see readycheck.model.engines)."""
        from readycheck.model.engines import build

        return build(self)

    @cached_property
    def code_on_the_loop(self) -> list["LoopEntry"]:
        """The service's code that FastAPI/Starlette runs on the event loop (see webapp.code_on_the_loop)."""
        from readycheck.model.webapp import code_on_the_loop

        return code_on_the_loop(self)

    @cached_property
    def service_apps(self) -> list["WebObject"]:
        """The web apps that are the deployed service (see WebModel.service_apps)."""
        return self.web.service_apps(self.start_commands)

    @cached_property
    def declared_packages(self) -> dict[str, set[str]] | None:
        """Every package the repository declares or installs, canonical name -> extras:
        requirements files, pyproject.toml (all groups), Pipfile, lockfiles, and
        ``pip``/``uv``/``poetry`` installs written in Dockerfile RUN lines.
        None when the repository declares no dependencies at all."""
        from readycheck.knowledge.packages import declared_packages

        return declared_packages(self)

    def kubernetes_documents(self, source: SourceFile) -> list:
        """The Kubernetes (or Helm) documents of a YAML file, [] when it is not one."""
        from readycheck.model.deployments.kubernetes import documents

        return [d for d in documents(self, source) or [] if isinstance(d, dict)]

    def build_context(self, dockerfile: "Dockerfile") -> str:
        """The folder a Dockerfile is most likely built from: its own folder, unless its
        COPY/ADD sources exist only relative to the repository root
        (``docker build -f backend/Dockerfile .``)."""
        return self.build_contexts(dockerfile)[0]

    def build_contexts(self, dockerfile: "Dockerfile") -> list[str]:
        """Candidate build contexts, most likely first: one when the COPY sources tell,
        the Dockerfile's folder and then the repository root when they do not."""
        declared = self._compose_contexts().get(dockerfile.path)
        if declared is not None:
            return [declared]
        own = dockerfile.source.directory
        if not own:
            return [own]
        here = root = 0
        for stage in dockerfile.stages:
            for inst in stage.instructions:
                if inst.keyword not in ("COPY", "ADD") or "from" in inst.flags():
                    continue
                for src in (inst.exec_form() or inst.arguments())[:-1]:
                    src = src.strip("./") if src not in (".", "./") else ""
                    if not src or any(c in src for c in "*?$"):
                        continue
                    here += self.exists(f"{own}/{src}")
                    root += self.exists(src)
        if root > here:
            return [""]
        return [own] if here > root else [own, ""]

    def dockerignore(self, dockerfile: "Dockerfile", context: str) -> SourceFile | None:
        """The .dockerignore BuildKit reads for a Dockerfile built from a context:
        ``<Dockerfile>.dockerignore`` first, then ``.dockerignore`` at the context root."""
        import posixpath

        for name in (f"{dockerfile.path}.dockerignore", posixpath.join(context, ".dockerignore") if context
                     else ".dockerignore"):
            found = self.file(name)
            if found is not None:
                return found
        return None

    def _compose_contexts(self) -> dict[str, str]:
        """Dockerfile path -> build context, as compose files declare them
        (``build: ./api`` or ``build: {context: ., dockerfile: docker/Dockerfile}``)."""
        if "_compose_contexts_cache" in self.__dict__:
            return self.__dict__["_compose_contexts_cache"]
        import posixpath

        out: dict[str, str] = {}
        for source in self.files(FileKind.COMPOSE):
            doc = (self.yaml_documents(source) or [None])[0]
            services = doc.get("services") if isinstance(doc, dict) else None
            for service in services.values() if isinstance(services, dict) else []:
                build = service.get("build") if isinstance(service, dict) else None
                if isinstance(build, str):
                    build = {"context": build}
                if not isinstance(build, dict) or not isinstance(build.get("context", "."), str):
                    continue
                context = posixpath.normpath(posixpath.join(source.directory, build.get("context", ".")))
                context = "" if context == "." else context
                dockerfile = build.get("dockerfile", "Dockerfile")
                if isinstance(dockerfile, str) and "://" not in context:
                    path = posixpath.normpath(posixpath.join(context, dockerfile))
                    out.setdefault(path, context)
        self.__dict__["_compose_contexts_cache"] = out
        return out

    def exists(self, path: str) -> bool:
        """Whether the repository has this file, or a folder with files in it. The folders are listed
        once: asked of every COPY source of every Dockerfile, a search of all paths each time made a
        Dockerfile of many COPY lines in a repository of many files quadratic."""
        folders = self.__dict__.get("_folders")
        if folders is None:
            folders = self.__dict__["_folders"] = set()
            for known in self._by_path:
                cut = known.rfind("/")
                while cut > 0 and known[:cut] not in folders:
                    folders.add(known[:cut])
                    cut = known.rfind("/", 0, cut)
        return path in self._by_path or path.rstrip("/") in folders

    @cached_property
    def declared_env(self) -> list[tuple[str, str, "Token", "Environment"]]:
        """Environment written in committed deployment config, whether or not a start command
        uses it: (where, variable, value token, the environment it is for) from compose services,
        Kubernetes containers, render envVars and App Engine env_variables."""
        return [(e.where, e.name, e.value, e.environment) for deployment in self.deployments for e in deployment.env]

    @cached_property
    def compose_services(self) -> list["ComposeService"]:
        """Every compose service, with the Dockerfile it builds and whether it has a healthcheck."""
        if not self.files(FileKind.COMPOSE):
            return []
        from readycheck.model.startcommands import compose_services

        return self.guarded("compose", lambda: compose_services(self))

    @cached_property
    def probes(self) -> list["Probe"]:
        """Every health check the repository declares, on any platform (see readycheck.model.deployments)."""
        ranked = sorted(self.deployments, key=deployments_registry.probe_rank)
        return [probe for deployment in ranked for probe in deployment.probes]

    @cached_property
    def unset_probes(self) -> list["Probe"]:
        """Probe slots a Helm chart's values.yaml leaves empty (``livenessProbe: {}``), where one is set."""
        return [probe for deployment in self.deployments for probe in deployment.unset_probes]

    def requirement_declarations(self, name: str) -> list[tuple[str, "Requirement"]]:
        """(file path, requirement) for every declaration of a package, in requirements
        files and pyproject.toml (all groups), in path order."""
        out = [(r.path, q) for r in self.requirements_files for q in r.requirements if q.name == name]
        out += [(p.path, q) for p in self.pyprojects for q in p.all_requirements if q.name == name]
        return sorted(out, key=lambda item: (item[0], item[1].span))

    def production_servers(self) -> Iterator[tuple["StartCommand", "Server"]]:
        """(start command, its server) for every production start command that runs a
        server readycheck knows (development files and one-shot jobs left out)."""
        for start in self.start_commands:
            if start.server is not None and start.production:
                yield start, start.server

    @cached_property
    def replicas_visible(self) -> bool:
        """True when the repo runs several copies of the service: a replica count above one
        anywhere, or an autoscaler (HorizontalPodAutoscaler, KEDA ScaledObject), or a platform
        that runs several by default (fly.io)."""
        if any(s.replicas is not None and s.replicas.text.isdigit() and int(s.replicas.text) > 1
               for s in self.start_commands):
            return True
        return any(deployment.scales_out for deployment in self.deployments)

    @property
    def deployment_files(self) -> list[SourceFile]:
        """The files that say how the repository is deployed: those of every platform the registry
        (readycheck.model.deployments.PLATFORMS) marks deployable, development ones included."""
        return self.files(*DEPLOYMENT_KINDS)

    @property
    def deployable(self) -> bool:
        """True when the repo says how it is deployed (a Dockerfile, Procfile, compose, PaaS file)."""
        return bool(self.deployment_files)


class PythonIndex:
    """Python modules of the project, parsed on demand, and name resolution across them."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.sources = project.files(FileKind.PYTHON)
        self._facts: dict[str, ModuleFacts | None] = {}
        self._by_suffix: dict[str, list[SourceFile]] = {}
        self._resolved: dict[tuple[str, str, int], tuple[ModuleFacts, str] | None] = {}
        #: (qualified, depth) -> (answer, paths of the modules it looked in): the answer of ``resolve`` from any
        #: module but those. Why: the call graph resolves the same name (``requests.get``, ``app.db.get_db``)
        #: from each of thousands of modules, and the answer depends on the asking module only when a prefix
        #: names several modules (the nearest wins) or names the asking module itself.
        self._resolved_anywhere: dict[tuple[str, int], tuple[tuple[ModuleFacts, str] | None, frozenset[str]]] = {}
        self._web_modules: list[ModuleFacts] | None = None
        self._homes: dict[str, list[SourceFile]] = {}
        #: The SHA-256 of every module whose facts were looked for (with a cache).
        self.digests: dict[str, str] = {}
        #: Every byte prefilter asked, as (scope, markers) -> the paths it let through: "all" asked
        #: of every module, "service" of the modules that are not tests, docs or scripts. With the
        #: facts looked for, what a rescan must ask again of an edited module (engine.incremental).
        self.prefilters: dict[tuple[str, tuple[bytes, ...]], set[str]] = {}
        from readycheck.parsers.python import module_name

        for source in self.sources:
            parts = module_name(source.path).split(".")
            for i in range(len(parts)):
                self._by_suffix.setdefault(".".join(parts[i:]), []).append(source)

    def facts(self, source: SourceFile) -> ModuleFacts | None:
        if source.path not in self._facts:
            self.prefetch([source])
        return self._facts[source.path]

    def prefetch(self, sources: list[SourceFile]) -> None:
        """Parse many modules at once: cache hits first, then the rest in parallel
        (``--jobs``) when there are enough of them to repay starting workers."""
        with timing.phase("Python facts"):
            self._prefetch(sources)

    def _prefetch(self, sources: list[SourceFile]) -> None:
        cache = self.project.cache
        todo: list[tuple[SourceFile, str | None]] = []
        for source in sources:
            if source.path in self._facts:
                continue
            self._facts[source.path] = None
            try:
                data = source.raw_data()  # the facts' reads are recorded, not the bytes' (engine.incremental)
            except UnreadableFile as exc:
                self.project.diagnose(source.path, str(exc))
                continue
            sha = hashlib.sha256(data).hexdigest() if cache is not None and cache.enabled else None
            if sha is not None:
                self.digests[source.path] = sha
            cached = cache.facts(source.path, sha) if sha else None
            if cached is not None:
                self._facts[source.path] = cached
                timing.count("modules from the cache", 1)
            else:
                todo.append((source, sha))
        if not todo:
            return
        timing.count("modules parsed", len(todo))
        items = [(source.path, source.raw_data()) for source, _ in todo]
        keep_blobs = cache is not None and cache.enabled
        results = self.project.parse_many(items, self.project.jobs, self.project.progress, blobs=keep_blobs)
        for (source, sha), (facts, blob, error) in zip(todo, results):
            if error is not None:
                self.project.diagnose(source.path, f"cannot parse Python: {error}",
                                      kind="internal" if error.startswith("internal error") else "parse")
                continue
            self._facts[source.path] = facts
            if sha and cache is not None:
                if blob is not None:  # a worker's, as it sent them
                    cache.store_facts(source.path, sha, blob)
                elif facts is not None:
                    cache.store_facts_later(source.path, sha, facts)

    def _size(self, source: SourceFile) -> int:
        try:
            return len(source.raw_data())
        except UnreadableFile:
            return 0

    def _source_bytes(self, source: SourceFile) -> bytes:
        """A module's bytes for a prefilter, which records its own answer (``prefilters``)."""
        try:
            return source.raw_data()
        except UnreadableFile as exc:
            self.project.diagnose(source.path, str(exc))
            return b""

    def web_modules(self) -> list[ModuleFacts]:
        """Facts of every module of the service that can define an app, router or route.

        Tests, docs, examples and scripts (``is_auxiliary_path``) are throwaway code that no check
        judges: their modules are read only when a start command serves one (``tests.mock:app``), or
        when a web module read imports one (a route module named like a test, ``oauth_test.py``,
        included by the service's app). Not parsing the rest is most of a scan of a library with
        hundreds of tutorial apps (FastAPI's ``docs_src``, 3.4x faster cold)."""
        if self._web_modules is not None:
            return self._web_modules
        from readycheck.knowledge.environments import is_auxiliary_path

        web = any_of(WEB_MARKERS)
        auxiliary: dict[str, SourceFile] = {}
        wanted: list[SourceFile] = []
        for source in self.sources:
            if is_auxiliary_path(source.path):
                auxiliary[source.path] = source
            elif web(self._source_bytes(source)):
                wanted.append(source)
        self.prefilters[("service", WEB_MARKERS)] = {s.path for s in wanted}
        self.prefetch(wanted)
        chosen = {s.path for s in wanted}
        found = [f for f in (self._facts.get(s.path) for s in wanted) if f is not None]
        if auxiliary:
            started = self._started_module()
            queue = [s for s in auxiliary.values() if started(s)]
            newly = found
            passed: set[str] = set()  # service modules without a web marker, read for their imports
            while queue or newly:
                through = []
                for facts in newly:
                    for target in facts.imports.values():
                        homes = self._homes_of(target)
                        for home in homes:
                            if home.path in auxiliary:
                                queue.append(home)
                            elif len(homes) == 1 and home.path not in chosen and home.path not in passed:
                                # A re-export (``api/__init__.py``) of a docs/ router: the one module the
                                # import names (an ambiguous name is not parsed on the chance: a
                                # generator's template ``polar/version/__init__.py`` is not Python).
                                passed.add(home.path)
                                through.append(home)
                batch = []
                for source in queue:
                    if source.path in chosen:
                        continue
                    chosen.add(source.path)
                    try:  # its content, not a prefilter: after any edit of it, a rescan runs in full
                        data = source.data
                    except UnreadableFile as exc:
                        self.project.diagnose(source.path, str(exc))
                        continue
                    if web(data):
                        batch.append(source)
                    elif started(source):  # ``python scripts/serve.py`` importing its app: read for its imports
                        passed.add(source.path)
                        through.append(source)
                self.prefetch(batch + through)  # one parallel batch
                newly = [f for f in (self._facts.get(s.path) for s in batch + through) if f is not None]
                queue = []
            found = [f for f in (self._facts.get(s.path) for s in self.sources
                                 if s.path in chosen and s.path not in passed) if f is not None]
        self._prefetch_imported_by(found)
        self._web_modules = found
        return found

    def _started_module(self) -> Callable[[SourceFile], bool]:
        """Whether a module is one that a start command serves: its server's target
        (``tests.mock:app``, ``loadtest/app.py``), matched by dotted name or name suffix as
        ``WebModel.apps_for_target`` matches it."""
        from readycheck.model.webapp import start_target, target_names_module
        from readycheck.parsers.python import module_name

        targets = set()
        for start in self.project.start_commands:
            target = start.server.target if start.server is not None else None
            if target is not None:
                targets.add(start_target(target.text)[0])
        targets -= {"", "/"}

        def started(source: SourceFile) -> bool:
            dotted = module_name(source.path)
            return any(target_names_module(t, dotted) for t in targets)

        return started

    def _homes_of(self, target: str) -> list[SourceFile]:
        """The repo modules an import target (``pkg.mod`` or ``pkg.mod.name``) may name: those of its
        longest dotted prefix that is a module's name or name suffix (memoised)."""
        found = self._homes.get(target)
        if found is None:
            found = []
            parts = target.split(".")
            for i in range(len(parts), 0, -1):
                candidates = self._by_suffix.get(".".join(parts[:i]))
                if candidates:
                    found = candidates
                    break
            self._homes[target] = found
        return found

    def _prefetch_imported_by(self, modules: list[ModuleFacts]) -> None:
        """Parse, in one parallel batch, the repo modules that web modules import: the
        call graph from handlers into the repo's helpers reaches for them next, one at
        a time. Only worth it for a batch big enough to repay the workers."""
        imported: dict[str, SourceFile] = {}
        for facts in modules:
            for target in facts.imports.values():
                homes = self._homes_of(target)
                if len(homes) == 1 and homes[0].path not in self._facts:  # the one repo module it names
                    imported.setdefault(homes[0].path, homes[0])
        batch = [imported[path] for path in sorted(imported)]
        if worth_parallel(len(batch), sum(self._size(source) for source in batch)):
            self.prefetch(batch)

    def modules_with(self, *markers: bytes) -> Iterator[ModuleFacts]:
        """Facts of the service's modules (not tests, docs, examples or scripts) whose
        bytes contain one of the markers: the byte prefilter every code check uses."""
        from readycheck.knowledge.environments import is_auxiliary_path

        wanted_bytes = any_of(markers)
        wanted = [source for source in self.sources if not is_auxiliary_path(source.path)
                  and wanted_bytes(self._source_bytes(source))]
        self.prefilters[("service", markers)] = {source.path for source in wanted}
        self.prefetch(wanted)  # one parallel batch, not one module at a time
        for source in wanted:
            facts = self._facts.get(source.path)
            if facts is not None:
                yield facts

    def service_modules_mentioning(self, *markers: bytes) -> list[SourceFile]:
        """The service's modules (as ``modules_with``) whose bytes contain one of the markers, not
        parsed: a recorded prefilter (``prefilters``), so that a rescan after an edit asks the same
        question of the edited module alone instead of reading every module's bytes again. A module
        that cannot be read mentions nothing here (its diagnostic is the parse's, if anything parses it)."""
        from readycheck.knowledge.environments import is_auxiliary_path

        wanted_bytes = any_of(markers)
        wanted = []
        for source in self.sources:
            if is_auxiliary_path(source.path):
                continue
            try:
                data = source.raw_data()
            except UnreadableFile:
                continue
            if wanted_bytes(data):
                wanted.append(source)
        self.prefilters[("service", markers)] = {source.path for source in wanted}
        return wanted

    def modules(self) -> Iterator[ModuleFacts]:
        for source in self.sources:
            facts = self.facts(source)
            if facts is not None:
                yield facts

    def sources_named(self, dotted: str) -> list[SourceFile]:
        """The modules whose dotted name is, or ends with, ``dotted`` (``main`` finds ``svc/main.py``
        and ``main/__init__.py``), without parsing them."""
        return list(self._by_suffix.get(dotted, ()))

    def module(self, dotted: str, near: ModuleFacts | None = None) -> ModuleFacts | None:
        """The module with this dotted name (or name suffix), nearest to ``near``."""
        candidates = self._by_suffix.get(dotted)
        if not candidates:
            return None
        if len(candidates) > 1 and near is not None:
            candidates = sorted(candidates, key=lambda s: (-common_prefix(s.path, near.path), s.path))
        return self.facts(candidates[0])

    def resolve(self, qualified: str, near: ModuleFacts, depth: int = 0) -> tuple[ModuleFacts, str] | None:
        """(module, name inside it) for a qualified name, following re-exports (memoised:
        the call graph asks the same question for every call of the same name)."""
        shared = self._resolved_anywhere.get((qualified, depth))
        if shared is not None and near.path not in shared[1]:
            return shared[0]
        key = (qualified, near.path, depth)
        if key in self._resolved:
            return self._resolved[key]
        homes: list[str | None] = []
        found = self._resolved[key] = self._resolve(qualified, near, depth, homes)
        if None not in homes and near.path not in homes and shared is None:
            self._resolved_anywhere[(qualified, depth)] = (found, frozenset(homes))  # type: ignore[arg-type]
        return found

    def _resolve(self, qualified: str, near: ModuleFacts, depth: int, homes: list[str | None]
                 ) -> tuple[ModuleFacts, str] | None:
        """``resolve`` uncached. ``homes`` gets the path of each module a prefix named, or None when a prefix
        named several (the nearest to ``near`` is taken): when it gets no None and not ``near``'s own path,
        the answer is the same from any module but those (``resolve`` then shares it)."""
        parts = qualified.split(".")
        for i in range(len(parts) - 1, 0, -1):
            prefix = ".".join(parts[:i])
            candidates = self._by_suffix.get(prefix)
            if not candidates:
                continue
            module = self.module(prefix, near)
            homes.append(candidates[0].path if len(candidates) == 1 else None)
            if module is None:
                continue
            if module is near and prefix != near.module:
                # ``from celery import Celery`` inside ``app/core/celery.py``: an absolute import of the
                # package of that name (the module's own names are qualified with its whole name).
                continue
            name = ".".join(parts[i:])
            head = parts[i]
            defined = head in module.functions or head in module.classes or any(module.module_level(head))
            if not defined and head in module.imports and depth < 5:
                rest = ".".join(parts[i + 1:])
                suffix = f".{rest}" if rest else ""
                target = module.imports[head] + suffix
                if target != qualified:
                    found = self.resolve(target, module, depth + 1)
                    if found is not None and _defines(*found):
                        return found
                    # ``try: from .cloud import Client`` / ``except ImportError: from .local import Client``:
                    # the binding whose module the repository has is the one that runs.
                    for other, _ in module.import_alternatives.get(head, ()):
                        if other + suffix != target and other + suffix != qualified:
                            alternative = self.resolve(other + suffix, module, depth + 1)
                            if alternative is not None and _defines(*alternative):
                                return alternative
                    return found
            if not defined and depth < 5:  # from .actions import *: a name one of them defines
                for key, star in module.imports.items():
                    if key[0] == "*":
                        found = self.resolve(f"{star[:-2]}.{name}", module, depth + 1)
                        if found is not None and found[0] is not module and _defines(found[0], found[1]):
                            return found
            return module, name
        return None

    def assigned_calls(self, qualified: str, near: ModuleFacts) -> Iterator[tuple[ModuleFacts, "Value"]]:
        """(module, call) for each module-level assignment, from a call, of the name a
        qualified name resolves to (``SessionLocal = sessionmaker(...)``), in order."""
        target = self.resolve(qualified, near)
        if target is None:
            return
        home, name = target
        for assignment in home.module_level(name):
            if assignment.value.kind == "call":
                yield home, assignment.value

    def function(self, module: ModuleFacts, text: str, scope: str = "", resolved: bool = False
                 ) -> tuple[Function, ModuleFacts] | None:
        """The repo function a name refers to, from inside ``module``."""
        if not resolved:
            while scope:
                found = module.functions.get(f"{scope}.<locals>.{text}")
                if found:
                    return found, module
                scope = scope.rpartition(".<locals>.")[0]
            found = module.functions.get(text)
            return (found, module) if found else None
        target = self.resolve(text, module)
        if target is None:
            return None
        target_module, name = target
        found = target_module.functions.get(name)
        return (found, target_module) if found else None


@lru_cache(maxsize=64)
def any_of(markers: tuple[bytes, ...]) -> Callable[[bytes], bool]:
    """A test for "these bytes contain one of the markers": one regex search in C per
    file instead of one ``in`` per marker (the prefilter runs over every Python file)."""
    import re

    if not markers:
        return lambda data: False
    if len(markers) == 1:  # one marker (a class name the call graph looks for): ``in`` is faster than a search
        marker = markers[0]
        return lambda data: marker in data
    search = re.compile(b"|".join(re.escape(m) for m in markers)).search
    return lambda data: search(data) is not None


def _defines(module: ModuleFacts, name: str) -> bool:
    """Whether a module binds the first part of a name (a function, class, global or import)."""
    head = name.partition(".")[0]
    return head in module.functions or head in module.classes or head in module.imports or \
        any(module.module_level(head))
