"""Check incremental rescans on real repositories: after an edit, a rescan with the cache must print
exactly what a scan without cache of the edited tree prints.

    python bench/incremental.py --corpus /work/rcorpus [--readycheck .venv/bin/readycheck] [--edits 3]

For each repository (copied to a temporary folder), a scan with a cache, then for each edit (chosen
deterministically among the repository's Python modules): a function appended to a module, a blank
line inserted at the top of a module (every position below it moves), a call to ``time.sleep`` added
at the start of the module's first function, the rescan with the cache and a scan with ``--no-cache``
of the same tree, compared byte for byte (JSON). Prints one line per edit: identical or not, and the
wall time of the rescan against the scan without cache. Exits 1 if any differ.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def scan(readycheck: str, root: Path, *args: str) -> tuple[bytes, float]:
    out = root.parent / "out.json"
    start = time.perf_counter()
    subprocess.run([readycheck, str(root), "--format", "json", "-o", str(out), *args],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return out.read_bytes(), time.perf_counter() - start


def modules(root: Path) -> list[Path]:
    found = sorted(p for p in root.rglob("*.py") if ".git" not in p.parts and p.is_file())
    return [p for p in found if 200 < p.stat().st_size < 200_000]


def append_function(path: Path) -> None:
    with open(path, "a", encoding="utf-8") as out:
        out.write("\n\ndef incremental_check_added(value):\n    return value\n")


def blank_line_on_top(path: Path) -> None:
    path.write_bytes(b"\n" + path.read_bytes())


def sleep_in_first_function(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    match = re.search(r"^(async )?def \w+\(.*?\).*?:\n(\s+)", text, re.M | re.S)
    if match is None:
        append_function(path)
        return
    indent = match.group(2)
    text = text[:match.end()] + f"__import__('time').sleep(1)\n{indent}" + text[match.end():]
    path.write_text(text, encoding="utf-8", errors="surrogateescape")


EDITS = (("function appended", append_function), ("blank line on top", blank_line_on_top),
         ("time.sleep in the first function", sleep_in_first_function))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--readycheck", default=str(Path(sys.executable).with_name("readycheck")))
    parser.add_argument("--edits", type=int, default=2, help="modules edited per kind of edit and repository")
    args = parser.parse_args()
    failures = 0
    for repo in sorted(p for p in args.corpus.iterdir() if p.is_dir()):
        with tempfile.TemporaryDirectory(prefix="readycheck-incremental-") as tmp:
            root = Path(tmp) / "repo"
            shutil.copytree(repo, root, symlinks=True, ignore=shutil.ignore_patterns(".git", ".readycheck_cache"))
            cache = Path(tmp) / "cache"
            candidates = modules(root)
            if not candidates:
                continue
            scan(args.readycheck, root, "--cache-dir", str(cache))
            step = max(1, len(candidates) // (args.edits + 1))
            for name, edit in EDITS:
                for number in range(args.edits):
                    target = candidates[(number + 1) * step % len(candidates)]
                    edit(target)
                    incremental, fast = scan(args.readycheck, root, "--cache-dir", str(cache))
                    cold, slow = scan(args.readycheck, root, "--no-cache")
                    same = incremental == cold
                    failures += not same
                    print(f"{repo.name}: {name} in {target.relative_to(root)}: "
                          f"{'identical' if same else 'DIFFERENT'} ({fast:.2f} s with the cache, "
                          f"{slow:.2f} s without)", flush=True)
    print(f"{failures} different" if failures else "all identical")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
