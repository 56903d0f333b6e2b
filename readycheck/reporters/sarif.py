"""SARIF 2.1.0 for GitHub code scanning and every other SARIF consumer.

One run. ``tool.driver.rules`` has full metadata for every check that ran
(short and full description, help as text and Markdown with why/fix/example,
helpUri, default level, tags, precision, problem severity, and
security-severity on security checks only). Results carry ruleId and ruleIndex,
repo-relative URIs under ``%SRCROOT%``, exact regions, related locations,
GitHub's own ``primaryLocationLineHash``, and, with ``--show-suppressed`` only,
findings silenced in source with ``suppressions`` (GitHub ignores that field and
would open an alert for each, so by default they are left out, as ruff and
bandit do). Files that could not be read are ``toolExecutionNotifications``.

GitHub's limits are kept: at most 25,000 results a run (the most severe kept, a
notification says how many were left out) and 1,000 related locations a result.
URIs are relative to the repository (the nearest folder above the scanned root
that holds ``.git``; else the root), whatever the working directory, because
code scanning resolves them against the checkout.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote
from typing import IO

from readycheck import __version__
from readycheck.core import ruledoc
from readycheck.core.check import Check
from readycheck.core.findings import Finding, Severity, Span
from readycheck.reporters import write_json
from readycheck.reporters.fingerprint import line_hashes
from readycheck.engine.runner import ScanResult
from readycheck.core.sourcefile import UnreadableFile

_URI_PLAIN = re.compile(r"[A-Za-z0-9_.~/-]*")
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/readycheck/readycheck"
RULES_DOC = f"{INFORMATION_URI}/blob/main/docs/rules.md"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
PROBLEM_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "recommendation"}
#: GitHub's security-severity scale (0-10), only for checks tagged "security".
SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.5", Severity.INFO: "3.0"}
#: GitHub code scanning's limits per run and per result.
MAX_RESULTS = 25_000
MAX_RELATED = 1_000


def rule_anchor(check: type[Check]) -> str:
    return f"{check.id.lower()}-{check.name}"


def rule(check: type[Check]) -> dict:
    properties: dict = {"tags": sorted(set(check.tags) | {"readycheck"}), "precision": check.precision,
                        "problem.severity": PROBLEM_SEVERITY[check.severity]}
    if "security" in check.tags:
        properties["security-severity"] = SECURITY_SEVERITY[check.severity]
    return {
        "id": check.id,
        "name": check.name,
        "shortDescription": {"text": check.summary},
        "fullDescription": {"text": ruledoc.rule_doc(check).why},
        "help": {"text": ruledoc.text(check), "markdown": ruledoc.markdown(check)},
        "helpUri": f"{RULES_DOC}#{rule_anchor(check)}",
        "defaultConfiguration": {"level": LEVEL[check.severity]},
        "properties": properties,
    }


def _region(span: Span) -> dict:
    return {"startLine": span.line, "startColumn": span.column, "endLine": span.end_line,
            "endColumn": max(span.end_column, span.column + 1 if span.end_line == span.line else span.end_column)}


class _Locator:
    """Repo-relative URIs and GitHub fingerprints, each file hashed once."""

    def __init__(self, result: ScanResult, prefix: str) -> None:
        self.result = result
        self.prefix = prefix
        self._hashes: dict[str, dict[int, str]] = {}
        # Hash each file only as far as its last reported line.
        self._last_line: dict[str, int] = {}
        for finding in result.findings + result.suppressed:
            self._last_line[finding.path] = max(finding.span.line, self._last_line.get(finding.path, 0))

    def uri(self, path: str) -> str:
        """A relative URI reference: percent-encoded (``a b#frag/Dockerfile`` is
        ``a%20b%23frag/Dockerfile``, ``app%2Fmain.py`` stays a file name, not a folder)."""
        text = f"{self.prefix}{path}"
        return text if _URI_PLAIN.fullmatch(text) else quote(text, safe="/!$&'()*+,;=@")

    def location(self, path: str, span: Span) -> dict:
        return {"physicalLocation": {"artifactLocation": {"uri": self.uri(path), "uriBaseId": "%SRCROOT%"},
                                     "region": _region(span)}}

    def fingerprint(self, path: str, line: int) -> str | None:
        if path not in self._hashes:
            source = self.result.project.file(path) if self.result.project else None
            try:
                # GitHub reads the file as UTF-8 (a BOM stays a character): hash the same text.
                self._hashes[path] = (line_hashes(source.data.decode("utf-8", "replace"), self._last_line.get(path))
                                      if source else {})
            except UnreadableFile:
                self._hashes[path] = {}
        return self._hashes[path].get(line)


def repository_root(root: Path) -> Path:
    """The folder code scanning resolves URIs against: the git checkout holding ``root``, else ``root``."""
    for folder in (root, *root.parents):
        if os.path.lexists(folder / ".git"):
            return folder
    return root


def sarif_document(result: ScanResult, checks: list[type[Check]], category: str = "",
                   include_suppressed: bool = False) -> dict:
    root = Path(result.root).resolve()
    base = repository_root(root)
    prefix = "" if base == root else root.relative_to(base).as_posix() + "/"
    locator = _Locator(result, prefix)
    ran = sorted({c.id: c for c in checks}.values(), key=lambda c: c.id)
    index = {c.id: i for i, c in enumerate(ran)}
    chosen = [f for f in result.findings + (result.suppressed if include_suppressed else [])
              if f.rule_id in index]
    dropped = 0
    if len(chosen) > MAX_RESULTS:  # keep the most severe; within a severity, the report's order
        chosen.sort(key=lambda f: (-int(f.severity), Finding.sort_key(f)))
        dropped = len(chosen) - MAX_RESULTS
        chosen = chosen[:MAX_RESULTS]
    results = []
    for finding in sorted(chosen, key=Finding.sort_key):
        entry = {
            "ruleId": finding.rule_id,
            "ruleIndex": index[finding.rule_id],
            "level": LEVEL[finding.severity],
            "message": {"text": finding.message},
            "locations": [locator.location(finding.path, finding.span)],
        }
        if finding.related:
            entry["relatedLocations"] = [
                {**locator.location(r.path, r.span), "id": i + 1, "message": {"text": r.message}}
                for i, r in enumerate(finding.related[:MAX_RELATED])]
        fingerprint = locator.fingerprint(finding.path, finding.span.line)
        if fingerprint:
            entry["partialFingerprints"] = {"primaryLocationLineHash": fingerprint}
        if finding.suppressed_by is not None:
            entry["suppressions"] = [{"kind": "inSource", "justification": finding.suppressed_by}]
        results.append(entry)
    notifications = []
    for diag in result.diagnostics:
        note = {"level": "error" if diag.kind == "internal" else "warning", "message": {"text": diag.message},
                "descriptor": {"id": f"readycheck/{diag.kind}"}}
        if not diag.path.startswith("<"):
            location = {"physicalLocation": {"artifactLocation": {"uri": locator.uri(diag.path),
                                                                  "uriBaseId": "%SRCROOT%"}}}
            if diag.line:
                location["physicalLocation"]["region"] = {"startLine": diag.line}
            note["locations"] = [location]
        notifications.append(note)
    if dropped:
        notifications.append({"level": "warning", "descriptor": {"id": "readycheck/too-many-results"},
                              "message": {"text": f"{dropped} less severe findings were left out: GitHub code "
                                                  f"scanning takes at most {MAX_RESULTS} results a run. The JSON "
                                                  f"report (--format json) has them all."}})
    run = {
        "tool": {"driver": {"name": "readycheck", "version": __version__, "semanticVersion": __version__,
                            "informationUri": INFORMATION_URI, "rules": [rule(c) for c in ran]}},
        "automationDetails": {"id": f"readycheck/{category.strip('/')}/" if category else "readycheck/"},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": base.as_uri() + "/"}},
        "columnKind": "unicodeCodePoints",
        "invocations": [{"executionSuccessful": not result.internal_errors,
                         "toolExecutionNotifications": notifications}],
        "results": results,
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def report(result: ScanResult, out: IO[str], checks: list[type[Check]], category: str = "",
           include_suppressed: bool = False) -> None:
    write_json(sarif_document(result, checks, category, include_suppressed), out, expand=4)
