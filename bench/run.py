"""Benchmark readycheck against the floor of parsing, and against the tools a user would otherwise run.

    python bench/run.py [--runs 5] [--scale 1] [--repo PATH [--edit FILE]] ... [--tools-bin DIR]
                        [--python LABEL=INTERPRETER ...]

Scans (a) a generated large repository (bench/generate.py) and (b) any real
repositories given with --repo (copied to a temporary folder first: the
benchmark edits a file), and prints, per target, the median wall time over
--runs runs, files/s and peak RSS for:

* the floor: ``ast.parse`` of every Python file readycheck finds in the target
  (read from disk, collector off, trees thrown away), split over two processes.
  No scan that reads every module can be faster than this in Python; every
  readycheck figure is also printed as a multiple of it.
* readycheck cold (no cache), readycheck warm (an unchanged repository: cache
  from an earlier run, after one untimed run made once the repository's folders
  have been still for the file-list cache's racy window, as on a developer's
  machine), readycheck after a one-file edit (a new function appended to one
  helper module, a different one each run: what a pre-commit hook or CI with a
  restored cache sees; also printed as a multiple of warm), and readycheck
  --no-cache -j1;
* where installed (on PATH or in --tools-bin), ruff --select ASYNC, bandit,
  semgrep with a local rule (bench/semgrep-rule.yml) and hadolint on the
  Dockerfiles.

The edited module is --edit (a path inside the repository, given after its
--repo), else the generated repository's ``app/helpers/h0.py``, else the first
``utils.py`` or ``helpers.py`` found. Every installation runs with its modules
compiled to bytecode (under the scratch folder, ``PYTHONPYCACHEPREFIX``, after one untimed
run), as an installed wheel is, whatever ``PYTHONDONTWRITEBYTECODE`` says. Several readycheck installations can be
compared in the same run with --python LABEL=INTERPRETER (repeatable): their
runs alternate, each with its own cache folder, so that the machine's load
falls on all of them alike. Ratios are computed within the same run, never
across runs. With --rss-scales 1,4 it also reports readycheck's peak RSS on the
generated repository at each scale, and the memory each added module costs.
This is a benchmark script, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import ast
import gc
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402

def measure(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> tuple[float, int, float]:
    """(wall seconds, peak RSS in MB, CPU seconds) of one run: the RSS of that process
    alone, the CPU time (user + system) of it and of the workers it waited for (wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    return elapsed, usage.ru_maxrss // 1024, usage.ru_utime + usage.ru_stime


def bytecode_env(folder: Path) -> dict[str, str]:
    """The environment of a measured readycheck run: bytecode written and read under ``folder``
    (``PYTHONPYCACHEPREFIX``: nothing is written into the installation), whatever
    ``PYTHONDONTWRITEBYTECODE`` says. Without it every run would compile readycheck's modules
    again (0.2 s of CPU on the development machine), which no installed wheel does."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(folder)
    return env


def tool(name: str, tools_bin: Path | None) -> str | None:
    if tools_bin is not None and (tools_bin / name).exists():
        return str(tools_bin / name)
    return shutil.which(name)


def python_files(repo: Path) -> list[Path]:
    """The Python files readycheck finds in the repository (its own discovery: ignored
    and skipped folders left out), the input of the parse floor."""
    from readycheck.engine.discovery import discover
    from readycheck.core.sourcefile import FileKind

    return [Path(source.abspath) for source in discover(repo, []) if source.kind is FileKind.PYTHON]


def _parse_all(paths: list[Path]) -> None:
    for path in paths:
        try:
            ast.parse(path.read_bytes(), filename=str(path))
        except (SyntaxError, ValueError, RecursionError, MemoryError, OSError):
            pass


def parse_floor(paths: list[Path]) -> tuple[float, float]:
    """(wall, CPU) seconds of ``ast.parse`` of every file, half in this process and half
    in a forked one (the files interleaved, so both halves are alike), collector off."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        start, cpu_start = time.perf_counter(), time.process_time()
        pid = os.fork()
        if pid == 0:  # the child: its half, then leave without any teardown
            try:
                _parse_all(paths[1::2])
            finally:
                os._exit(0)
        _parse_all(paths[0::2])
        _, _, usage = os.wait4(pid, 0)
        return time.perf_counter() - start, time.process_time() - cpu_start + usage.ru_utime + usage.ru_stime
    finally:
        if was_enabled:
            gc.enable()


def edited_module(repo: Path, given: str | None) -> Path | None:
    """The helper module the one-file-edit case appends to."""
    if given:
        return repo / given
    generated = repo / "app" / "helpers" / "h0.py"
    if generated.is_file():
        return generated
    for path in sorted(python_files(repo)):
        if path.name in ("utils.py", "helpers.py"):
            return path
    return None


def append_function(module: Path, number: int) -> None:
    """A real edit (new facts, not only new bytes), written in place: the folder's
    modification time does not move, as when an editor saves over a file."""
    with open(module, "a", encoding="utf-8") as out:
        out.write(f"\n\ndef bench_edit_{number}(value: int) -> int:\n    return value + {number}\n")


def bench_target(label: str, repo: Path, runs: int, tools_bin: Path | None, pythons: dict[str, str],
                 edit: Path | None, scratch: Path) -> None:
    from readycheck.engine.discovery import RACY_SECONDS

    floor_input = python_files(repo)
    dockerfiles = [str(p) for p in repo.rglob("Dockerfile*") if p.is_file()]
    caches = {name: scratch / f"cache-{index}" for index, name in enumerate(pythons)}
    bytecode = {name: bytecode_env(scratch / f"bytecode-{index}") for index, name in enumerate(pythons)}

    def readycheck(name: str, *extra: str) -> list[str]:
        return [pythons[name], "-m", "readycheck", str(repo), "--format", "json", "-o", os.devnull,
                "--cache-dir", str(caches[name]), *extra]

    def suffix(name: str) -> str:
        return f" ({name})" if name else ""

    cases: dict[str, list[tuple[float, int, float]]] = {}
    floors: list[tuple[float, float]] = []

    def record(case: str, cmd: list[str], env: dict | None = None) -> None:
        # From the scratch folder: ``python -m readycheck`` run from a checkout would import that
        # checkout's readycheck (the current folder comes first on sys.path), whichever interpreter runs it.
        cases.setdefault(case, []).append(measure(cmd, cwd=scratch, env=env))

    def record_readycheck(case: str, name: str, *extra: str) -> None:
        record(f"{case}{suffix(name)}", readycheck(name, *extra), env=bytecode[name])

    # One untimed run of each installation: its modules compiled to bytecode, as pip does when it
    # installs a wheel (an editable install compiles on first import, unless the environment says
    # PYTHONDONTWRITEBYTECODE, which would recompile every module in every timed run).
    for name in pythons:
        measure(readycheck(name, "--no-cache"), cwd=scratch, env=bytecode[name])

    # Round by round, so that the machine's load falls on every case and installation alike.
    for _ in range(runs):
        floors.append(parse_floor(floor_input))
        for name in pythons:
            shutil.rmtree(caches[name], ignore_errors=True)
            record_readycheck("readycheck cold", name)
    # The file list is kept once the folders have been still for the racy window:
    # wait it out and let one run store the list, as any later rescan would find it.
    time.sleep(RACY_SECONDS)
    for name in pythons:
        measure(readycheck(name), cwd=scratch, env=bytecode[name])
    for _ in range(runs):
        for name in pythons:
            record_readycheck("readycheck warm", name)
    if edit is not None:
        for number in range(runs):
            for name in pythons:
                append_function(edit, number * len(pythons) + list(pythons).index(name))
                record_readycheck("readycheck one-file edit", name)
    for _ in range(runs):
        for name in pythons:
            record_readycheck("readycheck --no-cache -j1", name, "--no-cache", "-j", "1")
    env = {**os.environ, "SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}
    for _ in range(runs):
        if tool("ruff", tools_bin):
            record("ruff --select ASYNC", [tool("ruff", tools_bin), "check", "--select", "ASYNC", "--no-cache",
                                           "--exit-zero", "--quiet", str(repo)])
        if tool("bandit", tools_bin):
            record("bandit", [tool("bandit", tools_bin), "-r", str(repo), "-q", "-f", "json", "-o", os.devnull])
        if tool("semgrep", tools_bin):
            record("semgrep (local rule)", [tool("semgrep", tools_bin), "scan", "--config",
                                            str(HERE / "semgrep-rule.yml"), "--metrics=off", "--quiet",
                                            "--disable-version-check", "-o", os.devnull, str(repo)], env=env)
        if tool("hadolint", tools_bin) and dockerfiles:
            record("hadolint (Dockerfiles only)", [tool("hadolint", tools_bin), "--no-fail", *dockerfiles])

    floor = statistics.median(f[0] for f in floors)
    floor_cpu = statistics.median(f[1] for f in floors)
    count = len(floor_input)
    edited = f", one-file edit: {edit.relative_to(repo).as_posix()}" if edit is not None else ""
    print(f"\n## {label}: {count:,} Python files, {len(dockerfiles)} Dockerfiles, median of {runs} runs{edited}\n")
    print(f"Floor: `ast.parse` of the {count:,} Python files over 2 processes, {floor:.2f} s wall, "
          f"{floor_cpu:.2f} s CPU (runs: {', '.join(f'{w:.2f}' for w, _ in floors)}). On a shared machine "
          "CPU time (user + system, workers included) moves less than wall time.\n")
    print("| tool | wall (s) | x floor | CPU (s) | CPU x floor CPU | Python files/s | peak RSS (MB) | compared |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    first = next(iter(pythons))
    cold = statistics.median(s[0] for s in cases[f"readycheck cold{suffix(first)}"])
    for case, samples in cases.items():
        wall = statistics.median(s[0] for s in samples)
        cpu = statistics.median(s[2] for s in samples)
        rss = max(s[1] for s in samples)
        compared = ""
        if case.startswith("readycheck one-file edit"):
            warm_samples = cases[case.replace("one-file edit", "warm")]
            warm = statistics.median(s[0] for s in warm_samples)
            warm_cpu = statistics.median(s[2] for s in warm_samples)
            compared = f"{wall / warm:.1f}x warm ({cpu / warm_cpu:.1f}x in CPU)"
        elif not case.startswith("readycheck"):
            compared = (f"readycheck cold{suffix(first)} is "
                        + (f"{wall / cold:.1f}x faster" if wall >= cold else f"{cold / wall:.1f}x slower"))
        print(f"| {case} | {wall:.2f} | {wall / floor:.2f}x | {cpu:.2f} | {cpu / floor_cpu:.2f}x | "
              f"{count / wall:,.0f} | {rss} | {compared} |")


def compile_readycheck(python: str) -> None:
    """Byte-compile readycheck as pip does at install time, so that no run pays for
    compiling it (this matters where PYTHONDONTWRITEBYTECODE is set or the source is
    an editable checkout)."""
    subprocess.run([python, "-c", "import compileall, os, readycheck, readycheck_checks\n"
                    "for package in (readycheck, readycheck_checks):\n"
                    "    compileall.compile_dir(os.path.dirname(package.__file__), quiet=1)"], check=True,
                   cwd=tempfile.gettempdir())  # not this checkout's readycheck (the current folder is on sys.path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--repo", type=Path, action="append", default=[])
    parser.add_argument("--edit", action="append", default=[], metavar="FILE",
                        help="the module the one-file-edit case changes in the --repo given just before")
    parser.add_argument("--tools-bin", type=Path, help="folder with ruff, bandit, semgrep, hadolint")
    parser.add_argument("--python", action="append", default=[], metavar="LABEL=INTERPRETER",
                        help="a readycheck installation to measure (repeatable; default: this interpreter)")
    parser.add_argument("--rss-scales", default="", help="e.g. 1,4: peak RSS of readycheck at these scales")
    parser.add_argument("--skip-generated", action="store_true")
    args = parser.parse_args()
    edits = _edits_by_repo(sys.argv[1:])
    pythons = dict(item.split("=", 1) for item in args.python) if args.python else {"": sys.executable}
    for python in pythons.values():
        compile_readycheck(python)
    with tempfile.TemporaryDirectory(prefix="readycheck-bench-") as tmp:
        scratch = Path(tmp)
        if not args.skip_generated:
            repo = scratch / "generated"
            generate(repo, args.scale)
            bench_target(f"generated repository (scale {args.scale})", repo, args.runs, args.tools_bin, pythons,
                         edited_module(repo, None), scratch)
        for index, real in enumerate(args.repo):
            # A copy: the one-file-edit case writes to it, and a checkout may be read-only or shared.
            copy = scratch / f"repo{index}"
            shutil.copytree(real, copy, symlinks=True)
            bench_target(str(real), copy, args.runs, args.tools_bin, pythons,
                         edited_module(copy, edits.get(index)), scratch)
            shutil.rmtree(copy)
        if args.rss_scales:
            print("\n## readycheck memory as the repository grows (cold, --no-cache)\n")
            print("| installation | scale | Python files | wall (s) | peak RSS (MB) |\n|---|---:|---:|---:|---:|")
            points: dict[str, list[tuple[int, int]]] = {}
            for scale in (int(s) for s in args.rss_scales.split(",")):
                repo = scratch / f"rss{scale}"
                generate(repo, scale)
                files = sum(1 for _ in repo.rglob("*.py"))
                for name, python in pythons.items():
                    wall, rss, _ = measure([python, "-m", "readycheck", str(repo), "--no-cache", "--format", "json",
                                         "-o", os.devnull], cwd=scratch)
                    points.setdefault(name, []).append((files, rss))
                    print(f"| {name or 'readycheck'} | {scale}x | {files:,} | {wall:.2f} | {rss} |")
                shutil.rmtree(repo)
            for name, found in points.items():
                if len(found) >= 2 and found[-1][0] > found[0][0]:
                    (small, small_rss), (large, large_rss) = found[0], found[-1]
                    per_module = (large_rss - small_rss) * 1024 / (large - small)
                    print(f"\n{name or 'readycheck'}: {per_module:.0f} KB of peak RSS per added module "
                          f"({small:,} to {large:,} files)")


def _edits_by_repo(argv: list[str]) -> dict[int, str]:
    """--edit FILE applies to the --repo given just before it."""
    edits: dict[int, str] = {}
    repos = -1
    for i, arg in enumerate(argv):
        if arg == "--repo" or arg.startswith("--repo="):
            repos += 1
        elif arg == "--edit" and i + 1 < len(argv):
            edits[repos] = argv[i + 1]
        elif arg.startswith("--edit="):
            edits[repos] = arg.split("=", 1)[1]
    return edits


if __name__ == "__main__":
    main()
