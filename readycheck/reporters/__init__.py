"""Report writers. Each takes a ScanResult and writes one format."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """Escape control characters that came from scanned files, so a hostile file
    cannot move the cursor, recolour or hide text in the user's terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)
