"""What a start script does with SIGTERM: whether it passes the signal on to the server it started in
the background, and whether it then waits for the server to end (RC204's supervisor scripts).

Read from the script's simple commands (readycheck.parsers.shell) in the order they run, with bash's
rules for traps: a trap runs only once the foreground command the shell waits for has ended, and only
the ``wait`` builtin is cut short by a signal.
"""

from __future__ import annotations

import bisect
import re
from typing import Iterator

from readycheck.parsers.shell import (_CONTROL_OPS, _LEADING_KEYWORDS, SimpleCommand, _Token, parse_commands,
                                      tokenize)


#: How a ``trap`` names the stop signal an orchestrator sends (bash and dash take any case).
_TERM_NAMES = frozenset({"TERM", "SIGTERM", "15"})


def forwarding(src: str, server_line: int | None = None) -> str | None:
    """How a start script treats SIGTERM for what it started in the background (``server &`` on
    ``server_line``, when given): "waits" when it passes the signal on and then waits for the server to
    end, "ends" when it passes it on but then ends (PID 1 with it: the container stops and the kernel
    kills the server before its graceful shutdown is done), None when it passes nothing on.

    The script is read in the order its commands run (``_as_run``: each call of one of its functions in
    place of the call). It passes the signal on when, after the server's start, it comes to a ``wait``
    (or a ``sleep`` of a few seconds, in a loop) with nothing in between that can block, and the TERM
    trap in force there (the last one set before it) has a handler that signals a process (``kill``,
    ``pkill`` or ``killall`` with a target, inline or in a function the handler calls, at any depth), or
    exits and leaves that to an EXIT trap that does. Bash runs a trap only once the foreground command it
    is waiting for has ended, and only ``wait`` is cut short by the signal: a script parked on
    ``tail -f /dev/null``, ``sleep infinity``, a foreground ``nginx -g 'daemon off;'``, a worker in the
    foreground, or one that ``exec``s another program runs its handler after the orchestrator's SIGKILL,
    if ever. A handler that ignores the signal (``trap '' TERM``), resets it (``trap - TERM``), only
    prints, probes with ``kill -0``, or names a variable in double quotes that is empty when the trap is
    set (``trap "kill $PID" TERM`` ahead of ``PID=$!``: bash expands it then, unless it is written
    ``\\$PID``) passes nothing on; a ``kill`` elsewhere in the script does not count.

    The signal cuts the ``wait`` short: the script then waits for the server when the handler does
    (``kill -TERM $PID; wait $PID``, also in a function it calls), when a second ``wait`` follows
    (``wait $PID; trap - TERM; wait $PID``), or when the ``wait`` or ``sleep`` is inside a loop."""
    found = _forwarding(src, server_line)
    if found is None:
        return None
    run, parked, handler, bodies = found
    waiting = run[parked]
    if any(c.argv[:1] == ["wait"] for c in run[parked + 1:]) or waiting.argv[0] == "sleep":
        return "waits"
    if _word_before(src, waiting.words[0].start) in ("do", "while", "until"):
        return "waits"  # the wait is a loop's body or test: it comes round again
    if any(argv[:1] == ["wait"] for argv in _handler_commands(handler, bodies)):
        return "waits"
    return "ends"


def forwards_term(src: str, server_line: int | None = None) -> bool:
    """Whether a script passes SIGTERM on to the server it started in the background (``forwarding``)."""
    return _forwarding(src, server_line) is not None


def _forwarding(src: str, server_line: int | None
                ) -> tuple[list[SimpleCommand], int, str, dict[str, tuple[int, int, int, str]]] | None:
    """(the commands as they run, the index of the wait the script parks in, the handler of the TERM trap
    in force there, the script's functions) when the script passes SIGTERM on (``forwarding``)."""
    commands = parse_commands(src)
    bodies = _function_bodies(src)
    run = _as_run(src, commands, bodies)
    start = 0
    if server_line is not None:
        newlines = [m.start() for m in re.finditer("\n", src)]
        start = next((i for i, c in enumerate(run) if c.background and
                      any(bisect.bisect_left(newlines, w.start) + 1 == server_line for w in c.words)), -1)
        if start < 0:
            return None
    parked = next((i for i in range(start + 1, len(run)) if run[i].words and not run[i].background
                   and _cut_short(run[i].argv)), None)
    if parked is None:
        return None  # no wait after the server's start: the script ends, or stays in what never returns
    previous: SimpleCommand | None = None
    for command in run[start + 1:parked]:
        before, previous = previous, command
        if command.words and not command.background and not _returns_soon(src, command, before, bodies):
            return None  # a foreground command that can block: the trap waits for it
    traps = [(c, at) for c, at in map(_trap_of, run[:parked]) if at]
    term = [(c, at) for c, at in traps if _TERM_NAMES & {n.upper() for n in c.argv[at + 1:]}]
    if not term:
        return None
    trap, at = term[-1]  # the trap in force while the script waits
    if not _signals_a_process(trap.argv[at], bodies):
        exits = [c for c in parse_commands(trap.argv[at]) if c.argv[:1] == ["exit"]]
        on_exit = [(c, i) for c, i in traps if {n.upper() for n in c.argv[i + 1:]} & {"EXIT", "0"}]
        if not (exits and on_exit and _signals_a_process(on_exit[-1][0].argv[on_exit[-1][1]], bodies)):
            return None  # ``trap 'exit 0' TERM`` with ``trap 'kill $(jobs -p)' EXIT`` passes it on too
    if trap.words[at].raw.startswith('"') and _expanded_empty(trap.words[at].raw, trap.argv[at], trap.start,
                                                              commands):
        return None
    return run, parked, trap.argv[at], bodies


def _trap_of(command: SimpleCommand) -> tuple[SimpleCommand, int]:
    """(command, index of its handler word) of a ``trap`` that sets a handler, (command, 0) otherwise
    (not a trap; ``trap -p``, ``trap -l``, which only print)."""
    argv = command.argv
    if argv[:1] != ["trap"] or len(argv) < 3 or argv[1] in ("-p", "-l"):
        return command, 0
    at = 2 if argv[1] == "--" else 1  # ``trap -- 'handler' TERM``, as ``trap -p`` prints it
    return (command, at) if len(argv) > at + 1 else (command, 0)


def _as_run(src: str, commands: list[SimpleCommand], bodies: dict[str, tuple[int, int, int, str]]
            ) -> list[SimpleCommand]:
    """The script's commands in about the order they run: its own (outside its functions' definitions),
    each call of one of its functions followed by that function's body, each function expanded once (a
    second call, or a call from inside itself, stays a plain call). Branches are all taken in turn."""
    begins, ends = _disjoint(sorted((header, end) for header, _, end, _ in bodies.values()))

    def own(command: SimpleCommand) -> bool:
        at = bisect.bisect_right(begins, command.start) - 1
        return not (at >= 0 and command.start < ends[at])

    expanded: set[str] = set()
    out: list[SimpleCommand] = []
    stack = [iter([c for c in commands if c.start >= 0 and own(c)])]
    while stack:
        command = next(stack[-1], None)
        if command is None:
            stack.pop()
            continue
        out.append(command)
        name = command.argv[0] if command.words else ""
        if name in bodies and name not in expanded and not command.background:
            expanded.add(name)
            _, body_start, _, text = bodies[name]
            stack.append(iter(parse_commands(text, base=body_start)))
    return out


def _returns_soon(src: str, command: SimpleCommand, before: SimpleCommand | None,
                  bodies: dict[str, tuple[int, int, int, str]]) -> bool:
    """Whether a foreground command between a server's start and the wait lets the script go on soon: a
    builtin or quick utility, an assignment, a call of one of its functions (its body is judged where it
    is expanded), a short ``sleep``, a loop's header, the test of an ``if``/``while``/``until`` (a probe:
    ``until curl -sf .../health; do sleep 1; done``), ``exit``."""
    program = command.argv[0]
    if program in _QUICK_COMMANDS or program in _ENDS or program in bodies or program in _LOOP_HEADERS:
        return True
    if _ARRAY_ASSIGNMENT.match(program) or (command.joined_by == "(" and before is not None
                                            and _assigns_array(before)):
        return True  # ``PIDS+=($!)``: an assignment, its elements read as a command in parentheses
    if _cut_short(command.argv):
        return True
    return _word_before(src, command.words[0].start) in _CONDITION_KEYWORDS


def _word_before(src: str, offset: int) -> str:
    """The word just before an offset (across blanks): ``until`` in ``until curl ...``."""
    end = offset
    while end > 0 and src[end - 1] in " \t":
        end -= 1
    begin = end
    while begin > 0 and not src[begin - 1].isspace() and src[begin - 1] not in ";&|()":
        begin -= 1
    return src[begin:end]


#: Builtins and utilities that return at once: a script may run them between starting its server in the
#: background and waiting for it. Any other foreground command may block, and the trap with it.
_QUICK_COMMANDS = frozenset({"echo", "printf", "export", "set", "unset", "trap", "true", "false", ":", "local",
                             "declare", "typeset", "readonly", "cd", "test", "[", "[[", "shift", "umask", "ulimit",
                             "mkdir", "touch", "chmod", "chown", "ln", "rm", "cp", "mv", "date", "kill", "break",
                             "continue", "disown", "hash", "type", "command"})
#: Commands that end the script or the function they are in.
_ENDS = frozenset({"exit", "return"})
_LOOP_HEADERS = frozenset({"for", "select", "case"})
_CONDITION_KEYWORDS = frozenset({"if", "elif", "while", "until", "!", "&&", "||"})
#: ``NAME=``, ``NAME+=``, ``NAME[i]=`` at the start of a command: an assignment (of an array, when ``(`` follows).
_ARRAY_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")


def _assigns_array(command: SimpleCommand) -> bool:
    """``A=(`` or ``A+=(``: the command before a parenthesised list of an array's elements."""
    return (not command.words and "" in command.env.values()) or bool(
        command.words and _ARRAY_ASSIGNMENT.match(command.argv[0]))


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


def _cut_short(argv: list[str]) -> bool:
    """Whether a trap's handler runs soon while the script waits on this command: ``wait`` is cut short by
    the signal; a ``sleep`` of a few seconds (in the loop a script parks in) ends soon enough."""
    if argv[0] == "wait":
        return True
    seconds = _sleep_seconds(argv)
    return seconds is not None and seconds <= _SHORT_SLEEP_SECONDS


def _sleep_seconds(argv: list[str]) -> float | None:
    """The seconds of ``sleep N`` (``5``, ``5s``, ``1m``), None for ``infinity`` or anything else."""
    if argv[0] != "sleep" or len(argv) != 2:
        return None
    text = argv[1]
    scale = {"s": 1, "m": 60, "h": 3600, "d": 86400}.get(text[-1:], None)
    try:
        return float(text[:-1]) * scale if scale else float(text)
    except ValueError:
        return None


#: A ``sleep`` this short in the loop a script parks in delays a trap's handler by that much at most,
#: well inside an orchestrator's grace period (10 s for Docker, 30 s for Kubernetes).
_SHORT_SLEEP_SECONDS = 5.0
#: What signals a process on a trap's behalf: the builtin (or the binary), and the name-matching tools.
_KILLERS = frozenset({"kill", "/bin/kill", "/usr/bin/kill", "pkill", "killall"})
#: ``kill`` options that name the signal (the next word, for ``-s`` and ``-n``) rather than a process.
_KILL_VALUE_OPTIONS = frozenset({"-s", "-n"})
#: ``kill`` invocations that signal nothing: ``-0`` probes, ``-l``/``-L`` list signal names.
_KILL_NO_SIGNAL = frozenset({"-0", "-l", "-L", "-s0", "-n0"})
_SIMPLE_EXPANSION = re.compile(r"\$(?:\{(\w+|!)\}|(\w+|!))")


def _handler_commands(handler: str, bodies: dict[str, tuple[int, int, int, str]]) -> Iterator[list[str]]:
    """The argv of every command a trap handler (its text, as ``trap`` gets it) runs, itself and through
    the functions it calls at any depth, each function read once (``command kill`` read as ``kill``)."""
    queue, seen = [handler], set()
    while queue:
        for command in parse_commands(queue.pop()):
            argv = command.argv
            if argv[:1] in (["command"], ["builtin"]):
                argv = argv[1:]
            if not argv:
                continue
            yield argv
            if argv[0] in bodies and argv[0] not in seen:
                seen.add(argv[0])
                queue.append(bodies[argv[0]][3])


def _signals_a_process(handler: str, bodies: dict[str, tuple[int, int, int, str]]) -> bool:
    """Whether a trap handler runs something that signals a process (``_handler_commands``)."""
    if not handler.strip() or handler.strip() == "-":
        return False  # '' ignores the signal, '-' resets it to the default
    return any(argv[0] in _KILLERS and (_kill_targets(argv[1:]) if argv[0].rpartition("/")[2] == "kill"
                                        else len(argv) > 1) for argv in _handler_commands(handler, bodies))


def _expanded_empty(raw: str, handler: str, trap_at: int, commands: list[SimpleCommand]) -> bool:
    """Of a double-quoted handler (bash expands it when the trap is set): whether every kill target in it
    is a variable nothing set before the trap (``trap "kill $PID" TERM`` ahead of ``PID=$!``), or ``$!``
    with nothing started in the background before it. Such a kill names no process."""
    before = [c for c in commands if 0 <= c.start < trap_at]
    targets = [t for c in parse_commands(handler) if c.argv[:1] and c.argv[0].rpartition("/")[2] == "kill"
               for t in _kill_targets(c.argv[1:])]
    if not targets:
        return False
    for target in targets:
        found = _SIMPLE_EXPANSION.fullmatch(target)
        if found is None:
            return False  # a literal pid, a job, a command substitution: not judged
        name = found.group(1) or found.group(2)
        if re.search(r"\\\$\{?" + re.escape(name), raw):
            return False  # written \$PID: expanded when the signal comes, not when the trap is set
        if name == "!":
            if any(c.background for c in before):
                return False
        elif any(name in c.env for c in before) or any(
                w.startswith(f"{name}=") for c in before for w in c.argv[1:] if c.argv[0] in _DECLARING):
            return False
    return True


_DECLARING = frozenset({"export", "local", "declare", "typeset", "readonly", "read"})


def _kill_targets(args: list[str]) -> list[str]:
    """The processes (pids, ``$VAR``, ``%job``, ``-PGID``, ``0``) a ``kill`` command line names; none for a
    probe (``-0``, ``-s 0``) or a listing (``-l``)."""
    targets: list[str] = []
    options = True
    skip = False
    for arg in args:
        if skip:
            skip = False
            if arg == "0":
                return []  # -s 0 / -n 0: a probe
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
            continue  # -TERM, -SIGTERM, -9
        targets.append(arg)
    return targets


def _function_bodies(src: str) -> dict[str, tuple[int, int, int, str]]:
    """Name -> (start of the definition, start and end of the body, the body's text) of each shell
    function: ``name() { ...; }``, ``function name { ...; }`` (a name defined twice: its last definition,
    as the shell keeps). The body ends at the ``}`` that closes its ``{``, counting only unquoted braces
    in command position (``echo "}"`` is an argument); one left open runs to the end of the text."""
    tokens = tokenize(src)
    bodies: dict[str, tuple[int, int, int, str]] = {}
    count = len(tokens)
    i = 0
    while i < count:
        tok = tokens[i]
        name = None
        at = i
        if tok.kind == "word" and tok.raw == "function" and i + 1 < count and tokens[i + 1].kind == "word":
            name, at = tokens[i + 1].text, i + 2
            if at + 1 < count and tokens[at].text == "(" and tokens[at + 1].text == ")":
                at += 2
        elif tok.kind == "word" and i + 2 < count and tokens[i + 1].text == "(" and tokens[i + 2].text == ")":
            name, at = tok.text, i + 3
        while name is not None and at < count and tokens[at].kind == "newline":
            at += 1
        if name is None or at >= count or tokens[at].kind != "word" or tokens[at].raw != "{":
            i += 1
            continue
        depth, j = 1, at + 1
        while j < count:
            current = tokens[j]
            if current.kind == "word" and current.raw in ("{", "}") and _in_command_position(tokens, j):
                depth += 1 if current.raw == "{" else -1
                if depth == 0:
                    break
            j += 1
        start = tokens[at].end
        end = tokens[j].start if j < count else len(src)
        bodies[name] = (tok.start, start, end, src[start:end])
        i = j + 1
    return bodies


def _in_command_position(tokens: list[_Token], index: int) -> bool:
    """Whether a word starts a command: first of the text, after a newline or a control operator, or
    after a keyword that a command follows (``then``, ``do``, ``else``, ``{``)."""
    if index == 0:
        return True
    before = tokens[index - 1]
    return before.kind == "newline" or (before.kind == "op" and before.text in _CONTROL_OPS) or \
        (before.kind == "word" and before.raw in _LEADING_KEYWORDS)
