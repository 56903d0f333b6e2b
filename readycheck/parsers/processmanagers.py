"""Readers of process-manager files: what supervisord, systemd, s6-overlay and
honcho/foreman start, each entry with the offset of its command in the file.

The start-command model (readycheck.model.startcommands) follows these: a
``supervisord -c conf`` in a Dockerfile runs every ``[program:x]`` of that conf
and of the files it includes (each program that runs a server is then a start command of the image
of its own, judged on its own: StartCommand.per_program); a systemd unit runs its ``ExecStartPre=`` lines
before ``ExecStart=``; ``/init`` of s6-overlay runs every service's ``run``
script; ``honcho start`` runs every line of a Procfile.
"""

from __future__ import annotations

import bisect
import configparser
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

from readycheck.core.sourcefile import SourceFile


@dataclass
class Entry:
    """One command a process manager starts."""

    name: str  # program name, unit key, Procfile process type
    command: str  # the command line as written
    offset: int  # where ``command`` starts in the file
    line: int = 0  # 1-based line of the entry (for the error cases where no offset is known)
    directory: str = ""
    environment: dict[str, str] = field(default_factory=dict)
    numprocs: int = 1
    #: "boot" for what runs as the service; "pre" for a systemd ExecStartPre= (runs first, every start).
    role: str = "boot"


# ------------------------------------------------------------------ supervisord

#: Where supervisord looks for its configuration when given no ``-c`` (its documented order).
SUPERVISORD_DEFAULT_CONFS = ("supervisord.conf", "etc/supervisord.conf", "/etc/supervisord.conf",
                             "/etc/supervisor/supervisord.conf")
#: What the distributions' packaged supervisord.conf includes (Debian's, then Red Hat's).
SUPERVISORD_PACKAGED_INCLUDES = ("/etc/supervisor/conf.d/*.conf", "/etc/supervisord.d/*.ini")
_KEY = re.compile(r"^([A-Za-z_]+)\s*[=:]\s*", re.MULTILINE)


def supervisord_conf(source: SourceFile) -> tuple[list[Entry], list[str]]:
    """([program:x] entries, the ``[include] files`` globs) of a supervisord conf, read with
    configparser as supervisord reads it (``;`` comments, inline only after whitespace)."""
    parser = configparser.RawConfigParser(strict=False, comment_prefixes=(";", "#"), inline_comment_prefixes=(";",),
                                          interpolation=None)
    parser.read_string(source.text, source=source.path)
    positions = _section_key_offsets(source.text)
    entries: list[Entry] = []
    for section in parser.sections():
        if not section.startswith(("program:", "fcgi-program:")):
            continue
        table = parser[section]
        command = table.get("command")
        if not command:
            continue
        offset = positions.get((section, "command"), 0)
        first_line = command.split("\n", 1)[0] if "\n" not in command else _continued(source.text, offset)
        environment = {}
        for item in re.split(r",(?=\s*[A-Za-z_][A-Za-z0-9_]*\s*=)", table.get("environment", "")):
            key, eq, value = item.strip().partition("=")
            if eq and key.strip().isidentifier():
                environment[key.strip()] = supervisord_expand(value.strip().strip("\"'"), section.split(":", 1)[1],
                                                              "")[0]
        numprocs = table.get("numprocs", "1")
        entries.append(Entry(section.split(":", 1)[1], first_line, offset, source.index.span(offset, offset).line,
                             table.get("directory", ""), environment, int(numprocs) if numprocs.isdigit() else 1))
    includes = parser.get("include", "files", fallback="").split() if parser.has_section("include") else []
    return entries, includes


_INLINE_COMMENT = re.compile(r"\s;.*")


def _continued(text: str, offset: int) -> str:
    """The value at ``offset`` with its continuation lines (indented lines after it, which
    configparser joins and supervisord splits like a shell line: ``command=uvicorn app:app`` then
    ``  --reload`` on the next line runs ``uvicorn app:app --reload``), read from the file with each
    line break, comment line and inline comment as spaces: the same length, so each word keeps
    its offset in the file."""
    end = text.find("\n", offset)
    end = len(text) if end < 0 else end
    at = end
    while at < len(text):
        following = text.find("\n", at + 1)
        following = len(text) if following < 0 else following
        line = text[at + 1:following]
        if not line.strip():  # a blank line inside the value (configparser keeps it when more follows)
            at = following
            continue
        if not line[0].isspace():
            break
        end = at = following
    pieces = []
    for line in text[offset:end].split("\n"):
        line = line.replace("\r", " ")
        if line.lstrip().startswith((";", "#")):
            line = " " * len(line)
        cut = _INLINE_COMMENT.search(line)
        pieces.append(line[:cut.start()].ljust(len(line)) if cut else line)
    return " ".join(pieces).rstrip()


def _section_key_offsets(text: str) -> dict[tuple[str, str], int]:
    """(section, key) -> offset of the key's value, found line by line."""
    out: dict[tuple[str, str], int] = {}
    section = ""
    offset = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("[") and "]" in stripped:
            section = stripped[1:stripped.index("]")].strip()
        else:
            m = _KEY.match(line)
            if m and section:
                out.setdefault((section, m.group(1).lower()), offset + m.end())
        offset += len(line) + 1
    return out


#: supervisord's Python-style expansions in ``command=`` and ``environment=``: ``%(ENV_PORT)s``,
#: ``%(program_name)s``, ``%(process_num)02d``, ``%(here)s`` (its documented names).
#: One character class for the flags and width (``02``), so a long run of digits cannot backtrack.
_EXPANSION = re.compile(r"%%|%\(([A-Za-z_][A-Za-z0-9_]*)\)[-#0-9 +]*(?:\.\d+)?[sdr]")


def supervisord_expand(text: str, program: str, here: str, base: int = 0
                       ) -> tuple[str, Callable[[int, int], tuple[int, int]]]:
    """``text`` with supervisord's expansions replaced as supervisord replaces them before it splits
    the command: ``%(ENV_PORT)s`` becomes ``${PORT}`` (the variable of the environment supervisord
    runs in, which the start command's environment resolves later), ``%(program_name)s`` the
    program's name, ``%(process_num)02d`` the first process's number, ``%(here)s`` the conf's folder
    (in the image), ``%%`` a percent sign. Also a function mapping offsets of the new text to offsets of
    the file (``base``
    is where ``text`` starts in it): a word made of an expansion points at the whole expansion.
    Without this, ``--bind 0.0.0.0:%(ENV_PORT)s --reload`` split at the parenthesis and lost its flags."""
    known = {"program_name": program, "group_name": program, "process_num": "0", "numprocs": "1",
             "here": here or ".", "host_node_name": "localhost"}
    pieces: list[str] = []
    #: (offset in the new text, offset in the old text, length of the replacement, length replaced)
    marks: list[tuple[int, int, int, int]] = []
    at = new_at = 0
    for match in _EXPANSION.finditer(text):
        name = match.group(1)
        if name is None:  # ``%%``: a literal percent sign
            value = "%"
        elif name.startswith("ENV_"):
            value = "${" + name[4:] + "}"
        elif name in known:
            value = known[name].zfill(2) if name == "process_num" and "02" in match.group(0) else known[name]
        else:
            continue
        pieces.append(text[at:match.start()])
        new_at += match.start() - at
        marks.append((new_at, match.start(), len(value), match.end() - match.start()))
        pieces.append(value)
        new_at += len(value)
        at = match.end()
    pieces.append(text[at:])
    starts = [m[0] for m in marks]

    def old(offset: int, end: bool) -> int:
        i = bisect.bisect_right(starts, offset - 1 if end else offset) - 1
        if i < 0:
            return offset
        new_start, old_start, new_len, old_len = marks[i]
        if offset < new_start + new_len or (end and offset == new_start + new_len):
            return old_start + (old_len if end else 0)  # inside the expansion: all of it
        return offset - new_start - new_len + old_start + old_len

    def locate(start: int, stop: int) -> tuple[int, int]:
        return base + old(start, False), base + old(stop, True)

    return "".join(pieces), locate


# ------------------------------------------------------------------ systemd

_EXEC_PREFIX = re.compile(r"^[-@+!:|]*")


def systemd_unit(source: SourceFile) -> list[Entry]:
    """``ExecStartPre=`` (role "pre") and ``ExecStart=`` lines of a unit's ``[Service]``, with
    ``WorkingDirectory=`` and ``Environment=``. Read line by line: a unit repeats keys, which
    configparser cannot keep."""
    entries: list[Entry] = []
    section = ""
    offset = 0
    directory = ""
    environment: dict[str, str] = {}
    lines = source.text.split("\n")
    number = 0
    while number < len(lines):
        line = lines[number]
        number += 1
        line_start, number_at = offset, number
        offset += len(line) + 1
        # a line ending in a backslash continues on the next (systemd.syntax): the value is the
        # file's text up to the last continued line, so words keep their own offsets
        while line.rstrip("\r").endswith("\\") and number < len(lines):
            line += "\n" + lines[number]
            offset += len(lines[number]) + 1
            number += 1
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1]
            continue
        if section != "Service" or "=" not in stripped or stripped.startswith(("#", ";")):
            continue
        key, _, value = line.partition("=")
        key = key.strip()
        value_at = line_start + len(line) - len(line.lstrip()) + len(key) + 1
        lead = len(value) - len(value.lstrip())
        value = value.strip()
        if key == "WorkingDirectory":
            directory = value.lstrip("-")
        elif key == "Environment":
            try:  # systemd quotes assignments with spaces: Environment="OPTS=--log-level info"
                items = shlex.split(value)
            except ValueError:
                items = value.split()
            for item in items:
                name, eq, val = item.strip("\"'").partition("=")
                if eq:
                    environment[name] = val
        elif key in ("ExecStart", "ExecStartPre") and value:
            prefix = _EXEC_PREFIX.match(value).end()
            entries.append(Entry(key, value[prefix:].rstrip("\\").rstrip(), value_at + lead + prefix, number_at,
                                 role="pre" if key == "ExecStartPre" else "boot"))
    for entry in entries:
        entry.directory, entry.environment = directory, dict(environment)
    return entries


def is_systemd_service(source: SourceFile) -> bool:
    try:
        return b"[Service]" in source.data and b"ExecStart" in source.data
    except Exception:
        return False


# ------------------------------------------------------------------ Procfile (read by platforms and by honcho)

_PROCFILE_LINE = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*:\s*(.*?)\s*$")


def procfile_entries(source: SourceFile) -> list[Entry]:
    """``name: command`` lines of a Procfile."""
    entries: list[Entry] = []
    offset = 0
    for number, line in enumerate(source.text.split("\n"), start=1):
        line_start = offset
        offset += len(line) + 1
        m = _PROCFILE_LINE.match(line.rstrip("\r"))
        if not m or line.lstrip().startswith("#"):
            continue
        entries.append(Entry(m.group(1), m.group(2), line_start + m.start(2), number))
    return entries


#: Programs that run a Procfile: name -> the flag that names another Procfile.
PROCFILE_RUNNERS = {"honcho": "-f", "foreman": "-f", "overmind": "-f", "hivemind": ""}
#: How each Procfile runner stops the lines it started, read in its source (or measured): "group" sends
#: the stop signal to the line's whole process group, so a server behind its ``sh -c`` gets it whether
#: or not that shell execs it; "child" signals the line's own process only, so a shell that does not
#: exec the server keeps the signal from it.
#:
#: - honcho 2.0.0: every process in a new session, stopped with ``os.killpg(pid, SIGTERM)``
#:   (honcho/process.py, honcho/compat.py); measured here: ``web: true && python3 srv.py``, SIGTERM to
#:   honcho -> the server's handler ran.
#: - overmind v2.5.1: each line runs in a tmux pane (the pane's process leads its own group);
#:   ``groupSignal`` is ``syscall.Kill(-pid, s)`` of that pane pid (start/process.go:153-155,
#:   ``#{pane_pid}`` in start/tmux.go:25), sent on SIGTERM/SIGINT to overmind (start/command.go:212,
#:   ``proc.Stop`` -> start/process.go:114) with the line's stop signal, SIGINT by default
#:   (start/procfile.go:50), which uvicorn, gunicorn and hypercorn handle as they do SIGTERM.
#: - hivemind v1.1.0: each line is ``/bin/sh -c <line>`` (process.go:21) started with ``Setsid``
#:   (output.go:37) and stopped with ``os.FindProcess(-pid)`` + ``Signal(SIGINT)`` (process.go:43-50,
#:   77), on SIGTERM/SIGINT to hivemind (hivemind.go:106).
#: - foreman 0.90.0: ``kill_children`` sends the signal to each child's pid, not its group
#:   (lib/foreman/engine.rb:201 ``Process.kill signal, *pids``, from ``terminate_gracefully``,
#:   engine.rb:473); a child is ``Process.spawn(env, command)`` (lib/foreman/process.rb:54), which
#:   Ruby runs with ``/bin/sh -c`` only when the line has shell metacharacters (``&&``, ``;``, ``$``,
#:   quotes...) and otherwise execs directly (Ruby's Process.spawn: command_line vs exe_path).
PROCESS_MANAGER_STOP = {"honcho": "group", "overmind": "group", "hivemind": "group", "foreman": "child"}
SIGNALS_PROCESS_GROUP = frozenset(name for name, how in PROCESS_MANAGER_STOP.items() if how == "group")
#: Runners that exec a line of one plain command without a shell (foreman, through Ruby's spawn):
#: whether such a line has a shell in front of the server depends on characters readycheck does not
#: keep, so it is not judged.
EXECS_PLAIN_LINES = frozenset({"foreman"})

#: Where s6-overlay looks for services: v2's services.d, v3's s6-rc.d (each service a folder
#: with a ``run`` script, or an ``up`` for a oneshot).
S6_SERVICE_DIRS = ("/etc/services.d", "/etc/s6-overlay/s6-rc.d")
