"""How the service starts: one normalised model for every place a start command lives.

A ``StartCommand`` is one way a process of the service is started (a Dockerfile's
final stage, a Procfile process type, a compose service), with the chain of
simple commands that really run, in order, after following ``sh -c`` strings,
the scripts a command runs (through the Dockerfile's COPY instructions to
their file in the repo), ``source``/``.`` of other scripts and ``exec "$@"``.
The server among them (gunicorn, uvicorn, ...) is parsed into a ``Server``.

Every token keeps the file and span it was written at, so a finding about
``--reload`` points at that token even when it sits in a script three hops
away from the Dockerfile.
"""

from __future__ import annotations

import configparser
import fnmatch
import posixpath
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Callable, Iterable

from readycheck.knowledge.environments import Environment, classify_environment
from readycheck.core.findings import Span
from readycheck.knowledge.images import BaseImage, ImageConfig, ImageScript, ImageVariable, base_image
from readycheck.parsers.dockerfile import Dockerfile, Instruction, Stage
from readycheck.knowledge.serverconfig import (DEFAULT_HOST, DEFAULT_PORT, GUNICORN_CONF_KEYS, Setting, as_int, evaluate,
                                     settings_from_flags, split_bind)
from readycheck.parsers.shell import Word, exec_blockers, parse_commands
from readycheck.parsers.processmanagers import (PROCFILE_RUNNERS, S6_SERVICE_DIRS, SUPERVISORD_DEFAULT_CONFS,
                                        SUPERVISORD_PACKAGED_INCLUDES, procfile_entries, supervisord_conf,
                                        supervisord_expand)
from readycheck.parsers.yamlfile import helm_to_yaml
from readycheck.core.sourcefile import FileKind, SourceFile, UnreadableFile

if TYPE_CHECKING:
    from readycheck.model.project import Project
    from readycheck.parsers.python import ModuleFacts

SHELLS = {"sh", "bash", "dash", "ash", "zsh", "ksh"}
SERVERS = {"uvicorn", "gunicorn", "hypercorn", "granian", "daphne", "fastapi", "flask", "uwsgi", "waitress-serve",
           "manage.py", "django-admin"}
#: Wrappers that run the rest of the command line: name -> how many of its own arguments follow it.
_WRAPPERS = {"exec": 0, "nohup": 0, "time": 0, "tini": 0, "dumb-init": 0, "catatonit": 0, "gosu": 1,
             "su-exec": 1, "setpriv": 0, "chpst": 0, "stdbuf": 0, "newrelic-admin": 1, "ddtrace-run": 0,
             "opentelemetry-instrument": 0, "doppler": 1, "infisical": 1, "wait-for-it": 0}
#: Programs that run the command line after them as the argument vector they were given (no shell
#: between): an exec-form ``ENTRYPOINT ["tini", "--"]`` hands CMD's words on exactly as written.
#: Name -> how many arguments of its own follow it (``gosu app``).
ARGV_WRAPPERS: dict[str, int] = {name: count for name, count in _WRAPPERS.items() if name != "exec"}
_RUNNERS = {"poetry": "run", "uv": "run", "pipenv": "run", "pdm": "run", "hatch": "run", "rye": "run"}
_PYTHON = re.compile(r"^python(\d(\.\d+)?)?$")
#: A variable holding the interpreter: ``"$PYTHON_CMD" -m uvicorn`` after ``PYTHON_CMD=$(command -v python3)``.
_VARIABLE_WORD = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")


def _is_python_variable(word: str) -> bool:
    """``$PYTHON_CMD``/``${PYTHON}``: one variable whose name says it holds the interpreter. A name
    test after one linear match (a pattern with ``PYTHON`` between two starred classes backtracks
    once per ``PYTHON`` in a hostile word)."""
    match = _VARIABLE_WORD.fullmatch(word)
    return match is not None and "PYTHON" in match.group(1).upper()
#: Flags that take no value, per server; every other ``--flag`` takes the next word.
BOOLEAN_FLAGS = {
    "uvicorn": {"--reload", "--factory", "--proxy-headers", "--no-proxy-headers", "--use-colors", "--no-use-colors",
                "--access-log", "--no-access-log", "--server-header", "--no-server-header", "--date-header",
                "--no-date-header", "--version", "--help"},
    "gunicorn": {"--reload", "--preload", "--daemon", "-D", "--check-config", "--print-config", "--capture-output",
                 "--enable-stdio-inheritance", "--spew", "--reuse-port", "--strip-header-spaces", "--no-sendfile",
                 "--version", "-v", "-R", "--help", "--paste"},
    "hypercorn": {"--reload", "--debug", "--version", "--help"},
    "granian": {"--reload", "--no-reload", "--version", "--help", "--factory", "--no-ws", "--log", "--no-log",
                "--access-log", "--no-access-log"},
    "fastapi": {"--reload", "--no-reload", "--proxy-headers", "--no-proxy-headers", "--help"},
    "flask": {"--reload", "--no-reload", "--debug", "--no-debug", "--debugger", "--no-debugger", "--help"},
}


@dataclass(frozen=True)
class Token:
    text: str
    path: str
    span: Span


@dataclass
class Command:
    """One simple command that runs when the process starts."""

    argv: list[Token]
    env: dict[str, str] = field(default_factory=dict)
    #: Where it was written: "Dockerfile CMD", "scripts/start.sh", "Procfile web", ...
    via: str = ""
    exec_: bool = False
    #: The shell that runs this command, if any: "shell-form CMD", "sh -c", or a script's path.
    shell: str = ""
    #: How many commands that shell runs (a shell running one command may exec it; more, it must stay).
    shell_commands: int = 0
    #: The shell program of an ``sh -c``/``bash -c``/shell-form command ("sh", "bash", ...), whether this
    #: command is the last one of that string, and what in the string can stop the shell from exec-ing
    #: it (see parsers.shell.exec_blockers and images.SHELL_EXECS).
    shell_program: str = ""
    shell_last: bool = False
    shell_blockers: frozenset[str] = frozenset()
    #: The process manager that starts this command itself (supervisord, honcho, s6): not the shell
    #: around the manager, so no shell of that string stands in front of it.
    managed_by: str = ""
    #: The process manager's entry that starts it (``supervisord [program:admin]``, ``s6 service api``,
    #: ``honcho Procfile web``): the commands of one entry are one process of the image.
    managed_as: str = ""
    #: How many copies of it the process manager runs (supervisord's ``numprocs``).
    copies: int = 1
    #: The shell program's own word (``bash`` of ``bash -c "..."``), when the string was written after one.
    shell_word: Token | None = None
    #: Started in the background (``cmd &``) by a script or ``-c`` string that goes on to other commands.
    background: bool = False

    @property
    def words(self) -> list[str]:
        return [t.text for t in self.argv]

    def program_index(self) -> int:
        """Index of the real program after wrappers, runners and ``python -m``."""
        words = self.words
        i = 0
        while i < len(words):
            name = posixpath.basename(words[i])
            if name in _WRAPPERS:
                i += 1 + _WRAPPERS[name]
                if i < len(words) and words[i] == "--":
                    i += 1
                continue
            if name == "env":
                i += 1
                while i < len(words) and ("=" in words[i] or words[i].startswith("-")):
                    i += 1
                continue
            if name in _RUNNERS and i + 1 < len(words) and words[i + 1] == _RUNNERS[name]:
                i += 2
                while i < len(words) and words[i].startswith("-"):
                    i += 1
                continue
            if _PYTHON.match(name) or _is_python_variable(words[i]):
                j = i + 1
                while j < len(words) and words[j].startswith("-") and words[j] != "-m":
                    j += 1
                if j + 1 < len(words) and words[j] == "-m":
                    return j + 1
                return j if j < len(words) else i
            return i
        return min(i, len(words) - 1) if words else 0

    @property
    def program(self) -> str:
        """``gunicorn`` for ``exec poetry run python -m gunicorn ...``."""
        if not self.argv:
            return ""
        return posixpath.basename(self.argv[self.program_index()].text)

    @property
    def args(self) -> list[Token]:
        return self.argv[self.program_index() + 1:] if self.argv else []

    @property
    def span(self) -> Span:
        first, last = self.argv[0].span, self.argv[-1].span
        return Span(first.line, first.column, last.end_line, last.end_column)


@dataclass
class Server:
    name: str  # uvicorn, gunicorn, hypercorn, granian, daphne, fastapi, flask, manage.py, ...
    command: Command
    #: The app target ("app.main:app") as written, when given on the command line.
    target: Token | None
    #: --flag -> its value token (None for boolean flags); the flag token itself in ``flag_tokens``.
    options: dict[str, Token | None] = field(default_factory=dict)
    flag_tokens: dict[str, Token] = field(default_factory=dict)
    subcommand: Token | None = None  # "dev"/"run" for fastapi, "run" for flask, "runserver" for manage.py
    #: Normalised settings (workers, worker_class, host, port, bind, timeout, graceful_timeout, reload),
    #: merged from the command line, the environment and config files; see readycheck.knowledge.serverconfig.
    settings: dict[str, Setting] = field(default_factory=dict)
    #: False when a config file named on the command line (``-c "$GUNICORN_CONF"``) could not be
    #: read: any setting missing above may be set there, so no default can be assumed.
    settings_complete: bool = True
    #: For a server started from Python (a console script's ``uvicorn.run(...)``): that call, and how
    #: the start command reaches it ("console script myapp = myapp.cli:app: serve() in myapp/cli.py").
    entry: Token | None = None
    entry_via: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} {self.subcommand.text}" if self.name in ("fastapi", "flask") and self.subcommand else self.name

    @property
    def program(self) -> Token:
        """The token naming the server program (``gunicorn`` in ``exec poetry run gunicorn``)."""
        return self.command.argv[self.command.program_index()]

    def host_port(self) -> tuple[str | None, int | None, Setting | None]:
        """(host, port, the setting they came from), defaults applied."""
        bind = self.settings.get("bind")
        if bind is not None:
            host, port = split_bind(bind.value)
            return host, port, bind
        host = self.settings.get("host")
        port = self.settings.get("port")
        default_host = DEFAULT_HOST.get(self.label, DEFAULT_HOST.get(self.name)) if self.settings_complete else None
        default_port = DEFAULT_PORT.get(self.name) if self.settings_complete else None
        return (host.value if host else default_host), (port.number if port else default_port), host or port


@dataclass
class StartCommand:
    path: str  # the file that declares it
    span: Span  # the declaring instruction, line or key
    origin: str  # "Dockerfile", "Procfile", "compose"
    process: str  # stage name, Procfile process type, compose service
    role: str  # "boot", "release" or "oneshot"
    #: Production, development or auxiliary, and why (readycheck.knowledge.environments.classify_environment).
    environment: Environment
    chain: list[Command]
    server: Server | None = None
    shell_form: bool = False
    dockerfile: Dockerfile | None = None
    #: Environment the process gets: name -> value token (Dockerfile ENV, compose/k8s env, platform env).
    env: dict[str, Token] = field(default_factory=dict)
    #: Ports the platform routes to: EXPOSE, containerPort, fly internal_port.
    ports: list[Token] = field(default_factory=list)
    #: Replica count when the platform declares one (k8s replicas, compose deploy.replicas, render numInstances).
    replicas: Token | None = None
    #: CPU cores the container may use, when declared (Kubernetes resources).
    cpu_limit: Token | None = None
    #: The image the process runs in, when known: the Dockerfile's external base image, a compose
    #: service's or a container's ``image`` (what decides which shell ``/bin/sh`` is).
    image: str = ""
    #: The ENV of the image a compose service builds, under its own ``environment``: what a base image's
    #: own config file reads too (``env`` holds what the platform file sets).
    image_env: dict[str, Token] = field(default_factory=dict)
    #: The process-manager entry this start is (``supervisord [program:admin]``), when the manager
    #: starts several servers: each is then its own start command, judged on its own.
    program: str = ""
    #: For the image's start whose manager starts several servers: (entry, its chain, its server) of each,
    #: found by ``finish``; ``Project.start_commands`` lists them as starts of their own (``per_program``).
    programs: list[tuple[str, list["Command"], "Server | None"]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.origin} {self.process} {self.program}".strip()

    def per_program(self) -> list["StartCommand"]:
        """This start as one start command per process-manager entry that runs a server (itself when its
        manager starts at most one): the chain up to the manager, then that entry's commands."""
        if not self.programs:
            return [self]
        return [replace(self, chain=chain, server=server, program=entry, programs=[])
                for entry, chain, server in self.programs]

    @property
    def development(self) -> bool:
        """Not a production setup: a development or auxiliary file, profile, target or stage."""
        return not self.environment.production

    @property
    def production(self) -> bool:
        """Starts the service in production: a boot process outside development files."""
        return self.role == "boot" and not self.development

    def resolve_env(self, text: str) -> str:
        """``$PORT``/``${PORT}`` replaced by the value the environment gives it, when known."""
        name = text.strip().strip("\"'")
        if name.startswith("${") and name.endswith("}"):
            name = name[2:-1].split(":-")[0]
        elif name.startswith("$"):
            name = name[1:]
        else:
            return text
        value = self.env.get(name)
        return value.text if value is not None and not value.text.startswith("$") else text


# ------------------------------------------------------------------ development files

# ------------------------------------------------------------------ server parsing


def parse_server(command: Command) -> Server | None:
    program = command.program
    args = command.args
    name = program
    if program in ("manage.py", "django-admin"):
        sub = args[0] if args else None
        if sub is None or sub.text not in ("runserver", "runserver_plus"):
            return None
        return Server(name, command, None, subcommand=sub)
    if program not in SERVERS:
        return None
    server = Server(name, command, None)
    rest = list(args)
    if program in ("fastapi", "flask"):
        if not rest or rest[0].text not in ("run", "dev"):
            return None
        server.subcommand = rest.pop(0)
    booleans = BOOLEAN_FLAGS.get(program, set())
    i = 0
    while i < len(rest):
        tok = rest[i]
        text = tok.text
        if text.startswith("-") and len(text) > 1:
            flag, eq, value = text.partition("=")
            server.flag_tokens[flag] = tok
            if eq:
                server.options[flag] = Token(value, tok.path, tok.span)
            elif flag in booleans or i + 1 >= len(rest) or (rest[i + 1].text.startswith("-") and rest[i + 1].text != "-"):
                server.options[flag] = None
            else:
                server.options[flag] = rest[i + 1]
                i += 1
        elif server.target is None:
            server.target = tok
        i += 1
    return server


# ------------------------------------------------------------------ building the model


class ScriptResolver:
    """Maps a path inside the image (or the working directory) to a repo file.

    Public because every platform reader builds one: ``ScriptResolver(project, folder, [], "/")`` for a
    file whose commands run in the repository as it is (no COPY instructions to follow)."""

    def __init__(self, project: "Project", context_dir: str, copies: list[tuple[str, str]], workdir: str) -> None:
        self.project = project
        self.context_dir = context_dir
        self.copies = copies  # (repo source path, container destination)
        self.workdir = workdir or "/"

    def at(self, workdir: str) -> "ScriptResolver":
        """The same image seen from another working directory (a supervisord ``directory=``)."""
        if not workdir or workdir == self.workdir or "$" in workdir or "%(" in workdir:
            return self
        return ScriptResolver(self.project, self.context_dir, self.copies,
                               posixpath.normpath(posixpath.join(self.workdir, workdir)))

    def container_path(self, arg: str) -> str:
        return posixpath.normpath(arg if arg.startswith("/") else posixpath.join(self.workdir, arg))

    def files_in(self, container_dir: str) -> dict[str, SourceFile]:
        """Container path -> repo file for every file the image has below a folder, through its
        COPY instructions (a later COPY of the same path wins)."""
        folder = self.container_path(container_dir).rstrip("/")
        out: dict[str, SourceFile] = {}
        for src, dest in self.copies:
            dest_dir = dest.endswith("/")
            dest = posixpath.normpath(dest) if dest not in ("/", "") else "/"
            src_file = self.project.file(src)
            if src_file is not None:
                target = posixpath.join(dest, posixpath.basename(src)) if dest_dir else dest
                if target.startswith(folder + "/"):
                    out[target] = src_file
            elif dest == "/" or dest == folder or dest.startswith(folder + "/") or folder.startswith(dest + "/"):
                for found in self.project.files_below(src):
                    target = posixpath.join(dest, found.path[len(src) + 1:] if src else found.path)
                    if target.startswith(folder + "/"):
                        out[target] = found
        return out

    def resolve(self, arg: str) -> SourceFile | None:
        if not arg or "$" in arg:
            return None
        copied = self.copied(arg)
        if copied is not None:
            return copied
        # Not through a COPY: a path relative to the context, then a unique file of that name.
        direct = self.project.file(posixpath.normpath(posixpath.join(self.context_dir, arg.lstrip("/"))))
        if direct is not None:
            return direct
        base = posixpath.basename(arg)
        if "." not in base and not base.endswith(("entrypoint", "start", "run")):
            return None
        named = self.project.files_named(base)
        in_context = [f for f in named if not self.context_dir or f.path.startswith(self.context_dir + "/")]
        # The build context may be the repo root (set in compose or CI), not the Dockerfile's folder:
        # a name unique in the whole repo is still the script.
        candidates = in_context or named
        return candidates[0] if len(candidates) == 1 else None

    def copied(self, arg: str) -> SourceFile | None:
        """The repo file a COPY puts at this path of the image, and nothing guessed: what decides
        whether the image's own file there (a base image's /start.sh) is replaced."""
        if not arg or "$" in arg:
            return None
        container = arg if arg.startswith("/") else posixpath.normpath(posixpath.join(self.workdir, arg))
        for src, dest in reversed(self.copies):
            dest_dir = dest.endswith("/")
            dest = posixpath.normpath(dest) if dest not in ("/", "") else "/"
            src_file = self.project.file(src)
            if src_file is not None:  # a single file copied
                target = posixpath.join(dest, posixpath.basename(src)) if dest_dir else dest
                if target == container:
                    return src_file
            else:  # a directory copied into dest
                prefix = dest.rstrip("/") + "/"
                if container.startswith(prefix) or dest == "/":
                    rel = container[len(prefix):] if dest != "/" else container.lstrip("/")
                    found = self.project.file(posixpath.normpath(posixpath.join(src, rel)) if src not in ("", ".") else rel)
                    if found is not None:
                        return found
        return None


class Expander:
    """Turns argv words into the chain of commands that really run.

    Public because every platform reader expands its commands with one (``from_words``), so that
    ``sh -c``, scripts and process managers are followed the same way whatever file declares them."""

    MAX_DEPTH = 6

    def __init__(self, project: "Project", resolver: ScriptResolver, base: "BaseImage | None" = None,
                 env: dict[str, Token] | None = None) -> None:
        self.project = project
        self.resolver = resolver
        #: The well-known base image the commands run in, whose own entrypoint or scripts may be named.
        self.base = base
        #: The environment the image gets (Dockerfile ENV, compose environment): what the base
        #: image's own scripts read their settings from.
        self.env = env or {}

    def from_words(self, words: list[Token], via: str, env: dict[str, str] | None = None, exec_: bool = False,
                   depth: int = 0, rest: list[Token] | None = None, stack: tuple[str, ...] = ()) -> list[Command]:
        words = list(words)
        env = dict(env or {})
        while words and "=" in words[0].text and words[0].text.split("=", 1)[0].isidentifier():
            name, _, value = words.pop(0).text.partition("=")
            env[name] = value
        if not words or depth > self.MAX_DEPTH:
            return []
        if words[0].text == "exec":
            return self.from_words(words[1:], via, env, True, depth, rest, stack)
        program = posixpath.basename(words[0].text)
        if words[0].text in ('$@', '${@}') and rest is not None:
            return self.from_words(rest + words[1:], via, env, exec_, depth + 1, None, stack)
        if program in ARGV_WRAPPERS:
            wrapped = self._behind_wrapper(words, program, via, env, exec_, depth, rest, stack)
            if wrapped is not None:
                return wrapped
        if program in SHELLS:
            flags = [w for w in words[1:] if w.text.startswith("-")]
            if any("c" in f.text.lstrip("-") for f in flags):
                at = next(i for i, w in enumerate(words) if w.text.startswith("-") and "c" in w.text.lstrip("-"))
                if at + 1 < len(words):
                    # sh -c STRING $0 ARGS...: "$@" inside STRING are the ARGS.
                    commands = self.from_string(words[at + 1], via, env, depth + 1, words[at + 3:], stack, program)
                    for command in commands:
                        if command.shell == "sh -c" and command.shell_word is None:
                            command.shell_word = words[0]
                    return commands
            script = next((w for w in words[1:] if not w.text.startswith("-")), None)
            if script is not None:
                followed = self.follow(script, via, env, depth, words[words.index(script) + 1:], stack)
                if followed is not None:
                    return followed
        if program in (".", "source") and len(words) > 1:
            followed = self.follow(words[1], via, env, depth, rest, stack)
            if followed is not None:
                return followed
        if self.base is not None and len(words) > 1 and self.base.runs_as_given(words[0].text, words[1].text) \
                and self.resolver.resolve(words[0].text) is None:
            # The base image's docker-entrypoint.sh execs any command it is not its server's: follow that.
            return [Command(words[:1], env, via, exec_)] + self.from_words(words[1:], via, env, True, depth + 1,
                                                                          rest, stack)
        if words[0].text.endswith((".sh", ".bash")) or posixpath.basename(words[0].text) in (
                "entrypoint", "docker-entrypoint", "start", "run", "prestart"):
            followed = self.follow(words[0], via, env, depth, words[1:], stack)
            if followed is not None:
                return followed
        managed = self.process_manager(words, program, via, env, depth, stack)
        if managed is not None:
            for command in managed:
                command.managed_by = command.managed_by or program
            return [Command(words, env, via, exec_)] + managed
        return [Command(words, env, via, exec_)]

    def _behind_wrapper(self, words: list[Token], program: str, via: str, env: dict[str, str], exec_: bool,
                        depth: int, rest: list[Token] | None, stack: tuple[str, ...]) -> list[Command] | None:
        """``tini -- sh -c "..."``, ``dumb-init ./start.sh``, ``gosu app /entrypoint.sh``: the wrapper
        runs the rest of its argument vector, so a shell, script or process manager there is read as
        if it stood first (was: the whole line was one command, the server inside never found). The
        wrapper stays in the chain as its own command (an init in front matters to RC204). None when
        what follows is one plain command: that line is kept as written."""
        at = 1 + ARGV_WRAPPERS[program]
        while at < len(words) and words[at].text.startswith("-"):
            at += 1
            if words[at - 1].text == "--":
                break
        inner = self.from_words(words[at:], via, env, exec_, depth + 1, rest, stack) if at < len(words) else []
        if not inner or (len(inner) == 1 and inner[0].argv == words[at:]):
            return None
        return [Command(words[:at], env, via, exec_)] + inner

    def from_string(self, word: Token, via: str, env: dict[str, str], depth: int, rest: list[Token] | None,
                    stack: tuple[str, ...], program: str = "sh") -> list[Command]:
        """The string of ``sh -c "..."``, parsed as a script, positions mapped into the file."""
        source = self.project.file(word.path)
        aligned: dict[str, list[int] | None] = {}  # the outer word aligned once, not once per inner word
        groups = [([self._inner_token(word, w, source, aligned) for w in simple.words], simple.env, simple.background)
                  for simple in parse_commands(word.text)]
        return self.shell_string(groups, word.text, via, env, depth, rest, stack, program)

    def shell_string(self, groups: list[tuple[list[Token], dict[str, str], bool]], text: str, via: str,
                     env: dict[str, str], depth: int, rest: list[Token] | None, stack: tuple[str, ...],
                     program: str = "sh", shell: str = "sh -c") -> list[Command]:
        """The commands of a string a shell runs with ``-c``, marked with that shell, whether each is
        the string's last command and what could keep the shell from exec-ing it."""
        commands: list[Command] = []
        last: list[Command] = []
        for tokens, own_env, background in groups:
            last = self.from_words(tokens, via, {**env, **own_env}, False, depth, rest, stack)
            for command in last if background else ():
                command.background = True
            commands += last
        mark_shell(commands, shell, program, frozenset(exec_blockers(text)), last)
        return commands

    def process_manager(self, words: list[Token], program: str, via: str, env: dict[str, str], depth: int,
                        stack: tuple[str, ...]) -> list[Command] | None:
        """What supervisord, honcho/foreman or s6-overlay's ``/init`` start (None: not one of them)."""
        if program == "supervisord":
            return self.supervisord(words, via, env, depth, stack)
        if program in PROCFILE_RUNNERS and any(w.text == "start" for w in words[1:3]):
            return self.procfile_runner(words, program, env, depth, stack)
        if program == "hivemind":  # hivemind [options] [procfile]: no subcommand
            return self.procfile_runner(words, program, env, depth, stack)
        if words[0].text == "/init":  # s6-overlay
            return self.s6_services(env, depth, stack) + self.from_words(words[1:], via, env, False, depth + 1,
                                                                        None, stack)
        return None

    def supervisord(self, words: list[Token], via: str, env: dict[str, str], depth: int,
                    stack: tuple[str, ...]) -> list[Command]:
        texts = [w.text for w in words]
        conf_path = ""
        for i, text in enumerate(texts[1:], start=1):
            if text in ("-c", "--configuration") and i + 1 < len(texts):
                conf_path = texts[i + 1]
            elif text.startswith("--configuration="):
                conf_path = text.split("=", 1)[1]
            elif text.startswith("-c") and len(text) > 2:
                conf_path = text[2:]
        conf = None
        for candidate in ([conf_path] if conf_path else list(SUPERVISORD_DEFAULT_CONFS)):
            conf = self.resolver.resolve(candidate)
            if conf is not None:
                conf_path = candidate
                break
        confs: list[SourceFile] = []
        folders: dict[str, str] = {}  # conf path in the repo -> its folder in the image (supervisord's %(here)s)
        includes: list[tuple[str, str, str]] = []  # (glob, its folder in the image, the conf's folder in the repo)
        if conf is not None:
            confs.append(conf)
            folders[conf.path] = posixpath.dirname(self.resolver.container_path(conf_path))
            includes += [(g, posixpath.dirname(self.resolver.container_path(conf_path)), conf.directory)
                         for g in self._supervisord_read(conf, [])[1]]
        else:  # the distribution's own supervisord.conf, which includes conf.d
            includes += [(g, "/", "") for g in SUPERVISORD_PACKAGED_INCLUDES]
        for pattern, folder, repo_folder in includes:
            container_glob = posixpath.normpath(posixpath.join(folder, pattern))
            matched = sorted((path, found) for path, found in
                             self.resolver.files_in(posixpath.dirname(container_glob)).items()
                             if fnmatch.fnmatchcase(path, container_glob))
            if not matched and not pattern.startswith("/"):  # not in an image: beside the conf in the repo
                repo_glob = posixpath.normpath(posixpath.join(repo_folder, pattern))
                matched = [(f.path, f) for f in self.project.files_below(posixpath.dirname(repo_glob))
                           if fnmatch.fnmatchcase(f.path, repo_glob)]
            for _, found in matched:
                if found not in confs:
                    confs.append(found)
                    folders[found.path] = posixpath.dirname(container_glob)
        commands: list[Command] = []
        for source in confs:
            if source.path in stack:
                continue
            entries = self._supervisord_read(source, [])[0]
            for entry in entries:
                label = f"supervisord [program:{entry.name}]" + (f" x{entry.numprocs}" if entry.numprocs > 1 else "")
                expander = Expander(self.project, self.resolver.at(entry.directory))
                text, locate = supervisord_expand(entry.command, entry.name, folders.get(source.path, ""),
                                                  entry.offset)
                for simple in parse_commands(text, locate=locate):
                    commands += _managed_as(label, expander.from_words(
                        words_to_tokens(source, simple.words), label, {**env, **entry.environment, **simple.env},
                        False, depth + 1, None, stack + (source.path,)), entry.numprocs)
        return commands

    def _supervisord_read(self, source: SourceFile, default: list) -> tuple[list, list[str]]:
        try:
            return supervisord_conf(source)
        except (configparser.Error, UnreadableFile) as exc:
            self.project.diagnose(source.path, f"cannot parse supervisord config: {str(exc).splitlines()[0]}")
            return default, []

    def procfile_runner(self, words: list[Token], program: str, env: dict[str, str], depth: int,
                        stack: tuple[str, ...]) -> list[Command]:
        """``honcho start [-f Procfile] [process ...]``: every line of the Procfile, each run by ``sh -c``."""
        texts = [w.text for w in words]
        path, wanted = "Procfile", list[str]()
        if program == "hivemind":
            path, wanted = _hivemind_arguments(texts)
        i = 1
        while i < len(texts) and program != "hivemind":
            text = texts[i]
            if text in ("-f", "--procfile") and i + 1 < len(texts):
                path = texts[i + 1]
                i += 2
                continue
            if text.startswith("--procfile="):
                path = text.split("=", 1)[1]
            elif text.startswith("-") and i + 1 < len(texts) and text in ("-e", "--env", "-d", "--app-root", "-p",
                                                                         "--port", "-c", "--concurrency"):
                i += 2
                continue
            elif text != "start" and not text.startswith("-"):
                wanted.append(text)
            i += 1
        procfile = self.resolver.resolve(path)
        if procfile is None or procfile.path in stack:
            return []
        commands: list[Command] = []
        for entry in procfile_entries(procfile):
            if wanted and entry.name not in wanted:
                continue
            groups = [(words_to_tokens(procfile, simple.words), simple.env, simple.background)
                      for simple in parse_commands(entry.command, base=entry.offset)]
            label = f"{program} {procfile.path} {entry.name}"
            commands += _managed_as(label, self.shell_string(groups, entry.command, label, env, depth + 1, None,
                                                             stack + (procfile.path,)))
        return commands

    def s6_services(self, env: dict[str, str], depth: int, stack: tuple[str, ...]) -> list[Command]:
        """The ``run`` script of every s6-overlay service the image has."""
        commands: list[Command] = []
        for folder in S6_SERVICE_DIRS:
            for path, script in sorted(self.resolver.files_in(folder).items()):
                if path.count("/") == folder.count("/") + 2 and path.endswith("/run"):
                    label = f"s6 service {path.split('/')[-2]}"
                    commands += _managed_as(label, self.follow_source(script, label, env, depth, None, stack) or [])
        return commands

    @staticmethod
    def _inner_token(outer: Token, inner: Word, source: SourceFile | None,
                     aligned: dict[str, list[int] | None] | None = None) -> Token:
        if source is None:
            return Token(inner.text, outer.path, outer.span)
        index = source.index
        start = index.offset(outer.span.line, outer.span.column)
        end = index.offset(outer.span.end_line, outer.span.end_column)
        raw = index.text[start:end]
        # Verbatim when the outer word is the inner text wrapped in one pair of quotes.
        for quote_len in (1, 0):
            body = raw[quote_len:len(raw) - quote_len] if quote_len else raw
            if body == outer.text:
                return Token(inner.text, outer.path, index.span(start + quote_len + inner.start, start + quote_len + inner.end))
        # Folded by YAML (``command: >``, ``- |``) or unquoted by the shell (``\"``): each character found.
        if aligned is None:
            aligned = {}
        if "offsets" not in aligned:
            aligned["offsets"] = align_template(outer.text, raw)
        offsets = aligned["offsets"]
        if offsets is not None and inner.end > inner.start and inner.end <= len(offsets):
            return Token(inner.text, outer.path, index.span(start + offsets[inner.start], start + offsets[inner.end - 1] + 1))
        return Token(inner.text, outer.path, outer.span)

    def follow(self, script_word: Token, via: str, env: dict[str, str], depth: int, args: list[Token] | None,
               stack: tuple[str, ...]) -> list[Command] | None:
        own = self.base.script(self.resolver.container_path(script_word.text)) if self.base is not None else None
        if own is not None and self.resolver.copied(script_word.text) is None:
            return self.image_script(own, script_word, via, env, depth, stack)
        script = self.resolver.resolve(script_word.text)
        return self.follow_source(script, script.path, env, depth, args, stack) if script is not None else None

    def image_script(self, script: ImageScript, word: Token, via: str, env: dict[str, str], depth: int,
                     stack: tuple[str, ...]) -> list[Command]:
        """A start script the base image ships (tiangolo's ``/start.sh``), as images.BASE_IMAGES says it
        runs: its variables from the environment the image gets, else their defaults (placed at the
        word naming the script); the app's prestart script it sources, when the image has it; then
        the server it execs."""
        given = {**self.env, **{k: Token(v, word.path, word.span) for k, v in env.items()}}
        values = image_variables(script.variables, given, word, lambda path: self.resolver.copied(path) is not None)
        commands: list[Command] = []
        prestart = values.get(script.prestart)
        found = self.resolver.copied(prestart.text) if prestart is not None else None
        if found is not None:
            commands += self.follow_source(found, found.path, env, depth, None, stack) or []
        argv = [values.get(w[1:], Token(w, word.path, word.span)) if w.startswith("$") else Token(w, word.path, word.span)
                for w in script.argv]
        shown = via if "(base image" in via else f"{via} (base image: {script.path})"
        commands.append(Command(argv, dict(env), shown, exec_=True))
        return commands

    def follow_source(self, script: SourceFile, via: str, env: dict[str, str], depth: int,
                      args: list[Token] | None, stack: tuple[str, ...]) -> list[Command] | None:
        if script.path in stack:
            return None
        try:
            text = script.text
        except UnreadableFile:
            return None
        shebang = text.split("\n", 1)[0] if text.startswith("#!") else ""
        if "python" in shebang:
            return None
        commands: list[Command] = []
        assigned: dict[str, str] = {}  # CMD="letta server --port $PORT" ... exec $CMD
        for simple in parse_commands(text):
            if not simple.words:
                for name, value in simple.env.items():
                    assigned[name] = _expand_vars(value, assigned)
                continue
            tokens = [Token(w.text, script.path, script.index.span(w.start, w.end)) for w in simple.words]
            tokens = _expand_command_variable(tokens, assigned)
            started = self.from_words(tokens, via, {**env, **simple.env}, False, depth + 1, args,
                                      stack + (script.path,))
            for command in started if simple.background else ():
                command.background = True
            commands += started
        if "execlineb" in shebang:  # execline chain-loads: every command replaces the one before
            for command in commands:
                command.exec_ = True
            return commands
        return mark_shell(commands, script.path)


#: What a text in a file may have around and between the characters of the value it stands for:
#: a YAML block scalar's header and indentation, folded line breaks, quotes and backslashes that
#: YAML or the shell removed.
_SKIPPABLE = frozenset(" \t\r\n\"'\\")
_BLOCK_HEADER = frozenset(">|+-0123456789")


def align(value: str, raw: str, escaped_dollars: bool = False) -> list[int] | None:
    """For each character of ``value``, its offset in ``raw``, the file text it was read from
    (a folded or literal YAML scalar, a shell word with quotes): every character of ``raw`` is
    either matched in order or one of the characters YAML and the shell drop (whitespace,
    quotes, backslashes, a block scalar's ``>``/``|`` header). None when they do not line up,
    so a caller keeps the outer position rather than guess. Linear in both texts. With
    ``escaped_dollars``, a ``$`` of the value may be written ``$$`` (compose's escape of it)."""
    offsets: list[int] = []
    j = 0
    if raw[:1] in (">", "|"):
        while j < len(raw) and raw[j] in _BLOCK_HEADER:
            j += 1
    for char in value:
        if char in " \t\n":
            if j < len(raw) and raw[j] in " \t\r\n":
                offsets.append(j)
                j += 1
            else:
                offsets.append(max(j - 1, 0))
            continue
        while j < len(raw) and raw[j] != char and raw[j] in _SKIPPABLE:
            j += 1
        if j >= len(raw) or raw[j] != char:
            return None
        offsets.append(j)
        j += 2 if escaped_dollars and char == "$" and raw.startswith("$$", j) else 1
    return offsets


def align_template(value: str, raw: str) -> list[int] | None:
    """``align``, and for a value read from a template (a Helm block scalar whose ``{{- if }}`` lines
    YAML never saw, ``{{ .Values.x }}`` read as a placeholder) against the text as it was read, with
    its expressions blanked (every offset kept). The file's own text first: ``{{.State}}`` of a
    ``docker inspect --format`` in a compose command is text of the value."""
    offsets = align(value, raw)
    if offsets is None and "{{" in raw:
        offsets = align(value, helm_to_yaml(raw))
    if offsets is None and "$$" in raw:  # a compose command's ``$$``, read as the ``$`` the container sees
        offsets = align(value, raw, escaped_dollars=True)
    return offsets


def _expand_command_variable(tokens: list[Token], assigned: dict[str, str]) -> list[Token]:
    """``exec $CMD`` / ``$CMD`` with CMD assigned earlier in the same script: the words of its value
    (as the shell splits an unquoted expansion), placed where ``$CMD`` is written."""
    for at, token in enumerate(tokens[:2]):
        name = token.text[2:-1] if token.text.startswith("${") and token.text.endswith("}") else \
            token.text[1:] if token.text.startswith("$") else ""
        if name and name in assigned and (at == 0 or tokens[0].text == "exec"):
            words = [Token(word, token.path, token.span) for word in assigned[name].split()]
            return tokens[:at] + words + tokens[at + 1:] if words else tokens
    return tokens


def image_variables(variables: Iterable[ImageVariable], given: dict[str, Token], where: Token,
                    has_file: Callable[[str], bool]) -> dict[str, Token]:
    """The values a base image's script or config file gives its variables, in order: the one the
    environment gives (its token, where the user set it), else the value of the first file it looks
    for that the image has, else its default with earlier variables substituted."""
    values: dict[str, Token] = {}
    for variable in variables:
        token = given.get(variable.name)
        if token is not None and not token.text.startswith("$"):
            values[variable.name] = token
            continue
        default = next((value for path, value in variable.files if has_file(path)), variable.default)
        values[variable.name] = substitute(default, values, where)
    return values


def substitute(template: str, values: dict[str, Token], where: Token) -> Token:
    """``$HOST:$PORT`` with each variable's value; placed at the last one the environment set (what
    the user changes), else at ``where``. A variable with no value stays written as ``$NAME``."""
    at = where

    def value(match: re.Match) -> str:
        nonlocal at
        token = values.get(match.group(1))
        if token is None or not token.text:
            return match.group(0)
        if (token.path, token.span) != (where.path, where.span):
            at = token
        return token.text

    text = re.sub(r"\$([A-Za-z_][A-Za-z0-9_]*)", value, template)
    return Token(text, at.path, at.span)


def _managed_as(entry: str, commands: list[Command], copies: int = 1) -> list[Command]:
    """Mark the commands a process manager's entry starts (the innermost manager's entry wins), and
    how many copies of the entry it runs."""
    for command in commands:
        if not command.managed_as:
            command.managed_as, command.copies = entry, copies
    return commands


def mark_shell(commands: list[Command], shell: str, program: str = "", blockers: frozenset[str] = frozenset(),
               last: list[Command] | None = None) -> list[Command]:
    """Record which shell runs commands (the innermost wins) and how many it runs; for a
    ``-c`` string, the shell program, what may keep it from exec-ing its last command, and
    which command that is (the last of ``last``, the commands of the string's last simple command)."""
    own = [c for c in commands if not c.shell and not c.managed_by]
    for command in own:
        command.shell = shell
        command.shell_commands = len(own)
        command.shell_program = program
        command.shell_blockers = blockers
    if last and last[-1] in own:
        last[-1].shell_last = True
    return commands


def words_to_tokens(source: SourceFile, words: Iterable[Word]) -> list[Token]:
    """Shell words parsed from a file's text (offsets into it) as located tokens of that file:
    what a platform reader hands ``Expander.from_words``."""
    index = source.index
    return [Token(w.text, source.path, index.span(w.start, w.end)) for w in words]


def finish(project: "Project", start: StartCommand, resolver: "ScriptResolver | None" = None) -> StartCommand:
    """Find the server of a start command and resolve its settings; when a process manager in its chain
    starts several servers (two supervisord programs), each entry's server too (``StartCommand.programs``)."""
    resolver = resolver or ScriptResolver(project, posixpath.dirname(start.path), [], "/")
    if start.origin in PORT_PLATFORMS and "PORT" not in start.env:
        start.env["PORT"] = Token("$PORT", start.path, start.span)  # the platform sets it
    _find_server(project, start, resolver)
    entries: dict[str, list[Command]] = {}
    for command in start.chain:
        if command.managed_as:
            entries.setdefault(command.managed_as, []).append(command)
    if len(entries) < 2:
        return start
    managers = {c.managed_by for c in start.chain if c.managed_by}
    own = [c for c in start.chain if not c.managed_as]  # what runs before the manager, and the manager
    programs: list[tuple[str, list[Command], Server | None]] = []
    for entry, commands in entries.items():
        # the commands before the manager go with the first entry only: judged once, not once per program
        prefix = own if not programs else [c for c in own if c.program in managers]
        piece = replace(start, chain=prefix + commands, server=None, programs=[])
        _find_server(project, piece, resolver)
        if piece.server is not None:
            programs.append((entry, piece.chain, piece.server))
    if len(programs) > 1:
        start.programs = programs
    return start


def _find_server(project: "Project", start: StartCommand, resolver: "ScriptResolver") -> StartCommand:
    """The server of a start command's chain, with its settings."""
    # A server started in the background while the chain goes on to start one in the foreground
    # is a side or temporary process (a bootstrap instance killed before the real one): the
    # foreground one is the service.
    chain = sorted(start.chain, key=lambda c: c.background)
    for command in chain:
        server = parse_server(command)
        if server is not None:
            start.server = server
            server.settings = _settings(project, start, server, resolver)
            if server.target is None and server.name == "fastapi":
                server.target = _fastapi_entrypoint(project)
            return start
    for command in start.chain:
        server = _python_main_server(project, command, resolver)
        if server is not None:
            start.server = server
            server.settings = {**_env_settings(start, server), **server.settings}
            return start
    scripts = {id(c): _python_file_entry(project, c, resolver) for c in start.chain}
    if project.files(FileKind.PYPROJECT) or any("-m" in c.words for c in start.chain) or any(scripts.values()):
        from readycheck.model.entrypoints import server_from_entry

        for at, command in enumerate(start.chain):
            found = server_from_entry(project, command, scripts[id(command)])
            if found is None:
                continue
            server, before = found
            start.chain[at:at] = before  # what the entry point runs first (and an exec'd server line)
            if server.command is not command:  # os.exec*/subprocess of a server command line
                server.settings = _settings(project, start, server, resolver)
            else:
                server.settings = {**_env_settings(start, server), **server.settings}
            start.server = server
            return start
    return start


def _settings(project: "Project", start: StartCommand, server: Server, resolver: "ScriptResolver") -> dict[str, Setting]:
    merged: dict[str, Setting] = {}
    if server.name == "gunicorn":
        merged.update(_gunicorn_conf(project, start, server, resolver))
    merged.update(_env_settings(start, server))
    # a base image's own start script (tiangolo's /start.sh) writes the flags, not the user
    flags = "the base image's start script" if "(base image" in server.command.via else "command line"
    merged.update(settings_from_flags(server.name, server.options, server.flag_tokens, flags))
    if server.name == "gunicorn" and not {"bind", "host", "port"} & set(merged) and "PORT" in start.env:
        port = start.env["PORT"]
        merged["bind"] = Setting(f"0.0.0.0:{port.text}", port.path, port.span, "PORT (gunicorn binds 0.0.0.0:$PORT)")
    return merged


def _env_settings(start: StartCommand, server: Server) -> dict[str, Setting]:
    out: dict[str, Setting] = {}
    env = dict(start.env)
    for key, value in server.command.env.items():
        env[key] = Token(value, server.command.argv[0].path, server.command.argv[0].span)
    concurrency = env.get("WEB_CONCURRENCY")
    if concurrency is not None and server.name in ("gunicorn", "uvicorn"):
        out["workers"] = Setting(concurrency.text, concurrency.path, concurrency.span, "WEB_CONCURRENCY",
                                 as_int(concurrency.text))
    if server.name == "uvicorn":
        for key, token in env.items():
            if key.startswith("UVICORN_"):
                flag = "--" + key[len("UVICORN_"):].lower().replace("_", "-")
                name = FLAGS_FOR_UVICORN.get(flag)
                if name:
                    out[name] = Setting(token.text, token.path, token.span, key, as_int(token.text))
    args = env.get("GUNICORN_CMD_ARGS")
    if args is not None and server.name == "gunicorn":
        words = [Token(w.text, args.path, args.span) for c in parse_commands(args.text) for w in c.words]
        fake = parse_server(Command([Token("gunicorn", args.path, args.span)] + words))
        if fake is not None:
            out.update(settings_from_flags("gunicorn", fake.options, fake.flag_tokens, "GUNICORN_CMD_ARGS"))
    return out


def _gunicorn_conf(project: "Project", start: StartCommand, server: Server,
                   resolver: "ScriptResolver") -> dict[str, Setting]:
    explicit = server.options.get("-c") or server.options.get("--config")
    known = base_image(start.image) if start.image else None
    own = known.config(resolver.container_path(explicit.text)) if known is not None and explicit is not None else None
    if own is not None and explicit is not None and resolver.copied(explicit.text) is None:
        return image_config_settings(own, {**start.image_env, **start.env}, explicit)
    if explicit is not None:
        text = explicit.text
        if text.startswith("python:"):
            module = project.python.module(text[len("python:"):])
            source = project.file(module.path) if module else None
        else:
            source = resolver.resolve(text)
    else:
        source = resolver.resolve("gunicorn.conf.py")  # gunicorn reads ./gunicorn.conf.py by default
    if source is None:
        if explicit is not None:
            server.settings_complete = False  # a config file readycheck cannot find may set anything
        return {}
    facts = project.python.facts(source)
    if facts is None:
        return {}
    out: dict[str, Setting] = {}
    for assignment in facts.assignments:
        name = GUNICORN_CONF_KEYS.get(assignment.name)
        if name is None or assignment.scope:
            continue
        text, number, cpu = evaluate(assignment.value)
        if name == "target":
            if server.target is None and assignment.value.kind == "str":
                server.target = Token(text, source.path, assignment.value.span)
            continue
        out[name] = Setting(text, source.path, assignment.value.span, source.path, number, cpu)
    return out


def image_config_settings(config: ImageConfig, env: dict[str, Token], where: Token) -> dict[str, Setting]:
    """The settings a base image's own server config file computes (images.ImageConfig) from the
    environment the process gets; a default is placed at ``where`` (the ``-c`` word naming the file),
    a value the environment gives at its ENV/``environment:`` entry."""
    values = image_variables(config.variables, env, where, lambda _path: False)
    out: dict[str, Setting] = {}
    replaced: set[str] = set()
    for item in config.settings:
        given = env.get(item.env)
        if given is not None and not given.text.startswith("$"):
            out[item.setting] = Setting(given.text, given.path, given.span,
                                        f"{item.env}, read by the base image's {config.path}", as_int(given.text))
            replaced.update(item.replaces)
            continue
        if not item.default:
            continue
        value = substitute(item.default, values, where)
        cap = env.get(item.cap) if item.cap else None
        if cap is not None and not cap.text.startswith("$"):
            value = Token(f"{value.text}, at most {cap.text}", cap.path, cap.span)
        source = f"the base image's {config.path}" + \
            ("" if (value.path, value.span) == (where.path, where.span) else ", from the environment")
        factor = _float(values[item.factor].text) if item.factor in values else None
        out[item.setting] = Setting(value.text, value.path, value.span, source,
                                    None if item.per_core else as_int(value.text), item.per_core,
                                    factor, item.minimum, as_int(cap.text) if cap is not None else None)
    return {name: setting for name, setting in out.items() if name not in replaced}


def _float(text: str) -> float | None:
    try:
        return float(text.strip().strip("\"'"))
    except ValueError:
        return None


#: Platforms that run the process with a PORT environment variable set.
PORT_PLATFORMS = {"Procfile", "render.yaml", "railway", "app.yaml"}
def _fastapi_entrypoint(project: "Project") -> Token | None:
    """``[tool.fastapi] entrypoint = "app.main:app"``: what `fastapi run` serves when given no path."""
    for pyproject in project.pyprojects:
        table = (pyproject.data.get("tool") or {}).get("fastapi")
        entry = table.get("entrypoint") if isinstance(table, dict) else None
        if isinstance(entry, str):
            text = pyproject.source.text
            at = text.find(entry)
            span = pyproject.source.index.span(at, at + len(entry)) if at >= 0 else Span(1)
            return Token(entry, pyproject.path, span)
    return None


#: hivemind's options that take a value (hivemind v1.1.0 main.go: title, processes, port, port-step, root, timeout).
_HIVEMIND_VALUED = {"-w", "--title", "-l", "--processes", "-p", "--port", "-P", "--port-step", "-d", "--root",
                    "-t", "--timeout"}


def _hivemind_arguments(texts: list[str]) -> tuple[str, list[str]]:
    """(Procfile path, the processes ``-l web,worker`` names) of ``hivemind [options] [procfile]``."""
    path, wanted = "Procfile", list[str]()
    i = 1
    while i < len(texts):
        text, value = texts[i], texts[i + 1] if i + 1 < len(texts) else ""
        name, eq, inline = text.partition("=")
        if name in ("-l", "--processes"):
            wanted = (inline if eq else value).split(",")
        if text in _HIVEMIND_VALUED:
            i += 2
            continue
        if not text.startswith("-"):
            path = text
            break
        i += 1
    return path, [w for w in wanted if w]


FLAGS_FOR_UVICORN = {"--host": "host", "--port": "port", "--workers": "workers", "--reload": "reload",
                     "--timeout-graceful-shutdown": "graceful_timeout"}


def _python_file_entry(project: "Project", command: Command, resolver: "ScriptResolver"
                       ) -> "tuple[ModuleFacts, str, list[str], str] | None":
    """``python run.py ...``: the module the interpreter runs as ``__main__``, for the entry-point walk
    (readycheck.model.entrypoints), which follows ``main()`` and the functions it calls to the server."""
    words = command.words
    index = command.program_index()
    if not 0 < index < len(words) or words[index - 1] == "-m" or not words[index].endswith(".py") or \
            not any(_PYTHON.match(posixpath.basename(w)) for w in words[:index]):
        return None
    source = resolver.resolve(words[index])
    facts = project.python.facts(source) if source is not None else None
    if source is None or facts is None:
        return None
    return facts, "", words[index + 1:], f"python {words[index]} runs {source.path}"


def _python_main_server(project: "Project", command: Command, resolver: "ScriptResolver") -> Server | None:
    """``python main.py`` / ``python -m app.main`` where that module calls ``uvicorn.run(...)``
    (under ``if __name__ == "__main__":`` or at its top level)."""
    words = command.words
    index = command.program_index()
    if not 0 < index < len(words) or not any(_PYTHON.match(posixpath.basename(w)) for w in words[:index]):
        return None
    if words[index - 1] == "-m":
        module = project.python.module(words[index])
        source = project.file(module.path) if module is not None else None
    else:
        source = resolver.resolve(words[index])
    if source is None:
        return None
    facts = project.python.facts(source)
    if facts is None:
        return None
    from readycheck.model.entrypoints import run_as_script

    for call in run_as_script(facts):  # the top level runs too, guarded or not
        if call.callee not in ("uvicorn.run", "hypercorn.run", "granian.Granian") or call.call is None:
            continue
        name = call.callee.split(".")[0]
        app = call.call.arg(0, "app")
        target = None
        if app is not None and app.kind == "str":
            target = Token(app.text, source.path, app.span)
        elif app is not None and app.kind == "ref":
            target = Token(f"{facts.module}:{app.text.rsplit('.', 1)[-1]}", source.path, app.span)
        server = Server(name, command, target)
        from readycheck.model.callvalues import CallValues, Frame, server_settings
        from readycheck.parsers.python import Function

        top = Frame(Function("__main__", "<main block>", False, Span(1)), facts)  # the module's top level
        server.settings, server.settings_complete = server_settings(
            CallValues(project), top, call.call, f"{call.text}() in {source.path}")
        return server
    return None


@dataclass
class _StageFiles:
    """What a stage's filesystem holds that readycheck can read: (repo source, path in the image)
    of every file or folder copied in, its working directory and environment so far."""

    copies: list[tuple[str, str]] = field(default_factory=list)
    workdir: str = "/"
    env: dict[str, str] = field(default_factory=dict)


def _expand_vars(text: str, env: dict[str, str]) -> str:
    """``$APP_HOME``/``${APP_HOME}`` in a WORKDIR or COPY path, from the stage's ENV and ARG defaults."""
    if "$" not in text:
        return text
    return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}?",
                  lambda m: env.get(m.group(1), m.group(2) if m.group(2) is not None else m.group(0)), text)


def stage_parent(dockerfile: Dockerfile, stage: Stage) -> Stage | None:
    """The earlier stage a stage is built FROM (by name, by its ARG-resolved name, or by index)."""
    for stage_ref in (stage.image, stage.resolved_image):
        for other in dockerfile.stages[:stage.index]:
            if stage_ref and (other.name == stage_ref or (stage_ref.isdigit() and other.index == int(stage_ref))):
                return other
    return None


def stage_files(project: "Project", dockerfile: Dockerfile, stage: Stage, context: str,
                memo: dict[int, _StageFiles] | None = None) -> _StageFiles:
    """The files of a stage: those of the stage it is built FROM, its COPY/ADD from the build context,
    and its ``COPY --from=<stage>`` of what that stage copied from the context (followed as if copied
    directly: ``COPY --from=builder /app /app`` brings the builder's ``COPY . /app``)."""
    memo = {} if memo is None else memo
    if stage.index in memo:
        return memo[stage.index]
    parent = stage_parent(dockerfile, stage)
    memo[stage.index] = _StageFiles()  # a cycle (never valid) reads as an empty stage
    known = base_image(stage.resolved_image) if parent is None else None
    base = stage_files(project, dockerfile, parent, context, memo) if parent is not None else \
        _StageFiles(workdir=known.workdir if known is not None and known.workdir else "/")
    state = _StageFiles(list(base.copies), base.workdir, dict(base.env))
    by_name = {s.name: s for s in dockerfile.stages if s.name}
    for inst in stage.instructions:
        if inst.keyword in ("ENV", "ARG"):
            for key, value, _ in dockerfile.assignments(inst):
                if value or key not in state.env:
                    state.env[key] = value
        elif inst.keyword == "WORKDIR" and inst.arguments():
            target = _expand_vars(inst.arguments()[0], state.env)
            state.workdir = posixpath.normpath(target if target.startswith("/") else posixpath.join(state.workdir, target))
        elif inst.keyword in ("COPY", "ADD"):
            parts = [_expand_vars(p, state.env) for p in (inst.exec_form() or inst.arguments())]
            if len(parts) < 2:
                continue
            dest = parts[-1]
            dest = dest if dest.startswith("/") else posixpath.join(state.workdir, dest) + \
                ("/" if dest.endswith("/") or dest == "." else "")
            if len(parts) > 2 and not dest.endswith("/"):
                dest += "/"
            source_stage = inst.flags().get("from")
            if source_stage is None:
                for src in parts[:-1]:
                    repo_src = posixpath.normpath(posixpath.join(context, src)) if context else posixpath.normpath(src)
                    state.copies.append(("" if repo_src == "." else repo_src, dest))
                continue
            other = by_name.get(source_stage) or (dockerfile.stages[int(source_stage)] if source_stage.isdigit()
                                                  and int(source_stage) < stage.index else None)
            if other is None or other.index >= stage.index:
                continue  # an external image (ghcr.io/astral-sh/uv): nothing of the repository
            built = stage_files(project, dockerfile, other, context, memo)
            for src in parts[:-1]:
                state.copies += _copied_from(project, built, posixpath.normpath(posixpath.join("/", src)), dest)
    memo[stage.index] = state
    return state


def _copied_from(project: "Project", built: _StageFiles, src: str, dest: str) -> list[tuple[str, str]]:
    """The (repo source, image path) pairs that ``COPY --from=stage SRC DEST`` brings: each of the
    stage's own copies that lands under SRC, moved to DEST."""
    out: list[tuple[str, str]] = []
    dest_norm = posixpath.normpath(dest) if dest not in ("/", "") else "/"
    for repo_src, copied_to in built.copies:
        to = posixpath.normpath(copied_to) if copied_to not in ("/", "") else "/"
        if project.file(repo_src) is not None:  # one file
            at = posixpath.join(to, posixpath.basename(repo_src)) if copied_to.endswith("/") else to
            if at == src:
                out.append((repo_src, dest))
            elif at.startswith(src.rstrip("/") + "/"):
                out.append((repo_src, posixpath.join(dest_norm, at[len(src.rstrip("/")) + 1:])))
        elif to == src or src == "/" or to.startswith(src.rstrip("/") + "/"):  # a folder inside SRC
            rest = to[len(src.rstrip("/")):].lstrip("/") if src != "/" else to.lstrip("/")
            out.append((repo_src, posixpath.join(dest_norm, rest) + "/" if rest else dest_norm + "/"))
        elif src.startswith(to.rstrip("/") + "/"):  # SRC is inside a copied folder
            inner = src[len(to.rstrip("/")) + 1:]
            out.append((posixpath.normpath(posixpath.join(repo_src, inner)) if repo_src else inner, dest))
    return out


def _start_instructions(dockerfile: Dockerfile) -> tuple[Instruction | None, Instruction | None]:
    """The ENTRYPOINT and CMD the final image runs, inherited through the stages it is built FROM
    (an ENTRYPOINT set in a later stage resets a CMD set earlier, as Docker does)."""
    entrypoint = cmd = None
    for stage in dockerfile.shipped_stages():
        for inst in stage.instructions:
            if inst.keyword == "ENTRYPOINT":
                entrypoint = inst
                if cmd is not None and cmd.stage != inst.stage:
                    cmd = None
            elif inst.keyword == "CMD":
                cmd = inst
    return entrypoint, cmd


def from_dockerfile(project: "Project", dockerfile: Dockerfile) -> list[StartCommand]:
    stage = dockerfile.final_stage
    if stage is None:
        return []
    entrypoint, cmd = _start_instructions(dockerfile)
    shipped = dockerfile.shipped_stages()
    base_ref = shipped[0].resolved_image if shipped else ""
    inherited = base_image(base_ref) if entrypoint is None and cmd is None else None
    if entrypoint is None and cmd is None and inherited is None:
        return []
    context = project.build_context(dockerfile)
    files = stage_files(project, dockerfile, stage, context)
    copies, workdir = files.copies, files.workdir
    env, ports = dockerfile_env_and_ports(dockerfile)
    expander = Expander(project, ScriptResolver(project, context, copies, workdir), base_image(base_ref), env)
    source = dockerfile.source

    def words_of(inst: Instruction) -> tuple[list[list[Token]], bool]:
        exec_words = dockerfile.exec_words(inst)
        if exec_words is not None:
            return [words_to_tokens(source, exec_words)], False
        return [words_to_tokens(source, c.words) for c in dockerfile.shell_commands(inst)], True

    if inherited is not None:
        start = _inherited_start(project, dockerfile, shipped[0], inherited, expander)
        return [finish(project, start, expander.resolver)] if start is not None else []
    declaring = entrypoint or cmd
    assert declaring is not None
    chain: list[Command] = []
    shell_form = False
    if entrypoint is not None:
        ep_lists, ep_shell = words_of(entrypoint)
        shell_form = ep_shell
        cmd_tokens: list[Token] = []
        if cmd is not None and not ep_shell:
            cmd_lists, cmd_shell = words_of(cmd)
            if cmd_shell:  # Docker runs a shell-form CMD as `/bin/sh -c "..."` after the entrypoint
                cmd_tokens = [t for lst in cmd_lists for t in lst]
            else:
                cmd_tokens = cmd_lists[0] if cmd_lists else []
        for i, words in enumerate(ep_lists):
            is_last = i == len(ep_lists) - 1
            # Docker appends CMD to an exec-form ENTRYPOINT: a script sees it as "$@".
            chain += expander.from_words(words + (cmd_tokens if is_last and not ep_shell else []),
                                         "Dockerfile ENTRYPOINT")
        if ep_shell:
            mark_shell(chain, "shell-form ENTRYPOINT", "sh", frozenset(exec_blockers(entrypoint.raw_value)),
                       chain)
    else:
        assert cmd is not None
        cmd_lists, shell_form = words_of(cmd)
        last: list[Command] = []
        for words in cmd_lists:
            last = expander.from_words(words, "Dockerfile CMD")
            chain += last
        if shell_form:
            mark_shell(chain, "shell-form CMD", "sh", frozenset(exec_blockers(cmd.raw_value)), last)
    process = declaring.keyword + (f" (stage {stage.name})" if stage.name else "")
    # A final stage named dev/development/debug is a development image (production builds a --target).
    start = StartCommand(dockerfile.path, dockerfile.span_of(declaring), "Dockerfile",
                         process, "boot", classify_environment(dockerfile.path, stage=stage.name), chain,
                         shell_form=shell_form, dockerfile=dockerfile, image=base_ref)
    start.env, start.ports = env, ports
    return [finish(project, start, expander.resolver)]


def _inherited_start(project: "Project", dockerfile: Dockerfile, base: Stage, inherited: "BaseImage",
                     expander: "Expander") -> StartCommand | None:
    """The start command an image inherits from a well-known base image (images.BASE_IMAGES), its
    tokens placed on the FROM line; the base image's own script runs the app's prestart script."""
    span = dockerfile.span_of(base.from_instruction, base.image)
    where = lambda text: Token(text, dockerfile.path, span)  # noqa: E731
    via = f"{base.image} (base image: {inherited.does})"
    if inherited.scripts:  # the image's own start script (tiangolo's /start.sh), followed as images.py says
        chain = expander.from_words([where(w) for w in inherited.entrypoint + inherited.cmd], via)
        if chain and "$" in chain[-1].argv[-1].text:
            # no app where the script looks (/app/main.py, /app/app/main.py) and no APP_MODULE: the
            # image's own start serves nothing of this repository (its command is given elsewhere)
            return None
    else:
        chain = [Command([where(w) for w in inherited.entrypoint + inherited.cmd], {}, via, exec_=True)]
    start = StartCommand(dockerfile.path, span, "Dockerfile", f"FROM {base.image}", "boot",
                         classify_environment(dockerfile.path), chain, dockerfile=dockerfile,
                         image=base.resolved_image)
    start.env, start.ports = dockerfile_env_and_ports(dockerfile)
    return start


_PROCFILE_PROCESS = re.compile(r"\s*([A-Za-z0-9_-]+)\s*:\s*")


def run_by_image(project: "Project", source: SourceFile) -> bool:
    """A ``Procfile.<x>`` (which no platform reads: Heroku and Dokku read ``Procfile``) that a
    Dockerfile's CMD/ENTRYPOINT hands to honcho/foreman/overmind: its lines are start commands of
    that image (read there), not of a platform, so they are not judged twice."""
    if source.name == "Procfile":
        return False
    for dockerfile in project.dockerfiles:
        for inst in _start_instructions(dockerfile):
            words = [posixpath.basename(w) for w in (inst.exec_form() or inst.arguments())] if inst else []
            if any(w in PROCFILE_RUNNERS for w in words) and source.name in words:
                return True
    return False


def from_procfile(project: "Project", source: SourceFile) -> list[StartCommand]:
    starts: list[StartCommand] = []
    if run_by_image(project, source):
        return starts
    expander = Expander(project, ScriptResolver(project, source.directory, [], "/"))
    text = source.text
    offset = 0
    for _line_no, line in enumerate(text.split("\n"), start=1):
        line_start = offset
        offset += len(line) + 1
        # The command is the rest of the line with its trailing whitespace cut in Python:
        # "(.*?)\s*$" tried every split of a long run of spaces (60,000 spaces: minutes).
        stripped = line.rstrip("\r")
        m = _PROCFILE_PROCESS.match(stripped)
        if not m or line.lstrip().startswith("#"):
            continue
        process, command = m.group(1), stripped[m.end():].rstrip()
        base = line_start + m.end()
        chain: list[Command] = []
        for simple in parse_commands(command, base=base):
            chain += expander.from_words(words_to_tokens(source, simple.words), f"Procfile {process}", simple.env)
        role = "release" if process == "release" else "boot"
        span = source.index.span(line_start + m.start(1), line_start + m.end(1))
        starts.append(finish(project, StartCommand(source.path, span, "Procfile", process, role,
                                                   classify_environment(source.path), chain), expander.resolver))
    return starts


def from_compose(project: "Project", source: SourceFile, documents: list) -> list[StartCommand]:
    starts: list[StartCommand] = []
    doc = documents[0] if documents else None
    if not isinstance(doc, dict) or not isinstance(doc.get("services"), dict):
        return starts
    services = doc["services"]
    oneshot: set[str] = set()
    for service in services.values():
        depends = service.get("depends_on") if isinstance(service, dict) else None
        if isinstance(depends, dict):
            for name, spec in depends.items():
                if isinstance(spec, dict) and spec.get("condition") == "service_completed_successfully":
                    oneshot.add(str(name))
    plain = Expander(project, ScriptResolver(project, source.directory, [], "/"))
    for name, service in services.items():
        if not isinstance(service, dict):
            continue
        built = compose_build(project, source, service)
        resolver, image = plain.resolver, str(service.get("image") or "")
        env = compose_env(source, service.get("environment"))
        image_env = env
        if built is not None:
            dockerfile, stage, context = built
            files = stage_files(project, dockerfile, stage, context)
            resolver = ScriptResolver(project, context, files.copies, files.workdir)
            image = _external_base(dockerfile, stage).resolved_image
            image_env = {**dockerfile_env_and_ports(dockerfile)[0], **env}
        # the image's own scripts (a base image's /start-reload.sh) read the image's ENV and the service's
        expander = Expander(project, resolver, base_image(image) if image else None, image_env)
        chain: list[Command] = []
        declared = None
        argvs = {key: yaml_commands(source, service[key]) for key in ("entrypoint", "command")
                 if service.get(key) is not None}
        if len(argvs.get("entrypoint", ())) == 1 and len(argvs.get("command", ())) == 1:
            # compose runs the entrypoint with the command as its arguments: one argument vector
            # (was: two commands, so 'entrypoint: ["sh", "-c"]' never saw the string it runs)
            argvs = {"entrypoint": [argvs["entrypoint"][0] + argvs["command"][0]]}
        for key, commands in argvs.items():
            if declared is None:
                declared = getattr(service, "keys_at", {}).get(key)
            for words in commands:
                chain += expander.from_words(_compose_escapes(words), f"compose service {name} {key}")
        if not chain:
            continue
        dev = compose_environment(source.path, doc, service)
        span = source.index.span(declared.start, declared.end) if hasattr(declared, "start") else Span(1)
        role = "oneshot" if str(name) in oneshot or service.get("restart") == "no" else "boot"
        start = StartCommand(source.path, span, "compose", str(name), role, dev, chain, image=image)
        start.env, start.image_env = env, image_env
        replicas = (service.get("deploy") or {}).get("replicas") if isinstance(service.get("deploy"), dict) else None
        if isinstance(replicas, int):
            start.replicas = Token(str(replicas), source.path, span)
        starts.append(finish(project, start, expander.resolver))
    return starts


@dataclass(frozen=True)
class ComposeService:
    """A compose service, whatever it runs: the image it builds, and whether it has a healthcheck."""

    path: str
    name: str
    span: Span  # the service's key
    dockerfile: str  # the Dockerfile its ``build:`` builds, "" when it runs a pulled ``image:``
    image: str
    healthcheck: bool
    environment: Environment
    #: Index of the stage it builds (its ``target``, or the one build args pick); -1 without a build.
    stage: int = -1
    #: True when it sets its own ``command``/``entrypoint`` (it does not run the image's CMD).
    overrides: bool = False

    @property
    def development(self) -> bool:
        return not self.environment.production


def compose_services(project: "Project") -> list[ComposeService]:
    out: list[ComposeService] = []
    for source in project.files(FileKind.COMPOSE):
        doc = (project.yaml_documents(source) or [None])[0]
        services = doc.get("services") if isinstance(doc, dict) else None
        if not isinstance(services, dict):
            continue
        keys = getattr(services, "keys_at", {})
        for name, service in services.items():
            if not isinstance(service, dict):
                continue
            built = compose_build(project, source, service)
            check = service.get("healthcheck")
            healthy = isinstance(check, dict) and not check.get("disable") and bool(check.get("test"))
            dev = compose_environment(source.path, doc, service)
            key = keys.get(name)
            span = source.index.span(key.start, key.end) if hasattr(key, "start") else Span(1)
            out.append(ComposeService(source.path, str(name), span, built[0].path if built else "",
                                      str(service.get("image") or ""), healthy, dev,
                                      built[1].index if built else -1,
                                      service.get("command") is not None or service.get("entrypoint") is not None))
    return out


def compose_environment(path: str, doc: dict, service: dict) -> Environment:
    """The environment of one compose service: its file, the compose project's name, its
    profiles and the build target it builds."""
    profiles = service.get("profiles") if isinstance(service.get("profiles"), list) else []
    return classify_environment(path, profiles, project_name=doc.get("name"), target=compose_build_target(service))


def compose_build_target(service: dict) -> str:
    build = service.get("build")
    target = build.get("target") if isinstance(build, dict) else None
    return target if isinstance(target, str) else ""


def compose_build(project: "Project", source: SourceFile, service: dict) -> tuple[Dockerfile, Stage, str] | None:
    """(Dockerfile, the stage it builds, build context) of a compose service's ``build:``."""
    build = service.get("build")
    if isinstance(build, str):
        build = {"context": build}
    if not isinstance(build, dict) or not isinstance(build.get("context", "."), str) or \
            "://" in str(build.get("context", ".")):
        return None
    context = posixpath.normpath(posixpath.join(source.directory, build.get("context", ".")))
    context = "" if context == "." else context
    name = build.get("dockerfile", "Dockerfile")
    if not isinstance(name, str) or context.startswith(".."):
        return None
    path = posixpath.normpath(posixpath.join(context, name))
    dockerfile = next((d for d in project.dockerfiles if d.path == path), None)
    if dockerfile is None or not dockerfile.stages:
        return None
    target = compose_build_target(service)
    # no target: docker compose builds the last stage, whatever production builds
    stage = next((s for s in dockerfile.stages if target and s.name == target), dockerfile.stages[-1])
    if "$" in stage.image:  # FROM ${SERVER_TYPE}: the build args pick the stage
        raw = build.get("args")
        args = {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else \
            dict(str(a).partition("=")[::2] for a in raw if "=" in str(a)) if isinstance(raw, list) else {}
        chosen = _expand_vars(stage.image, args)
        stage = next((s for s in dockerfile.stages[:stage.index] if s.name == chosen), stage)
    return dockerfile, stage, context


def _external_base(dockerfile: Dockerfile, stage: Stage) -> Stage:
    """The first stage of a stage's FROM chain: the one built FROM an external image."""
    seen = set()
    while stage.index not in seen:
        seen.add(stage.index)
        parent = stage_parent(dockerfile, stage)
        if parent is None:
            break
        stage = parent
    return stage


def _compose_escapes(words: list[Token]) -> list[Token]:
    """Compose's own interpolation of a command: ``$$`` is a literal ``$`` that the container's shell
    then sees (``sh -c "echo $${HOME}"`` runs ``echo ${HOME}`` there); the span stays the written text's."""
    return [Token(w.text.replace("$$", "$"), w.path, w.span) if "$$" in w.text else w for w in words]


def yaml_commands(source: SourceFile, value: object) -> list[list[Token]]:
    """A compose ``command``/``entrypoint`` as argv lists: a YAML list is one argv;
    a string is split like a shell line (operators end a command). Every YAML platform
    (compose, render, App Engine, Kubernetes) writes its commands this way."""
    index = source.index
    if isinstance(value, list):
        tokens = []
        for item in value:
            if hasattr(item, "start"):
                tokens.append(Token(str(item), source.path, index.span(item.start, item.end)))
            elif item is not None:
                tokens.append(Token(str(item), source.path, Span(1)))
        return [tokens]
    if isinstance(value, str) and hasattr(value, "start"):
        verbatim = getattr(value, "verbatim_at", None)
        commands = []
        offsets = align_template(str(value), index.text[value.start:value.end]) if verbatim is None else None
        for simple in parse_commands(str(value)):
            tokens = []
            for word in simple.words:
                if verbatim is not None:
                    span = index.span(verbatim + word.start, verbatim + word.end)
                elif offsets is not None and word.end <= len(offsets) and word.end > word.start:
                    span = index.span(value.start + offsets[word.start], value.start + offsets[word.end - 1] + 1)
                else:
                    span = index.span(value.start, value.start + 1)
                tokens.append(Token(word.text, source.path, span))
            commands.append(tokens)
        return commands
    return []


def compose_env(source: SourceFile, environment: object) -> dict[str, Token]:
    """compose ``environment`` as a mapping or a list of KEY=VALUE strings, as located tokens
    (also what ``Project.declared_env`` reports for compose services)."""
    index = source.index
    out: dict[str, Token] = {}
    if isinstance(environment, dict):
        for key, value in environment.items():
            where = value if hasattr(value, "start") else getattr(environment, "keys_at", {}).get(key)
            span = index.span(where.start, where.end) if hasattr(where, "start") else Span(1)
            out[str(key)] = Token("" if value is None else str(value), source.path, span)
    elif isinstance(environment, list):
        for item in environment:
            if isinstance(item, str) and "=" in item:
                key, _, value = item.partition("=")
                span = index.span(item.start, item.end) if hasattr(item, "start") else Span(1)
                out[key] = Token(value, source.path, span)
    return out


def dockerfile_env_and_ports(dockerfile: Dockerfile) -> tuple[dict[str, Token], list[Token]]:
    """ENV of the final stage (and the stages it is built FROM), and its EXPOSE ports."""
    env: dict[str, Token] = {}
    ports: list[Token] = []
    stage = dockerfile.final_stage
    if stage is None:
        return env, ports
    chain = dockerfile.shipped_stages()
    source = dockerfile.source
    for part in chain:
        for inst in part.instructions:
            if inst.keyword == "ENV":
                for key, value, span in dockerfile.assignments(inst):
                    env[key] = Token(value, source.path, span)
            elif inst.keyword == "EXPOSE" and part is stage:
                for word in [w for c in dockerfile.shell_commands(inst) for w in c.words]:
                    ports.append(Token(word.text.split("/")[0], source.path, source.index.span(word.start, word.end)))
    return env, ports
