"""JSON report, schema version 1 (documented in docs/json-report.md, JSON Schema
in readycheck/schemas/report-v1.json). Paths are relative to the scanned root."""

from __future__ import annotations

from typing import IO

from readycheck import __version__
from readycheck.core.findings import Finding, Severity, Span
from readycheck.reporters import write_json
from readycheck.engine.runner import ScanResult

SCHEMA_VERSION = 1


def _span(span: Span) -> dict:
    return {"line": span.line, "column": span.column, "end_line": span.end_line, "end_column": span.end_column}


def finding_dict(finding: Finding, names: dict[str, str]) -> dict:
    data = {
        "rule_id": finding.rule_id,
        "rule_name": names.get(finding.rule_id, ""),
        "severity": str(finding.severity),
        "path": finding.path,
        **_span(finding.span),
        "message": finding.message,
        "help": finding.help,
        "related": [{"path": r.path, **_span(r.span), "message": r.message} for r in finding.related],
    }
    if finding.suppressed_by is not None:
        data["suppressed_by"] = finding.suppressed_by
    return data


def report(result: ScanResult, out: IO[str], root_label: str) -> None:
    names = {c.id: c.name for c in result.checks}
    by_severity = {str(s): sum(1 for f in result.findings if f.severity == s) for s in reversed(Severity)}
    document = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "readycheck", "version": __version__},
        "root": root_label,
        "summary": {
            "files_scanned": result.files_scanned,
            "checks_run": len(result.checks),
            "findings": len(result.findings),
            "by_severity": by_severity,
            "suppressed": len(result.suppressed),
            "baselined": len(result.baselined),
            "diagnostics": len(result.diagnostics),
        },
        "findings": [finding_dict(f, names) for f in result.findings],
        "suppressed": [finding_dict(f, names) for f in result.suppressed],
        "diagnostics": [{"path": d.path, "line": d.line, "message": d.message, "kind": d.kind}
                        for d in result.diagnostics],
    }
    write_json(document, out, expand=2)
