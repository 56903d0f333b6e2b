"""A POSIX shell word lexer that keeps the source offset of every word.

``shlex`` splits words correctly but forgets where they were, and readycheck
must point at the exact ``--reload`` token in a three-line ``RUN``. This lexer
follows the token rules of the POSIX shell grammar (quotes, backslashes,
``$(...)``, operators, redirections, comments, here-documents, line
continuations) and groups words into simple commands joined by operators.

It does not evaluate anything: variables stay as written (``$PORT``).
Control-flow keywords are dropped so that ``if cond; then exec gunicorn; fi``
yields the commands ``cond`` and ``exec gunicorn``: a static reading of what
may run, which is what every check here wants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

_CONTROL_OPS = ("&&", "||", ";;", ";", "|", "&", "(", ")")
_REDIRECT_OPS = ("&>>", "<<-", "<<", ">>", "&>", ">&", "<&", ">|", "<>", "<", ">")
# Longest first, so "&&" wins over "&" and "<<-" over "<<".
_OPERATORS = sorted(_CONTROL_OPS + _REDIRECT_OPS, key=len, reverse=True)
_OP_START = set("&|;()<>")
_LEADING_KEYWORDS = {"then", "do", "else", "elif", "if", "while", "until", "!", "{", "time"}
_CLOSING_KEYWORDS = {"fi", "done", "}", "esac"}


@dataclass(frozen=True)
class Word:
    text: str  # after quote removal
    start: int  # offset of the raw word in the file
    end: int
    raw: str


@dataclass
class SimpleCommand:
    words: list[Word]
    env: dict[str, str] = field(default_factory=dict)
    #: The operator that joins this command to the one before ('' for the first).
    joined_by: str = ""
    #: Ended by ``&``: the shell starts it in the background and goes on without waiting.
    background: bool = False
    #: Offset of its first token, an assignment's included (-1: none); ``words[0].start`` is its first word's.
    start: int = -1

    @property
    def argv(self) -> list[str]:
        return [w.text for w in self.words]


@dataclass
class _Token:
    kind: str  # "word", "op", "newline", "fd"
    text: str
    start: int
    end: int
    raw: str = ""


Locate = Callable[[int, int], "tuple[int, int]"]


def _identity(start: int, end: int) -> tuple[int, int]:
    return start, end


#: A run of characters that stand for themselves, outside quotes and inside double quotes:
#: taken in one step, so that a 2 MB RUN line costs one regex match, not 2 million iterations.
_PLAIN = re.compile(r"[^ \t\r\n&|;()<>\\'\"$`]+")
_PLAIN_IN_DOUBLE_QUOTES = re.compile(r'[^"\\$]+')


def _scan_word(src: str, i: int) -> tuple[int, str]:
    """Scan one word from ``i``; return its end offset and its unquoted text."""
    out: list[str] = []
    n = len(src)
    plain, plain_quoted = _PLAIN.match, _PLAIN_IN_DOUBLE_QUOTES.match
    while i < n:
        run = plain(src, i)
        if run is not None:
            out.append(run.group())
            i = run.end()
            continue
        c = src[i]
        if c in " \t\r\n" or c in _OP_START:
            break
        if c == "\\":
            if i + 1 < n and src[i + 1] == "\n":
                i += 2
                continue
            if i + 1 < n:
                out.append(src[i + 1])
            i += 2
        elif c == "'":
            close = src.find("'", i + 1)
            close = n if close < 0 else close
            out.append(src[i + 1:close])
            i = close + 1
        elif c == '"':
            i += 1
            while i < n and src[i] != '"':
                run = plain_quoted(src, i)
                if run is not None:
                    out.append(run.group())
                    i = run.end()
                    continue
                if src[i] == "\\" and i + 1 < n and src[i + 1] in '$`"\\\n':
                    if src[i + 1] != "\n":
                        out.append(src[i + 1])
                    i += 2
                    continue
                if src.startswith("$(", i):
                    end = _matching_paren(src, i + 1)
                    out.append(src[i:end])
                    i = end
                    continue
                out.append(src[i])
                i += 1
            i += 1
        elif src.startswith("$(", i) or src.startswith("${", i):
            end = _matching_paren(src, i + 1)
            out.append(src[i:end])
            i = end
        elif c == "`":
            close = src.find("`", i + 1)
            close = n - 1 if close < 0 else close
            out.append(src[i:close + 1])
            i = close + 1
        else:
            out.append(c)
            i += 1
    return min(i, n), "".join(out)


def _matching_paren(src: str, i: int) -> int:
    """``src[i]`` is '(' or '{'; return the offset after its match."""
    opening = src[i]
    closing = ")" if opening == "(" else "}"
    depth = 0
    n = len(src)
    while i < n:
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == "'" and opening == "(":
            close = src.find("'", i + 1)
            i = n if close < 0 else close + 1
            continue
        if c == opening:
            depth += 1
        elif c == closing:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def tokenize(src: str) -> list[_Token]:
    tokens: list[_Token] = []
    heredocs: list[tuple[str, bool]] = []
    expect_delimiter: bool | None = None  # strip-tabs flag of a pending "<<" / "<<-"
    i, n = 0, len(src)
    at_word_start = True
    while i < n:
        c = src[i]
        if c == "\\" and src.startswith("\n", i + 1):
            i += 2
            continue
        if c == "\\" and src.startswith("\r\n", i + 1):
            i += 3
            continue
        if c in " \t\r":
            i += 1
            continue
        if c == "\n":
            tokens.append(_Token("newline", "\n", i, i + 1))
            i += 1
            if heredocs:
                i = _skip_heredoc_bodies(src, i, heredocs)
                heredocs = []
            continue
        if c == "#" and at_word_start:
            end = src.find("\n", i)
            i = n if end < 0 else end
            continue
        op = next((o for o in _OPERATORS if src.startswith(o, i)), None) if c in _OP_START else None
        if op is not None:
            tokens.append(_Token("op", op, i, i + len(op)))
            if op in ("<<", "<<-"):
                expect_delimiter = op == "<<-"
            i += len(op)
            continue
        end, text = _scan_word(src, i)
        if end == i:  # defensive: never loop without progress
            i += 1
            continue
        raw = src[i:end]
        if raw.isdigit() and end < n and src[end] in "<>":
            tokens.append(_Token("fd", text, i, end, raw))
        else:
            tokens.append(_Token("word", text, i, end, raw))
            if expect_delimiter is not None:
                heredocs.append((text, expect_delimiter))
                expect_delimiter = None
        i = end
    return tokens


def _skip_heredoc_bodies(src: str, i: int, heredocs: list[tuple[str, bool]]) -> int:
    for delimiter, strip_tabs in heredocs:
        while i < len(src):
            end = src.find("\n", i)
            line = src[i:] if end < 0 else src[i:end]
            i = len(src) if end < 0 else end + 1
            if (line.lstrip("\t") if strip_tabs else line).rstrip("\r") == delimiter:
                break
    return i


def parse_commands(src: str, base: int = 0, locate: Locate | None = None) -> list[SimpleCommand]:
    """The simple commands of a shell text, in order.

    Word offsets are ``base`` plus the offset in ``src``, passed through
    ``locate`` when given (used when ``src`` is not a verbatim slice of the file,
    e.g. the string argument of ``sh -c``).
    """
    locate = locate or _identity
    commands: list[SimpleCommand] = []
    current = SimpleCommand([])
    joined_by = ""
    skip_next_word = False
    paren_depth = 0

    def finish(op: str) -> None:
        nonlocal current, joined_by
        words = current.words
        while words and words[0].text in _LEADING_KEYWORDS:
            words.pop(0)
        if words and words[0].text in _CLOSING_KEYWORDS and len(words) == 1:
            words.clear()
        if words or current.env:
            current.joined_by = joined_by
            current.background = op == "&"
            commands.append(current)
        current = SimpleCommand([])
        joined_by = op

    for tok in tokenize(src):
        if tok.kind == "fd":
            continue
        if tok.kind == "word":
            if skip_next_word:
                skip_next_word = False
                continue
            if current.start < 0:
                current.start = locate(base + tok.start, base + tok.end)[0]
            if not current.words and _is_assignment(tok.text):
                name, _, value = tok.text.partition("=")
                current.env[name] = value
                continue
            start, end = locate(base + tok.start, base + tok.end)
            current.words.append(Word(tok.text, start, end, tok.raw))
            continue
        if tok.kind == "op" and tok.text in _REDIRECT_OPS:
            skip_next_word = True
            continue
        # A control operator or a newline ends the simple command.
        if tok.text == "(":
            paren_depth += 1
        elif tok.text == ")":
            if paren_depth == 0:
                # The pattern of a `case` arm, not a command.
                current = SimpleCommand([])
                continue
            paren_depth -= 1
        if current.words and current.words[0].text == "case":
            # `case WORD in`: the header is not a command; its arms are.
            current = SimpleCommand([])
            continue
        finish(tok.text)
    finish("")
    return commands


def _is_assignment(word: str) -> bool:
    name, eq, _ = word.partition("=")
    return bool(eq) and name.isidentifier()


_COMPOUND_WORDS = _LEADING_KEYWORDS - {"!", "time"} | _CLOSING_KEYWORDS | {"for", "case", "in"}


def exec_blockers(src: str) -> set[str]:
    """What in a ``sh -c`` string can stop a shell from exec-ing its last simple command
    (readycheck.knowledge.images.SHELL_EXEC_BLOCKERS says which shell minds which): "trap" anywhere,
    "errexit-list" (``set -e`` and the last command ends an ``&&``/``||`` list), and for the last
    command: "redirect", "compound" (inside ``if``, ``{ }``, ``( )``, a loop), "pipeline",
    "background" (after or before a ``&``)."""
    tokens = [t for t in tokenize(src)]
    while tokens and (tokens[-1].kind == "newline" or tokens[-1].text == ";"):
        tokens.pop()
    found: set[str] = set()
    at_start = True
    errexit = False
    previous: _Token | None = None
    for tok in tokens:
        if tok.kind == "word" and at_start:
            if tok.text == "trap":
                found.add("trap")
        if tok.kind == "word" and previous is not None and previous.kind == "word" and previous.text == "set" and \
                (tok.text.startswith("-") and "e" in tok.text or tok.text == "errexit"):
            errexit = True
        at_start = tok.kind == "newline" or (tok.kind == "op" and tok.text in _CONTROL_OPS)
        previous = tok
    # The last simple command: the tokens after the last control operator or newline.
    last_op = None
    tail: list[_Token] = []
    for tok in reversed(tokens):
        if tok.kind == "newline" or (tok.kind == "op" and tok.text in _CONTROL_OPS):
            last_op = tok
            break
        tail.insert(0, tok)
    if any(t.kind == "fd" or (t.kind == "op" and t.text in _REDIRECT_OPS) for t in tail):
        found.add("redirect")
    if not tail or any(t.kind == "word" and t.text in _COMPOUND_WORDS for t in (tail[0], tail[-1])) or \
            (last_op is not None and last_op.text in ("(", ")")):
        found.add("compound")
    if last_op is not None and last_op.text == "|":
        found.add("pipeline")
    if last_op is not None and last_op.text == "&" or any(t.kind == "op" and t.text == "&" for t in tokens):
        found.add("background")
    if errexit and last_op is not None and last_op.text in ("&&", "||"):
        found.add("errexit-list")
    return found
