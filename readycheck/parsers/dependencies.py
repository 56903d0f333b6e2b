"""Requirements files and pyproject.toml dependencies, parsed with ``packaging``.

Nothing is installed or resolved. A requirement is *pinned* when it names
exactly one release (``==1.2.3`` or ``===``, no wildcard), when it carries
``--hash`` options (pip then accepts only those artifacts), when it is a VCS
URL fixed to a full commit id, or an archive URL with a hash fragment.
"""

from __future__ import annotations

import functools
import posixpath
import re
from dataclasses import dataclass, field

from readycheck.core.findings import Span
from readycheck.knowledge.packages import canonicalize_name
from readycheck.core.sourcefile import SourceFile
from readycheck.parsers.located import load_located

_COMMIT = re.compile(r"@([0-9a-fA-F]{40}|[0-9a-fA-F]{64})(?:#|$)")
_ARCHIVE_HASH = re.compile(r"#(sha256|sha384|sha512|md5)=[0-9a-fA-F]+")
_VCS = re.compile(r"^(git|hg|svn|bzr)\+", re.IGNORECASE)
_BARE_URL = re.compile(r"^([a-z][a-z0-9.-]*\+)?[a-z][a-z0-9.-]*://", re.IGNORECASE)
_OPTION_WITH_VALUE = {"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host",
                      "--no-binary", "--only-binary", "--progress-bar", "--platform", "--implementation"}


@dataclass
class Requirement:
    text: str  # the requirement as written (no options, no comment)
    name: str | None  # canonical project name; None for bare URLs/paths
    span: Span
    specifier: str = ""
    url: str | None = None
    hashed: bool = False
    editable: bool = False
    local_path: bool = False
    extras: frozenset[str] = frozenset()
    #: False when its environment marker holds on no Linux CPython 3.8 to 3.14
    #: (``; python_version < "3.0"``, ``; sys_platform == "win32"``): never installed in a container.
    installed_on_linux: bool = True

    @property
    def pinned(self) -> bool:
        return self.unpinned_reason is None

    @property
    def unpinned_reason(self) -> str | None:
        """Why this requirement is not pinned, or None when it is."""
        if self.local_path or self.hashed:
            return None
        if self.url:
            if _VCS.match(self.url):
                return None if _COMMIT.search(self.url) else "a VCS reference without a full commit id"
            return None if _ARCHIVE_HASH.search(self.url) else "a URL without a hash"
        specs = [s.strip() for s in self.specifier.split(",") if s.strip()]
        if not specs:
            return "no version constraint"
        if len(specs) == 1 and specs[0].startswith(("==", "===")) and "*" not in specs[0]:
            return None
        return f"a range ({self.specifier})"


@dataclass
class Include:
    option: str  # "-r" or "-c"
    target: str  # as written
    span: Span


@dataclass
class RequirementsFile:
    source: SourceFile
    requirements: list[Requirement] = field(default_factory=list)
    includes: list[Include] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def path(self) -> str:
        return self.source.path


def _logical_lines(text: str):
    """(first line number, offset of line start, text) with continuations joined."""
    lines = text.split("\n")
    offset = 0
    i = 0
    while i < len(lines):
        start_line, start_offset = i + 1, offset
        parts = []
        while True:
            line = lines[i].rstrip("\r")
            offset += len(lines[i]) + 1
            i += 1
            if line.endswith("\\") and i < len(lines):
                parts.append(line[:-1])
                continue
            parts.append(line)
            break
        yield start_line, start_offset, " ".join(parts) if len(parts) > 1 else parts[0]


def _strip_comment(line: str) -> str:
    if line.lstrip().startswith("#"):
        return ""
    m = re.search(r"\s#", line)
    return line[:m.start()] if m else line


def parse_requirements(source: SourceFile) -> RequirementsFile:
    result = RequirementsFile(source)
    index = source.index
    for line_no, line_offset, logical in _logical_lines(source.text):
        content = _strip_comment(logical).strip()
        if not content:
            continue
        lead = len(logical) - len(logical.lstrip())
        start = line_offset + lead
        tokens = content.split()
        head = tokens[0]
        if head.startswith("-"):
            option, _, inline = head.partition("=")
            value = inline or (tokens[1] if len(tokens) > 1 else "")
            if option in ("-r", "--requirement", "-c", "--constraint"):
                if value:
                    at = logical.find(value, lead)
                    result.includes.append(Include("-c" if option in ("-c", "--constraint") else "-r", value,
                                                   index.span(line_offset + at, line_offset + at + len(value))))
                continue
            if option in ("-e", "--editable"):
                if value:
                    at = logical.find(value, lead)
                    req = _requirement(value, index.span(line_offset + at, line_offset + at + len(value)))
                    if req is not None:
                        req.editable = True
                        result.requirements.append(req)
                continue
            continue  # index / find-links / binary options are not requirements
        spec_tokens: list[str] = []
        hashed = False
        for tok in tokens:
            if tok.startswith("--hash"):
                hashed = True
            elif tok.startswith("--"):
                continue
            elif not hashed:
                spec_tokens.append(tok)
        spec = " ".join(spec_tokens)
        req = _requirement(spec, index.span(start, start + len(spec.split(" ;")[0].split(";")[0].rstrip())))
        if req is None:
            result.errors.append((line_no, f"cannot parse requirement {spec!r}"))
            continue
        req.hashed = hashed
        result.requirements.append(req)
    return result


def _requirement(text: str, span: Span) -> Requirement | None:
    text = text.strip()
    if text.startswith((".", "/", "file:")) or text in (".", ".."):
        return Requirement(text, None, span, local_path=True)
    if _BARE_URL.match(text):
        name = None
        m = re.search(r"[#&]egg=([A-Za-z0-9_.-]+)", text)
        if m:
            name = canonicalize_name(m.group(1))
        return Requirement(text, name, span, url=text)
    parsed = _parsed_requirement(text)
    if parsed is None:
        return None
    name, specifier, url, extras, installed_on_linux = parsed
    return Requirement(text, name, span, specifier=specifier, url=url, extras=extras,
                       installed_on_linux=installed_on_linux)


@functools.lru_cache(maxsize=4096)
def _parsed_requirement(text: str) -> tuple[str, str, str | None, frozenset[str], bool] | None:
    """(name, specifier, url, extras, installed on Linux) of a PEP 508 requirement, None when it is not
    one. Once per distinct text: packaging's parser costs half a millisecond a line, and a monorepo's
    services often list the same lines (the generated benchmark's 50 services: 300 lines, 6 distinct)."""
    from packaging.requirements import InvalidRequirement, Requirement as PkgRequirement

    try:
        parsed = PkgRequirement(text)
    except InvalidRequirement:
        return None
    return (canonicalize_name(parsed.name), str(parsed.specifier), parsed.url,
            frozenset(e.lower() for e in parsed.extras),
            parsed.marker is None or _marker_holds_on_linux(parsed.marker))


_LINUX_PYTHONS = [{"python_version": f"3.{minor}", "python_full_version": f"3.{minor}.0", "sys_platform": "linux",
                   "platform_system": "Linux", "os_name": "posix", "implementation_name": "cpython",
                   "platform_python_implementation": "CPython"} for minor in range(8, 15)]


def _marker_holds_on_linux(marker) -> bool:
    """Whether an environment marker is true for some Linux CPython 3.8-3.14 (what containers run)."""
    try:
        return any(marker.evaluate(environment) for environment in _LINUX_PYTHONS)
    except Exception:  # an undefined or odd variable: assume it may hold
        return True


# --------------------------------------------------------------------------- pyproject


@dataclass
class PyProject:
    source: SourceFile
    data: dict
    #: PEP 621 project.dependencies, Poetry main dependencies.
    dependencies: list[Requirement] = field(default_factory=list)
    #: optional-dependencies, dependency-groups, Poetry groups: name -> requirements.
    groups: dict[str, list[Requirement]] = field(default_factory=dict)
    #: Where the main dependency list is declared (for repo-level findings).
    dependencies_span: Span | None = None
    #: Requirements files setuptools reads as the package's dependencies
    #: (``[tool.setuptools.dynamic] dependencies = {file = "requirements.txt"}``), as repository paths.
    dependency_files: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        return self.source.path

    @property
    def all_requirements(self) -> list[Requirement]:
        return self.dependencies + [r for reqs in self.groups.values() for r in reqs]


def parse_pyproject(source: SourceFile) -> PyProject:
    document = load_located(source)
    data = document.data
    project = PyProject(source, data)
    unknown = Span(1, 1, 1, 1)

    def requirements(items: object, *path: str | int) -> list[Requirement]:
        found = (_requirement(item, document.value_span(*path, i) or unknown)
                 for i, item in enumerate(items if isinstance(items, list) else []) if isinstance(item, str))
        return [r for r in found if r]

    def poetry_requirements(table: dict, *path: str) -> list[Requirement]:
        return [_poetry_requirement(name, spec, document.key_span(*path, name) or unknown)
                for name, spec in table.items() if name.lower() != "python"]

    pep621 = data.get("project") if isinstance(data.get("project"), dict) else {}
    deps = pep621.get("dependencies")
    if isinstance(deps, list):
        project.dependencies = requirements(deps, "project", "dependencies")
        project.dependencies_span = document.key_span("project", "dependencies") or unknown
    optional = pep621.get("optional-dependencies")
    for group, items in (optional if isinstance(optional, dict) else {}).items():
        if isinstance(items, list):
            project.groups[f"optional:{group}"] = requirements(items, "project", "optional-dependencies", group)
    groups = data.get("dependency-groups")
    for group, items in (groups if isinstance(groups, dict) else {}).items():
        if isinstance(items, list):
            project.groups[f"group:{group}"] = requirements(items, "dependency-groups", group)
    tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
    setuptools = tool.get("setuptools") if isinstance(tool.get("setuptools"), dict) else {}
    dynamic = setuptools.get("dynamic") or {}
    if isinstance(dynamic, dict):
        tables = [dynamic.get("dependencies")] + list((dynamic.get("optional-dependencies") or {}).values()
                                                       if isinstance(dynamic.get("optional-dependencies"), dict) else [])
        for table in tables:
            files = table.get("file") if isinstance(table, dict) else None
            for name in [files] if isinstance(files, str) else files if isinstance(files, list) else []:
                if isinstance(name, str):
                    project.dependency_files.append(posixpath.normpath(posixpath.join(source.directory, name)))
        if isinstance(dynamic.get("dependencies"), dict) and not project.dependencies_span:
            project.dependencies_span = document.key_span("tool", "setuptools", "dynamic", "dependencies") or unknown
    poetry = tool.get("poetry") or {}
    if isinstance(poetry, dict):
        if isinstance(poetry.get("dependencies"), dict):
            project.dependencies += poetry_requirements(poetry["dependencies"], "tool", "poetry", "dependencies")
            project.dependencies_span = project.dependencies_span or document.header_span(
                "tool.poetry.dependencies") or document.key_span("tool", "poetry", "dependencies") or unknown
        group_tables = poetry.get("group")
        for group, table in (group_tables if isinstance(group_tables, dict) else {}).items():
            if isinstance(table, dict) and isinstance(table.get("dependencies"), dict):
                project.groups[f"poetry:{group}"] = poetry_requirements(table["dependencies"], "tool", "poetry", "group",
                                                                        group, "dependencies")
        if isinstance(poetry.get("dev-dependencies"), dict):
            project.groups["poetry:dev"] = poetry_requirements(poetry["dev-dependencies"], "tool", "poetry",
                                                               "dev-dependencies")
    return project


def _poetry_requirement(name: str, spec: object, span: Span) -> Requirement:
    version = spec if isinstance(spec, str) else (spec.get("version", "") if isinstance(spec, dict) else "")
    req = Requirement(f"{name} = {spec!r}", canonicalize_name(name), span)
    if isinstance(spec, dict):
        if "path" in spec:
            req.local_path = True
        elif "git" in spec:
            rev = spec.get("rev", "")
            req.url = f"git+{spec['git']}@{rev}" if rev else f"git+{spec['git']}"
        elif "url" in spec:
            req.url = spec["url"]
        req.extras = frozenset(e.lower() for e in spec.get("extras", []) if isinstance(e, str))
    version = version.strip()
    # Poetry reads a bare version ("1.2.3") as an exact pin.
    if re.fullmatch(r"\d+(\.\d+)*([a-z]+\d*)?", version):
        req.specifier = f"=={version}"
    else:
        req.specifier = version if version != "*" else ""
    return req
