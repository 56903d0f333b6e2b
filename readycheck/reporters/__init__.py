"""Report writers. Each takes a ScanResult and writes one format."""

from __future__ import annotations

import json
import re
from typing import IO

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """Escape control characters that came from scanned files, so a hostile file
    cannot move the cursor, recolour or hide text in the user's terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


_LINE_BREAKS = re.compile(r"[\t\n\r]")


def clean_line(text: str) -> str:
    """``clean``, and tabs and line breaks escaped too: for formats read one line per
    finding (a file named ``x\\nDockerfile:1:1: RC101 ...`` must not forge a finding)."""
    return _LINE_BREAKS.sub(lambda m: {"\t": "\\t", "\n": "\\n", "\r": "\\r"}[m.group(0)], clean(text))


def write_json(document: object, out: IO[str], *, expand: int = 2) -> None:
    """Write ``document`` as JSON, indented by two spaces for the first ``expand``
    levels of nesting and compact (one line per item) below them.

    ``json.dump(..., indent=2)`` runs the pure-Python encoder (the C encoder only
    writes compact JSON): 10x slower on a report with thousands of findings. Here
    each deep item goes through the C encoder, and the result still reads one
    finding per line.
    """
    _write(document, out, expand, 0)
    out.write("\n")


def _write(value: object, out: IO[str], expand: int, depth: int) -> None:
    encode = json.dumps
    if depth >= expand or not isinstance(value, (dict, list)) or not value:
        out.write(encode(value, ensure_ascii=False))
        return
    pad = "  " * (depth + 1)
    if isinstance(value, dict):
        out.write("{")
        for i, (key, item) in enumerate(value.items()):
            out.write(("," if i else "") + "\n" + pad + encode(str(key), ensure_ascii=False) + ": ")
            _write(item, out, expand, depth + 1)
        out.write("\n" + "  " * depth + "}")
    else:
        out.write("[")
        for i, item in enumerate(value):
            out.write(("," if i else "") + "\n" + pad)
            _write(item, out, expand, depth + 1)
        out.write("\n" + "  " * depth + "]")
