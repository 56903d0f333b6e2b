"""A scan: discover files, build the project model, run checks, apply
per-file ignores, severity overrides and inline suppressions, sort."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path

import pathspec

from readycheck import suppressions
from readycheck.check import Check
from readycheck.config import Config, selector_matches
from readycheck.discovery import discover, single_file
from readycheck.findings import Diagnostic, Finding
from readycheck.project import Project
from readycheck.sourcefile import SourceFile, UnreadableFile


@dataclass
class ScanResult:
    root: Path
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    checks: list[type[Check]] = field(default_factory=list)
    files_scanned: int = 0
    project: Project | None = None

    @property
    def internal_errors(self) -> bool:
        return any(d.kind == "internal" for d in self.diagnostics)


def selected_checks(checks: list[type[Check]], config: Config) -> list[type[Check]]:
    return [c for c in checks
            if any(selector_matches(s, c) for s in config.select)
            and not any(selector_matches(s, c) for s in config.ignore)]


def scan(root: Path, config: Config, checks: list[type[Check]], targets: list[Path] | None = None) -> ScanResult:
    """Scan the repository at ``root``, or only ``targets`` (folders and files below it)."""
    if targets is None:
        files = discover(root, config.extend_exclude)
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
    return run_checks(Project(root, files), config, checks)


def run_checks(project: Project, config: Config, checks: list[type[Check]]) -> ScanResult:
    result = ScanResult(project.root, checks=selected_checks(checks, config), files_scanned=len(project.all_files),
                        project=project)
    by_id = {c.id: c for c in checks}
    raw: list[Finding] = []
    for check_cls in result.checks:
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
            if finding.severity == check_cls.severity and check_cls.id in config.severity:
                finding = finding.with_severity(config.severity[check_cls.id])
            raw.append(finding)
    ignores = [(pathspec.GitIgnoreSpec.from_lines([pattern]), rules) for pattern, rules in config.per_file_ignores.items()]
    seen: set[tuple] = set()
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
        suppression = _suppression(source, finding)
        if suppression is not None:
            result.suppressed.append(replace(finding, suppressed_by=suppression.text))
        else:
            result.findings.append(finding)
    result.diagnostics = project.diagnostics
    return result


def _suppression(source: SourceFile | None, finding: Finding) -> suppressions.Suppression | None:
    if source is None:
        return None
    try:
        index = source.index
    except UnreadableFile:
        return None
    return suppressions.find(index, finding)
