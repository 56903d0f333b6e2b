"""Shared test helpers: build a mini-repository and scan it through the real engine."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Mapping

from readycheck.engine.config import Config, build_config
from readycheck.engine.registry import load_checks
from readycheck.engine.runner import ScanResult, scan

CHECKS, PLUGIN_PROBLEMS = load_checks()
CHECKS_BY_ID = {c.id: c for c in CHECKS}


def write_tree(root: Path, files: Mapping[str, str | bytes], dedent: bool = True) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n") if dedent else content, encoding="utf-8")
    return root


def scan_tree(root: Path, select: list[str] | None = None, options: Mapping | None = None,
              table: Mapping | None = None) -> ScanResult:
    config = build_config(dict(table or {}), CHECKS) if table else Config()
    if select:
        config.select = list(select)
    if options:
        config.options.update(options)
    return scan(root, config, CHECKS)


def found(result: ScanResult, rule: str | None = None) -> set[tuple[str, str, int]]:
    return {(f.rule_id, f.path, f.span.line) for f in result.findings if rule is None or f.rule_id == rule}
