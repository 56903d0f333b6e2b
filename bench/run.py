"""Benchmark readycheck against the tools a user would otherwise run.

    python bench/run.py [--runs 5] [--scale 1] [--repo PATH ...] [--tools-bin DIR]

Scans (a) a generated large repository (bench/generate.py) and (b) any real
repositories given with --repo, and prints, per target, the median wall time
over --runs runs, files/s and peak RSS for: readycheck cold (no cache),
readycheck warm (an unchanged repository: cache from an earlier run, after one
untimed run made once the repository's folders have been still for the
file-list cache's racy window, as on a developer's machine), readycheck
--no-cache -j1, and,
where installed (on PATH or in --tools-bin), ruff --select ASYNC, bandit,
semgrep with a local rule (bench/semgrep-rule.yml) and hadolint on the
Dockerfiles. Ratios are computed within the same run. With --rss-scales 1,4 it
also reports readycheck's peak RSS on the generated repository at each scale.
This is a benchmark script, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
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


def measure(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> tuple[float, int]:
    """(wall seconds, peak RSS in MB) of one run, the RSS of that process alone (wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    return elapsed, usage.ru_maxrss // 1024


def tool(name: str, tools_bin: Path | None) -> str | None:
    if tools_bin is not None and (tools_bin / name).exists():
        return str(tools_bin / name)
    return shutil.which(name)


def bench_target(label: str, repo: Path, runs: int, tools_bin: Path | None) -> None:
    python_files = sum(1 for _ in repo.rglob("*.py"))
    dockerfiles = [str(p) for p in repo.rglob("Dockerfile*") if p.is_file()]
    readycheck = [sys.executable, "-m", "readycheck", str(repo), "--format", "json", "-o", os.devnull]
    cache = repo / ".readycheck_cache"
    cases: dict[str, list[tuple[float, int]]] = {}

    def run(name: str, cmd: list[str], before=None, env=None) -> None:
        for _ in range(runs):
            if before:
                before()
            cases.setdefault(name, []).append(measure(cmd, env=env))

    run("readycheck cold", readycheck, before=lambda: shutil.rmtree(cache, ignore_errors=True))
    # Removing the cache folder changed the root's modification time: wait out the file-list
    # cache's racy window and let one run store the list, as any later rescan would find it.
    from readycheck.discovery import RACY_SECONDS

    time.sleep(RACY_SECONDS)
    measure(readycheck)
    run("readycheck warm", readycheck)
    run("readycheck --no-cache -j1", readycheck + ["--no-cache", "-j", "1"])
    shutil.rmtree(cache, ignore_errors=True)
    env = {**os.environ, "SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}
    if tool("ruff", tools_bin):
        run("ruff --select ASYNC", [tool("ruff", tools_bin), "check", "--select", "ASYNC", "--no-cache",
                                     "--exit-zero", "--quiet", str(repo)])
    if tool("bandit", tools_bin):
        run("bandit", [tool("bandit", tools_bin), "-r", str(repo), "-q", "-f", "json", "-o", os.devnull])
    if tool("semgrep", tools_bin):
        run("semgrep (local rule)", [tool("semgrep", tools_bin), "scan", "--config", str(HERE / "semgrep-rule.yml"),
                                     "--metrics=off", "--quiet", "--disable-version-check", "-o", os.devnull,
                                     str(repo)], env=env)
    if tool("hadolint", tools_bin) and dockerfiles:
        run("hadolint (Dockerfiles only)", [tool("hadolint", tools_bin), "--no-fail", *dockerfiles])
    print(f"\n## {label}: {python_files:,} Python files, {len(dockerfiles)} Dockerfiles, median of {runs} runs\n")
    print(f"| tool | wall (s) | Python files/s | peak RSS (MB) | readycheck cold is ... |")
    print("|---|---:|---:|---:|---|")
    cold = statistics.median(t for t, _ in cases["readycheck cold"])
    for name, samples in cases.items():
        wall = statistics.median(t for t, _ in samples)
        rss = max(r for _, r in samples)
        ratio = "" if name.startswith("readycheck") else (
            f"{wall / cold:.1f}x faster" if wall >= cold else f"{cold / wall:.1f}x slower")
        print(f"| {name} | {wall:.2f} | {python_files / wall:,.0f} | {rss} | {ratio} |")


def compile_readycheck() -> None:
    """Byte-compile readycheck as pip does at install time, so that no run pays for
    compiling it (this matters where PYTHONDONTWRITEBYTECODE is set or the source is
    an editable checkout)."""
    import compileall

    import readycheck
    import readycheck_checks

    for package in (readycheck, readycheck_checks):
        compileall.compile_dir(str(Path(package.__file__).parent), quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--repo", type=Path, action="append", default=[])
    parser.add_argument("--tools-bin", type=Path, help="folder with ruff, bandit, semgrep, hadolint")
    parser.add_argument("--rss-scales", default="", help="e.g. 1,4: peak RSS of readycheck at these scales")
    parser.add_argument("--skip-generated", action="store_true")
    args = parser.parse_args()
    compile_readycheck()
    with tempfile.TemporaryDirectory(prefix="readycheck-bench-") as tmp:
        if not args.skip_generated:
            repo = Path(tmp) / "generated"
            generate(repo, args.scale)
            bench_target(f"generated repository (scale {args.scale})", repo, args.runs, args.tools_bin)
        for real in args.repo:
            bench_target(str(real), real.resolve(), args.runs, args.tools_bin)
        if args.rss_scales:
            print("\n## readycheck memory as the repository grows (cold, --no-cache)\n")
            print("| scale | Python files | wall (s) | peak RSS (MB) |\n|---:|---:|---:|---:|")
            for scale in (int(s) for s in args.rss_scales.split(",")):
                repo = Path(tmp) / f"rss{scale}"
                generate(repo, scale)
                wall, rss = measure([sys.executable, "-m", "readycheck", str(repo), "--no-cache", "--format", "json",
                                     "-o", os.devnull])
                print(f"| {scale}x | {sum(1 for _ in repo.rglob('*.py')):,} | {wall:.2f} | {rss} |")
                shutil.rmtree(repo)


if __name__ == "__main__":
    main()
