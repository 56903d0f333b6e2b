"""The regression corpus: readycheck's JSON report and inspect model of public repositories, before and after.

    python bench/corpus.py snapshot --corpus DIR --readycheck PATH --out OUT   # write OUT/<repo>.{json,inspect.json}
    python bench/corpus.py compare OLD NEW                                     # what changed, finding by finding
    python bench/corpus.py checkout --mirrors DIR --corpus DIR                 # extract each listed commit

``corpus.txt`` beside this script lists the repositories (owner/name and the commit scanned); each is checked
out as ``DIR/<owner>+<name>``. A refactor must leave both files byte-identical on every repository; a
detection change lists each changed finding in its commit. ``compare`` prints, per repository, the findings
that appeared and disappeared (rule, path:line, message) and whether the inspect model changed, and exits 1
when anything differs. Only the list and this script are kept in the project, never the repositories' code.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def corpus_list(path: Path = HERE / "corpus.txt") -> list[tuple[str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            repo, commit = line.split()
            rows.append((repo, commit))
    return rows


def snapshot(corpus: Path, readycheck: str, out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    missing = 0
    for repo, _commit in corpus_list():
        checkout = corpus / repo.replace("/", "+")
        if not checkout.is_dir():
            print(f"missing checkout: {checkout}", file=sys.stderr)
            missing += 1
            continue
        name = repo.replace("/", "+")
        for suffix, command in ((".json", [readycheck, str(checkout), "--format", "json", "--no-cache",
                                           "--exit-zero"]),
                                (".inspect.json", [readycheck, "inspect", str(checkout), "--format", "json"])):
            proc = subprocess.run(command, capture_output=True)
            (out / f"{name}{suffix}").write_bytes(proc.stdout)
            if proc.returncode not in (0, 1):
                print(f"{repo}: {' '.join(command[1:2] + command[3:])} exited {proc.returncode}: "
                      f"{proc.stderr.decode(errors='replace')[-500:]}", file=sys.stderr)
        print(f"{repo}: done")
    return 1 if missing else 0


def _key(finding: dict) -> tuple:
    return (finding["rule_id"], finding["path"], finding["line"], finding["column"], finding["message"])


def compare(old: Path, new: Path) -> int:
    changed = 0
    for old_file in sorted(old.glob("*.json")):
        new_file = new / old_file.name
        if not new_file.exists():
            print(f"{old_file.name}: missing in {new}")
            changed += 1
            continue
        if old_file.read_bytes() == new_file.read_bytes():
            continue
        changed += 1
        if old_file.name.endswith(".inspect.json"):
            print(f"{old_file.name}: inspect model differs")
            continue
        before = {_key(f): f for f in json.loads(old_file.read_bytes())["findings"]}
        after = {_key(f): f for f in json.loads(new_file.read_bytes())["findings"]}
        gone = sorted(set(before) - set(after))
        came = sorted(set(after) - set(before))
        print(f"{old_file.name}: -{len(gone)} +{len(came)} findings"
              + ("" if gone or came else " (same findings, other bytes: related locations, help or order)"))
        for sign, keys in (("-", gone), ("+", came)):
            for rule, path, line, column, message in keys:
                print(f"  {sign} {rule} {path}:{line}:{column} {message[:160]}")
    print("identical" if not changed else f"{changed} files differ")
    return 1 if changed else 0


def _mirror_for(mirrors: Path, repo: str, commit: str) -> Path | None:
    """The bare git directory holding ``commit``: ``mirrors/<owner>+<name>/repo``, else a fork's mirror."""
    name = repo.split("/", 1)[1]
    candidates = [mirrors / repo.replace("/", "+") / "repo"]
    candidates += sorted(p / "repo" for p in mirrors.glob(f"*+{name}") if p / "repo" not in candidates)
    for git_dir in candidates:
        probe = subprocess.run(["git", "--git-dir", str(git_dir), "cat-file", "-e", f"{commit}^{{commit}}"],
                               capture_output=True)
        if git_dir.is_dir() and probe.returncode == 0:
            return git_dir
    return None


def checkout(mirrors: Path, corpus: Path) -> int:
    """Extract every listed commit into ``corpus/<owner>+<name>``.

    ``git archive`` refuses a tree with a missing large blob (snapshots may omit them), so the tree is read
    into a throwaway index and its present files are written out with ``checkout-index``.
    """
    import os
    import tempfile

    failed = 0
    for repo, commit in corpus_list():
        target = corpus / repo.replace("/", "+")
        if target.is_dir():
            continue
        git_dir = _mirror_for(mirrors, repo, commit)
        if git_dir is None:
            print(f"{repo}: no mirror holds {commit}", file=sys.stderr)
            failed += 1
            continue
        target.mkdir(parents=True)
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "GIT_INDEX_FILE": str(Path(tmp) / "index")}
            git = ["git", "--git-dir", str(git_dir), "--work-tree", str(target)]
            subprocess.run(git + ["read-tree", commit], env=env, check=True)
            subprocess.run(git + ["checkout-index", "--all", "--force", "--quiet"], env=env,
                           capture_output=True)
        print(f"{repo}: {target}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    sub = parser.add_subparsers(dest="command", required=True)
    snap = sub.add_parser("snapshot")
    snap.add_argument("--corpus", type=Path, required=True)
    snap.add_argument("--readycheck", default="readycheck")
    snap.add_argument("--out", type=Path, required=True)
    cmp_ = sub.add_parser("compare")
    cmp_.add_argument("old", type=Path)
    cmp_.add_argument("new", type=Path)
    out = sub.add_parser("checkout")
    out.add_argument("--mirrors", type=Path, required=True)
    out.add_argument("--corpus", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "checkout":
        return checkout(args.mirrors, args.corpus)
    if args.command == "snapshot":
        return snapshot(args.corpus, args.readycheck, args.out)
    return compare(args.old, args.new)


if __name__ == "__main__":
    sys.exit(main())
