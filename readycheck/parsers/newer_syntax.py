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
import re

#: Cheap tests first: the source may use syntax that needs the code around strings
#: rewritten (type parameters, ``type``, ``except A, B``), or an f-string or t-string.
#: The except clause stops at the next "except": each stretch of a line is read from one
#: "except" only (40,000 "except" words on a line were read to the line's end from each).
MAYBE_NEWER = re.compile(rb"\b(?:class|def)\s+\w+\s*\[|^[ \t]*type[ \t]+\w+|\bexcept\b(?:(?!\bexcept\b)[^:(\n])*,",
                         re.MULTILINE)
_MAYBE_FSTRING = re.compile(rb"(?<![\w.])[rR]?[fFtT][rR]?[\"']")
_NEWLINES = "\r\n"
_COMMENT_OR_QUOTE = re.compile(r"[#\"']")
_PREFIX_LETTERS = frozenset("rRbBuUfFtT")
_NOT_NEWLINE = re.compile(r"[^\r\n]")

# Rules over the code with strings and comments masked (see _code_mask): a bracket
# or keyword found there is one the tokenizer would see.
# Each starts with its keyword, not with a word boundary, so the regex engine can skip
# ahead to it (three times faster); where a keyword starts is checked after a match.
_TYPE_PARAMETERS = re.compile(r"(?:class|def)[ \t]+\w+[ \t]*(\[)")
_TYPE_STATEMENT = re.compile(r"type[ \t]+\w+[ \t]*(?:(\[)|=(?!=))")
_EQUALS_NEXT = re.compile(r"[ \t]*=(?!=)")
_EXCEPT = re.compile(r"except\b")
_BRACKET = re.compile(r"[][(){}]")
_EXCEPT_CLAUSE_PART = re.compile(r"[][(){}:,\n]|\bas\b")


def downgrade(source: bytes) -> bytes | None:
    """The source with newer syntax rewritten, positions kept; None when there is none
    to rewrite, or its strings cannot be scanned (then it fails for another reason)."""
    token_rewrites = MAYBE_NEWER.search(source) is not None
    if not token_rewrites and _MAYBE_FSTRING.search(source) is None:
        return None
    try:
        text = source.decode("utf-8")
    except UnicodeDecodeError:
        return None
    scanned = _scan_strings(text)
    if scanned is None:
        return None
    stretches, strings, comments = scanned
    if token_rewrites:
        stretches = stretches + list(_code_rewrites(_code_mask(text, strings, comments)))
    if not stretches:
        return None
    chars = list(text)
    for begin, stop, replacement in stretches:
        _blank(chars, begin, stop)
        chars[begin:begin + len(replacement)] = replacement
    return "".join(chars).encode("utf-8")


def _code_mask(text: str, strings: list[tuple[int, int]], comments: list[tuple[int, int]]) -> str:
    """The text with every string turned into underscores (one name-like token) and
    every comment into spaces, line breaks kept: same length, code only."""
    pieces, at = [], 0
    for begin, stop, fill in sorted([(b, e, "_") for b, e in strings] + [(b, e, " ") for b, e in comments]):
        pieces.append(text[at:begin])
        pieces.append(_NOT_NEWLINE.sub(fill, text[begin:stop]))
        at = stop
    pieces.append(text[at:])
    return "".join(pieces)


def _code_rewrites(code: str):
    """(start, end, text to write at the start) of each stretch of ``code`` (strings and
    comments masked) to rewrite; the rest of a stretch becomes blanks."""
    for found in _TYPE_PARAMETERS.finditer(code):
        close = _matching_bracket(code, found.start(1)) if _word_starts(code, found.start()) else None
        if close is not None:
            yield found.start(1), close, ""
    for found in _TYPE_STATEMENT.finditer(code):
        if not _statement_starts(code, found.start()):
            continue
        end = found.end()
        if found.group(1):  # `type X[T] =`: the equals sign after the brackets
            close = _matching_bracket(code, found.start(1))
            equals = _EQUALS_NEXT.match(code, close) if close is not None else None
            if equals is None:
                continue
            end = equals.end()
        # `type X[...] =` becomes `0;`: an expression statement before the value's own
        yield found.start(), end, "0;"
    for found in _EXCEPT.finditer(code):
        stretch = _extra_exception_types(code, found.end()) if _word_starts(code, found.start()) else None
        if stretch is not None:
            yield stretch[0], stretch[1], ""


def _word_starts(code: str, at: int) -> bool:
    """Whether a name starts at ``at`` (``except`` in ``except:``, not in ``my_except``)."""
    return at == 0 or not (code[at - 1].isalnum() or code[at - 1] == "_")


def _statement_starts(code: str, at: int) -> bool:
    """Whether a statement starts at ``at``: only blanks before it, since the line's start
    or a semicolon."""
    before = at - 1
    while before >= 0 and code[before] in " \t":
        before -= 1
    return before < 0 or code[before] in "\r\n;"


def _matching_bracket(code: str, open_at: int) -> int | None:
    """Offset just past the bracket closing the one at ``open_at``."""
    depth = 0
    for found in _BRACKET.finditer(code, open_at):
        if found.group() in "([{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return found.end()
    return None


def _extra_exception_types(code: str, at: int) -> tuple[int, int] | None:
    """(start, end) of ``, B, C`` in ``except A, B, C:`` (``except*`` too), or None."""
    depth = 0
    comma = None
    for found in _EXCEPT_CLAUSE_PART.finditer(code, at):
        part = found.group()
        if part == "\n":
            if depth == 0 and not _continued(code, found.start()):
                return None  # the end of the logical line before any colon
        elif part == "as":
            if depth == 0:
                return None
        elif part in "([{":
            depth += 1
        elif part in ")]}":
            depth -= 1
        elif part == "," and depth == 0 and comma is None:
            comma = found.start()
        elif part == ":" and depth == 0:
            if comma is None:
                return None
            end = found.start()
            while code[end - 1] in " \t\r\n\\":  # back to the end of the last type
                end -= 1
            return comma, end
    return None


def _continued(code: str, newline_at: int) -> bool:
    """Whether the line ending at ``newline_at`` continues with a backslash."""
    before = newline_at - 1
    if before >= 0 and code[before] == "\r":
        before -= 1
    return before >= 0 and code[before] == "\\"


def _scan_strings(text: str) -> tuple[list[tuple[int, int, str]], list[tuple[int, int]],
                                      list[tuple[int, int]]] | None:
    """Every string and comment of the text, read with Python 3.12's rules, as
    (rewrites, string spans, comment spans). The rewrites: the ``t`` of a t-string prefix
    becomes ``f``, and the inside of every f-string that only Python 3.12's rules read
    (PEP 701: its own quotes, a backslash or a comment inside a replacement field, a
    single-quoted one over several lines) becomes blanks: the string stays, what is
    computed in it is lost. None when the text cannot be scanned."""
    out: list[tuple[int, int, str]] = []
    strings: list[tuple[int, int]] = []
    comments: list[tuple[int, int]] = []
    i, size = 0, len(text)
    while i < size:
        found = _COMMENT_OR_QUOTE.search(text, i)
        if found is None:
            break
        i = found.start()
        if text[i] == "#":
            newline = text.find("\n", i)
            end = size if newline < 0 else newline
            comments.append((i, end))
            i = end
            continue
        prefix = _prefix_before(text, i)
        quote = text[i] * 3 if text.startswith(text[i] * 3, i) else text[i]
        formatted = "f" in prefix.lower() or "t" in prefix.lower()
        end = _string_end(text, i + len(quote), quote, formatted)
        if end is None:
            return None
        strings.append((i - len(prefix), end))
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
    return out, strings, comments


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
            # a backslash escapes the next character, but not a brace of an f-string:
            # f"\{x}" still has a field, and fr"\{{" is a backslash and a brace (3.12)
            i += 1 if formatted and text.startswith("{", i + 1) else 2
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


def _blank(chars: list[str], begin: int, stop: int) -> None:
    """Spaces over chars[begin:stop], line breaks kept behind a backslash so the
    statement still continues over them."""
    for k in range(begin, stop):
        if chars[k] in _NEWLINES:
            continue
        chars[k] = " "
        if k + 1 < len(chars) and chars[k + 1] in _NEWLINES and k + 1 < stop:
            chars[k] = "\\"
