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

import posixpath
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from readycheck.findings import Span
from readycheck.parsers.dockerfile import Dockerfile, Instruction
from readycheck.serverconfig import (DEFAULT_HOST, DEFAULT_PORT, GUNICORN_CONF_KEYS, Setting, as_int, evaluate,
                                     settings_from_flags, split_bind)
from readycheck.parsers.shell import Word, parse_commands
from readycheck.sourcefile import _DEV_WORDS, SourceFile, UnreadableFile, is_development_path  # noqa: F401

if TYPE_CHECKING:
    from readycheck.project import Project

SHELLS = {"sh", "bash", "dash", "ash", "zsh", "ksh"}
SERVERS = {"uvicorn", "gunicorn", "hypercorn", "granian", "daphne", "fastapi", "flask", "uwsgi", "waitress-serve",
           "manage.py", "django-admin"}
#: Wrappers that run the rest of the command line: name -> how many of its own arguments follow it.
_WRAPPERS = {"exec": 0, "nohup": 0, "time": 0, "tini": 0, "dumb-init": 0, "catatonit": 0, "gosu": 1,
             "su-exec": 1, "setpriv": 0, "chpst": 0, "stdbuf": 0, "newrelic-admin": 1, "ddtrace-run": 0,
             "opentelemetry-instrument": 0, "doppler": 1, "infisical": 1, "wait-for-it": 0}
_RUNNERS = {"poetry": "run", "uv": "run", "pipenv": "run", "pdm": "run", "hatch": "run", "rye": "run"}
_PYTHON = re.compile(r"^python(\d(\.\d+)?)?$")
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
            if _PYTHON.match(name):
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
    #: merged from the command line, the environment and config files; see readycheck.serverconfig.
    settings: dict[str, Setting] = field(default_factory=dict)
    #: False when a config file named on the command line (``-c "$GUNICORN_CONF"``) could not be
    #: read: any setting missing above may be set there, so no default can be assumed.
    settings_complete: bool = True

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
    development: bool
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

    @property
    def label(self) -> str:
        return f"{self.origin} {self.process}".strip()

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


class _ScriptResolver:
    """Maps a path inside the image (or the working directory) to a repo file."""

    def __init__(self, project: "Project", context_dir: str, copies: list[tuple[str, str]], workdir: str) -> None:
        self.project = project
        self.context_dir = context_dir
        self.copies = copies  # (repo source path, container destination)
        self.workdir = workdir or "/"

    def resolve(self, arg: str) -> SourceFile | None:
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


class _Expander:
    """Turns argv words into the chain of commands that really run."""

    MAX_DEPTH = 6

    def __init__(self, project: "Project", resolver: _ScriptResolver) -> None:
        self.project = project
        self.resolver = resolver

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
        if program in SHELLS:
            flags = [w for w in words[1:] if w.text.startswith("-")]
            if any("c" in f.text.lstrip("-") for f in flags):
                at = next(i for i, w in enumerate(words) if w.text.startswith("-") and "c" in w.text.lstrip("-"))
                if at + 1 < len(words):
                    # sh -c STRING $0 ARGS...: "$@" inside STRING are the ARGS.
                    return self.from_string(words[at + 1], via, env, depth + 1, words[at + 3:], stack)
            script = next((w for w in words[1:] if not w.text.startswith("-")), None)
            if script is not None:
                followed = self.follow(script, via, env, depth, words[words.index(script) + 1:], stack)
                if followed is not None:
                    return followed
        if program in (".", "source") and len(words) > 1:
            followed = self.follow(words[1], via, env, depth, rest, stack)
            if followed is not None:
                return followed
        if words[0].text.endswith((".sh", ".bash")) or posixpath.basename(words[0].text) in (
                "entrypoint", "docker-entrypoint", "start", "run", "prestart"):
            followed = self.follow(words[0], via, env, depth, words[1:], stack)
            if followed is not None:
                return followed
        return [Command(words, env, via, exec_)]

    def from_string(self, word: Token, via: str, env: dict[str, str], depth: int, rest: list[Token] | None,
                    stack: tuple[str, ...]) -> list[Command]:
        """The string of ``sh -c "..."``, parsed as a script, positions mapped into the file."""
        source = self.project.file(word.path)
        commands: list[Command] = []
        for simple in parse_commands(word.text):
            tokens = [self._inner_token(word, w, source) for w in simple.words]
            commands += self.from_words(tokens, via, {**env, **simple.env}, False, depth, rest, stack)
        return mark_shell(commands, "sh -c")

    @staticmethod
    def _inner_token(outer: Token, inner: Word, source: SourceFile | None) -> Token:
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
        return Token(inner.text, outer.path, outer.span)

    def follow(self, script_word: Token, via: str, env: dict[str, str], depth: int, args: list[Token] | None,
               stack: tuple[str, ...]) -> list[Command] | None:
        script = self.resolver.resolve(script_word.text)
        if script is None or script.path in stack:
            return None
        try:
            text = script.text
        except UnreadableFile:
            return None
        if text.startswith("#!") and "python" in text.split("\n", 1)[0]:
            return None
        commands: list[Command] = []
        for simple in parse_commands(text):
            tokens = [Token(w.text, script.path, script.index.span(w.start, w.end)) for w in simple.words]
            commands += self.from_words(tokens, script.path, {**env, **simple.env}, False, depth + 1,
                                        args, stack + (script.path,))
        return mark_shell(commands, script.path)


def mark_shell(commands: list[Command], shell: str) -> list[Command]:
    """Record which shell runs commands (the innermost wins) and how many it runs."""
    own = [c for c in commands if not c.shell]
    for command in own:
        command.shell = shell
        command.shell_commands = len(own)
    return commands


def _words_to_tokens(source: SourceFile, words: Iterable[Word]) -> list[Token]:
    index = source.index
    return [Token(w.text, source.path, index.span(w.start, w.end)) for w in words]


def finish(project: "Project", start: StartCommand, resolver: "_ScriptResolver | None" = None) -> StartCommand:
    """Find the server of a start command and resolve its settings."""
    resolver = resolver or _ScriptResolver(project, posixpath.dirname(start.path), [], "/")
    if start.origin in PORT_PLATFORMS and "PORT" not in start.env:
        start.env["PORT"] = Token("$PORT", start.path, start.span)  # the platform sets it
    for command in start.chain:
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
    return start


def _settings(project: "Project", start: StartCommand, server: Server, resolver: "_ScriptResolver") -> dict[str, Setting]:
    merged: dict[str, Setting] = {}
    if server.name == "gunicorn":
        merged.update(_gunicorn_conf(project, server, resolver))
    merged.update(_env_settings(start, server))
    merged.update(settings_from_flags(server.name, server.options, server.flag_tokens, "command line"))
    if server.name == "gunicorn" and "bind" not in merged and "PORT" in start.env:
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


def _gunicorn_conf(project: "Project", server: Server, resolver: "_ScriptResolver") -> dict[str, Setting]:
    explicit = server.options.get("-c") or server.options.get("--config")
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


FLAGS_FOR_UVICORN = {"--host": "host", "--port": "port", "--workers": "workers", "--reload": "reload",
                     "--timeout-graceful-shutdown": "graceful_timeout"}


def _python_main_server(project: "Project", command: Command, resolver: "_ScriptResolver") -> Server | None:
    """``python main.py`` / ``python -m app.main`` where that module calls ``uvicorn.run(...)``
    under ``if __name__ == "__main__":``."""
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
    for call in facts.main_calls:
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
        for key, value in call.call.keywords:
            setting = FLAGS_FOR_UVICORN.get("--" + key.replace("_", "-"))
            if setting:
                text, number, cpu = evaluate(value)
                text = text.lower() if value.kind == "bool" else text
                server.settings[setting] = Setting(text, source.path, value.span, f"{call.text}() in {source.path}",
                                                   number, cpu)
        return server
    return None


def from_dockerfile(project: "Project", dockerfile: Dockerfile) -> list[StartCommand]:
    stage = dockerfile.final_stage
    if stage is None:
        return []
    entrypoint = stage.last("ENTRYPOINT")
    cmd = stage.last("CMD")
    if entrypoint is None and cmd is None:
        return []
    context = project.build_context(dockerfile)
    workdir = "/"
    copies: list[tuple[str, str]] = []
    for inst in stage.instructions:
        if inst.keyword == "WORKDIR" and inst.arguments():
            target = inst.arguments()[0]
            workdir = target if target.startswith("/") else posixpath.join(workdir, target)
        elif inst.keyword in ("COPY", "ADD") and "from" not in inst.flags():
            parts = inst.exec_form() or inst.arguments()
            if len(parts) >= 2:
                dest = parts[-1]
                dest = dest if dest.startswith("/") else posixpath.join(workdir, dest) + ("/" if dest.endswith("/") or dest == "." else "")
                for src in parts[:-1]:
                    repo_src = posixpath.normpath(posixpath.join(context, src)) if context else posixpath.normpath(src)
                    copies.append(("" if repo_src == "." else repo_src, dest + ("/" if len(parts) > 2 and not dest.endswith("/") else "")))
    expander = _Expander(project, _ScriptResolver(project, context, copies, workdir))
    source = dockerfile.source

    def words_of(inst: Instruction) -> tuple[list[list[Token]], bool]:
        exec_words = dockerfile.exec_words(inst)
        if exec_words is not None:
            return [_words_to_tokens(source, exec_words)], False
        return [_words_to_tokens(source, c.words) for c in dockerfile.shell_commands(inst)], True

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
            mark_shell(chain, "shell-form ENTRYPOINT")
    else:
        assert cmd is not None
        cmd_lists, shell_form = words_of(cmd)
        for words in cmd_lists:
            chain += expander.from_words(words, "Dockerfile CMD")
        if shell_form:
            mark_shell(chain, "shell-form CMD")
    process = declaring.keyword + (f" (stage {stage.name})" if stage.name else "")
    start = StartCommand(dockerfile.path, dockerfile.span_of(declaring), "Dockerfile",
                         process, "boot", is_development_path(dockerfile.path), chain,
                         shell_form=shell_form, dockerfile=dockerfile)
    start.env, start.ports = dockerfile_env_and_ports(dockerfile)
    return [finish(project, start, expander.resolver)]


def from_procfile(project: "Project", source: SourceFile) -> list[StartCommand]:
    starts: list[StartCommand] = []
    expander = _Expander(project, _ScriptResolver(project, source.directory, [], "/"))
    text = source.text
    offset = 0
    for line_no, line in enumerate(text.split("\n"), start=1):
        line_start = offset
        offset += len(line) + 1
        m = re.match(r"^\s*([A-Za-z0-9_-]+)\s*:\s*(.*?)\s*$", line.rstrip("\r"))
        if not m or line.lstrip().startswith("#"):
            continue
        process, command = m.group(1), m.group(2)
        base = line_start + m.start(2)
        chain: list[Command] = []
        for simple in parse_commands(command, base=base):
            chain += expander.from_words(_words_to_tokens(source, simple.words), f"Procfile {process}", simple.env)
        role = "release" if process == "release" else "boot"
        span = source.index.span(line_start + m.start(1), line_start + m.end(1))
        starts.append(finish(project, StartCommand(source.path, span, "Procfile", process, role,
                                                   is_development_path(source.path), chain), expander.resolver))
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
    expander = _Expander(project, _ScriptResolver(project, source.directory, [], "/"))
    dev_file = is_development_path(source.path)
    for name, service in services.items():
        if not isinstance(service, dict):
            continue
        chain: list[Command] = []
        declared = None
        for key in ("entrypoint", "command"):
            value = service.get(key)
            if value is None:
                continue
            if declared is None:
                declared = getattr(service, "keys_at", {}).get(key)
            for words in _yaml_commands(source, value):
                chain += expander.from_words(words, f"compose service {name} {key}")
        if not chain:
            continue
        profiles = service.get("profiles") if isinstance(service.get("profiles"), list) else []
        dev = dev_file or any(str(p).lower() in _DEV_WORDS for p in profiles if isinstance(p, str))
        span = source.index.span(declared.start, declared.end) if hasattr(declared, "start") else Span(1)
        role = "oneshot" if str(name) in oneshot or service.get("restart") == "no" else "boot"
        start = StartCommand(source.path, span, "compose", str(name), role, dev, chain)
        start.env = _compose_env(source, service.get("environment"))
        replicas = (service.get("deploy") or {}).get("replicas") if isinstance(service.get("deploy"), dict) else None
        if isinstance(replicas, int):
            start.replicas = Token(str(replicas), source.path, span)
        starts.append(finish(project, start, expander.resolver))
    return starts


def _yaml_commands(source: SourceFile, value: object) -> list[list[Token]]:
    """A compose ``command``/``entrypoint`` as argv lists: a YAML list is one argv;
    a string is split like a shell line (operators end a command)."""
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
        for simple in parse_commands(str(value)):
            tokens = []
            for word in simple.words:
                if verbatim is not None:
                    span = index.span(verbatim + word.start, verbatim + word.end)
                else:
                    span = index.span(value.start, value.start + 1)
                tokens.append(Token(word.text, source.path, span))
            commands.append(tokens)
        return commands
    return []


def _compose_env(source: SourceFile, environment: object) -> dict[str, Token]:
    """compose ``environment`` as a mapping or a list of KEY=VALUE strings."""
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
    chain = []
    by_name = {s.name: s for s in dockerfile.stages if s.name}
    current = stage
    while current is not None and current not in chain:
        chain.insert(0, current)
        current = by_name.get(current.image)
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
