"""Command line: ``readycheck [PATH ...]``, ``readycheck rules``, ``readycheck explain ID``.

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings at or above it;
2 usage, configuration or internal error (a check or plugin that crashed).
"""

from __future__ import annotations

import argparse
import atexit
import gc
import os
import sys
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Callable, NoReturn, Sequence

from readycheck import __version__

if TYPE_CHECKING:
    from readycheck.engine.config import Config
    from readycheck.engine.runner import ScanResult

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMATS = ("text", "json", "sarif", "github", "gnu", "junit")


class UsageError(Exception):
    pass


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


def _parser(prog: str, description: str, **kwargs) -> argparse.ArgumentParser:
    """Every parser of the command line: no prefix abbreviations (``--fi`` is not ``--fix``),
    so adding an option never changes what an existing command line means."""
    return argparse.ArgumentParser(prog=prog, description=description, allow_abbrev=False, **kwargs)


def _scan_parser() -> argparse.ArgumentParser:
    parser = _parser(
        "readycheck",
        "Is this Python web service ready for production? Scans a repository statically "
        "(never runs its code) and reports what will hurt in production.",
        epilog="Other commands: 'readycheck rules' lists every check; 'readycheck explain ID' documents one; "
               "'readycheck inspect [PATH]' shows how readycheck reads the deployment.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="repository folders or files to scan (default: .); '-' reads one file from "
                             "standard input (with --stdin-filename)")
    parser.add_argument("--version", action="version", version=f"readycheck {__version__}")
    selection = parser.add_argument_group("Rule selection")
    selection.add_argument("--select", action="append", metavar="IDS",
                           help="only these rules (ids, families like RC2, names); comma-separated")
    selection.add_argument("--ignore", action="append", metavar="IDS", help="skip these rules; comma-separated")
    selection.add_argument("--config", metavar="FILE",
                           help="configuration file (default: readycheck.toml or pyproject.toml found from the "
                                "scanned folder up)")
    files = parser.add_argument_group("File selection")
    files.add_argument("--stdin-filename", metavar="PATH",
                       help="with '-': judge standard input as if it were this file of the project (the project's "
                            "other files still give context; nothing is written)")
    fixes = parser.add_argument_group("Fixes")
    fixes.add_argument("--fix", action="store_true",
                       help="apply the safe fixes of fixable findings, then report what is left")
    fixes.add_argument("--unsafe-fixes", action="store_true",
                       help="also apply (or --diff) fixes that may change behaviour, such as a non-root USER")
    fixes.add_argument("--diff", action="store_true",
                       help="show the fixes --fix would apply, change nothing (exit 1 if any)")
    fixes.add_argument("--show-fixes", action="store_true", help="list what --fix fixed, per file and rule")
    output = parser.add_argument_group("Output")
    output.add_argument("--format", "--output-format", "-f", dest="format", choices=FORMATS, default="text",
                        metavar="FORMAT", help=f"report format: {', '.join(FORMATS)} (default: text)")
    output.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    output.add_argument("--statistics", action="store_true",
                        help="instead of the findings, count them per rule (text or json)")
    output.add_argument("--show-suppressed", action="store_true",
                        help="also show findings silenced by inline comments (in SARIF: as results with "
                             "'suppressions', which GitHub code scanning does not honour)")
    output.add_argument("--no-color", action="store_true",
                        help="never colour the text report (also NO_COLOR; FORCE_COLOR or CLICOLOR_FORCE colour "
                             "it when not a terminal)")
    output.add_argument("--github-annotations", action="store_true",
                        help="also print GitHub workflow annotations (and the job summary) to stdout, "
                             "whatever --format writes to --output")
    output.add_argument("--category", default="",
                        help="SARIF automationDetails category (several analyses of one repo)")
    levels = output.add_mutually_exclusive_group()
    levels.add_argument("--quiet", "-q", action="store_true",
                        help="print the findings only: no summary, notes, warnings or progress")
    levels.add_argument("--verbose", "-v", action="store_true",
                        help="also say which configuration, root and cache were used, how long it took, "
                             "and where the time went (phases, slowest checks)")
    status = parser.add_argument_group("Exit status")
    status.add_argument("--fail-on", choices=("error", "warning", "info"),
                        help="lowest severity that fails the run (default: warning)")
    status.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    status.add_argument("--strict", action="store_true",
                        help="also fail (exit 1) when a file could not be read or parsed")
    selection.add_argument("--since", metavar="GIT_REF",
                           help="judge the migration files added or changed since this git ref (default: the heads)")
    baseline = parser.add_argument_group("Baseline")
    baseline.add_argument("--baseline", metavar="FILE", help="report only findings that are not in this baseline")
    baseline.add_argument("--write-baseline", metavar="FILE",
                          help="write the current findings to FILE as the accepted baseline, and exit 0")
    speed = parser.add_argument_group("Performance")
    speed.add_argument("--jobs", "-j", type=int, default=0, metavar="N",
                       help="parse with N processes, and with 2 or more run the event-loop checks of a big service in a "
                            "second process (default: the cores this process may use)")
    speed.add_argument("--timeout", type=float, metavar="SECONDS",
                       help="stop the scan after SECONDS of wall-clock time and report what was found so far, "
                            "with a diagnostic (exit 2)")
    speed.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    speed.add_argument("--cache-dir", metavar="DIR",
                       help="cache folder (default: .readycheck_cache in the scanned folder)")
    return parser


def color_wanted(stream: IO[str], no_color: bool = False, to_file: bool = False) -> bool:
    """Whether to colour output, by the conventions users set in their environment: ``--no-color``
    first, then ``NO_COLOR`` (no-color.org: set and not empty), then ``FORCE_COLOR`` (force-color.org:
    set and not empty) or ``CLICOLOR_FORCE`` (not empty, not 0) even off a terminal, else a terminal."""
    env = os.environ
    if no_color or env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR") or env.get("CLICOLOR_FORCE", "0") not in ("", "0"):
        return True
    if to_file:
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class _Log:
    """Notes on stderr beside the report: none with --quiet, more with --verbose."""

    def __init__(self, quiet: bool, verbose: bool) -> None:
        self.quiet, self.is_verbose = quiet, verbose

    def note(self, message: str) -> None:
        if not self.quiet:
            print(f"readycheck: {message}", file=sys.stderr)

    def verbose(self, message: str) -> None:
        if self.is_verbose:
            print(f"readycheck: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # A scan builds millions of small acyclic objects (syntax trees, facts); the cyclic
    # garbage collector would walk them again and again for nothing (4x slower unpickling
    # of cached facts, 15% slower parsing). A library caller gets its collector back
    # as it was (the command line keeps it off: see console_main).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _main(argv)
    finally:
        if gc_was_enabled:
            gc.enable()


def console_main() -> NoReturn:
    """The ``readycheck`` command and ``python -m readycheck``: ``main()``, then leave at once.

    A scan leaves millions of small objects (facts, the web model, findings). Freeing
    them one by one at interpreter teardown took 0.1 s of a cold scan of the generated
    benchmark repository and 0.03 s of its 0.37 s warm rescan, and a user waits for it
    all the same. By the time ``main()`` returns every report is written and every file
    closed, so exit handlers run, the standard streams are flushed, and the process ends
    without teardown.
    The collector stays off to the end: turned back on, its first collection walks
    every object the scan left, all still in its youngest generation since nothing was
    collected during the scan (0.4 s after a cold scan of the generated repository,
    for nothing: the process is about to end).
    Library callers of ``main()`` keep an ordinary return, and so does a run under a
    profiler or tracer (``python -m cProfile -m readycheck`` writes its stats after this).
    """
    gc.disable()
    code = main()
    if sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError, OSError):  # the reader left, or the stream is closed
            pass
    os._exit(code)


def _main(argv: list[str]) -> int:
    try:
        if argv and argv[0] == "rules":
            return _rules(argv[1:])
        if argv and argv[0] == "explain":
            return _explain(argv[1:])
        if argv and argv[0] == "inspect":
            return _inspect(argv[1:])
        return _scan(argv)
    except UsageError as exc:
        from readycheck.reporters import clean_line

        # A configuration error can quote a scanned checkout's TOML keys and values: escaped,
        # so that a key "x\n::add-mask::..." cannot become a workflow command on stderr.
        print(f"readycheck: error: {clean_line(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `readycheck . | head`: the reader left; leave quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR


def _load():
    from readycheck.engine.registry import load_checks

    return load_checks()


#: What marks the top of a project: a folder holding one of these is where the analysis starts.
PROJECT_MARKERS = (".git", "pyproject.toml", "Dockerfile")


def project_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` that holds ``.git``, ``pyproject.toml`` or a ``Dockerfile``."""
    for folder in (start, *start.parents):
        if any(os.path.lexists(folder / marker) for marker in PROJECT_MARKERS):
            return folder
    return None


def _roots(paths: list[str]) -> tuple[Path, list[Path], bool]:
    """(root, targets, whole root): the project the paths belong to, analysed as a whole, of which
    only the targets are reported; outside any project, the paths themselves and nothing else."""
    targets = [Path(p) for p in (paths or ["."])]
    for target in targets:
        if not target.exists():
            raise UsageError(f"no such file or folder: {target}")
    resolved = [t.resolve() for t in targets]
    folders = [t if t.is_dir() else t.parent for t in resolved]
    common = Path(os.path.commonpath([str(f) for f in folders]))
    root = project_root(common)
    if root is not None:
        return root, resolved, True
    if len(resolved) == 1:
        only = resolved[0]
        return (only, [only], False) if only.is_dir() else (only.parent, [only], False)
    return common, resolved, False


def _stdin_target(stdin_filename: str) -> tuple[Path, str]:
    """(root, repository path) of standard input judged as ``stdin_filename``: the project is
    the one the file would be in (the current folder's when it is below it), analysed whole."""
    wanted = Path(os.path.abspath(stdin_filename))
    existing = next((p for p in wanted.parents if p.is_dir()), Path(wanted.anchor))
    here = Path.cwd()
    root, _, _ = _roots(["." if wanted.is_relative_to(here) else str(existing)])
    # Symbolic links resolved where the folders exist: a name through a link leading out of the
    # project is refused, as a scan never reads outside its root.
    full = existing.resolve() / wanted.relative_to(existing)
    try:
        relpath = full.relative_to(root.resolve()).as_posix()
    except ValueError:
        raise UsageError(f"--stdin-filename {stdin_filename} is outside the project {root}") from None
    if relpath in ("", "."):
        raise UsageError(f"--stdin-filename {stdin_filename} names no file of the project {root}")
    return root, relpath


def _scan(argv: list[str]) -> int:
    args = _scan_parser().parse_args(argv)  # first: --help and --version need nothing else
    from readycheck.engine.config import ConfigError, build_config, find_config_file, read_config_table, validate_selectors
    from readycheck.engine.runner import scan

    if args.timeout is not None and not args.timeout > 0:
        raise UsageError(f"--timeout must be a positive number of seconds, not {args.timeout:g}")
    started = time.monotonic()
    log = _Log(args.quiet, args.verbose)
    stdin = "-" in args.paths
    if stdin and len(args.paths) != 1:
        raise UsageError("'-' (standard input) cannot be scanned together with other paths")
    if stdin and not args.stdin_filename:
        raise UsageError("reading standard input needs --stdin-filename PATH (the file it stands for, "
                         "e.g. --stdin-filename Dockerfile)")
    if args.stdin_filename and not stdin:
        raise UsageError("--stdin-filename names standard input: give '-' as the path")
    if args.statistics and args.format not in ("text", "json"):
        raise UsageError(f"--statistics prints text or json, not {args.format}")
    overlay: dict[str, bytes] | None = None
    stdin_path = ""
    if stdin:
        root, stdin_path = _stdin_target(args.stdin_filename)
        targets, whole_root = [root], False
        overlay = {stdin_path: sys.stdin.buffer.read()}
    else:
        root, targets, whole_root = _roots(args.paths)
    from readycheck.core import timings as timing

    timings = timing.Timings() if args.verbose else None  # where the time went, said at the end
    with timing.recording(timings), timing.phase("loading checks"):
        checks, plugin_problems = _load()
    try:
        config_path = Path(args.config) if args.config else find_config_file(root)
        if args.config and not config_path.is_file():
            raise UsageError(f"no such configuration file: {args.config}")
        table = read_config_table(config_path) if config_path else {}
        config = build_config(table, checks, config_path)
        if args.select:
            config.select = validate_selectors(_split(args.select), checks, "--select")
        if args.ignore:
            config.ignore = config.ignore + validate_selectors(_split(args.ignore), checks, "--ignore")
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    if args.fail_on:
        from readycheck.core.findings import Severity

        config.fail_on = Severity.parse(args.fail_on)
    config.since = args.since or None
    from readycheck.engine.cache import CACHE_DIR, Cache
    from readycheck.engine.progress import Progress

    # Standard input is judged without writing anything: the project's cache is read (the other files'
    # facts), never written, not even with the piped file's facts.
    cache_dir = None if args.no_cache else Path(args.cache_dir) if args.cache_dir else root / CACHE_DIR
    cache = Cache(cache_dir, read_only=stdin)
    log.verbose(f"root {root}; configuration {config_path or 'none (defaults)'}; "
                f"cache {cache.directory or 'off'}")
    from readycheck.engine import cores

    jobs = args.jobs if args.jobs > 0 else cores.usable_cores()
    progress = Progress(enabled=not args.quiet)
    scan_targets = None if targets == [root] else targets

    def rescan(with_progress: bool = False):
        found = scan(root, config, checks, scan_targets, cache=cache, jobs=jobs,
                     progress=progress if with_progress else None, whole_root=whole_root, overlay=overlay,
                     timeout=args.timeout, timings=timings)
        found.diagnostics = sorted(plugin_problems) + found.diagnostics
        if stdin:  # judged in the project's context, reported for the one file
            found.findings = [f for f in found.findings if f.path == stdin_path]
            found.suppressed = [f for f in found.suppressed if f.path == stdin_path]
            found.diagnostics = [d for d in found.diagnostics if d.path in (stdin_path,) or d.path.startswith("<")]
        return found

    try:
        result = rescan(with_progress=True)
    finally:
        progress.close()
    from collections import Counter

    fixed: Counter = Counter()
    hidden_unsafe = 0
    if args.fix or args.diff:
        from readycheck.core.fixes import apply_files, fixed_counts, plan_fixes

        instances = {c.id: c(config.options.get(c.id)) for c in result.checks if c.fixable()}
        for _round in range(5):  # overlapping fixes land in later rounds
            round_plan = plan_fixes(result.project, result.findings, instances, unsafe=args.unsafe_fixes)
            hidden_unsafe = round_plan.hidden_unsafe
            diff, changed, texts = apply_files(result.project, round_plan.edits, write=args.fix and not stdin)
            if args.diff:
                sys.stdout.write(diff)
                would = sum(1 for f in round_plan.fixed if f.path in texts)
                log.note(f"would fix {_count(would, 'finding')}{_hidden(hidden_unsafe)}")
                return EXIT_FINDINGS if changed else EXIT_CLEAN
            if not changed:
                break
            fixed.update(fixed_counts(f for f in round_plan.fixed if f.path in texts))
            if stdin:
                overlay = {stdin_path: texts.get(stdin_path, overlay[stdin_path].decode("utf-8")).encode("utf-8")}
            result = rescan()
    warnings = [d for d in result.diagnostics if d.kind == "warning"]
    result.diagnostics = [d for d in result.diagnostics if d.kind != "warning"]
    from readycheck.engine import baseline

    if args.write_baseline:
        try:
            baseline.write(Path(args.write_baseline), result.project, result.findings)
        except OSError as exc:
            raise UsageError(f"cannot write the baseline {args.write_baseline}: {exc.strerror or exc}") from None
        log.note(f"wrote {len(result.findings)} findings to the baseline {args.write_baseline}")
        return EXIT_CLEAN
    if args.baseline:
        try:
            known = baseline.read(Path(args.baseline))
        except baseline.BaselineError as exc:
            raise UsageError(str(exc)) from None
        result.findings, result.baselined = baseline.split(result.project, result.findings, known)

    display = _displayer(root)
    for warning in warnings:
        where = display(warning.path) + (f":{warning.line}" if warning.line else "")
        log.note(f"warning: {_clean_line(where)}: {_clean_line(warning.message)}")
    names = {c.id: c.name for c in checks}
    if args.show_fixes and fixed:
        _show_fixes(fixed, names, display)
    if args.fix:
        log.note(f"{sum(fixed.values())} fixed, {len(result.findings)} remaining{_hidden(hidden_unsafe)}")
    out: IO[str]
    if args.output:
        from readycheck.core.safefs import open_output

        try:
            out = open_output(args.output)  # never through a link: the checkout may commit one
        except OSError as exc:
            raise UsageError(f"cannot write the report to {args.output}: {exc.strerror or exc}") from None
    elif stdin and args.fix:  # as ruff: the fixed file on stdout, the report beside it on stderr
        out = sys.stderr
    else:
        out = sys.stdout
    try:
        with timing.recording(timings), timing.phase("report"):
            _write_report(args, result, out, config, names, display, root)
    finally:
        if args.output:
            out.close()
    if stdin and args.fix:
        source = result.project.file(stdin_path) if result.project is not None else None
        sys.stdout.buffer.write(source.data if source is not None else overlay[stdin_path])
        sys.stdout.flush()
    if args.github_annotations and not (args.format == "github" and not args.output):
        from readycheck.reporters import github

        github.report(result, sys.stdout, display, names)
    elapsed = time.monotonic() - started
    log.verbose(f"{_count(result.files_scanned, 'file')} scanned, {_count(len(result.checks), 'check')}, "
                f"in {elapsed:.2f} s")
    for line in timings.summary(elapsed) if timings is not None else ():
        log.verbose(line)
    if result.internal_errors:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_CLEAN
    failing = [f for f in result.findings if f.severity >= config.fail_on]
    unread = args.strict and any(d.kind == "parse" for d in result.diagnostics)
    return EXIT_FINDINGS if failing or unread else EXIT_CLEAN



def _write_report(args: argparse.Namespace, result: ScanResult, out: IO[str], config: Config, names: dict[str, str],
                  display: Callable[[str], str], root: Path) -> None:
    """The report in the format asked for."""
    if args.statistics:
        from readycheck.reporters import statistics

        fixable = statistics.fixable_rules(result, config, args.unsafe_fixes)
        statistics.report(result, out, names, fixable, args.format)
    elif args.format == "json":
        from readycheck.reporters import json_report

        json_report.report(result, out, _label(root))
    elif args.format == "sarif":
        from readycheck.reporters import sarif

        sarif.report(result, out, result.checks, args.category, include_suppressed=args.show_suppressed)
    elif args.format == "github":
        from readycheck.reporters import github

        github.report(result, out, display, names)
    elif args.format == "gnu":
        from readycheck.reporters import gnu

        gnu.report(result, out, display)
    elif args.format == "junit":
        from readycheck.reporters import junit

        junit.report(result, out, display)
    else:
        from readycheck.reporters import text

        color = color_wanted(out, args.no_color, to_file=bool(args.output))
        text.report(result, out, color=color, display=display, show_suppressed=args.show_suppressed,
                    summary=not args.quiet)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _hidden(unsafe: int) -> str:
    if not unsafe:
        return ""
    return f" ({_count(unsafe, 'more fix').replace('fixs', 'fixes')} available with --unsafe-fixes)"


def _clean_line(text: str) -> str:
    from readycheck.reporters import clean_line

    return clean_line(text)


def _show_fixes(fixed, names: dict[str, str], display) -> None:
    """What --fix changed, per file and rule, as ruff's --show-fixes lists it."""
    lines = [f"Fixed {_count(sum(fixed.values()), 'finding')}:"]
    for path in sorted({path for path, _ in fixed}):
        lines.append(f"- {_clean_line(display(path))}:")
        for (where, rule), count in sorted(fixed.items()):
            if where == path:
                lines.append(f"    {count} × {rule} ({names.get(rule, '')})")
    print("\n".join(lines), file=sys.stderr)


def _label(root: Path) -> str:
    try:
        rel = os.path.relpath(root)
    except ValueError:
        return str(root)
    return Path(rel).as_posix() if not rel.startswith("..") else str(root)


def _displayer(root: Path):
    """A function giving a finding's path as the user will click it: relative to the
    current folder (the root's label is worked out once, not once per finding)."""
    label = _label(root)
    return (lambda path: path) if label == "." else (lambda path: f"{label}/{path}")


def _inspect(argv: list[str]) -> int:
    from readycheck.engine.config import ConfigError, build_config, find_config_file, read_config_table
    from readycheck.engine.discovery import discover
    from readycheck.reporters.describe import write
    from readycheck.model.project import Project

    parser = _parser("readycheck inspect", "Show how readycheck reads the repository: start commands, servers "
                                           "and their settings, web apps and routes.")
    parser.add_argument("path", nargs="?", default=".", help="repository folder (default: .)")
    parser.add_argument("--format", "--output-format", "-f", dest="format", choices=("text", "json"), default="text",
                        help="text (default) or json: the model itself, not a findings report")
    parser.add_argument("--since", metavar="GIT_REF", help="judge the migration files changed since this git ref")
    args = parser.parse_args(argv)
    root, _, _ = _roots([args.path])
    checks, _ = _load()
    try:
        config_path = find_config_file(root)
        config = build_config(read_config_table(config_path) if config_path else {}, checks, config_path)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    project = Project(root, discover(root, config.extend_exclude))
    project.migration_mode, project.migration_since = config.migrations, args.since or None
    write(project, sys.stdout, _label(root), args.format)
    return EXIT_CLEAN


def _rules(argv: list[str]) -> int:
    parser = _parser("readycheck rules", "List every registered check.")
    parser.add_argument("--format", "--output-format", "-f", dest="format", choices=("text", "json", "markdown"),
                        default="text", help="markdown: the full rule reference (docs/rules.md is generated this way)")
    args = parser.parse_args(argv)
    checks, problems = _load()
    if args.format == "markdown":
        sys.stdout.write(rules_markdown(checks))
    elif args.format == "json":
        import json

        json.dump([{"id": c.id, "name": c.name, "severity": str(c.severity), "summary": c.summary,
                    "tags": list(c.tags), "options": dict(c.default_options)} for c in checks], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(rules_text(checks, sys.stdout))
    for problem in problems:
        from readycheck.reporters import clean_line

        print(clean_line(f"{problem.path}: {problem.message}"), file=sys.stderr)
    return EXIT_ERROR if problems else EXIT_CLEAN


def rules_text(checks, stream: IO[str]) -> str:
    """The rule table. On a terminal rich fits it to the window; piped or redirected, every rule
    stays on one line (grep and sort read it whole), as ``ruff rule --all`` does. Summaries are
    plain text, never markup: RC303's ``[standard]`` is printed as written."""
    headers = ("ID", "Name", "Severity", "Summary")
    rows = [(c.id, c.name, str(c.severity), c.summary) for c in checks]
    terminal = stream.isatty() if hasattr(stream, "isatty") else False
    if not terminal:
        widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(3)]
        lines = [("  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths)) + "  " + row[3]).rstrip()
                 for row in [headers, *rows]]
        if color_wanted(stream):  # FORCE_COLOR: the header bold, as on a terminal
            lines[0] = f"\x1b[1m{lines[0]}\x1b[0m"
        return "\n".join(lines) + "\n"
    import io

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, no_color=not color_wanted(stream), highlight=False,
                      width=Console().width)
    table = Table(box=None, pad_edge=False)
    for column in headers:
        table.add_column(column)
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    console.print(table)
    return buffer.getvalue()


def _explain(argv: list[str]) -> int:
    parser = _parser("readycheck explain", "Document one check: why, fix, examples.")
    parser.add_argument("rule", help="rule id (RC101) or name (root-user)")
    args = parser.parse_args(argv)
    checks, _ = _load()
    wanted = args.rule.strip()
    match = next((c for c in checks if c.id == wanted.upper() or c.name == wanted), None)
    if match is None:
        raise UsageError(f"unknown rule {wanted!r}; 'readycheck rules' lists them")
    sys.stdout.write(explain_text(match))
    return EXIT_CLEAN


def explain_text(check) -> str:
    """The user documentation of a check: its docstring's sections, options, examples and autofix."""
    from readycheck.core import ruledoc

    lines = ruledoc.text(check).split("\n")
    if check.default_options:
        lines.append("Options ([tool.readycheck.options." + check.id + "]):")
        lines += [f"  {k} = {v!r}" for k, v in check.default_options.items()]
        lines.append("")
    for number, example in enumerate(check.examples, start=1):
        verdict = "flagged at " + ", ".join(example.expect) if example.flags else "not flagged"
        title = f" {example.title}" if example.title else ""
        lines.append(f"Example {number}:{title} ({verdict})")
        for path, content in example.files.items():
            lines.append(f"  --- {path}")
            lines += [f"  {n:>3} | {line}" for n, line in enumerate(content.splitlines(), start=1)]
        lines.append("")
    fixed = [(e.files, e.fixed) for e in check.examples if e.fixed is not None] + list(check.fix_examples)
    if fixed:
        import difflib

        lines.append("Autofix (readycheck --fix; preview with --diff):")
        for before, after in fixed:
            for path in before:
                diff = difflib.unified_diff(before[path].splitlines(keepends=True),
                                            after.get(path, before[path]).splitlines(keepends=True),
                                            fromfile=f"a/{path}", tofile=f"b/{path}")
                lines += [f"  {line.rstrip(chr(10))}" for line in diff]
        lines.append("")
    references = [r.strip() for r in ruledoc.rule_doc(check).section("References").splitlines() if r.strip()]
    if references:
        lines.append("References:")
        lines += [f"  {ref}" for ref in references]
        lines.append("")
    return "\n".join(lines)


def rules_markdown(checks) -> str:
    """The rule reference: every check's documentation, generated from the checks themselves."""
    from readycheck.core.ruledoc import markdown as help_markdown

    lines = ["# readycheck rules", "",
             "Generated by `readycheck rules --format markdown` from the checks themselves; "
             "`readycheck explain ID` shows the same in a terminal.", "",
             "| id | name | severity | summary |", "|---|---|---|---|"]
    lines += [f"| [{c.id}](#{c.id.lower()}-{c.name}) | {c.name} | {c.severity} | {c.summary} |" for c in checks]
    for check in checks:
        lines += ["", f"## {check.id} {check.name}", "", f"Severity: {check.severity}. Tags: "
                  f"{', '.join(check.tags) or 'none'}.", ""]
        lines.append(help_markdown(check).replace("### ", "#### "))
        if check.default_options:
            lines += ["", f"Options (`[tool.readycheck.options.{check.id}]`): "
                      + ", ".join(f"`{k}` (default `{v!r}`)" for k, v in check.default_options.items()) + "."]
    return "\n".join(lines) + "\n"
