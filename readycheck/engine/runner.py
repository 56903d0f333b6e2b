"""A scan: discover files, build the project model, run checks, apply
per-file ignores, severity overrides and inline suppressions, sort."""

from __future__ import annotations

import hashlib
import os
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Mapping

from readycheck.core import timings as timing
from readycheck.engine import forkedchecks, incremental, suppressions
from readycheck.engine.budget import NO_BUDGET, Budget, BudgetExceeded
from readycheck.engine.cache import Cache, digest
from readycheck.core.check import Check
from readycheck.engine.config import Config, selector_matches
from readycheck.engine.discovery import RACY_SECONDS, discover, single_file
from readycheck.engine.parsepool import parse_many
from readycheck.knowledge.environments import classify_environment
from readycheck.core.findings import Diagnostic, Finding, Severity, Span
from readycheck.model.project import Project
from readycheck.core.sourcefile import FileKind, SourceFile, UnreadableFile, classify


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
    """The checks to run. An opt-in check (RC001) runs only when a selector other than ALL names it."""
    return [c for c in checks
            if any(selector_matches(s, c) for s in config.select if not (c.opt_in and s.strip() == "ALL"))
            and not any(selector_matches(s, c) for s in config.ignore)]


def scan(root: Path, config: Config, checks: list[type[Check]], targets: list[Path] | None = None, *,
         cache: Cache | None = None, jobs: int = 1, progress: Callable[[str, int, int], None] | None = None,
         whole_root: bool = False, overlay: Mapping[str, bytes] | None = None,
         timeout: float | None = None, timings: timing.Timings | None = None) -> ScanResult:
    """Scan the repository at ``root``, or only ``targets`` (folders and files below it).

    With ``whole_root``, the whole root is analysed and ``targets`` only choose what is
    reported: the findings whose location or one of whose related locations is in a
    target, and the diagnostics of files in them. A folder or file of a project is then
    judged in the context of the whole project (the routers that other packages include,
    the Dockerfile that runs it), the same whichever path is passed. Without it, only the
    targets are read (a file outside any project).

    ``overlay`` maps repository paths to contents that replace (or add) the file there,
    never written anywhere: standard input judged as if it were that file. A scan with
    an overlay never reads or stores a cached result (the file on disk is not its input).

    With ``timeout`` (seconds), the scan stops then and reports what was found (see
    readycheck.engine.budget). With ``timings``, where the time went is recorded in it (``--verbose``;
    readycheck.core.timings).
    """
    budget = Budget(timeout)
    try:
        with budget.alarm(), timing.recording(timings):
            return _scan(root, config, checks, targets, cache=cache, jobs=jobs, progress=progress,
                         whole_root=whole_root, overlay=overlay, budget=budget)
    except BudgetExceeded:  # before any check ran: the files were not even all read
        result = ScanResult(root, checks=selected_checks(checks, config))
        result.diagnostics = [Diagnostic("<scan>", f"{budget.describe()} before any check ran: nothing was judged",
                                         kind="internal")]
        return result


def _scan(root: Path, config: Config, checks: list[type[Check]], targets: list[Path] | None, *,
          cache: Cache | None, jobs: int, progress: Callable[[str, int, int], None] | None,
          whole_root: bool, overlay: Mapping[str, bytes] | None, budget: Budget) -> ScanResult:
    if targets is None or whole_root:
        if cache is not None and cache.enabled:
            try:
                cache.prepare()
            except OSError:
                pass  # a read-only checkout: no cache, same results
        with timing.phase("discovery"):
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
    if overlay:
        replaced = {path: SourceFile(path, root / path, classify(path), len(data), _data=data)
                    for path, data in overlay.items()}
        files = sorted([f for f in files if f.path not in replaced] + list(replaced.values()), key=lambda f: f.path)
    project = Project(root, files, cache=cache, jobs=jobs, parse_many=parse_many)
    project.progress = progress
    project.migration_mode, project.migration_since = config.migrations, config.since
    selected = selected_checks(checks, config)
    # --since depends on git history, not only on the files: never answered from the cache.
    with timing.phase("cache read"):
        key = result_key(files, config, selected) if cache is not None and cache.enabled and not overlay \
            and not config.since else None
        cached = cache.result(key) if key and cache is not None else None
    if cached is not None:
        result = ScanResult(root, cached["findings"], cached["suppressed"], cached["diagnostics"], selected,
                            len(files), project)
    elif key and cache is not None and incremental.supported(selected):
        # The files' statuses again (a few ms): not kept through the whole-result lookup, whose
        # answer is the common case and whose peak memory they would add to.
        result = _incremental_scan(project, config, checks, selected, files, _stats(files), key, cache,
                                   progress, budget)
    else:
        flush = _facts_writer(project, cache) if key and cache is not None else None
        result = run_checks(project, config, checks, progress, budget, idle=flush)
        if key and cache is not None:
            with timing.phase("cache write"):
                cache.flush(*_live_facts(project))
                if not result.internal_errors:
                    cache.store_result(key, result.findings, result.suppressed, result.diagnostics)
    if whole_root and targets is not None:
        report_only(result, [t.resolve().relative_to(root.resolve()).as_posix() for t in targets])
    return result


def _incremental_scan(project: Project, config: Config, checks: list[type[Check]], selected: list[type[Check]],
                      files: list[SourceFile], stats: list[os.stat_result | None], key: str, cache: Cache,
                      progress: Callable[[str, int, int], None] | None, budget: Budget) -> ScanResult:
    """The last result when nothing it read changed (engine.incremental), else a full run that
    records what its result reads."""
    static = incremental.static_key(config, selected)
    kept = incremental.stat_tuples(stats)
    with timing.phase("cache read"):  # is the last result still right: what it read unchanged
        deps = cache.dependencies()
        reuse = incremental.verify(deps, static, files, kept, cache) if deps is not None else None
        last = cache.result(deps["result"]) if reuse is not None and deps is not None else None
    if reuse is not None and deps is not None and last is not None:
        with timing.phase("cache write"):
            cache.replace_facts(reuse.stale, reuse.facts)
            cache.store_result(key, last["findings"], last["suppressed"], last["diagnostics"])
            cache.store_dependencies(incremental.updated(deps, reuse, key))
        return ScanResult(project.root, last["findings"], last["suppressed"], last["diagnostics"], selected,
                          len(files), project)
    with incremental.recording() as reads:
        flush = _facts_writer(project, cache)
        result = run_checks(project, config, checks, progress, budget, idle=flush)
    flush()
    if not result.internal_errors:
        with timing.phase("cache write"):
            cache.store_result(key, result.findings, result.suppressed, result.diagnostics)
            if reads is not None:
                content, functions = reads
                cache.store_dependencies(incremental.record(project, content, functions, static, files, kept, key))
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


def _facts_writer(project: Project, cache: Cache) -> Callable[[], None]:
    """Write the facts table with what the scan keeps (``_live_facts``): after the checks, and also while
    a forked copy runs the event-loop checks (``run_checks``' idle hook); a table written already and not
    changed since is not written again."""
    def flush() -> None:
        with timing.phase("cache write"):
            cache.flush(*_live_facts(project))

    return flush


def _live_facts(project: Project) -> tuple[set[str], set[str]]:
    """What the facts table keeps: the entries (``path\0sha``) of the modules this scan looked for, and
    every entry of the Python files it never read (a test module no check asks for: reading and hashing
    every one of them only to keep its entry would cost more than the scan of FastAPI's repository; an
    unread file gains no new entry, so what is kept stays bounded by what an earlier scan stored)."""
    index = project.__dict__.get("python")
    known = index.digests if index is not None else {}
    live = {f"{path}\0{sha}" for path, sha in known.items()}
    unread = {source.path for source in project.files(FileKind.PYTHON) if source.path not in known}
    return live, unread


def result_key(files: list[SourceFile], config: Config, checks: list[type[Check]],
               stats: list[os.stat_result | None] | None = None) -> str:
    """Everything a scan result depends on: readycheck's version, the configuration,
    the checks (and their code), and every scanned file's path, size and modification time
    (``stats``: the files' statuses, taken here when not given)."""
    h = hashlib.sha256(incremental.static_key(config, checks).encode())
    # A file changed this recently may change again within its clock tick without its
    # status moving (git's "racily clean" index entries): its bytes are hashed instead.
    racy_after = time.time_ns() - int(RACY_SECONDS * 1e9)
    # Size, modification and change time and inode, as git's index does: a stat, not a
    # read, per file. The change time cannot be set back (tar, cp -p, rsync -t and CI
    # cache restores set the modification time), so an edit that keeps size and mtime
    # still changes the key. The per-file facts cache is keyed by content anyway.
    lines, racy = [], []
    for source, st in zip(files, stats if stats is not None else _stats(files)):
        if st is None:
            lines.append(f"{source.path}\0unreadable\n")
            continue
        lines.append(f"{source.path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}\n")
        if st.st_mtime_ns >= racy_after or st.st_ctime_ns >= racy_after:
            racy.append(source)
    h.update("".join(lines).encode("utf-8", "surrogateescape"))
    for source in racy:
        try:
            h.update(f"{source.path}\0{digest(source.raw_data())}\n".encode("utf-8", "surrogateescape"))
        except UnreadableFile:
            h.update(f"{source.path}\0unreadable\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _stats(files: list[SourceFile]) -> list[os.stat_result | None]:
    """The status of every file, never through a link: through the root's descriptors in
    one call where the files share a root (discovery's files all do)."""
    base = files[0].base if files else None
    if base is not None and all(f.base is base for f in files):
        return base.lstat_all([f.rel for f in files])
    out: list[os.stat_result | None] = []
    for source in files:
        try:
            out.append(source.stat())
        except OSError:
            out.append(None)
    return out


def run_checks(project: Project, config: Config, checks: list[type[Check]],
               progress: Callable[[str, int, int], None] | None = None, budget: Budget = NO_BUDGET,
               idle: Callable[[], None] | None = None) -> ScanResult:
    """The checks' result. ``idle``: work this process may do while a forked copy of it runs the
    event-loop checks and it has no checks left (the runner writes the facts cache then; it writes it
    again after the checks only if the copy parsed modules this process had not)."""
    result = ScanResult(project.root, checks=selected_checks(checks, config), files_scanned=len(project.all_files),
                        project=project)
    by_id = {c.id: c for c in checks}
    first = [c for c in result.checks if not c.judges_suppressions]
    raw = _run(project, config, first, progress, len(result.checks), budget, idle)
    # The checks are done (or the budget ran out): what is left is linear and must finish,
    # so that the findings so far are reported.
    budget.disarm()
    ignores = []
    if config.per_file_ignores:
        import pathspec

        ignores = [(pathspec.GitIgnoreSpec.from_lines([pattern]), rules) for pattern, rules in config.per_file_ignores.items()]
    used: set[tuple[str, int, str]] = set()  # (path, comment line, code) of every comment that silenced something
    state = _SuppressionPass(project, by_id, ignores, used)
    with timing.phase("suppressions"):
        state.judge(raw, result)
    judges = [c for c in result.checks if c.judges_suppressions]
    # Unknown codes are looked for where a finding was (the suppression pass already searched those files
    # for "readycheck"): a repository without findings or comments pays nothing. RC001, opt-in, reads them all.
    with timing.phase("suppressions"):
        commented = list(_comment_files(project, None if judges else
                                        [path for path, mentions in state.commented.items() if mentions]))
        _warn_unknown_codes(project, commented, by_id)
    if judges:
        ran = {c.id for c in first}
        project.unused_suppressions = _unused(commented, by_id, ran, used)
        judged = _run(project, config, judges, progress, len(result.checks), budget)
        with timing.phase("suppressions"):
            state.judge(judged, result)
        result.findings.sort(key=Finding.sort_key)
        result.suppressed.sort(key=Finding.sort_key)
    result.diagnostics = project.diagnostics
    return result


def _run(project: Project, config: Config, checks: list[type[Check]],
         progress: Callable[[str, int, int], None] | None, total: int, budget: Budget = NO_BUDGET,
         idle: Callable[[], None] | None = None) -> list[Finding]:
    """Run checks; their findings with severities adjusted (development files, configuration), in the
    checks' order. The event-loop checks run apart from the others, in a forked copy of a big scan
    meanwhile, or here after them (engine.forkedchecks)."""
    numbers = {check_cls: number for number, check_cls in enumerate(checks)}

    def run(group: list[type[Check]], quiet: bool) -> tuple[list[list[Finding]], list[str]]:
        return _run_each(project, config, group, numbers, None if quiet else progress, total, budget)

    found, unfinished = forkedchecks.run_groups(project, checks, project.jobs, budget, run, progress, idle)
    if unfinished:
        project.diagnose("<scan>", f"{budget.describe()}: {len(unfinished)} of {total} checks not run or "
                                   f"not finished ({', '.join(unfinished)}); the findings shown are the others'",
                         kind="internal")
    return [finding for per_check in found for finding in per_check]


def _run_each(project: Project, config: Config, checks: list[type[Check]], numbers: dict[type[Check], int],
              progress: Callable[[str, int, int], None] | None, total: int,
              budget: Budget) -> tuple[list[list[Finding]], list[str]]:
    """(each check's findings, empty for a check that crashed or did not finish; the ids of the checks
    the budget stopped or left unrun). The budget's alarm can go off anywhere in this loop, in a check
    or between two: the check it interrupts and every later one are unfinished, with no findings."""
    out: list[list[Finding]] = [[] for _ in checks]
    done = 0
    try:
        for check_cls in checks:
            if progress is not None:
                progress("checking", numbers[check_cls], total)
            budget.check()
            out[done] = _run_one(project, config, check_cls)
            done += 1
    except BudgetExceeded:
        out[done:] = [[] for _ in checks[done:]]
        return out, [c.id for c in checks[done:]]
    return out, []


def _run_one(project: Project, config: Config, check_cls: type[Check]) -> list[Finding]:
    """One check's findings, severities adjusted; none, and a diagnostic, when it crashes."""
    check = check_cls(config.options.get(check_cls.id))
    try:
        with timing.phase(timing.CHECK_PREFIX + check_cls.id):
            produced = list(check.run(project))
    except Exception as exc:  # a buggy check must not lose the other checks' findings
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        project.diagnose(f"<check {check_cls.id}>",
                         f"check crashed: {type(exc).__name__}: {exc} ({Path(frame.filename).name}:{frame.lineno})",
                         kind="internal")
        return []
    raw: list[Finding] = []
    for finding in produced:
        if (check_cls.development_files_are_info and finding.severity > Severity.INFO
                and not finding.path.endswith(".py") and not classify_environment(finding.path).production):
            finding = finding.with_severity(Severity.INFO)
        elif finding.severity == check_cls.severity and check_cls.id in config.severity:
            finding = finding.with_severity(config.severity[check_cls.id])
        raw.append(finding)
    return raw


class _SuppressionPass:
    """Drops duplicates and per-file-ignored findings, and sorts the rest into reported and
    suppressed, remembering which comment code silenced each."""

    def __init__(self, project: Project, by_id: dict[str, type[Check]], ignores: list, used: set) -> None:
        self.project, self.by_id, self.ignores, self.used = project, by_id, ignores, used
        self.seen: set[tuple] = set()
        self.commented: dict[str, bool] = {}  # path -> whether the file mentions readycheck at all (searched once)

    def judge(self, raw: list[Finding], result: ScanResult) -> None:
        for finding in sorted(raw, key=Finding.sort_key):
            key = (finding.rule_id, finding.path, finding.span, finding.message)
            if key in self.seen:
                continue
            self.seen.add(key)
            check_cls = self.by_id.get(finding.rule_id)
            if check_cls is not None and any(spec.match_file(finding.path)
                                             and any(selector_matches(r, check_cls) for r in rules)
                                             for spec, rules in self.ignores):
                continue
            name = check_cls.name if check_cls is not None else ""
            suppression = _suppression(self.project.file(finding.path), finding, self.commented, name)
            if suppression is not None and suppression.bare and check_cls is not None and check_cls.judges_suppressions:
                suppression = None  # an unused bare ignore cannot silence its own RC001: only naming RC001 does
            if suppression is not None:
                self.used.add((finding.path, suppression.line, suppression.covering(finding.rule_id, name)))
                result.suppressed.append(replace(finding, suppressed_by=suppression.text))
            else:
                result.findings.append(finding)


def _suppression(source: SourceFile | None, finding: Finding, commented: dict[str, bool],
                 name: str = "") -> suppressions.Suppression | None:
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
    return suppressions.find(index, finding, name)


def _comment_files(project: Project, paths: list[str] | None = None):
    """(file, suppression comments) of every readable file (or of ``paths``) that mentions readycheck:
    a byte search per file (each was read for its facts already), comments parsed only where found."""
    sources = project.all_files if paths is None else [f for f in map(project.file, sorted(paths)) if f is not None]
    for source in sources:
        if source.kind in (FileKind.OTHER, FileKind.DOCKERIGNORE):
            continue
        try:
            if b"readycheck" not in source.data:
                continue
            text = source.line_text
        except UnreadableFile:
            continue
        found = list(suppressions.comments(text))
        if found:
            yield source, found


def _known(code: str, by_id: dict[str, type[Check]]) -> bool:
    return any(suppressions.code_matches(code, c.id, c.name) for c in by_id.values())


def _warn_unknown_codes(project: Project, commented: list, by_id: dict[str, type[Check]]) -> None:
    """A code naming no rule (a typo, a rule since renamed) silences nothing: say so."""
    for source, found in commented:
        for comment in found:
            for code in comment.rules:
                if not _known(code, by_id):
                    project.diagnose(source.path, f"unknown rule {code!r} in `{comment.text}`; "
                                                  f"'readycheck rules' lists them", comment.line, kind="warning")


def _unused(commented: list, by_id: dict[str, type[Check]], ran: set[str],
            used: set[tuple[str, int, str]]) -> list[suppressions.UnusedSuppression]:
    """Suppression codes that silenced nothing, judged only for rules that ran."""
    unused = []
    for source, found in commented:
        for comment in found:
            span = Span(comment.line, comment.column, comment.line, comment.end_column)
            codes = comment.rules or ("",)
            for code in codes:
                covered = {c.id for c in by_id.values()
                           if c.id in ran and (not code or suppressions.code_matches(code, c.id, c.name))}
                if covered and (source.path, comment.line, code) not in used:
                    unused.append(suppressions.UnusedSuppression(source.path, span, code, comment.text))
    return unused
