"""Python entry points that start a server: what ``python -m pkg`` (``pkg/__main__.py``) or a
``[project.scripts]`` console script (``CMD ["myapp", "serve"]``) really runs.

From the entry function (the Typer/Click command the arguments name, when the script is a
command group) the calls are followed into the repository's functions until one starts a
server: ``uvicorn.run(...)``, ``uvicorn.Server(uvicorn.Config(...)).serve()``,
``uvicorn.main``, ``granian.Granian(...)``, ``hypercorn.asyncio.serve``, a gunicorn
``BaseApplication`` subclass, or ``os.exec*``/``subprocess`` of a server command line. The
calls made before it (``alembic.command.upgrade``, ``subprocess.run(["alembic", ...])``) run
at boot, before the server, and become commands of the start chain.

The follow walks the reachability model's call edges (readycheck.model.reachability: repo functions,
constructors and methods through inferred types), in call order, a few levels deep; the first
server call wins. The group dispatch (which Click/Typer command the arguments name) is this
module's own: the model knows calls, not command-line dispatch.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING, Iterator

from readycheck.core.findings import Span

if TYPE_CHECKING:
    from readycheck.model.callvalues import Frame
    from readycheck.parsers.python import CallSite, Function, ModuleFacts, Value
    from readycheck.model.project import Project
    from readycheck.model.startcommands import Command, Server

#: Calls that run a server in this process: callee -> server name.
SERVER_CALLS = {"uvicorn.run": "uvicorn", "uvicorn.main": "uvicorn", "uvicorn.Server": "uvicorn",
                "granian.Granian": "granian", "granian.server.Granian": "granian",
                "hypercorn.asyncio.serve": "hypercorn", "hypercorn.trio.serve": "hypercorn", "hypercorn.run": "hypercorn"}
#: Calls that replace or start a process from an argv list.
EXEC_CALLS = {"os.execvp", "os.execv", "os.execvpe", "os.execlp", "subprocess.run", "subprocess.call",
              "subprocess.check_call", "subprocess.Popen"}
GUNICORN_BASE = "gunicorn.app.base.BaseApplication"
MAX_DEPTH = 4


def console_script(project: "Project", program: str) -> tuple[str, str] | None:
    """(module, attribute) of a ``[project.scripts]`` / ``[tool.poetry.scripts]`` entry."""
    for pyproject in project.pyprojects:
        data = pyproject.data
        def table(value: object) -> dict:  # hostile TOML: ``project = 1`` is the author's mistake, not a crash
            return value if isinstance(value, dict) else {}

        tables = [table(data.get("project")).get("scripts"),
                  table(table(data.get("tool")).get("poetry")).get("scripts")]
        for table in tables:
            target = table.get(program) if isinstance(table, dict) else None
            if isinstance(target, dict):
                target = target.get("callable") or target.get("reference")
            if isinstance(target, str) and ":" in target:
                module, _, attribute = target.partition(":")
                return module.strip(), attribute.strip().split("[")[0].strip()
    return None


def entry_of(project: "Project", command: "Command") -> tuple["ModuleFacts", str, list[str], str] | None:
    """(module, entry attribute or "" for the module's main block, the arguments after it, how it was
    reached) for ``python -m pkg ...`` and console scripts."""
    words = command.words
    index = command.program_index()
    if not words:
        return None
    if index > 0 and words[index - 1] == "-m":
        dotted = words[index]
        module = project.python.module(f"{dotted}.__main__") or project.python.module(dotted)
        if module is None:
            return None
        return module, "", words[index + 1:], f"python -m {dotted} runs {module.path}"
    program = posixpath.basename(words[index])
    script = console_script(project, program) if index == 0 or not words[index - 1].startswith("-") else None
    if script is None:
        return None
    module = project.python.module(script[0])
    if module is None:
        return None
    return module, script[1], words[index + 1:], f"console script {program} = {script[0]}:{script[1]}"


def _is_group(function: "Function", group: str = "") -> bool:
    """A Click/Typer group: ``@click.group()``, ``@cli.group("server")``, ``@app.callback()``."""
    return any(d.text.endswith(".group") or d.text in ("click.group", "group") or
               (d.qualified or "").endswith(("click.group", "click.decorators.group")) for d in function.decorators)


def _registered(module: "ModuleFacts", group: str) -> list[tuple[str, "Value"]]:
    """(name, target) of ``group.add_command(target, name=...)`` / ``group.add_typer(target, name=...)``."""
    out = []
    for call in module.module_calls:
        if call.text in (f"{group}.add_command", f"{group}.add_typer") and call.call is not None:
            target = call.call.arg(0)
            given = call.call.arg(1, "name")
            if target is None or target.kind not in ("ref", "call"):
                continue
            name = given.text if given is not None and given.kind == "str" else \
                target.text.rsplit(".", 1)[-1].replace("_", "-")
            out.append((name, target))
    return out


def _dispatch(project: "Project", module: "ModuleFacts", group: str, args: list[str], offset: int,
              depth: int = 0) -> tuple[list[tuple["Function", "ModuleFacts"]], tuple[str, int] | None]:
    """What a Click/Typer group runs for these arguments: its callbacks, then the command (or
    subgroup, recursively) the first argument names; or an external CLI registered as that command
    (``server.add_command(uvicorn.main, name="start")``: (server, index of its first argument))."""
    decorated = [f for f in module.functions.values() if any(
        d.text.split(".")[0] == group and d.text.endswith((".command", ".group", ".callback")) for d in f.decorators)]
    callbacks = [(f, module) for f in decorated if any(d.text.endswith(".callback") for d in f.decorators)]
    commands = [f for f in decorated if not any(d.text.endswith(".callback") for d in f.decorators)]
    at = next((i for i, a in enumerate(args) if not a.startswith("-")), None)
    if at is None or depth > 4:
        return callbacks + ([(commands[0], module)] if len(commands) == 1 else []), None
    wanted = args[at]
    for function in commands:
        for decorator in function.decorators:
            given = decorator.call.arg(0, "name") if decorator.call is not None else None
            name = given.text if given is not None and given.kind == "str" else function.name.replace("_", "-")
            if name in (wanted, wanted.replace("_", "-")):
                if decorator.text.endswith(".group"):
                    inner, external = _dispatch(project, module, function.name, args[at + 1:], offset + at + 1,
                                                depth + 1)
                    return callbacks + [(function, module)] + inner, external
                return callbacks + [(function, module)], None
    for name, target in _registered(module, group):
        if name != wanted:
            continue
        qualified = target.text if target.resolved else ""
        if SERVER_CALLS.get(qualified) and qualified.endswith(".main"):  # uvicorn's own click command
            return callbacks, (SERVER_CALLS[qualified], offset + at + 1)
        local = target.text.rsplit(".", 1)[-1]
        found = project.python.function(module, target.text, resolved=target.resolved)
        if found is not None:
            function, home = found
            if _is_group(function):
                inner, external = _dispatch(project, home, function.name, args[at + 1:], offset + at + 1, depth + 1)
                return callbacks + [found] + inner, external
            return callbacks + [found], None
        if any(module.module_level(local)):  # a Typer sub-app assigned in this module
            inner, external = _dispatch(project, module, local, args[at + 1:], offset + at + 1, depth + 1)
            return callbacks + inner, external
    return callbacks, None


def entry_functions(project: "Project", module: "ModuleFacts", attribute: str, args: list[str]
                    ) -> tuple[list[tuple["Function", "ModuleFacts"]], tuple[str, int] | None]:
    """The functions an entry runs first (the entry function, the command a Typer/Click group
    dispatches to, what ``if __name__ == "__main__":`` calls), and an external server CLI the
    arguments reach instead, if any."""
    top = run_as_script(module) if not attribute else []
    # What a Typer/Click group may dispatch from: the main block's calls, and the plain-name calls of
    # the top level (``cli()``, ``app()``, ``main()``), not every ``app.include_router(...)`` of an app module.
    main_block = set(map(id, module.main_calls))
    names = [attribute] if attribute else list(dict.fromkeys(
        c.callee or c.text for c in top if id(c) in main_block or (c.text and "." not in c.text)))
    out: list[tuple["Function", "ModuleFacts"]] = []
    if top:  # the module's top level and main block run first, as a function would
        from readycheck.parsers.python import Function

        out.append((Function("__main__", "<main block>", False, Span(1), calls=top), module))
    for name in names:
        found, external = _entry_target(project, module, name, args)
        out += found
        if external is not None:
            return out, external
    return out, None


def run_as_script(module: "ModuleFacts") -> list["CallSite"]:
    """The calls a module makes when it runs as the program (``python -m pkg`` runs
    ``pkg/__main__.py``, ``python main.py`` runs main.py): its top-level calls and those under
    ``if __name__ == "__main__":``, in the order they are written. A ``__main__.py`` often calls
    ``main()`` or ``uvicorn.run(...)`` at its top level, without the guard."""
    return sorted([*module.module_calls, *module.main_calls], key=lambda c: (c.span.line, c.span.column))


def _entry_target(project: "Project", module: "ModuleFacts", name: str, args: list[str]
                  ) -> tuple[list[tuple["Function", "ModuleFacts"]], tuple[str, int] | None]:
    if not name:
        return [], None
    found = project.python.function(module, name)
    if found is None and "." in name:
        found = project.python.function(module, name, resolved=True)
    if found is not None:
        function, home = found
        if _is_group(function):
            inner, external = _dispatch(project, home, function.name, args, 0)
            return [found] + inner, external
        # entrypoint() { dispatch_cli() }: a group called from the entry function
        for call in function.calls:
            target = project.python.function(home, call.callee or call.text, function.qualname,
                                             call.callee is not None) if (call.callee or call.text) else None
            if target is not None and _is_group(target[0]):
                inner, external = _dispatch(project, target[1], target[0].name, args, 0)
                return [found, target] + inner, external
        inner, external = _dispatch(project, home, function.name, args, 0)
        return [found] + inner, external
    local = name.rsplit(".", 1)[-1]
    home = module
    if not any(module.module_level(local)) and local in module.imports:
        resolved = project.python.resolve(module.imports[local], module)
        if resolved is not None:
            home, local = resolved
    return _dispatch(project, home, local, args, 0)


def _repo_server_class(project: "Project", module: "ModuleFacts", call: "CallSite") -> str | None:
    """The server a call constructs through a class of the repository: a subclass of gunicorn's
    BaseApplication ("gunicorn") or of ``uvicorn.Server`` ("uvicorn")."""
    if not (call.callee or call.text):
        return None
    name = (call.callee or call.text).rsplit(".", 1)[-1]
    target = project.python.resolve(call.callee, module) if call.callee else None
    home, cls = target if target is not None else (module, name)
    for base in home.class_bases.get(cls, ()):
        if base in (GUNICORN_BASE, "gunicorn.app.base.Application") or base.endswith("BaseApplication"):
            return "gunicorn"
        if base == "uvicorn.Server" or base == "uvicorn.server.Server":
            return "uvicorn"
    return None


def walk(project: "Project", functions: list[tuple["Function", "ModuleFacts"]]) -> Iterator[tuple["ModuleFacts", "Function", "CallSite", "Frame"]]:
    """(module, function, call, frame) for the calls of the entry functions and the repository
    functions they call, depth first in call order (what runs first comes first); the frame says
    which call entered the function, for the values of its parameters (readycheck.model.callvalues)."""
    from readycheck.model.callvalues import Frame

    seen: set[tuple[str, str]] = set()
    model = project.reachability

    def visit(frame: Frame, depth: int) -> Iterator[tuple["ModuleFacts", "Function", "CallSite", Frame]]:
        function, module = frame.function, frame.module
        key = (module.path, function.qualname)
        if key in seen or depth > MAX_DEPTH:
            return
        seen.add(key)
        for edge in model.edges(function, module):  # calls in order, with the repo functions each runs
            yield module, function, edge.call, frame
            for target in edge.targets:
                yield from visit(Frame(target[0], target[1], edge.call, frame), depth + 1)

    for function, module in functions:
        yield from visit(Frame(function, module), 0)


def server_from_entry(project: "Project", command: "Command",
                      entry: "tuple[ModuleFacts, str, list[str], str] | None" = None
                      ) -> tuple["Server", list["Command"]] | None:
    """The server an entry point starts, and the commands it runs before (as located commands);
    ``entry`` as ``entry_of`` gives it, when the caller found the module (``python run.py``)."""
    from readycheck.model.callvalues import CallValues, server_settings
    from readycheck.model.startcommands import Command, Server, Token, parse_server

    entry = entry or entry_of(project, command)
    if entry is None:
        return None
    module, attribute, args, how = entry
    functions, external = entry_functions(project, module, attribute, args)
    if external is not None:  # `dispatch server start app:app --port 80` is `uvicorn app:app --port 80`
        name, consumed = external
        first = command.program_index() + 1 + consumed
        tokens = [Token(name, command.argv[command.program_index()].path,
                        command.argv[command.program_index()].span)] + command.argv[first:]
        inner = Command(tokens, dict(command.env), f"{how}: its command runs {name}'s own command line",
                        exec_=command.exec_, shell=command.shell, shell_commands=command.shell_commands,
                        shell_program=command.shell_program, shell_last=command.shell_last,
                        shell_blockers=command.shell_blockers)
        server = parse_server(inner)
        return (server, [inner]) if server is not None else None
    before: list[Command] = []
    config: "Value | None" = None
    config_call: "CallSite | None" = None
    config_frame: "Frame | None" = None

    def entry_parameter(frame: "Frame", value: "Value") -> "tuple[Value, str, str] | None":
        """host=host of ``def serve(host: str = "0.0.0.0")``: the option the start command gives, or its default."""
        function, home = frame.function, frame.module
        option = _command_option(function, value, args)
        if option is None:
            return None
        flag = "--" + value.text.replace("_", "-")
        found, at = option
        if at is None:
            return found, f"the default of {flag} of {function.name}() in {home.path}", home.path
        token = command.argv[command.program_index() + 1 + at]  # given on the command line: point there
        return found._replace(span=token.span), f"{flag} of {function.name}() in {home.path}", token.path

    values_of = CallValues(project, entry_parameter)
    for home, function, call, frame in walk(project, functions):
        callee = call.callee or ""
        via = f"{how}: {function.qualname}() in {home.path}"
        if callee == "uvicorn.Config" and call.call is not None:
            config, config_call, config_frame = call.call, call, frame
            continue
        name = SERVER_CALLS.get(callee) or _repo_server_class(project, home, call)
        argv = _argv_of(call) if callee in EXEC_CALLS else None
        if argv is not None:
            tokens = [Token(text, home.path, call.span) for text in argv]
            inner = Command(tokens, {}, via, exec_=callee.startswith("os.exec"))
            server = parse_server(inner)
            if server is None:
                before.append(inner)
                continue
            if callee.startswith("os.exec"):  # the server replaces the Python process
                inner.shell, inner.shell_program = command.shell, command.shell_program
                inner.shell_last, inner.shell_blockers = command.shell_last, command.shell_blockers
                inner.exec_ = command.exec_
            before.append(inner)
            return server, before
        if name is None:
            migration = _migration_call(call)
            if migration is not None:
                before.append(Command([Token(w, home.path, call.span) for w in migration], {}, via))
            continue
        nested = next((v for v in (call.call.items if call.call is not None else ())
                       if v.kind == "call" and v.text in ("uvicorn.Config", "uvicorn.config.Config")), None)
        if nested is not None:  # uvicorn.Server(uvicorn.Config(...)): the Config holds the settings
            config, config_call, config_frame = nested, call, frame
        via_config = name == "uvicorn" and callee != "uvicorn.run" and config is not None
        values = config if via_config else call.call
        where = config_call if via_config and config_call is not None else call
        where_frame = config_frame if via_config and config_frame is not None else frame
        server = Server(name, command, None)  # the process is still the one the start command runs
        server.entry = Token(f"{where.text}()", where_frame.module.path, where.span)
        server.entry_via = via
        if values is not None:
            app = values.arg(0, "app" if name != "granian" else "target")
            if app is not None and app.kind == "str":
                server.target = Token(app.text, home.path, app.span)
            elif app is not None and app.kind == "ref":
                server.target = Token(f"{home.module}:{app.text.rsplit('.', 1)[-1]}", home.path, app.span)
            server.settings, server.settings_complete = server_settings(
                values_of, where_frame, values, f"{where.text}() in {where_frame.module.path}")
        return server, before
    return None


def _command_option(function: "Function", value: "Value", args: list[str]) -> tuple["Value", int | None] | None:
    """What a parameter of the Typer/Click command the arguments run holds, when a server call passes
    it on (``uvicorn.run(app, host=host, reload=reload)``): the ``--host``/``--reload`` the start
    command gives, else the parameter's default (``host: str = "0.0.0.0"``, ``reload: bool = False``,
    ``@click.option("--host", default="0.0.0.0")``), with the index in ``args`` of the word that gave it
    (None for a default). None when the value is not such a parameter."""
    from readycheck.parsers.python import Value

    if value.kind != "ref" or value.resolved or not any(p.name == value.text for p in function.params):
        return None
    param = next(p for p in function.params if p.name == value.text)
    flag = "--" + param.name.replace("_", "-")
    default: Value | None = None
    is_flag = param.flag is not None
    if param.default is not None:
        default = Value("str", param.default, param.span)
    elif param.flag is not None:
        default = Value("bool", str(param.flag), param.span)
    elif param.number is not None:
        default = Value("int", str(param.number), param.span)
    names = {flag}
    for decorator in function.decorators:  # @click.option("--host", "-h", default="0.0.0.0", is_flag=...)
        call = decorator.call
        if call is None or not decorator.text.endswith(".option") or \
                not any(v.kind == "str" and v.text.split("/")[0] == flag for v in call.items):
            continue
        names |= {v.text.split("/")[0] for v in call.items if v.kind == "str" and v.text.startswith("-")}
        given = call.kwarg("default")
        default = given if given is not None and given.kind in ("str", "int", "bool") else default
        is_flag = is_flag or (call.kwarg("is_flag") is not None and call.kwarg("is_flag").text == "True") or \
            (given is not None and given.kind == "bool")
    for at, arg in enumerate(args):
        if arg in names - {flag} or any(arg.startswith(n) and n[1:2] != "-" and len(arg) > len(n) for n in names):
            return None  # a short name (``-h 0.0.0.0``, ``-h0.0.0.0``): given, but not read here
        if arg == flag:
            if is_flag:
                return Value("bool", "True", param.span), at
            if at + 1 < len(args):
                return Value("str", args[at + 1], param.span), at + 1
        if arg == "--no-" + flag[2:] and is_flag:
            return Value("bool", "False", param.span), at
        if arg.startswith(flag + "="):
            return Value("str", arg.split("=", 1)[1], param.span), at
    if default is None:
        return None
    return default, None


def _argv_of(call: "CallSite") -> list[str] | None:
    """The argv a process call gets, when literal: ``subprocess.run(["alembic", "upgrade", "head"])``,
    ``os.execvp("gunicorn", ["gunicorn", "app:app"])``."""
    if call.call is None:
        return None
    items = call.call.items
    listed = next((v for v in items if v.kind == "list"), None)
    if listed is None:
        return None
    words = [v.text for v in listed.items if v.kind in ("str", "int")]
    return words if words and len(words) == len(listed.items) else None


def _migration_call(call: "CallSite") -> list[str] | None:
    """``alembic.command.upgrade(cfg, "head")`` as the command line it stands for."""
    if call.callee == "alembic.command.upgrade":
        revision = call.call.arg(1, "revision") if call.call is not None else None
        return ["alembic", "upgrade", revision.text if revision is not None and revision.kind == "str" else "head"]
    return None


__all__ = ["server_from_entry", "console_script", "Span"]
