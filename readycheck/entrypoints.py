"""Python entry points that start a server: what ``python -m pkg`` (``pkg/__main__.py``) or a
``[project.scripts]`` console script (``CMD ["myapp", "serve"]``) really runs.

From the entry function (the Typer/Click command the arguments name, when the script is a
command group) the calls are followed into the repository's functions until one starts a
server: ``uvicorn.run(...)``, ``uvicorn.Server(uvicorn.Config(...)).serve()``,
``uvicorn.main``, ``granian.Granian(...)``, ``hypercorn.asyncio.serve``, a gunicorn
``BaseApplication`` subclass, or ``os.exec*``/``subprocess`` of a server command line. The
calls made before it (``alembic.command.upgrade``, ``subprocess.run(["alembic", ...])``) run
at boot, before the server, and become commands of the start chain.

The follow uses PythonIndex.function/resolve and is small (a few levels, first server wins).
TODO(reachability): move it onto the reachability model when that lands on main.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from readycheck.findings import Span

if TYPE_CHECKING:
    from readycheck.parsers.python import CallSite, Function, ModuleFacts, Value
    from readycheck.project import Project
    from readycheck.startcommands import Command, Server

#: Calls that run a server in this process: callee -> server name.
SERVER_CALLS = {"uvicorn.run": "uvicorn", "uvicorn.main": "uvicorn", "uvicorn.Server": "uvicorn",
                "granian.Granian": "granian", "granian.server.Granian": "granian",
                "hypercorn.asyncio.serve": "hypercorn", "hypercorn.trio.serve": "hypercorn", "hypercorn.run": "hypercorn"}
#: Calls that replace or start a process from an argv list.
EXEC_CALLS = {"os.execvp", "os.execv", "os.execvpe", "os.execlp", "subprocess.run", "subprocess.call",
              "subprocess.check_call", "subprocess.Popen"}
GUNICORN_BASE = "gunicorn.app.base.BaseApplication"
#: Keyword arguments of uvicorn.run/uvicorn.Config and granian.Granian -> setting names.
KEYWORD_SETTINGS = {"host": "host", "port": "port", "workers": "workers", "reload": "reload",
                    "timeout_graceful_shutdown": "graceful_timeout", "address": "host"}
MAX_DEPTH = 4


def console_script(project: "Project", program: str) -> tuple[str, str] | None:
    """(module, attribute) of a ``[project.scripts]`` / ``[tool.poetry.scripts]`` entry."""
    for pyproject in project.pyprojects:
        data = pyproject.data
        tables = [(data.get("project") or {}).get("scripts"),
                  ((data.get("tool") or {}).get("poetry") or {}).get("scripts")]
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


def _command_functions(module: "ModuleFacts", group: str, args: list[str]) -> list["Function"]:
    """The Typer/Click commands of a group object the arguments name (``serve`` in ``myapp serve``):
    functions decorated ``@group.command(...)`` whose name (or given name) is the first argument;
    the only command of the group when the arguments name none."""
    commands = [f for f in module.functions.values() if any(
        d.text.split(".")[0] == group and d.text.endswith((".command", ".callback")) for d in f.decorators)]
    wanted = next((a for a in args if not a.startswith("-")), None)
    if wanted is not None:
        for function in commands:
            for decorator in function.decorators:
                given = decorator.call.arg(0, "name") if decorator.call is not None else None
                name = given.text if given is not None and given.kind == "str" else function.name.replace("_", "-")
                if name in (wanted, wanted.replace("_", "-")):
                    return [function]
    callbacks = [f for f in commands if any(d.text.endswith(".callback") for d in f.decorators)]
    plain = [f for f in commands if f not in callbacks]
    return callbacks + (plain if len(plain) == 1 and wanted is None else [])


def entry_functions(project: "Project", module: "ModuleFacts", attribute: str, args: list[str]
                    ) -> list[tuple["Function", "ModuleFacts"]]:
    """The functions an entry runs first: the entry function itself, or the command a Typer/Click
    group dispatches to, or what the module's ``if __name__ == "__main__":`` block calls."""
    if not attribute:
        out = []
        for call in module.main_calls:
            found = _entry_target(project, module, call.callee or call.text, args)
            out += found
        return out
    return _entry_target(project, module, attribute, args)


def _entry_target(project: "Project", module: "ModuleFacts", name: str, args: list[str]
                  ) -> list[tuple["Function", "ModuleFacts"]]:
    if not name:
        return []
    found = project.python.function(module, name)
    if found is None and "." in name:
        found = project.python.function(module, name, resolved=True)
    if found is not None:
        function, home = found
        group = [f for f in _command_functions(home, function.name, args)]
        return [(function, home)] + [(f, home) for f in group]
    local = name.rsplit(".", 1)[-1]
    home = module
    if not any(module.module_level(local)) and local in module.imports:
        resolved = project.python.resolve(module.imports[local], module)
        if resolved is not None:
            home, local = resolved
    return [(f, home) for f in _command_functions(home, local, args)]


def _gunicorn_application(project: "Project", module: "ModuleFacts", call: "CallSite") -> bool:
    """A call constructing a class of the repository derived from gunicorn's BaseApplication."""
    name = (call.callee or call.text).rsplit(".", 1)[-1]
    target = project.python.resolve(call.callee, module) if call.callee else None
    home, cls = target if target is not None else (module, name)
    bases = home.class_bases.get(cls, ())
    return any(base in (GUNICORN_BASE, "gunicorn.app.base.Application") or base.endswith("BaseApplication")
               for base in bases)


def walk(project: "Project", functions: list[tuple["Function", "ModuleFacts"]]):
    """(module, function, call) for the calls of the entry functions and the repository functions
    they call, depth first in call order (what runs first comes first)."""
    seen: set[tuple[str, str]] = set()

    def visit(function: "Function", module: "ModuleFacts", depth: int):
        key = (module.path, function.qualname)
        if key in seen or depth > MAX_DEPTH:
            return
        seen.add(key)
        for call in function.calls:
            yield module, function, call
            if call.text or call.callee:
                target = project.python.function(module, call.callee or call.text, function.qualname,
                                                 call.callee is not None)
                if target is not None:
                    yield from visit(target[0], target[1], depth + 1)

    for function, module in functions:
        yield from visit(function, module, 0)


def server_from_entry(project: "Project", command: "Command") -> tuple["Server", list["Command"]] | None:
    """The server an entry point starts, and the commands it runs before (as located commands)."""
    from readycheck.serverconfig import Setting, evaluate
    from readycheck.startcommands import Command, Server, Token, parse_server

    entry = entry_of(project, command)
    if entry is None:
        return None
    module, attribute, args, how = entry
    functions = entry_functions(project, module, attribute, args)
    before: list[Command] = []
    config: "Value | None" = None
    config_call: "CallSite | None" = None
    for home, function, call in walk(project, functions):
        callee = call.callee or ""
        via = f"{how}: {function.qualname}() in {home.path}"
        if callee == "uvicorn.Config" and call.call is not None:
            config, config_call = call.call, call
            continue
        name = SERVER_CALLS.get(callee) or ("gunicorn" if _gunicorn_application(project, home, call) else None)
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
        values = config if callee == "uvicorn.Server" and config is not None else call.call
        where = config_call if callee == "uvicorn.Server" and config_call is not None else call
        server = Server(name, command, None)  # the process is still the one the start command runs
        server.entry = Token(f"{where.text}()", home.path, where.span)
        server.entry_via = via
        if values is not None:
            app = values.arg(0, "app" if name != "granian" else "target")
            if app is not None and app.kind == "str":
                server.target = Token(app.text, home.path, app.span)
            elif app is not None and app.kind == "ref":
                server.target = Token(f"{home.module}:{app.text.rsplit('.', 1)[-1]}", home.path, app.span)
            for key, value in values.keywords:
                setting = KEYWORD_SETTINGS.get(key)
                if setting:
                    text, number, cpu = evaluate(value)
                    text = text.lower() if value.kind == "bool" else text
                    server.settings[setting] = Setting(text, home.path, value.span,
                                                       f"{where.text}() in {home.path}", number, cpu)
        return server, before
    return None


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
