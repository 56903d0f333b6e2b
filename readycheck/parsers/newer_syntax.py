"""Newer Python syntax rewritten for an older parser, every position kept.

Why: readycheck parses with the ``ast`` of the Python it runs on. On 3.11 a
module that declares ``class Repo[T]:`` (3.12) or catches ``except A, B:``
(3.14) is a syntax error, and everything in it (routes, blocking calls, engine
settings) would be lost to a diagnostic. Code bases adopt new syntax quickly:
polar had 56 modules readycheck could not read on 3.11, saleor 3.

The rewrite keeps every other character where it was, so every line and column
readycheck reports is the one in the file:

- type parameters (PEP 695): ``class Repo[T](Base):`` becomes
  ``class Repo   (Base):`` and ``def first[T](items)`` ``def first   (items)``
  (the brackets and what is in them become spaces);
- ``type UserId[T] = list[T]`` becomes ``0;               list[T]``: the value
  stays an expression where it was, and no name is bound, as with the ``ast``
  of Python 3.12, where a ``type`` statement is no assignment;
- unparenthesized exception lists (PEP 758): ``except A, B:`` becomes
  ``except A   :`` (readycheck reads what a handler does, not what it catches);
- template strings (PEP 750): ``t"..."`` becomes ``f"..."``, whose expressions
  parse the same way.

- f-strings only 3.12 reads (PEP 701: ``f"{row["id"]}"``, a field over several
  lines of a single-quoted string): their insides become blanks. The string
  stays; the calls inside it are lost, the rest of the module is not.

Stretches that span lines keep their line breaks behind a backslash. Type
parameter names then read as unknown names, which is all readycheck needs of
them. A module still unreadable after this stays a diagnostic, with the hint to
run readycheck on a newer Python.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize

#: Cheap tests first: the source may use syntax that needs tokens to rewrite (type
#: parameters, ``type``, ``except A, B``), or an f-string or t-string.
MAYBE_NEWER = re.compile(rb"\b(?:class|def)\s+\w+\s*\[|^[ \t]*type[ \t]+\w+|\bexcept\b[^:(\n]*,", re.MULTILINE)
_MAYBE_FSTRING = re.compile(rb"(?<![\w.])[rR]?[fFtT][rR]?[\"']")
_NEWLINES = "\r\n"
_COMMENT_OR_QUOTE = re.compile(r"[#\"']")
_PREFIX_LETTERS = frozenset("rRbBuUfFtT")


def downgrade(source: bytes) -> bytes | None:
    """The source with newer syntax rewritten, positions kept; None when there is none
    to rewrite, or the source cannot be tokenized (then it fails for another reason)."""
    token_rewrites = MAYBE_NEWER.search(source) is not None
    if not token_rewrites and _MAYBE_FSTRING.search(source) is None:
        return None
    try:
        text = source.decode("utf-8")
    except UnicodeDecodeError:
        return None
    chars = list(text)
    changed = False
    if _MAYBE_FSTRING.search(source):
        stretches = _string_rewrites(text)
        if stretches is None:
            return None
        changed = _apply(chars, stretches)
        text = "".join(chars)
    if not token_rewrites:
        return text.encode("utf-8") if changed else None
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    starts = [0]  # offset of each line, as tokenize counts lines (at "\n" only)
    for line in text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    stretches = [(starts[start[0] - 1] + start[1], starts[end[0] - 1] + end[1], replacement)
                 for start, end, replacement in _rewrites(tokens)]
    changed = _apply(chars, stretches) or changed
    return "".join(chars).encode("utf-8") if changed else None


def _apply(chars: list[str], stretches: list[tuple[int, int, str]]) -> bool:
    """Blank each (begin, end) stretch and write its replacement at its start."""
    for begin, stop, replacement in stretches:
        _blank(chars, begin, stop)
        chars[begin:begin + len(replacement)] = replacement
    return bool(stretches)


def _rewrites(tokens: list[tokenize.TokenInfo]):
    """((row, col) start, (row, col) end, text to write at the start) of each stretch
    to rewrite; the rest of a stretch becomes blanks."""
    at_statement_start = True
    for i, token in enumerate(tokens):
        kind, text = token.type, token.string
        if kind in (tokenize.NL, tokenize.COMMENT):
            continue
        if kind == tokenize.NAME and text in ("class", "def") and i + 2 < len(tokens) \
                and tokens[i + 1].type == tokenize.NAME and tokens[i + 2].string == "[":
            close = _matching_bracket(tokens, i + 2)
            if close is not None:
                yield tokens[i + 2].start, tokens[close].end, ""
        elif kind == tokenize.NAME and text == "type" and at_statement_start and i + 2 < len(tokens) \
                and tokens[i + 1].type == tokenize.NAME and tokens[i + 2].string in ("=", "["):
            equals = i + 2
            if tokens[i + 2].string == "[":
                close = _matching_bracket(tokens, i + 2)
                if close is None or close + 1 >= len(tokens) or tokens[close + 1].string != "=":
                    continue
                equals = close + 1
            # `type X[...] =` becomes `0;`: an expression statement before the value's own
            yield token.start, tokens[equals].end, "0;"
        elif kind == tokenize.NAME and text == "except":
            stretch = _extra_exception_types(tokens, i + 1)
            if stretch is not None:
                yield stretch[0], stretch[1], ""
        at_statement_start = kind in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT) or \
            (kind == tokenize.OP and text == ";")


def _extra_exception_types(tokens: list[tokenize.TokenInfo], at: int):
    """(start, end) of ``, B, C`` in ``except A, B, C:`` (``except*`` too), or None."""
    depth = 0
    comma = None
    for j in range(at, len(tokens)):
        token = tokens[j]
        if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            return None
        if token.type == tokenize.NAME and token.string == "as" and depth == 0:
            return None
        if token.type != tokenize.OP:
            continue
        if token.string in "([{":
            depth += 1
        elif token.string in ")]}":
            depth -= 1
        elif token.string == "," and depth == 0 and comma is None:
            comma = j
        elif token.string == ":" and depth == 0:
            return (tokens[comma].start, tokens[j - 1].end) if comma is not None else None
    return None


def _string_rewrites(text: str) -> list[tuple[int, int, str]] | None:
    """(start, end, replacement) stretches for strings: the ``t`` of a t-string prefix
    becomes ``f``, and the inside of every f-string that only Python 3.12's rules read
    (PEP 701: its own quotes, a backslash or a comment inside a replacement field, a
    single-quoted one over several lines) becomes blanks: the string stays, what is
    computed in it is lost. None when the text cannot be scanned."""
    out: list[tuple[int, int, str]] = []
    i, size = 0, len(text)
    while i < size:
        found = _COMMENT_OR_QUOTE.search(text, i)
        if found is None:
            break
        i = found.start()
        if text[i] == "#":
            newline = text.find("\n", i)
            i = size if newline < 0 else newline
            continue
        prefix = _prefix_before(text, i)
        quote = text[i] * 3 if text.startswith(text[i] * 3, i) else text[i]
        formatted = "f" in prefix.lower() or "t" in prefix.lower()
        end = _string_end(text, i + len(quote), quote, formatted)
        if end is None:
            return None
        if formatted:
            as_f = prefix.replace("t", "f").replace("T", "F")
            if as_f != prefix:  # a t-string: the f-string whose expressions parse the same way
                out.append((i - len(prefix), i, as_f))
            try:
                compile(as_f + text[i:end], "<f-string>", "eval", ast.PyCF_ONLY_AST)
            except SyntaxError:
                out.append((i + len(quote), end - len(quote), ""))
            except (ValueError, RecursionError, MemoryError):
                return None
        i = end
    return out


def _prefix_before(text: str, quote_at: int) -> str:
    """The string prefix (``rb``, ``f``...) just before a quote: letters that start a
    token (in ``if"x"`` the ``f`` belongs to ``if``, and the string has no prefix)."""
    start = quote_at
    while start > quote_at - 2 and start > 0 and text[start - 1] in _PREFIX_LETTERS:
        start -= 1
    if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_."):
        return ""
    return text[start:quote_at]


def _string_end(text: str, i: int, quote: str, formatted: bool) -> int | None:
    """Offset just past the closing quote of a string whose body starts at ``i``, read
    with Python 3.12's rules for f-strings: a replacement field may hold any string."""
    size = len(text)
    while i < size:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if text.startswith(quote, i):
            return i + len(quote)
        if formatted and c == "{":
            if text.startswith("{{", i):
                i += 2
                continue
            i = _field_end(text, i + 1)
            if i is None:
                return None
            continue
        i += 1
    return None


def _field_end(text: str, i: int) -> int | None:
    """Offset just past the ``}`` closing a replacement field whose expression starts at ``i``."""
    depth, size = 0, len(text)
    while i < size:
        c = text[i]
        if c in "\"'":
            prefix = _prefix_before(text, i).lower()
            quote = c * 3 if text.startswith(c * 3, i) else c
            end = _string_end(text, i + len(quote), quote, "f" in prefix or "t" in prefix)
            if end is None:
                return None
            i = end
            continue
        if c in "([{":
            depth += 1
        elif c in ")]" or (c == "}" and depth > 0):
            depth -= 1
        elif c == "}":
            return i + 1
        elif c == ":" and depth == 0:  # a format spec: text, with fields of its own
            i += 1
            while i < size and text[i] != "}":
                if text[i] == "{":
                    i = _field_end(text, i + 1)
                    if i is None:
                        return None
                    continue
                i += 1
            return i + 1 if i < size else None
        elif c == "#" and depth == 0:
            newline = text.find("\n", i)
            i = size if newline < 0 else newline
            continue
        i += 1
    return None


def _matching_bracket(tokens: list[tokenize.TokenInfo], open_at: int) -> int | None:
    depth = 0
    for j in range(open_at, len(tokens)):
        if tokens[j].type != tokenize.OP:
            continue
        if tokens[j].string in "([{":
            depth += 1
        elif tokens[j].string in ")]}":
            depth -= 1
            if depth == 0:
                return j
    return None


def _blank(chars: list[str], begin: int, stop: int) -> None:
    """Spaces over chars[begin:stop], line breaks kept behind a backslash so the
    statement still continues over them."""
    for k in range(begin, stop):
        if chars[k] in _NEWLINES:
            continue
        chars[k] = " "
        if k + 1 < len(chars) and chars[k + 1] in _NEWLINES and k + 1 < stop:
            chars[k] = "\\"
