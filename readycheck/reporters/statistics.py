"""``--statistics``: how many findings each rule has, instead of the findings, as ruff prints them:
count, rule id, a ``[*]`` mark when ``--fix`` (with ``--unsafe-fixes`` if given) fixes some of them,
and the rule's name. ``--format json`` gives the same as a list of objects."""

from __future__ import annotations

import json
from collections import Counter
from typing import IO

from readycheck.engine.runner import ScanResult


def fixable_rules(result: ScanResult, config, unsafe: bool) -> set[str]:
    """Rules with at least one finding ``--fix`` would fix: the fix attached to the finding (or, from a
    third-party check's deprecated ``autofix``, worked out here)."""
    from readycheck.core.fixes import Applicability, proposed_fix

    instances = {c.id: c(config.options.get(c.id)) for c in result.checks if c.fixable()}
    fixable: set[str] = set()
    for finding in result.findings:
        check = instances.get(finding.rule_id)
        if finding.rule_id in fixable:
            continue
        fix = proposed_fix(check, result.project, finding)
        if fix is not None and (unsafe or fix.applicability is Applicability.SAFE):
            fixable.add(finding.rule_id)
    return fixable


def rows(result: ScanResult, names: dict[str, str], fixable: set[str]) -> list[dict]:
    counts = Counter(f.rule_id for f in result.findings)
    return [{"code": rule, "name": names.get(rule, ""), "count": count, "fixable": rule in fixable}
            for rule, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def report(result: ScanResult, out: IO[str], names: dict[str, str], fixable: set[str], fmt: str = "text") -> None:
    table = rows(result, names, fixable)
    if fmt == "json":
        json.dump(table, out, indent=2)
        out.write("\n")
        return
    if not table:
        return
    count_width = max(len(str(row["count"])) for row in table)
    code_width = max(len(row["code"]) for row in table)
    marks = any(row["fixable"] for row in table)
    for row in table:
        mark = ("[*] " if row["fixable"] else "[ ] ") if marks else ""
        out.write(f"{row['count']:>{count_width}}\t{row['code']:<{code_width}}\t{mark}{row['name']}\n")
