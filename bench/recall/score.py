"""Precision and recall of readycheck against hand-written labels of public repositories.

    python bench/recall/score.py --corpus DIR [--readycheck PATH] [--labels DIR] [--json-out DIR | --json-in DIR]
                                 [--include-info] [--show-misses] [--show-unjudged]

Each ``labels/<owner>+<name>.tsv`` names a public repository, the commit that was read, the concepts that
were examined and, one row each, the problems a reviewer found there (concept, file, line, note), written by
reading the code before looking at readycheck's output (format: README.md beside this script). Below a
``# verdicts`` line come judgements of the findings that match no label (``tp`` or ``fp``), so precision is
judged on every finding, not only on labelled lines.

The checkout of each repository is ``DIR/<owner>+<name>`` (check it out at the labelled commit; when it is a
git work tree, the commit is verified). readycheck is run on it with ``--format json --no-cache``; its
findings of the rules mapped from each covered concept are matched to the labels: a finding matches a label
when its primary location or one of its related locations is in the label's file on the label's line (one
line of slack), or, for a label on a ``def`` line, on one of that function's decorators (readycheck reports a
route at its decorator, the labels are at the ``def``, and a decorator can span many lines). Per concept it
prints:

- recall: labels matched by a finding / labels;
- precision: (findings that match a label + findings judged ``tp``) / findings judged in any way;
  findings neither matched nor judged are counted as ``unjudged`` and left out of the ratio (they are shown
  with ``--show-unjudged``, to be judged).

Info findings (development files, development-guarded branches) are left out unless ``--include-info``.
This script only reads the repositories and runs readycheck on them; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: The rules whose findings answer each labelled concept.
CONCEPT_RULES: dict[str, tuple[str, ...]] = {
    "blocking-io-in-async": ("RC401",),
    "cpu-bound-in-async": ("RC402",),
    "no-liveness-endpoint": ("RC501",),
    "liveness-touches-database": ("RC505",),
    "readiness-without-database": ("RC506",),
    "readiness-cannot-fail": ("RC507",),
    "migrations-at-boot": ("RC601",),
    "dev-server-in-production": ("RC201",),
    "signals-not-forwarded": ("RC204",),
    "no-healthcheck": ("RC113",),
    "root-user": ("RC101",),
    "secrets-in-image": ("RC111",),
    "database-in-image": ("RC112",),
    "credentials-in-url": ("RC603",),
    "engine-without-pool-pre-ping": ("RC602",),
}
LINE_SLACK = 1


@dataclass
class Label:
    concept: str
    file: str
    line: int
    note: str
    #: The first line of the function's decorators when the label is on a decorated ``def`` (else ``line``).
    start: int = 0


@dataclass
class Verdict:
    verdict: str
    rule: str
    file: str
    line: int
    note: str


@dataclass
class LabelFile:
    repo: str
    commit: str
    scope: str
    concepts: list[str]
    labels: list[Label] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def folder_name(self) -> str:
        return self.repo.replace("/", "+")


def read_labels(path: Path) -> LabelFile:
    """One labels file; unknown concepts and malformed rows are errors, so a typo cannot drop a label."""
    header: dict[str, str] = {}
    labels: list[Label] = []
    verdicts: list[Verdict] = []
    in_verdicts = False
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.rstrip("\n")
        if not line.strip():
            continue
        if line.startswith("#"):
            text = line[1:].strip()
            if text.lower().startswith("verdicts"):
                in_verdicts = True
            elif ":" in text:
                key, _, value = text.partition(":")
                header.setdefault(key.strip().lower(), value.strip())
            continue
        cells = line.split("\t")
        if cells[0] in ("concept", "verdict"):
            continue
        if in_verdicts:
            if len(cells) < 4 or cells[0] not in ("tp", "fp"):
                raise SystemExit(f"{path}:{number}: a verdict row is: tp|fp, rule, file, line, note")
            verdicts.append(Verdict(cells[0], cells[1], cells[2], int(cells[3]), "\t".join(cells[4:])))
            continue
        if len(cells) < 3 or cells[0] not in CONCEPT_RULES:
            raise SystemExit(f"{path}:{number}: a label row is: concept, file, line, note "
                             f"(concept one of {', '.join(CONCEPT_RULES)})")
        labels.append(Label(cells[0], cells[1], int(cells[2]), "\t".join(cells[3:])))
    concepts = [c.strip() for c in header.get("concepts", "").split(",") if c.strip()]
    unknown = [c for c in concepts if c not in CONCEPT_RULES]
    if unknown:
        raise SystemExit(f"{path}: unknown concepts in '# concepts:': {', '.join(unknown)}")
    for label in labels:
        if label.concept not in concepts:
            concepts.append(label.concept)
    if "repo" not in header or "commit" not in header:
        raise SystemExit(f"{path}: '# repo:' and '# commit:' are required")
    return LabelFile(header["repo"], header["commit"], header.get("scope", ""), concepts, labels, verdicts)


def same_files(labels: LabelFile, checkout: Path) -> LabelFile:
    """The labels with each file named by the file it is: a label on a symbolic link inside the checkout
    (Netflix/dispatch's ``Dockerfile -> docker/Dockerfile``) is a label on the file the link points to,
    which is where readycheck, reading files without following links, reports. A link that leaves the
    checkout, or a file that is not a link, is kept as written."""
    root = checkout.resolve()
    out: list[Label] = []
    for label in labels.labels:
        path = checkout / label.file
        if path.is_symlink():
            target = path.resolve()
            if target.is_file() and target.is_relative_to(root):
                label = Label(label.concept, target.relative_to(root).as_posix(), label.line, label.note)
        label.start = _decorated_from(checkout / label.file, label.line)
        out.append(label)
    return LabelFile(labels.repo, labels.commit, labels.scope, labels.concepts, out, labels.verdicts)


_DEF_STARTS: dict[Path, dict[int, int]] = {}


def _decorated_from(path: Path, line: int) -> int:
    """The first decorator line of the function defined on ``line`` of a Python file, else ``line``."""
    if path.suffix != ".py" or not path.is_file():
        return line
    starts = _DEF_STARTS.get(path)
    if starts is None:
        import ast

        starts = _DEF_STARTS[path] = {}
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            return line
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.decorator_list:
                starts[node.lineno] = min(d.lineno for d in node.decorator_list)
    return starts.get(line, line)


def on_label(location: tuple[str, int], label: Label) -> bool:
    return location[0] == label.file and min(label.start or label.line, label.line) - LINE_SLACK <= location[1] \
        <= label.line + LINE_SLACK


def locations(finding: dict) -> list[tuple[str, int]]:
    return [(finding["path"], finding["line"])] + [(r["path"], r["line"]) for r in finding.get("related", ())]


def near(a: tuple[str, int], file: str, line: int) -> bool:
    return a[0] == file and abs(a[1] - line) <= LINE_SLACK


def judged(verdicts: list[Verdict], finding: dict) -> Verdict | None:
    """The verdict on a finding: of the rows of its rule within a line's slack of one of its locations,
    the nearest (a row on the finding's own line wins over its neighbour's, so two calls on adjacent
    lines, judged one row each, keep their own verdicts); the first such row on a tie."""
    best: tuple[int, int] | None = None
    found = None
    for index, v in enumerate(verdicts):
        if v.rule != finding["rule_id"]:
            continue
        distances = [abs(loc[1] - v.line) for loc in locations(finding) if near(loc, v.file, v.line)]
        if distances and (best is None or (min(distances), index) < best):
            best, found = (min(distances), index), v
    return found


def run_readycheck(readycheck: str, checkout: Path, out: Path | None) -> list[dict]:
    proc = subprocess.run([readycheck, str(checkout), "--format", "json", "--no-cache", "--exit-zero"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"readycheck failed on {checkout} (exit {proc.returncode}): {proc.stderr[-2000:]}")
    if out is not None:
        out.write_text(proc.stdout, encoding="utf-8")
    report = json.loads(proc.stdout)
    return report["findings"]


def verify_commit(checkout: Path, commit: str) -> str:
    if not (checkout / ".git").exists() or shutil.which("git") is None:
        return "unverified (not a git work tree)"
    head = subprocess.run(["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True, text=True)
    if head.stdout.strip() != commit:
        raise SystemExit(f"{checkout} is at {head.stdout.strip() or '?'}, the labels are of {commit}")
    return "verified"


@dataclass
class Tally:
    labels: int = 0
    found: int = 0
    matched_findings: int = 0
    tp_verdicts: int = 0
    fp_verdicts: int = 0
    unjudged: int = 0

    def add(self, other: "Tally") -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def recall(self) -> float | None:
        return self.found / self.labels if self.labels else None

    @property
    def precision(self) -> float | None:
        judged = self.matched_findings + self.tp_verdicts + self.fp_verdicts
        return (self.matched_findings + self.tp_verdicts) / judged if judged else None


def score(labels: LabelFile, findings: list[dict], include_info: bool,
          misses: list[str], unjudged: list[str]) -> dict[str, Tally]:
    tallies: dict[str, Tally] = {}
    for concept in labels.concepts:
        rules = CONCEPT_RULES[concept]
        mine = [f for f in findings if f["rule_id"] in rules and (include_info or f["severity"] != "info")]
        rows = [lab for lab in labels.labels if lab.concept == concept]
        tally = Tally(labels=len(rows))
        for lab in rows:
            if any(on_label(loc, lab) for f in mine for loc in locations(f)):
                tally.found += 1
            else:
                misses.append(f"{labels.repo} {concept} {lab.file}:{lab.line} {lab.note}")
        for f in mine:
            if any(on_label(loc, lab) for lab in rows for loc in locations(f)):
                tally.matched_findings += 1
                continue
            verdict = judged(labels.verdicts, f)
            if verdict is None:
                tally.unjudged += 1
                unjudged.append(f"{labels.repo} {f['rule_id']} {f['path']}:{f['line']} {f['message']}")
            elif verdict.verdict == "tp":
                tally.tp_verdicts += 1
            else:
                tally.fp_verdicts += 1
        tallies[concept] = tally
    return tallies


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    parser.add_argument("--corpus", type=Path, required=True, help="folder with one <owner>+<name> checkout each")
    parser.add_argument("--readycheck", default=shutil.which("readycheck") or "readycheck")
    parser.add_argument("--labels", type=Path, default=HERE / "labels")
    parser.add_argument("--json-out", type=Path, help="keep each repository's JSON report in this folder")
    parser.add_argument("--json-in", type=Path, help="score the JSON reports kept by an earlier --json-out instead "
                                                     "of running readycheck (to judge findings, then score again)")
    parser.add_argument("--include-info", action="store_true")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--show-unjudged", action="store_true")
    args = parser.parse_args(argv)

    files = sorted(args.labels.glob("*.tsv"))
    if not files:
        raise SystemExit(f"no labels in {args.labels}")
    if args.json_out:
        args.json_out.mkdir(parents=True, exist_ok=True)
    total: dict[str, Tally] = defaultdict(Tally)
    misses: list[str] = []
    unjudged: list[str] = []
    for path in files:
        labels = read_labels(path)
        checkout = args.corpus / labels.folder_name
        if not checkout.is_dir():
            raise SystemExit(f"missing checkout {checkout} of {labels.repo} at {labels.commit}")
        status = verify_commit(checkout, labels.commit)
        out = args.json_out / f"{labels.folder_name}.json" if args.json_out else None
        if args.json_in:
            findings = json.loads((args.json_in / f"{labels.folder_name}.json").read_text(encoding="utf-8"))["findings"]
        else:
            findings = run_readycheck(args.readycheck, checkout, out)
        tallies = score(same_files(labels, checkout), findings, args.include_info, misses, unjudged)
        found = sum(t.found for t in tallies.values())
        print(f"{labels.repo} @ {labels.commit[:12]} ({status}): {found}/{len(labels.labels)} labels found")
        for concept, tally in tallies.items():
            total[concept].add(tally)
    print()
    print(f"{'concept':30} {'labels':>6} {'found':>6} {'recall':>7} {'findings':>8} {'fp':>4} {'unjudged':>8} "
          f"{'precision':>9}")
    overall = Tally()
    for concept in CONCEPT_RULES:
        if concept not in total:
            continue
        t = total[concept]
        overall.add(t)
        findings = t.matched_findings + t.tp_verdicts + t.fp_verdicts + t.unjudged
        print(f"{concept:30} {t.labels:6} {t.found:6} {fmt(t.recall):>7} {findings:8} {t.fp_verdicts:4} "
              f"{t.unjudged:8} {fmt(t.precision):>9}")
    findings = overall.matched_findings + overall.tp_verdicts + overall.fp_verdicts + overall.unjudged
    print(f"{'all':30} {overall.labels:6} {overall.found:6} {fmt(overall.recall):>7} {findings:8} "
          f"{overall.fp_verdicts:4} {overall.unjudged:8} {fmt(overall.precision):>9}")
    if args.show_misses and misses:
        print("\nmissed labels:")
        print("\n".join(f"  {m}" for m in misses))
    if args.show_unjudged and unjudged:
        print("\nunjudged findings:")
        print("\n".join(f"  {u}" for u in unjudged))
    return 0


if __name__ == "__main__":
    sys.exit(main())
