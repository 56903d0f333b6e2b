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

import bisect

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


#: How a ``trap`` names the stop signal an orchestrator sends.
_TERM_NAMES = frozenset({"TERM", "SIGTERM", "15"})


def forwards_term(src: str, server_line: int | None = None) -> bool:
    """Whether a script passes SIGTERM on to what it started in the background: it traps SIGTERM
    (``trap cleanup SIGTERM``, ``trap 'kill $PID' TERM``) with a handler that signals a process with
    ``kill`` (inline, or in the body of the function it names, or of a function that one calls), and
    it parks in the ``wait`` builtin: the last command of its own (outside its functions' bodies) that can
    block is ``wait``, after the trap, with the server started in the background (on ``server_line``,
    when given) before it. Bash runs a trap only once the foreground command it is waiting for has ended,
    and only ``wait`` is cut short by the signal: a script that parks on ``tail -f /dev/null``,
    ``sleep infinity`` or a server in the foreground runs its handler when that ends, after the
    orchestrator's SIGKILL (a loop of ``sleep`` of at most a few seconds delays it only that long). A
    handler that ignores the signal (``trap '' TERM``), only prints, or probes with ``kill -0`` passes
    nothing on; a ``kill`` elsewhere in the script does not count."""
    commands = parse_commands(src)
    bodies = _function_bodies(src)
    memo: dict[str, bool] = {}
    traps = [c for c in commands if c.argv[:1] == ["trap"] and len(c.argv) >= 3 and _TERM_NAMES & set(c.argv[2:])]
    forwarding = [c for c in traps if _signals_a_process(c.argv[1], bodies, memo)]
    if not forwarding:
        return False
    begins, ends = _disjoint(sorted((header, end) for header, _, end, _ in bodies.values()))

    def own(command: SimpleCommand) -> bool:  # run where it is written: not inside a function's definition
        at = bisect.bisect_right(begins, command.words[0].start) - 1
        return not (at >= 0 and command.words[0].start < ends[at])

    newlines = [i for i, c in enumerate(src) if c == "\n"]
    server = None  # the server's own start, when the script's own commands start it (not a function)
    blocking: list[SimpleCommand] = []  # the script's own commands that can block, in order
    previous: SimpleCommand | None = None
    for command in commands:
        before, previous = previous, command
        if not command.words or not own(command):
            continue
        if command.background:
            if server is None and server_line is not None and \
                    any(bisect.bisect_left(newlines, w.start) + 1 == server_line for w in command.words):
                server = command
            continue
        program = command.argv[0]
        if program in _QUICK_COMMANDS or program in _ENDS or _ARRAY_ASSIGNMENT.match(program) or (
                command.joined_by == "(" and before is not None and _assigns_array(before)):
            continue  # ``PIDS+=($!)``: an assignment, its elements read as a command in parentheses
        blocking.append(command)
    if not blocking or not _cut_short(blocking[-1]):
        return False
    wait_at = blocking[-1].words[0].start  # where the script parks
    if not any(c.words[0].start < wait_at for c in forwarding):
        return False  # a trap set only after the wait comes too late
    if server is not None:
        # Between the server's start and the wait, a program in the foreground (``nginx -g 'daemon off;'``)
        # is where the script stays: only the calls of its own functions are taken to return.
        return all(c.argv[0] in bodies or _cut_short(c) for c in blocking[:-1] if c.words[0].start > server.words[0].start)
    if server_line is None:
        return True
    # Started inside one of the script's functions: before the wait, wherever the function is called.
    return any(c.background and c.words and c.words[0].start < wait_at and
               any(bisect.bisect_left(newlines, w.start) + 1 == server_line for w in c.words) for c in commands)


def _assigns_array(command: SimpleCommand) -> bool:
    """``A=(`` or ``A+=(``: the command before a parenthesised list of an array's elements."""
    return (not command.words and "" in command.env.values()) or bool(
        command.words and _ARRAY_ASSIGNMENT.match(command.argv[0]))


def _cut_short(command: SimpleCommand) -> bool:
    """Whether a trap's handler runs soon while the script waits on this command: ``wait`` is cut short by
    the signal, a ``sleep`` of a few seconds (in the loop a script parks in) ends soon enough."""
    argv = command.argv
    if argv[0] == "wait":
        return True
    if argv[0] != "sleep" or len(argv) != 2:
        return False
    try:
        return float(argv[1].rstrip("s")) <= _SHORT_SLEEP_SECONDS
    except ValueError:
        return False


def _disjoint(spans: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """(starts, ends) of the union of (start, end) spans sorted by start: disjoint, in order."""
    begins: list[int] = []
    ends: list[int] = []
    for start, end in spans:
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            begins.append(start)
            ends.append(end)
    return begins, ends


#: Builtins and utilities that return at once: a script may run them between starting its server in the
#: background and waiting for it. Any other foreground command may block, and the trap with it.
_QUICK_COMMANDS = frozenset({"echo", "printf", "export", "set", "unset", "trap", "true", "false", ":", "local",
                             "declare", "typeset", "readonly", "cd", "test", "[", "[[", "shift", "umask", "ulimit",
                             "mkdir", "touch", "chmod", "chown", "ln", "rm", "cp", "mv", "date", "kill"})
#: Commands that end the script or the function they are in: nothing waits on them.
_ENDS = frozenset({"exit", "return"})
#: A ``sleep`` this short in the loop a script parks in delays a trap's handler by that much at most,
#: well inside an orchestrator's grace period (10 s for Docker, 30 s for Kubernetes).
_SHORT_SLEEP_SECONDS = 5.0
#: ``NAME=``, ``NAME+=``, ``NAME[i]=`` at the start of a command: an assignment (of an array, when ``(`` follows).
_ARRAY_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")
#: ``kill`` options that name the signal (the next word, for ``-s`` and ``-n``) rather than a process.
_KILL_VALUE_OPTIONS = frozenset({"-s", "-n"})
#: ``kill`` invocations that signal nothing: ``-0`` probes, ``-l``/``-L`` list signal names.
_KILL_NO_SIGNAL = frozenset({"-0", "-l", "-L", "-s0", "-n0"})
_FUNCTION_DEPTH = 4


def _signals_a_process(handler: str, bodies: dict[str, tuple[int, int, int, str]], memo: dict[str, bool],
                       depth: int = 0) -> bool:
    """Whether a trap handler (its text, as ``trap`` gets it) runs a ``kill`` that signals a process, itself
    or through the functions it calls (a few levels deep; each function's answer worked out once)."""
    if not handler.strip() or handler.strip() == "-" or depth > _FUNCTION_DEPTH:
        return False  # '' ignores the signal, '-' resets it to the default
    for command in parse_commands(handler):
        argv = command.argv
        if not argv:
            continue
        if argv[0] == "kill" and _kill_targets(argv[1:]):
            return True
        body = bodies.get(argv[0])
        if body is not None:
            if argv[0] not in memo:
                memo[argv[0]] = False  # a function that calls itself: no answer through itself
                memo[argv[0]] = _signals_a_process(body[3], bodies, memo, depth + 1)
            if memo[argv[0]]:
                return True
    return False


def _kill_targets(args: list[str]) -> list[str]:
    """The processes (pids, ``$VAR``, ``%job``, ``-PGID``, ``0``) a ``kill`` command line names."""
    targets: list[str] = []
    options = True
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if options and arg in _KILL_NO_SIGNAL:
            return []
        if options and arg == "--":
            options = False
            continue
        if options and arg in _KILL_VALUE_OPTIONS:
            skip = True
            continue
        if options and arg.startswith("-") and len(arg) > 1 and (arg[1:].isalnum() or arg[1:].startswith("SIG")):
            continue  # -TERM, -SIGTERM, -9, -s0 style options
        targets.append(arg)
    return targets


def _function_bodies(src: str) -> dict[str, tuple[int, int, int, str]]:
    """Name -> (start of the definition, start and end of the body, the body's text) of each shell function: ``name() { ...; }``, ``function name { ...; }``
    (a name defined twice: its last definition, as the shell keeps). The body ends at the ``}`` word that
    closes its ``{``; one left open runs to the end of the text."""
    tokens = tokenize(src)
    bodies: dict[str, tuple[int, int, int, str]] = {}
    count = len(tokens)
    i = 0
    while i < count:
        tok = tokens[i]
        name = None
        at = i
        if tok.kind == "word" and tok.text == "function" and i + 1 < count and tokens[i + 1].kind == "word":
            name, at = tokens[i + 1].text, i + 2
            if at + 1 < count and tokens[at].text == "(" and tokens[at + 1].text == ")":
                at += 2
        elif tok.kind == "word" and i + 2 < count and tokens[i + 1].text == "(" and tokens[i + 2].text == ")":
            name, at = tok.text, i + 3
        while name is not None and at < count and tokens[at].kind == "newline":
            at += 1
        if name is None or at >= count or tokens[at].kind != "word" or tokens[at].text != "{":
            i += 1
            continue
        depth, j = 1, at + 1
        while j < count:
            if tokens[j].kind == "word" and tokens[j].text in ("{", "}"):
                depth += 1 if tokens[j].text == "{" else -1
                if depth == 0:
                    break
            j += 1
        start = tokens[at].end
        end = tokens[j].start if j < count else len(src)
        bodies[name] = (tok.start, start, end, src[start:end])
        i = j + 1
    return bodies


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
