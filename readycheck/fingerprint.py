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

BLOCK_SIZE = 100
MOD = 37
EOF = 65535
_MASK = (1 << 64) - 1
_FIRST_MOD = pow(MOD, BLOCK_SIZE, 1 << 64)
_SPACE, _TAB, _LF, _CR = 32, 9, 10, 13


def line_hashes(text: str) -> dict[int, str]:
    """Line number (1-based) -> primaryLocationLineHash for every line of a text."""
    units = text.encode("utf-16-le")
    codes = [units[i] | (units[i + 1] << 8) for i in range(0, len(units), 2)]
    window = [0] * BLOCK_SIZE
    line_at = [-1] * BLOCK_SIZE
    state = {"hash": 0, "index": 0}
    counts: dict[str, int] = {}
    out: dict[int, str] = {}

    def emit() -> None:
        value = format(state["hash"] & _MASK, "x")
        counts[value] = counts.get(value, 0) + 1
        out[line_at[state["index"]]] = f"{value}:{counts[value]}"
        line_at[state["index"]] = -1

    def update(current: int) -> None:
        index = state["index"]
        begin = window[index]
        window[index] = current
        state["hash"] = (MOD * state["hash"] + current - _FIRST_MOD * begin) & _MASK
        state["index"] = (index + 1) % BLOCK_SIZE

    line_number = 0
    line_start = True
    prev_cr = False
    for current in codes + [EOF]:
        if current in (_SPACE, _TAB) or (prev_cr and current == _LF):
            prev_cr = False
            continue
        if current == _CR:
            current = _LF
            prev_cr = True
        else:
            prev_cr = False
        if line_at[state["index"]] != -1:
            emit()
        if line_start:
            line_start = False
            line_number += 1
            line_at[state["index"]] = line_number
        if current == _LF:
            line_start = True
        update(current)
    for _ in range(BLOCK_SIZE):
        if line_at[state["index"]] != -1:
            emit()
        update(0)
    return out
