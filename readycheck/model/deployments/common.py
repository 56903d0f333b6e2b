"""What the platform readers share: reading config values that may be the wrong type, locating
keys and values, turning a declared command into a ``StartCommand``, and the URL path a
health-check command requests."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Callable

from readycheck.core.findings import Span
from readycheck.core.sourcefile import SourceFile, UnreadableFile
from readycheck.knowledge.environments import classify_environment
from readycheck.model.deployments.fact import DeclaredEnv
from readycheck.model.startcommands import (Command, Expander, ScriptResolver, StartCommand, Token, finish,
                                            words_to_tokens)
from readycheck.parsers.shell import parse_commands

if TYPE_CHECKING:
    from readycheck.model.project import Project
    from readycheck.parsers.located import LocatedDocument

#: The span of a value whose position the parser did not keep.
UNKNOWN = Span(1, 1, 1, 1)


def items_of(value: Any) -> list:
    """A config value that should be a list, or [] (a number, a table or nothing where a
    list belongs is the author's mistake to report elsewhere, never a crash here)."""
    return value if isinstance(value, list) else []


def table_of(value: Any) -> dict:
    """A config value that should be a table (mapping), or {}."""
    return value if isinstance(value, dict) else {}


def text_of(value: Any) -> str | None:
    """A config value that should be a string, else None (``healthcheckPath = 5``)."""
    return value if isinstance(value, str) else None


def located(source: SourceFile, value: Any) -> Span:
    """The span of a located YAML value (line 1 when it carries no position)."""
    return source.index.span(value.start, value.end) if hasattr(value, "start") else Span(1)


def key_span(source: SourceFile, mapping: Any, key: str) -> Span:
    """The span of a key of a located YAML mapping (line 1 when it carries no position)."""
    return key_position(source, mapping, key) or Span(1)


def key_position(source: SourceFile, mapping: Any, key: str) -> Span | None:
    """The span of a key of a located YAML mapping, None when it carries no position."""
    found = getattr(mapping, "keys_at", {}).get(key)
    return source.index.span(found.start, found.end) if hasattr(found, "start") else None


def env_list(source: SourceFile, items: Any, key_field: str) -> dict[str, Token]:
    """A list of ``{<key_field>: NAME, value: VALUE}`` (render envVars, Kubernetes env) as env tokens;
    entries that take their value from a secret or another service have no literal value and are skipped."""
    env: dict[str, Token] = {}
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and key_field in item and "value" in item:
            env[str(item[key_field])] = Token(str(item["value"]), source.path, located(source, item["value"]))
    return env


def declared_env(starts: list[StartCommand]) -> tuple[DeclaredEnv, ...]:
    """The variables a platform file writes for its start commands, as ``Project.declared_env`` lists them
    (not the ``$PORT`` the platform sets, nor a value without a position)."""
    return tuple(DeclaredEnv(start.label, var, token, start.environment) for start in starts
                 for var, token in start.env.items() if token.span.line > 0 and token.text != "$PORT")


def yaml_platform(project: "Project", source: SourceFile, starts_of: Callable[[list], list[StartCommand]]
                  ) -> tuple[list[StartCommand], Any] | None:
    """What a YAML platform reader (app.yaml, render.yaml, compose) does first: the file's located
    documents, parsed once (None when they did not parse), its start commands read from them under
    ``project.guarded`` (a reader's error is a diagnostic of the file, not a crash), and its first
    document (None for an empty file)."""
    documents = project.yaml_documents(source)
    if documents is None:
        return None
    starts = project.guarded(source.path, lambda: starts_of(documents))
    return starts, (documents[0] if documents else None)


def repo_expander(project: "Project", source: SourceFile, workdir: str = "/") -> Expander:
    """An expander for commands that run in the repository as it is, beside the declaring file
    (no image COPY instructions to follow)."""
    return Expander(project, ScriptResolver(project, source.directory, [], workdir))


def config_command(project: "Project", document: "LocatedDocument", path: tuple, via: str,
                   list_is: str = "argv") -> list[Command]:
    """The command at ``path`` of a TOML/JSON file as located commands, followed through scripts: a
    string is a shell command; a list is one argv (``list_is="argv"``: fly's ``[experimental] cmd``)
    or a list of shell commands run in turn (``"commands"``: railway's ``preDeployCommand``)."""
    source = document.source
    expander = repo_expander(project, source)
    value: Any = document.data
    for key in path:
        value = value[key]
    if isinstance(value, list) and list_is == "commands":
        return [c for i in range(len(value)) for c in config_command(project, document, (*path, i), via)]
    if isinstance(value, list):
        tokens = [Token(str(word), source.path, document.value_span(*path, i) or UNKNOWN)
                  for i, word in enumerate(value)]
        return expander.from_words(tokens, via, {}) if tokens else []
    if not isinstance(value, str) or not value.strip():
        return []
    verbatim_at = document.verbatim_at(*path)
    chain: list[Command] = []
    for simple in parse_commands(value):
        if verbatim_at is not None:
            tokens = words_to_tokens(source, [type(w)(w.text, w.start + verbatim_at, w.end + verbatim_at, w.raw)
                                              for w in simple.words])
        else:
            span = document.value_span(*path) or UNKNOWN
            tokens = [Token(w.text, source.path, span) for w in simple.words]
        chain += expander.from_words(tokens, via, simple.env)
    return chain


def platform_start(project: "Project", source: SourceFile, span: Span, origin: str, process: str, role: str,
                   chain: list[Command], env: dict[str, Token] | None = None, ports: list[Token] | None = None,
                   replicas: Token | None = None) -> StartCommand | None:
    """A start command a platform file declares, with its server found (None when nothing runs)."""
    if not chain:
        return None
    start = StartCommand(source.path, span, origin, process, role, classify_environment(source.path), chain)
    start.env = env or {}
    start.ports = ports or []
    start.replicas = replicas
    return finish(project, start)


_URL_PATH = re.compile(r"https?://[^/\s\"']+(/[^\s\"'?]*)")
#: A URL to the container itself inside a health-check script (the host may be a placeholder).
_LOCAL_URL_PATH = re.compile(r"https?://(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]|\{[^}/]*\})(?::[^/\s\"']*)?"
                             r"(/[^\s\"'?{]*)")


def requested_path(project: "Project", command: str) -> str | None:
    """The URL path an exec check requests: written in the command (``curl -f http://localhost/healthz``),
    or in the one repository script it runs (mealie's ``python $MEALIE_HOME/mealie/scripts/healthcheck.py``
    requests ``f"http://127.0.0.1:{port}/api/app/about"``). The script is read as text, never run."""
    match = _URL_PATH.search(command)
    if match:
        return match.group(1)
    for word in command.split():
        word = word.strip("\"'")
        if not word.endswith(".py"):
            continue
        parts = [p for p in word.split("/") if p and p != "." and not p.startswith("$")]
        named = project.files_named(parts[-1]) if parts else []
        for k in range(len(parts)):
            tail = "/" + "/".join(parts[k:])
            found = [f for f in named if ("/" + f.path).endswith(tail)]
            if len(found) > 1:
                break  # ambiguous: several files of that name
            if found:
                try:
                    paths = {m.group(1) for m in _LOCAL_URL_PATH.finditer(found[0].text)}
                except UnreadableFile:
                    return None
                return paths.pop() if len(paths) == 1 else None
    return None


def exec_form_text(command: str) -> str:
    """An exec-form check (``["python", "-c", "...urlopen(\\"http://localhost/health\\")"]``) as the words
    Docker runs, so that a JSON escape is not read as part of the URL; a shell-form command as written."""
    if command.startswith("["):
        try:
            words = json.loads(command)
        except (ValueError, RecursionError):
            return command
        if isinstance(words, list) and all(isinstance(w, str) for w in words):
            return " ".join(words)
    return command
