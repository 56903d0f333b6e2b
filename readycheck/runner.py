"""A scan: discover files, build the project model, run checks, apply
per-file ignores, severity overrides and inline suppressions, sort."""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from readycheck import __version__, suppressions
from readycheck.cache import Cache, digest
from readycheck.check import Check
from readycheck.config import Config, selector_matches
from readycheck.discovery import discover, single_file
from readycheck.findings import Diagnostic, Finding, Severity
from readycheck.project import Project
from readycheck.sourcefile import SourceFile, UnreadableFile, is_development_path


@dataclass
class ScanResult:
    root: Path
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    checks: list[type[Check]] = field(default_factory=list)
    files_scanned: int = 0
    project: Project | None = None
    #: Findings matched by --baseline: known, accepted, not reported.
    baselined: list[Finding] = field(default_factory=list)

    @property
    def internal_errors(self) -> bool:
        return any(d.kind == "internal" for d in self.diagnostics)


def selected_checks(checks: list[type[Check]], config: Config) -> list[type[Check]]:
    return [c for c in checks
            if any(selector_matches(s, c) for s in config.select)
            and not any(selector_matches(s, c) for s in config.ignore)]


def scan(root: Path, config: Config, checks: list[type[Check]], targets: list[Path] | None = None, *,
         cache: Cache | None = None, jobs: int = 1, progress: Callable[[str, int, int], None] | None = None,
         whole_root: bool = False) -> ScanResult:
    """Scan the repository at ``root``, or only ``targets`` (folders and files below it).

    With ``whole_root``, the whole root is analysed and ``targets`` only choose what is
    reported: the findings whose location or one of whose related locations is in a
    target, and the diagnostics of files in them. A folder or file of a project is then
    judged in the context of the whole project (the routers that other packages include,
    the Dockerfile that runs it), the same whichever path is passed. Without it, only the
    targets are read (a file outside any project).
    """
    if targets is None or whole_root:
        if cache is not None and cache.enabled:
            try:
                cache.prepare()
            except OSError:
                pass  # a read-only checkout: no cache, same results
        files = discover(root, config.extend_exclude, cache)
        if targets is not None:  # a file named on the command line is judged even when ignored
            known = {source.path for source in files}
            named = [single_file(root, t) for t in targets if not t.is_dir()]
            extra = [source for source in named if source is not None and source.path not in known]
            if extra:
                files = sorted(files + extra, key=lambda f: f.path)
    else:
        seen: dict[str, SourceFile] = {}
        for target in targets:
            if target.is_dir():
                prefix = target.resolve().relative_to(root.resolve()).as_posix()
                for source in discover(target, config.extend_exclude):
                    if prefix != ".":
                        source.path = f"{prefix}/{source.path}"
                    seen.setdefault(source.path, source)
            else:
                source = single_file(root, target)
                if source is not None:
                    seen.setdefault(source.path, source)
        files = sorted(seen.values(), key=lambda f: f.path)
    project = Project(root, files, cache=cache, jobs=jobs)
    project.progress = progress
    selected = selected_checks(checks, config)
    key = result_key(files, config, selected) if cache is not None and cache.enabled else None
    cached = cache.result(key) if key else None
    if cached is not None:
        result = ScanResult(root, cached["findings"], cached["suppressed"], cached["diagnostics"], selected,
                            len(files), project)
    else:
        result = run_checks(project, config, checks, progress)
        if key and cache is not None:
            cache.flush({f"{path}\0{sha}" for path, sha in _python_digests(project)})
            if not result.internal_errors:
                cache.store_result(key, result.findings, result.suppressed, result.diagnostics)
    if whole_root and targets is not None:
        report_only(result, [t.resolve().relative_to(root.resolve()).as_posix() for t in targets])
    return result


def _under(path: str, prefixes: list[str]) -> bool:
    return any(prefix == "." or path == prefix or path.startswith(prefix + "/") for prefix in prefixes)


def report_only(result: ScanResult, prefixes: list[str]) -> None:
    """Keep the findings that touch these root-relative paths (their location or a related one),
    and the diagnostics of files there; checks and cross-file facts still saw the whole root."""
    if "." in prefixes:
        return

    def touches(finding: Finding) -> bool:
        return _under(finding.path, prefixes) or any(_under(r.path, prefixes) for r in finding.related)

    result.findings = [f for f in result.findings if touches(f)]
    result.suppressed = [f for f in result.suppressed if touches(f)]
    result.diagnostics = [d for d in result.diagnostics if d.path.startswith("<") or _under(d.path, prefixes)]


def _python_digests(project: Project):
    for source in project.python.sources:
        try:
            yield source.path, digest(source.data)
        except UnreadableFile:
            continue


def result_key(files: list[SourceFile], config: Config, checks: list[type[Check]]) -> str:
    """Everything a scan result depends on: readycheck's version, the configuration,
    the checks (and their code), and every scanned file's path, size and modification time."""
    h = hashlib.sha256(__version__.encode())
    h.update(json.dumps({"per_file_ignores": config.per_file_ignores, "severity": {k: int(v) for k, v in config.severity.items()},
                         "options": config.options, "extend_exclude": config.extend_exclude},
                        sort_keys=True, default=str).encode())
    for check in checks:
        try:
            st = os.stat(inspect.getfile(check))
            stamp = f"{st.st_size}:{st.st_mtime_ns}"
        except (OSError, TypeError):
            stamp = "?"
        h.update(f"{check.id}:{check.__module__}:{stamp}\n".encode())
    for source in files:
        # Size and modification time, as ruff and make do: a stat, not a read, per file.
        # The per-file facts cache is keyed by content and catches everything else.
        try:
            st = os.stat(source.abspath)
            h.update(f"{source.path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        except OSError:
            h.update(f"{source.path}\0unreadable\n".encode())
    return h.hexdigest()


def run_checks(project: Project, config: Config, checks: list[type[Check]],
               progress: Callable[[str, int, int], None] | None = None) -> ScanResult:
    result = ScanResult(project.root, checks=selected_checks(checks, config), files_scanned=len(project.all_files),
                        project=project)
    by_id = {c.id: c for c in checks}
    raw: list[Finding] = []
    for number, check_cls in enumerate(result.checks):
        if progress is not None:
            progress("checking", number, len(result.checks))
        check = check_cls(config.options.get(check_cls.id))
        try:
            produced = list(check.run(project))
        except Exception as exc:  # a buggy check must not lose the other checks' findings
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            project.diagnose(f"<check {check_cls.id}>",
                             f"check crashed: {type(exc).__name__}: {exc} ({Path(frame.filename).name}:{frame.lineno})",
                             kind="internal")
            continue
        for finding in produced:
            if (check_cls.development_files_are_info and finding.severity > Severity.INFO
                    and not finding.path.endswith(".py") and is_development_path(finding.path)):
                finding = finding.with_severity(Severity.INFO)
            elif finding.severity == check_cls.severity and check_cls.id in config.severity:
                finding = finding.with_severity(config.severity[check_cls.id])
            raw.append(finding)
    ignores = []
    if config.per_file_ignores:
        import pathspec

        ignores = [(pathspec.GitIgnoreSpec.from_lines([pattern]), rules) for pattern, rules in config.per_file_ignores.items()]
    seen: set[tuple] = set()
    commented: dict[str, bool] = {}  # path -> whether the file mentions readycheck at all (searched once)
    for finding in sorted(raw, key=Finding.sort_key):
        key = (finding.rule_id, finding.path, finding.span, finding.message)
        if key in seen:
            continue
        seen.add(key)
        check_cls = by_id.get(finding.rule_id)
        if check_cls is not None and any(spec.match_file(finding.path) and any(selector_matches(r, check_cls) for r in rules)
                                         for spec, rules in ignores):
            continue
        source = project.file(finding.path)
        suppression = _suppression(source, finding, commented)
        if suppression is not None:
            result.suppressed.append(replace(finding, suppressed_by=suppression.text))
        else:
            result.findings.append(finding)
    result.diagnostics = project.diagnostics
    return result


def _suppression(source: SourceFile | None, finding: Finding,
                 commented: dict[str, bool]) -> suppressions.Suppression | None:
    if source is None:
        return None
    try:
        mentions = commented.get(source.path)
        if mentions is None:  # once per file: a file with 100,000 findings is not searched 100,000 times
            mentions = commented[source.path] = "readycheck" in source.text
        if not mentions:  # no comment of ours: no line index to build
            return None
        index = source.index
    except UnreadableFile:
        return None
    return suppressions.find(index, finding)
