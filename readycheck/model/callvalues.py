"""What the options of a server call started from Python hold, followed one step or a few.

``uvicorn.run(app, host=..., reload=...)``, ``uvicorn.Config(app, **kwargs)``, ``granian.Granian(...)``:
the values are often not literals at the call. This module resolves what is statically certain:

- a local name assigned once in the function (``host = "0.0.0.0"``; ``kwargs = {...}``);
- a parameter of the function, from the argument the caller passed (``_run(reload)`` from
  ``def serve(reload: bool = False)``, by keyword or position) or its literal default, up to the
  entry function, whose parameters are the command line's options (the caller's hook);
- a helper without parameters whose every ``return`` gives the same literal (``get_host()``), or
  one mapping (``**server_kwargs()``), from ``Function.returned``;
- ``**mapping`` of a dict literal (``**{"reload": True}``), of ``dict(...)``, of such a local or
  helper, or of a module constant or settings default (``ReachabilityModel.literal``), with the keys
  a later ``kwargs["reload"] = ...`` may add known as possibly set (their value unknown);
- module constants, settings defaults and ``os.getenv`` defaults, through ``ReachabilityModel.literal``.

Anything else stays as written (``<dynamic>`` to the checks), and a ``**`` whose keys are not all
known makes the call's settings incomplete: an option missing from it may be set there, so no
default of the server is assumed. Nothing here guesses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, NamedTuple

from readycheck.core.findings import Span

if TYPE_CHECKING:
    from readycheck.knowledge.serverconfig import Setting
    from readycheck.model.project import Project
    from readycheck.parsers.python import CallSite, Function, ModuleFacts, Value

#: How deep a value is followed (locals, helpers, callers, mappings).
MAX_DEPTH = 8
#: How many steps one resolver takes at most: helpers with several returns that call helpers with
#: several returns would otherwise multiply (time stays linear in the input, whatever it holds).
MAX_STEPS = 2000
#: Methods that read a dict without changing it: any other method called on a mapping may change its keys.
_READS = frozenset({"get", "copy", "items", "keys", "values"})


@dataclass(frozen=True)
class Frame:
    """A function on the way from the entry point to the server call, and the call that entered it."""

    function: "Function"
    module: "ModuleFacts"
    call: "CallSite | None" = None  # the call in ``parent`` that runs this function
    parent: "Frame | None" = None

    @property
    def scope(self) -> str:
        """The scope of its local assignments ("" for a module's top level run as a script)."""
        return "" if self.function.qualname == "<main block>" else self.function.qualname


class Resolved(NamedTuple):
    """A value as far as it could be followed: where it is written and how it was reached."""

    value: "Value"
    path: str
    note: str = ""  # appended to the setting's source: ", returned by get_host()"


#: The caller's hook for the entry function's parameters: (frame, the parameter's reference) ->
#: (value, source of the setting, path) when the parameter is a command-line option, else None.
EntryParameter = Callable[["Frame", "Value"], "tuple[Value, str, str] | None"]


class CallValues:
    """Resolves the values of server-call arguments (see the module docstring)."""

    def __init__(self, project: "Project", entry_parameter: EntryParameter | None = None) -> None:
        self.project = project
        self.entry_parameter = entry_parameter
        self.steps = 0

    def keywords(self, frame: Frame, call: "Value") -> tuple[list[tuple[str, Resolved, str | None]], bool]:
        """(keyword, resolved value, source override or None) of every option a call passes, the
        keys of its ``**mappings`` included, and whether every key it may pass is known."""
        out: list[tuple[str, Resolved, str | None]] = []
        complete = True
        for key, value in call.keywords:
            if key != "**":
                out.append((key, *self.value(frame, value)))
                continue
            mapping = self.mapping(frame, value, 0)
            if mapping is None:
                complete = False
                continue
            items, known, where, note = mapping
            complete = complete and known
            for name, item in items:
                resolved, source = self.value(where, item)
                out.append((name, resolved._replace(note=note + resolved.note), source))
        return out, complete

    def value(self, frame: Frame, value: "Value", depth: int = 0) -> tuple[Resolved, str | None]:
        """The value as far as it can be followed, and a source that replaces the call's own (for a
        command-line option of the entry function), else None."""
        path = frame.module.path
        self.steps += 1
        if depth > MAX_DEPTH or self.steps > MAX_STEPS:
            return Resolved(value, path), None
        kind = value.kind
        if kind == "ref" and not value.resolved and "." not in value.text:
            found = self._name(frame, value, depth)
            if found is not None:
                return found
        elif kind == "call" and value.text in ("int", "str") and len(value.items) == 1 and not value.keywords:
            inner, source = self.value(frame, value.items[0], depth + 1)
            if inner.value is not value.items[0]:
                return Resolved(value._replace(items=(inner.value,)), inner.path, inner.note), source
        elif kind == "call":
            helper = self._helper(frame, value)
            if helper is not None:
                results = [self.value(helper, v, depth + 1)[0] for v in helper.function.returned]
                if results and all(r.value.kind in ("str", "int", "bool") for r in results) and \
                        len({(r.value.kind, r.value.text) for r in results}) == 1:
                    first = results[0]
                    return first._replace(note=f", returned by {helper.function.name}()" + first.note), None
        if kind in ("ref", "compare"):  # module constants, settings and environment defaults
            resolved, overridable = self.project.reachability.literal(frame.module, value)
            if resolved is not None and resolved.kind in ("bool", "int", "str"):
                note = ", the default of a setting the environment can override" if overridable else \
                    ", from a module constant"
                return Resolved(resolved._replace(span=value.span), path, note), None
        return Resolved(value, path), None

    def _name(self, frame: Frame, value: "Value", depth: int) -> tuple[Resolved, str | None] | None:
        """A plain name: a parameter of the function or a local assigned once (None: neither)."""
        name = value.text
        params = frame.function.params
        if any(p.name == name for p in params):
            if frame.parent is None:
                given = self.entry_parameter(frame, value) if self.entry_parameter is not None else None
                if given is None:
                    return Resolved(value, frame.module.path), None
                found, source, path = given
                return Resolved(found, path), source
            argument = _argument(frame, name)
            if argument is not None:
                inner, source = self.value(frame.parent, argument, depth + 1)
                if inner.value is argument and argument.kind not in ("str", "int", "bool"):  # not followed
                    return Resolved(value, frame.module.path), None
                # An option of the command passed on: its source says so; any other value says who passed it.
                return (inner if source is not None else
                        inner._replace(note=f", passed by {frame.parent.function.name}()" + inner.note)), source
            default = _default(frame, name)
            return (Resolved(default, frame.module.path, f", the default of {name} of {frame.function.name}()"), None) \
                if default is not None else (Resolved(value, frame.module.path), None)
        if frame.scope:
            bindings = [a for a in frame.module.assignments if a.scope == frame.scope and a.name == name]
            if not bindings:
                return None
            if len(bindings) > 1:
                return Resolved(value, frame.module.path), None
            inner, source = self.value(frame, bindings[0].value, depth + 1)
            if inner.value.kind not in ("str", "int", "bool") and inner.value is bindings[0].value:
                return Resolved(value, frame.module.path), None
            return inner, source
        return None

    def mapping(self, frame: Frame, value: "Value", depth: int
                ) -> tuple[list[tuple[str, "Value"]], bool, Frame, str] | None:
        """(items, every key known, the frame the items are written in, note) of a ``**`` argument,
        or None when nothing of it is known."""
        self.steps += 1
        if depth > MAX_DEPTH or self.steps > MAX_STEPS:
            return None
        kind = value.kind
        if kind == "dict":
            if not value.text:
                return list(value.keywords), True, frame, ""
            from readycheck.parsers.python import Value

            # {"reload": True, **base}: base may replace the keys written before it, not those after.
            before = int(value.text[2:] or 0)
            return [(k, Value("other", "", v.span) if i < before else v) for i, (k, v) in enumerate(value.keywords)], \
                False, frame, ""
        if kind == "call" and value.text == "dict" and value.resolved:  # dict(host=..., reload=...)
            return [(k, v) for k, v in value.keywords if k != "**"], not value.items and \
                all(k != "**" for k, _ in value.keywords), frame, ""
        if kind == "call":
            helper = self._helper(frame, value)
            if helper is None or len(helper.function.returned) != 1:
                return None
            found = self.mapping(helper, helper.function.returned[0], depth + 1)
            return None if found is None else \
                (found[0], found[1], found[2], f", from the mapping {helper.function.name}() returns" + found[3])
        if kind != "ref":
            return None
        name = value.text
        if not value.resolved and "." not in name and frame.scope and \
                not any(p.name == name for p in frame.function.params):
            bindings = [a for a in frame.module.assignments if a.scope == frame.scope and a.name == name]
            if len(bindings) != 1:
                return None
            found = self.mapping(frame, bindings[0].value, depth + 1)
            if found is None:
                return None
            items, known, where, note = found
            added = [a for a in frame.module.dict_items if a.scope == frame.scope and a.name == name]
            changed = any(c.receiver == name and c.method not in _READS for c in frame.function.calls)
            from readycheck.parsers.python import Value

            if changed:  # kwargs.update(extra), kwargs.pop("reload"): any key may be replaced or removed
                items = [(k, Value("other", "", v.span)) for k, v in items]
            if added:  # kwargs["reload"] = True, perhaps in a branch: possibly set, value unknown
                keys = {k for a in added for k, _ in a.value.keywords}
                items = [(k, v) for k, v in items if k not in keys] + \
                    [(k, Value("other", "", a.span)) for a in added for k, _ in a.value.keywords]
            return items, known and not changed, where, f", from {name} in {frame.module.path}" + note
        resolved, _ = self.project.reachability.literal(frame.module, value)
        if resolved is None or resolved.kind != "dict":
            return None
        from readycheck.parsers.python import Value

        # A module constant or settings default written elsewhere: only its literal values are read here.
        items, known, _, _ = self.mapping(frame, resolved, depth + 1) or ([], False, frame, "")
        items = [(k, v if v.kind in ("str", "int", "bool") else Value("other", "", v.span)) for k, v in items]
        return items, known and not self._added_later(frame.module, value), frame, f", from {name}"

    def _added_later(self, module: "ModuleFacts", value: "Value") -> bool:
        """Keys added to a module-level mapping after its literal (``DEFAULTS["reload"] = ...``)."""
        target = self.project.python.resolve(value.text, module) if value.resolved else (module, value.text)
        if target is None:
            return True
        home, name = target
        return "." in name or any(a.name == name and not a.scope for a in home.dict_items)

    def _helper(self, frame: Frame, value: "Value") -> Frame | None:
        """The repository function a call without arguments runs, when it records its returns."""
        if value.items or value.keywords or not value.text:
            return None
        name = value.text
        if not value.resolved and "." not in name and frame.scope and (
                any(p.name == name for p in frame.function.params) or
                any(a.scope == frame.scope and a.name == name for a in frame.module.assignments)):
            return None  # a parameter or a local (``get_host = lambda: ...``) hides the module's function
        found = self.project.python.function(frame.module, value.text, frame.scope, value.resolved)
        if found is None or not found[0].returned:
            return None
        return Frame(found[0], found[1], None, frame)


def _argument(frame: Frame, name: str) -> "Value | None":
    """What the call that entered the frame passed to one of its function's parameters."""
    call = frame.call
    if call is None or call.call is None or frame.parent is None:
        return None
    if (call.callee or call.text).rpartition(".")[2] != frame.function.name:
        return None  # a callback handed to another call (``submit(_run, x)``): its arguments are not ours
    given = call.call.kwarg(name)
    if given is not None:
        return given
    params = [p.name for p in frame.function.params]
    if params and params[0] in ("self", "cls") and "." in frame.function.qualname:
        params = params[1:]
    position = params.index(name)
    if any(k == "**" for k, _ in call.call.keywords) or any(v.kind == "other" for v in call.call.items[:position + 1]):
        return None  # ``_run(*args)`` / ``_run(**options)``: which argument lands where is unknown
    return call.call.items[position] if position < len(call.call.items) else None


def _default(frame: Frame, name: str) -> "Value | None":
    """A parameter's literal default, when the caller passed nothing to it (and passed its arguments
    in a summary readycheck keeps: otherwise what it passed is unknown)."""
    from readycheck.parsers.python import Value

    call = frame.call
    if call is None or call.call is None or any(k == "**" for k, _ in call.call.keywords):
        return None
    param = next(p for p in frame.function.params if p.name == name)
    if param.default is not None:
        return Value("str", param.default, param.span)
    if param.flag is not None:
        return Value("bool", str(param.flag), param.span)
    if param.number is not None:
        return Value("int", str(param.number), param.span)
    return None


def server_settings(values: CallValues, frame: Frame, call: "Value", where: str) -> tuple[dict[str, "Setting"], bool]:
    """The settings a server call's options give (readycheck.knowledge.serverconfig's names), each with
    where its value is written and how it was reached, and whether every option it passes is known."""
    from readycheck.knowledge.serverconfig import PYTHON_KEYWORDS, Setting, evaluate

    out: dict[str, Setting] = {}
    items, complete = values.keywords(frame, call)
    for key, resolved, source in items:
        setting = PYTHON_KEYWORDS.get(key)
        if not setting:
            continue
        value = resolved.value
        text, number, cpu = evaluate(value)
        text = text.lower() if value.kind == "bool" else text
        out[setting] = Setting(text, resolved.path, value.span, (source or where) + resolved.note, number, cpu)
    return out, complete


__all__ = ["CallValues", "Frame", "Resolved", "server_settings", "Span"]
