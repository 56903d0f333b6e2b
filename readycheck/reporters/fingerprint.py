"""``partialFingerprints.primaryLocationLineHash``, the way GitHub computes it.

GitHub's code scanning upload computes this fingerprint for every result that
lacks one, so that alerts follow their code when lines move. readycheck
computes the same value itself so the SARIF it writes is complete offline. The
algorithm, as GitHub's upload action documents and implements it:

* the file is read as text and processed as UTF-16 code units;
* spaces and tabs are skipped; CR, LF and CRLF all become one LF;
* a rolling polynomial hash (base 37, 64-bit wrap-around) runs over a window of
  the next 100 kept characters, so a line's hash covers the first 100 non-blank
  characters from the start of that line on, across line ends;
* after the text comes one EOF marker (65535), then 100 zeros flush the window;
* each line's value is the unsigned hash in lowercase hex, followed by
  ``:n`` where n counts earlier lines with the same hash.
"""

from __future__ import annotations

import sys
from array import array

BLOCK_SIZE = 100
MOD = 37
EOF = 65535
_MASK = (1 << 64) - 1
_FIRST_MOD = pow(MOD, BLOCK_SIZE, 1 << 64)
_LF = 10


def line_hashes(text: str, last_line: int | None = None) -> dict[int, str]:
    """Line number (1-based) -> primaryLocationLineHash for every line of a text,
    or only for lines up to ``last_line`` (the ``:n`` suffix needs every earlier line).

    The rolling window is computed from prefix hashes: with P[i] the polynomial
    hash of the first i kept characters, the window of 100 characters starting
    at k is P[k + 100] - P[k] * 37**100 (mod 2**64). That is one multiply-add per
    character and one subtraction per line, the same values as GitHub's loop.
    """
    # Spaces and tabs are skipped; CRLF, then lone CR, become LF (a space between
    # CR and LF keeps them two line ends, as the reference loop does).
    kept = text.replace("\r\n", "\n").replace("\r", "\n").replace(" ", "").replace("\t", "")
    units = array("H", kept.encode("utf-16-le"))
    if sys.byteorder == "big":  # pragma: no cover
        units.byteswap()
    units.append(EOF)
    # Each line starts at the kept character after a line end (the EOF marker included).
    starts = [0]
    position = kept.find("\n")
    if len(units) - 1 != len(kept):  # characters outside the BMP take two units
        starts = [0] + [i + 1 for i, unit in enumerate(units) if unit == _LF]
    else:
        while position != -1:
            starts.append(position + 1)
            position = kept.find("\n", position + 1)
    if last_line is not None:
        del starts[last_line:]
    needed = min(len(units), (starts[-1] if starts else 0) + BLOCK_SIZE)
    prefix = [0]
    append = prefix.append
    value = 0
    for unit in units[:needed]:
        value = (value * 37 + unit) & 0xFFFFFFFFFFFFFFFF
        append(value)
    # Past the end the window reads zeros: P[k + 100] is then P[n] * 37**(k + 100 - n).
    total = len(units)
    counts: dict[str, int] = {}
    out: dict[int, str] = {}
    for line, start in enumerate(starts, 1):
        end = start + BLOCK_SIZE
        if end <= needed:
            high = prefix[end]
        else:
            high = (prefix[total] * pow(MOD, end - total, 1 << 64)) & _MASK
        digest = format((high - prefix[start] * _FIRST_MOD) & _MASK, "x")
        counts[digest] = counts.get(digest, 0) + 1
        out[line] = f"{digest}:{counts[digest]}"
    return out
