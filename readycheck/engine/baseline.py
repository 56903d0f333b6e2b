"""Baselines: accept today's findings so only new ones fail CI.

A finding is keyed by its rule, its path and a fingerprint of the offending code
(the whitespace-normalised text of its line and of the exact token), not by its
line number, so it stays matched when unrelated edits move it. Identical lines
are told apart by their occurrence order. The file is JSON, sorted, diff-friendly.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

from readycheck.core.findings import Finding
from readycheck.model.project import Project
from readycheck.core.sourcefile import UnreadableFile

FORMAT = "readycheck-baseline"
#: A baseline larger than this is not read (a committed one may be anything).
MAX_BASELINE_BYTES = 64 * 1024 * 1024
VERSION = 1


class BaselineError(ValueError):
    pass


def _code(project: Project | None, finding: Finding) -> tuple[str, str]:
    source = project.file(finding.path) if project is not None else None
    if source is None:
        return "", ""
    try:
        index = source.index
    except UnreadableFile:
        return "", ""
    line = index.line_text(finding.span.line)
    span = finding.span
    token = line[span.column - 1:span.end_column - 1] if span.end_line == span.line else line[span.column - 1:]
    return " ".join(line.split()), " ".join(token.split())


def keys(project: Project | None, findings: list[Finding]) -> list[str]:
    """One key per finding, in order: rule, path, code fingerprint and occurrence."""
    seen: Counter = Counter()
    out = []
    for finding in findings:
        line, token = _code(project, finding)
        digest = hashlib.sha256(f"{line}\0{token}".encode()).hexdigest()[:16]
        base = f"{finding.rule_id}:{finding.path}:{digest}"
        seen[base] += 1
        out.append(f"{base}:{seen[base]}")
    return out


def write(path: Path, project: Project | None, findings: list[Finding]) -> None:
    entries = [{"rule_id": f.rule_id, "path": f.path, "key": k, "message": f.message}
               for f, k in zip(findings, keys(project, findings))]
    entries.sort(key=lambda e: e["key"])
    from readycheck.core.safefs import open_output

    with open_output(path) as out:  # never through a committed link
        out.write(json.dumps({"format": FORMAT, "version": VERSION, "findings": entries}, indent=2) + "\n")


def read(path: Path) -> Counter:
    from readycheck.core.safefs import read_file_nofollow

    try:
        data = json.loads(read_file_nofollow(path, MAX_BASELINE_BYTES).decode("utf-8"))
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
    except ValueError as exc:  # UnicodeDecodeError too
        raise BaselineError(f"baseline {path} is not JSON: {exc}") from None
    except RecursionError:
        raise BaselineError(f"baseline {path} is not a readycheck baseline: nested too deep") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{path} is not a readycheck baseline (write one with --write-baseline)")
    return Counter(e["key"] for e in data["findings"] if isinstance(e, dict) and isinstance(e.get("key"), str))


def split(project: Project | None, findings: list[Finding], known: Counter) -> tuple[list[Finding], list[Finding]]:
    """(new findings, findings already in the baseline)."""
    remaining = Counter(known)
    new, old = [], []
    for finding, key in zip(findings, keys(project, findings)):
        if remaining[key] > 0:
            remaining[key] -= 1
            old.append(finding)
        else:
            new.append(finding)
    return new, old
