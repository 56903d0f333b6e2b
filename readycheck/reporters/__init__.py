"""Report writers. Each takes a ScanResult and writes one format.

May import: ``readycheck.core``, ``readycheck.knowledge``, ``readycheck.model`` and ``readycheck.engine`` (a reporter formats what the engine produced); the engine never imports a reporter.
"""

from __future__ import annotations

import json
import re
from typing import IO

#: What a scanned file may hold that must never reach a terminal, a log or a rendered
#: page as it is: C0 and C1 control characters (ESC starts terminal escapes; CR and LF
#: start a new log line, where a GitHub workflow command such as ``::error`` or
#: ``::add-mask::`` would be obeyed), DEL, the bidirectional overrides and isolates
#: that reorder what is displayed (Trojan Source: U+202A-U+202E, U+2066-U+2069, and the
#: marks U+200E, U+200F, U+061C), the Unicode line separators U+2028/U+2029, and lone
#: surrogates (a Python string literal "\\ud800", which no UTF-8 stream can encode).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
_UNSAFE_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\t": "\\t", "\n": "\\n"}  # CR is \\x0d, as it always was


def _escape(match: re.Match) -> str:
    char = match.group(0)
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str) -> str:
    """Escape what came from scanned files and must not act on the user's terminal (see
    ``_UNSAFE``), leaving tabs and line breaks: ``\\x1b``, ``\\u202e``, ``\\ud800``."""
    if text.isascii() and text.isprintable():
        return text
    return _UNSAFE.sub(_escape, text)


def clean_line(text: str) -> str:
    """``clean``, and tabs and line breaks escaped too: the escaping of every format read
    one line at a time (the text, gnu and inspect reports, GitHub's log, stderr): a file
    named ``x\\n::error ::forged`` or ``x\\nDockerfile:1:1: RC101 ...`` must not forge a line."""
    if text.isascii() and text.isprintable():
        return text
    return _UNSAFE_IN_LINE.sub(_escape, text)


#: Inside JSON strings: what json.dumps(ensure_ascii=False) leaves raw but must not be
#: (lone surrogates cannot be written as UTF-8; the others reorder or break the display of
#: a report opened in a terminal or an editor). Written as JSON escapes: same value.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")


def json_safe(encoded: str) -> str:
    """JSON text as json.dumps(ensure_ascii=False) wrote it, with the characters above as
    ``\\uXXXX`` escapes (the JSON structure is ASCII: they can only be inside strings)."""
    if encoded.isascii():
        return encoded
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", encoded)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&\"':;=^$%@?/])")


_BACKTICKS = re.compile("`+")


def markdown_code(text: str) -> str:
    """Scanned text as a Markdown code span (a path in the job summary): nothing inside a
    code span is Markdown or HTML, and the fence is one backtick longer than any run of
    backticks in the text, so none can end it early. Pipes are escaped for GFM tables."""
    body = clean_line(text).replace("|", "\\|")
    fence = "`" * (max((len(m.group(0)) for m in _BACKTICKS.finditer(body)), default=0) + 1)
    pad = " " if body[:1] in ("`", " ") or body[-1:] in ("`", " ") else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def markdown_text(text: str) -> str:
    """Scanned text as literal Markdown (a GitHub job summary): every character Markdown or
    HTML could act on is backslash-escaped, so a backtick cannot end a code span, and
    ``<img>``, ``[link](url)`` or ``**No findings**`` in a file name render as typed."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", clean_line(text))


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


_dumps = json.JSONEncoder(ensure_ascii=False).encode


def _encode(item: object, ensure_ascii: bool = False) -> str:
    """json.dumps(item, ensure_ascii=False) through the escaping of ``json_safe``."""
    encoded = _dumps(item)
    return encoded if encoded.isascii() else json_safe(encoded)


def _write(value: object, out: IO[str], expand: int, depth: int) -> None:
    encode = _encode
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
