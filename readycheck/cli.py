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
from pathlib import Path
from typing import IO, NoReturn, Sequence

from readycheck import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMATS = ("text", "json", "sarif", "github", "gnu", "junit")


class UsageError(Exception):
    pass


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


def _scan_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="readycheck",
        description="Is this Python web service ready for production? Scans a repository statically "
                    "(never runs its code) and reports what will hurt in production.",
        epilog="Other commands: 'readycheck rules' lists every check; 'readycheck explain ID' documents one; "
           "'readycheck inspect [PATH]' shows how readycheck reads the deployment.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="repository folders or files to scan (default: .)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format (default: text)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    parser.add_argument("--category", default="", help="SARIF automationDetails category (several analyses of one repo)")
    parser.add_argument("--github-annotations", action="store_true",
                        help="also print GitHub workflow annotations (and the job summary) to stdout, "
                             "whatever --format writes to --output")
    parser.add_argument("--select", action="append", metavar="IDS", help="only these rules (ids, families like RC2, names); comma-separated")
    parser.add_argument("--ignore", action="append", metavar="IDS", help="skip these rules; comma-separated")
    parser.add_argument("--fail-on", choices=("error", "warning", "info"), help="lowest severity that fails the run (default: warning)")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    parser.add_argument("--config", metavar="FILE", help="configuration file (default: readycheck.toml or pyproject.toml found from the scanned folder up)")
    parser.add_argument("--show-suppressed", action="store_true", help="also show findings silenced by inline comments (in SARIF: as results with "
                             "'suppressions', which GitHub code scanning does not honour)")
    parser.add_argument("--no-color", action="store_true", help="never colour the text report")
    parser.add_argument("--fix", action="store_true", help="apply the safe fixes of fixable findings, then report what is left")
    parser.add_argument("--diff", action="store_true", help="show the fixes --fix would apply, change nothing (exit 1 if any)")
    parser.add_argument("--baseline", metavar="FILE", help="report only findings that are not in this baseline")
    parser.add_argument("--write-baseline", metavar="FILE",
                        help="write the current findings to FILE as the accepted baseline, and exit 0")
    parser.add_argument("--strict", action="store_true",
                        help="also fail (exit 1) when a file could not be read or parsed")
    parser.add_argument("--jobs", "-j", type=int, default=0, metavar="N",
                        help="parse with N processes (default: all cores)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    parser.add_argument("--cache-dir", metavar="DIR",
                        help="cache folder (default: .readycheck_cache in the scanned folder)")
    parser.add_argument("--version", action="version", version=f"readycheck {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # A scan builds millions of small acyclic objects (syntax trees, facts); the cyclic
    # garbage collector would walk them again and again for nothing (4x slower unpickling
    # of cached facts, 15% slower parsing). A command-line run ends soon after anyway.
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
    Library callers of ``main()`` keep an ordinary return, and so does a run under a
    profiler or tracer (``python -m cProfile -m readycheck`` writes its stats after this).
    """
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
        print(f"readycheck: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `readycheck . | head`: the reader left; leave quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR


def _load():
    from readycheck.registry import load_checks

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


def _scan(argv: list[str]) -> int:
    args = _scan_parser().parse_args(argv)  # first: --help and --version need nothing else
    from readycheck.config import ConfigError, build_config, find_config_file, read_config_table, validate_selectors
    from readycheck.runner import scan

    root, targets, whole_root = _roots(args.paths)
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
        from readycheck.findings import Severity

        config.fail_on = Severity.parse(args.fail_on)
    from readycheck.cache import CACHE_DIR, Cache
    from readycheck.progress import Progress

    cache = Cache(None if args.no_cache else Path(args.cache_dir) if args.cache_dir else root / CACHE_DIR)
    jobs = args.jobs if args.jobs > 0 else (os.cpu_count() or 1)
    progress = Progress()
    try:
        result = scan(root, config, checks, None if targets == [root] else targets, cache=cache, jobs=jobs,
                      progress=progress, whole_root=whole_root)
    finally:
        progress.close()
    result.diagnostics = sorted(plugin_problems) + result.diagnostics
    if args.fix or args.diff:
        from readycheck.fixes import apply, plan

        instances = {c.id: c(config.options.get(c.id)) for c in result.checks if c.fixable()}
        fixed_files: set[str] = set()
        for _round in range(5):  # overlapping fixes land in later rounds
            diff, changed = apply(result.project, plan(result.project, result.findings, instances), write=args.fix)
            if args.diff:
                sys.stdout.write(diff)
                return EXIT_FINDINGS if changed else EXIT_CLEAN
            if not changed:
                break
            fixed_files.update(line[6:] for line in diff.splitlines() if line.startswith("+++ b/"))
            result = scan(root, config, checks, None if targets == [root] else targets, cache=cache, jobs=jobs,
                          whole_root=whole_root)
            result.diagnostics = sorted(plugin_problems) + result.diagnostics
        if fixed_files:
            print(f"readycheck: fixed findings in {len(fixed_files)} file{'s' if len(fixed_files) != 1 else ''}",
                  file=sys.stderr)
    from readycheck import baseline

    if args.write_baseline:
        try:
            baseline.write(Path(args.write_baseline), result.project, result.findings)
        except OSError as exc:
            raise UsageError(f"cannot write the baseline {args.write_baseline}: {exc.strerror or exc}") from None
        print(f"readycheck: wrote {len(result.findings)} findings to the baseline {args.write_baseline}",
              file=sys.stderr)
        return EXIT_CLEAN
    if args.baseline:
        try:
            known = baseline.read(Path(args.baseline))
        except baseline.BaselineError as exc:
            raise UsageError(str(exc)) from None
        result.findings, result.baselined = baseline.split(result.project, result.findings, known)

    out: IO[str]
    if args.output:
        try:
            out = open(args.output, "w", encoding="utf-8", newline="\n")
        except OSError as exc:
            raise UsageError(f"cannot write the report to {args.output}: {exc.strerror or exc}") from None
    else:
        out = sys.stdout
    try:
        display = _displayer(root)
        names = {c.id: c.name for c in checks}
        if args.format == "json":
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

            color = not args.output and not args.no_color and "NO_COLOR" not in os.environ and out.isatty()
            text.report(result, out, color=color, display=display, show_suppressed=args.show_suppressed)
    finally:
        if args.output:
            out.close()
    if args.github_annotations and not (args.format == "github" and not args.output):
        from readycheck.reporters import github

        github.report(result, sys.stdout, display, names)
    if result.internal_errors:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_CLEAN
    failing = [f for f in result.findings if f.severity >= config.fail_on]
    unread = args.strict and any(d.kind == "parse" for d in result.diagnostics)
    return EXIT_FINDINGS if failing or unread else EXIT_CLEAN


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
    from readycheck.config import ConfigError, build_config, find_config_file, read_config_table
    from readycheck.discovery import discover
    from readycheck.inspect import write
    from readycheck.project import Project

    parser = argparse.ArgumentParser(prog="readycheck inspect",
                                     description="Show how readycheck reads the repository: start commands, servers "
                                                 "and their settings, web apps and routes.")
    parser.add_argument("path", nargs="?", default=".", help="repository folder (default: .)")
    parser.add_argument("--format", choices=FORMATS, default="text")
    args = parser.parse_args(argv)
    root, _, _ = _roots([args.path])
    checks, _ = _load()
    try:
        config_path = find_config_file(root)
        config = build_config(read_config_table(config_path) if config_path else {}, checks, config_path)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    project = Project(root, discover(root, config.extend_exclude))
    write(project, sys.stdout, _label(root), args.format)
    return EXIT_CLEAN


def _rules(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="readycheck rules", description="List every registered check.")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                        help="markdown: the full rule reference (docs/rules.md is generated this way)")
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
        from rich.console import Console
        from rich.table import Table

        console = Console(no_color="NO_COLOR" in os.environ, highlight=False)
        table = Table(box=None, pad_edge=False)
        for column in ("ID", "Name", "Severity", "Summary"):
            table.add_column(column)
        for c in checks:
            table.add_row(c.id, c.name, str(c.severity), c.summary)
        console.print(table)
    for problem in problems:
        print(f"{problem.path}: {problem.message}", file=sys.stderr)
    return EXIT_ERROR if problems else EXIT_CLEAN


def _explain(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="readycheck explain", description="Document one check: why, fix, examples.")
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
    from readycheck import ruledoc

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
    if check.fix_examples:
        import difflib

        lines.append("Autofix (readycheck --fix; preview with --diff):")
        for before, after in check.fix_examples:
            for path in before:
                diff = difflib.unified_diff(before[path].splitlines(keepends=True), after[path].splitlines(keepends=True),
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
    from readycheck.ruledoc import markdown as help_markdown

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
