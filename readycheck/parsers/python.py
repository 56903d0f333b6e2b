"""Python modules into plain facts, with the standard library's ``ast``.

Why ``ast`` and not libcst for analysis: on the FastAPI repository (1,138 files)
``ast.parse`` took 1.8 s on the development machine, ``libcst.parse_module``
14.6 s and libcst's position metadata another 32.6 s. Facts need exact
positions, which ``ast`` has built in. libcst stays the tool for rewriting
code, where formatting must be kept.

Names are resolved to qualified names through the module's own imports
(``from sqlalchemy.orm import Session as S`` makes ``S`` mean
``sqlalchemy.orm.Session``; relative imports resolve against the module's
dotted name), never by spelling. Local variables and parameters shadow imports.

The facts are plain data (no AST nodes kept), so they can be cached and
computed in worker processes.
"""

from __future__ import annotations

import ast
import builtins
import re
import sys
import warnings
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Iterator, NamedTuple, Sequence

from readycheck.knowledge.blocking import CONTAINER_ANNOTATIONS
from readycheck.knowledge.environments import DEVELOPMENT_FLAGS, DEVELOPMENT_VALUES, ENVIRONMENT_SETTINGS, PRODUCTION_VALUES
from readycheck.core.findings import Span

_BUILTINS = frozenset(dir(builtins))
#: Annotations of a generator whose first argument is the type it yields.
_GENERATOR_ANNOTATIONS = frozenset({"Generator", "Iterator", "Iterable", "AsyncGenerator", "AsyncIterator",
                                    "AsyncIterable"})
_new_tuple = tuple.__new__
#: An import statement that is not at the start of a line: inside a function, class,
#: ``try`` or ``if`` (or a string that looks like one, which only costs a walk).
#: Searched as a newline then the indented import (a literal prefix the regex engine finds
#: fast, 2x quicker than ``^`` in multiline mode, which is tried at every position), and
#: matched at the start of the source for the first line.
_NESTED_IMPORT = re.compile(rb"\n[ \t]+(?:import|from)[ \t(]")
_FIRST_LINE_IMPORT = re.compile(rb"[ \t]+(?:import|from)[ \t(]")


# ----------------------------------------------------------------- value summaries


# The immutable records below are named tuples: a module yields thousands of them, and
# tuples are built faster and pickle smaller than dataclass instances (facts travel
# from worker processes and are stored in the cache).


class Value(NamedTuple):
    """A summary of an expression, enough to reason about configuration.

    kind: "str", "int", "bool", "none", "ref" (a name, ``text`` is its qualified
    name or the local name), "call" (``text`` = qualified callee; a ``**kwargs``
    argument is the keyword ``"**"``), "list",
    "dict" (``text`` is "" when every key is a string literal, else "**" and how many of the kept
    keys come before the last ``**other`` or computed key, which may replace them), "each" (a ``for`` loop's name: each element of ``items[0]`` in
    turn), "fstring" (``text`` is its literal parts with ``{}`` for each
    field), "other".
    """

    kind: str
    text: str = ""
    span: Span = Span(0)
    items: tuple["Value", ...] = ()
    keywords: tuple[tuple[str, "Value"], ...] = ()
    #: For refs and calls: True when ``text`` is a qualified name (resolved).
    resolved: bool = False

    def kwarg(self, name: str) -> "Value | None":
        for key, value in self.keywords:
            if key == name:
                return value
        return None

    def arg(self, position: int, name: str | None = None) -> "Value | None":
        if name is not None:
            found = self.kwarg(name)
            if found is not None:
                return found
        return self.items[position] if position < len(self.items) else None

    def strings(self, fstrings: bool = False) -> Iterator["Value"]:
        """Every string literal in this summary, nested arguments included (and every
        f-string, its literal parts as ``text``, with ``fstrings``)."""
        if self.kind == "str" or (fstrings and self.kind == "fstring"):
            yield self
        for item in self.items:
            yield from item.strings(fstrings)
        for _, item in self.keywords:
            yield from item.strings(fstrings)

    @property
    def literal(self) -> Any:
        if self.kind == "str":
            return self.text
        if self.kind == "int":
            return int(self.text)
        if self.kind == "bool":
            return self.text == "True"
        return None


class CallSite(NamedTuple):
    callee: str | None  # qualified name when resolvable ("time.sleep", "app.crud.get_user")
    text: str  # dotted source text of the callee ("db.query"); "" when not dotted
    span: Span  # of the callee expression
    awaited: bool = False
    receiver: str | None = None  # "db" in db.query(...), when db is a local name
    method: str | None = None  # "query" in db.query(...)
    #: The arguments, summarised (a "call" Value: ``items`` positional, ``keywords`` by name), for every
    #: call that passes a keyword argument, every module-level call, and the calls the built-in facts
    #: read by their positional arguments (router wiring, servers, engines, app registrars). So ``None``
    #: inside a function means the call passed no keyword argument: a third-party check can tell
    #: ``requests.get(url)`` (no timeout) from ``requests.get(url, timeout=5)`` without a list of the
    #: callees it cares about in the parser. Cache size of keeping keyword calls: +8% on FastAPI's
    #: repository, +17% on Netflix/dispatch (every call with arguments: +53% and +22%).
    call: Value | None = None
    #: When the receiver is itself a chain of calls (``Usage.select(...).where(...).get()``,
    #: ``inspect(engine).get_schema_names()``): the innermost callee's dotted text, its qualified name
    #: ("" when unresolved), then each method called on the way out, before ``method``.
    chain: tuple[str, ...] = ()


class Parameter(NamedTuple):
    name: str
    annotation: str | None  # qualified main type; Annotated[T, ...] gives T
    depends: str | None  # qualified target of Depends(...) in the default or in Annotated
    span: Span
    #: The annotation was a bare name that may be a type alias defined elsewhere.
    annotation_is_alias_candidate: bool = False
    #: The default when it is a string literal (``health_check_path: str = "/health"``).
    default: str | None = None
    #: The default when it is a bool literal (``async_mode: bool = False``).
    flag: bool | None = None
    #: The default when it is an int literal (``port: int = 8000``, a Typer command's option).
    number: int | None = None


class TypeSource(NamedTuple):
    """Where the type of a name or attribute comes from, for the reachability model.

    kind: "type" (``text`` is a qualified type from an annotation), "call" (the
    qualified callee it was built or returned by: a class, a factory), "ref" (a
    qualified module-level name it is bound to), "local" (a local name or
    parameter of the function ``scope``), "depends" (the qualified provider of a
    ``Depends(...)`` parameter), "local-call" (a call of such a local: ``session()``
    where ``session = scoped_session(...)``), "method-call" (a method called on such a local or
    its attribute: ``img.crop(...)``, ``self.repo.get(...)``).
    """

    kind: str
    text: str
    scope: str = ""  # the function whose locals "local" refers to


class Decorator(NamedTuple):
    text: str  # dotted text of the decorator's callee ("app.get")
    qualified: str | None
    span: Span
    call: Value | None  # arguments when the decorator is called


@dataclass(slots=True)
class Function:
    name: str
    qualname: str  # "handler", "Class.method", "create_app.<locals>.root"
    is_async: bool
    span: Span  # the function's name
    params: list[Parameter] = field(default_factory=list)
    decorators: list[Decorator] = field(default_factory=list)
    calls: list[CallSite] = field(default_factory=list)
    #: local name -> qualified constructor it was assigned from (``s = requests.Session()``)
    local_types: dict[str, str] = field(default_factory=dict)
    is_generator: bool = False
    returns: str | None = None
    scope: str = ""  # qualname of the enclosing function, "" at module level
    #: What it returns or yields, as type sources (see ``TypeSource``): the reachability
    #: model reads a factory's or dependency's result type from them when it has no annotation.
    results: tuple["TypeSource", ...] = ()
    #: It declares ``global``: a lazy initialiser (``if _client is None: _client = ...``) whose work
    #: runs once per process, not on every call.
    declares_global: bool = False
    #: Its own body reads a request's path or method (``request.url.path``, ``request.url``,
    #: ``scope["path"]``, ``request.path_params``, ``request.method``): a middleware that does may treat
    #: some requests (a health probe's ``GET /health``) apart, as a CSRF check that only queries for
    #: POST/PUT/PATCH/DELETE does.
    reads_request_path: bool = False
    #: The dunder methods its operators call on a named receiver, as calls (``obj[k]`` is
    #: ``obj.__getitem__``, ``k in obj`` ``obj.__contains__``, ``not obj``/``if obj:`` ``obj.__bool__``,
    #: ``len(obj)`` ``obj.__len__``): the reachability model follows one when ``obj`` is a repo class
    #: defining it. Kept apart from ``calls``, which are the calls written as calls.
    operators: list[CallSite] = field(default_factory=list)
    #: What a function without parameters returns (``def get_host(): return "0.0.0.0"``,
    #: ``def server_kwargs(): return {"reload": True}``): every ``return`` expression's summary, and a
    #: ``none`` summary when the body may end without one, so that a server option taken from such a
    #: helper is known only when every return agrees (readycheck.model.callvalues). Empty for functions
    #: with parameters, async functions and generators, and for more than four returns (unknown).
    returned: tuple[Value, ...] = ()


#: While a scan records what its result depends on (readycheck.engine.incremental), every read of a
#: module's function table as ``(id(table), qualname)``, or ``(id(table), None)`` for a read of the
#: whole table (iterated, counted, compared); None otherwise.
FUNCTION_READS: set[tuple[int, str | None]] | None = None


class FunctionTable(dict):
    """A module's functions by qualname: a dict that tells a recording scan which entries were read,
    so that a rescan knows that adding a function to a module changes nothing that only looked up
    the module's other functions. Every read method is here: one missed would be a read unrecorded."""

    __slots__ = ()

    def get(self, key, default=None):  # type: ignore[override]
        if FUNCTION_READS is not None:
            FUNCTION_READS.add((id(self), key))
        return dict.get(self, key, default)

    def __getitem__(self, key):
        if FUNCTION_READS is not None:
            FUNCTION_READS.add((id(self), key))
        return dict.__getitem__(self, key)

    def __contains__(self, key):
        if FUNCTION_READS is not None:
            FUNCTION_READS.add((id(self), key))
        return dict.__contains__(self, key)

    def setdefault(self, key, default=None):  # type: ignore[override]
        if FUNCTION_READS is not None:
            FUNCTION_READS.add((id(self), key))
        return dict.setdefault(self, key, default)

    def _whole(self) -> None:
        if FUNCTION_READS is not None:
            FUNCTION_READS.add((id(self), None))

    def __iter__(self):
        self._whole()
        return dict.__iter__(self)

    def __reversed__(self):
        self._whole()
        return dict.__reversed__(self)

    def __len__(self) -> int:
        self._whole()
        return dict.__len__(self)

    def keys(self):  # type: ignore[override]
        self._whole()
        return dict.keys(self)

    def values(self):  # type: ignore[override]
        self._whole()
        return dict.values(self)

    def items(self):  # type: ignore[override]
        self._whole()
        return dict.items(self)

    def copy(self):  # type: ignore[override]
        self._whole()
        return FunctionTable(dict.items(self))

    def pop(self, *args):  # type: ignore[override]
        self._whole()
        return dict.pop(self, *args)

    def popitem(self):
        self._whole()
        return dict.popitem(self)

    def __eq__(self, other: object) -> bool:
        self._whole()
        return dict.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        self._whole()
        return dict.__ne__(self, other)

    __hash__ = None  # type: ignore[assignment]

    def __or__(self, other):  # type: ignore[override]
        self._whole()
        return dict.__or__(self, other)

    def __ror__(self, other):  # type: ignore[override]
        self._whole()
        return dict.__ror__(self, other)

    def __repr__(self) -> str:
        self._whole()
        return dict.__repr__(self)

    def __reduce__(self):
        self._whole()
        return (FunctionTable, (dict(dict.items(self)),))


@dataclass(slots=True)
class Assignment:
    """``name = value`` at module level or inside a function (scope)."""

    name: str
    value: Value
    span: Span
    scope: str = ""


@dataclass(slots=True)
class ModuleFacts:
    path: str
    module: str  # dotted name derived from the path
    imports: dict[str, str] = field(default_factory=dict)
    functions: dict[str, Function] = field(default_factory=FunctionTable)
    assignments: list[Assignment] = field(default_factory=list)
    #: ``X = Annotated[T, Depends(f)]`` aliases: name -> (T, f)
    type_aliases: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    #: Calls made when the module is imported (outside any function or class body).
    module_calls: list[CallSite] = field(default_factory=list)
    #: Calls under ``if __name__ == "__main__":``.
    main_calls: list[CallSite] = field(default_factory=list)
    classes: set[str] = field(default_factory=set)

    def module_level(self, name: str) -> Iterator[Assignment]:
        """The module-level assignments of a name (``SessionLocal = sessionmaker(...)``), in order."""
        return (a for a in self.assignments if a.name == name and not a.scope)

    def all_calls(self) -> list[CallSite]:
        """Calls made at import time and inside every function of the module."""
        return list(self.module_calls) + [c for f in self.functions.values() for c in f.calls]

    #: Module-level class name -> qualified names of its bases.
    class_bases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Module-level class name -> attribute -> where its type comes from: class-level
    #: annotations and assignments, and ``self.x = ...`` in the class's methods.
    class_attrs: dict[str, dict[str, TypeSource]] = field(default_factory=dict)
    #: Module-level annotated names (``redis_client: Redis | None = None``) -> qualified type.
    global_types: dict[str, str] = field(default_factory=dict)
    #: ``app.state.<name> = ...`` anywhere in the module -> where the value comes from.
    state_attrs: dict[str, TypeSource] = field(default_factory=dict)
    #: Function qualname -> how it can fail, for the functions that raise, catch or set a status code.
    error_handling: dict[str, "ErrorHandling"] = field(default_factory=dict)
    #: (first line, last line) of blocks that run only in development: the body of
    #: ``if settings.ENV == "dev":``/``if DEBUG:``, the ``else`` of ``if ENV == "production":``.
    dev_blocks: list[tuple[int, int]] = field(default_factory=list)

    def in_dev_block(self, line: int) -> bool:
        return any(first <= line <= last for first, last in self.dev_blocks)

    #: (first line, last line) of the statements of a function that run only when an in-memory
    #: lookup missed: those after ``if key in cache: return cache[key]`` in the same block (and its
    #: ``else``), the memoising or constant-table-first shape of a cache or a fallback.
    fallback_blocks: list[tuple[int, int]] = field(default_factory=list)

    def in_fallback_block(self, line: int) -> bool:
        return any(first <= line <= last for first, last in self.fallback_blocks)

    #: (first line, last line, parameter, value) of blocks that run only when a flag parameter of the
    #: function is true (``if process:``, ``if process and ...:``) or false (``if not process:``, the
    #: ``else`` of ``if process:``); the parameter is never reassigned in the function.
    param_guards: list[tuple[int, int, str, bool]] = field(default_factory=list)

    def flag_guards(self, line: int) -> Iterator[tuple[str, bool]]:
        return ((name, when) for first, last, name, when in self.param_guards if first <= line <= last)

    #: A name bound by imports of different targets (``try: from .cloud import Client`` ``except
    #: ImportError: from .local import Client``; ``import redis.asyncio as r`` in an ``if`` and ``import
    #: redis as r`` in its ``else``) -> every (target, line), in source order. ``imports`` keeps one of them.
    import_alternatives: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    #: Keys added to a dict bound to a name, after its literal: ``engine_args["poolclass"] = NullPool`` and
    #: ``engine_args.update({"pool_size": 5})`` (or ``update(pool_size=5)``), each as an assignment of the
    #: name (its scope, as for ``assignments``) to a one-key ``dict`` summary, in source order. Flow-insensitive:
    #: such a statement may sit in a branch (``project.engines`` treats these keys as possibly set).
    dict_items: list[Assignment] = field(default_factory=list)
    #: (first line, last line) of the blocks of a function that run only to fill a cache that outlives the
    #: call: the body of ``if self._client is None:``, ``if not _CACHE:``, ``if key not in self._cache:``
    #: (also ``if cached is None or ...`` on a name read from the cache) that stores into what it tests
    #: (``self._client = ...``, ``_CACHE[key] = ...``): once per process (or per key), not on every call.
    cache_fills: list[tuple[int, int]] = field(default_factory=list)

    def in_cache_fill(self, line: int) -> bool:
        return any(first <= line <= last for first, last in self.cache_fills)



# ---------------------------------------------------------- error-handling facts
# What a function does with errors: enough to tell a readiness route that can answer
# 503 from one that catches the database error and answers 200 whatever happens.


class ExceptClause(NamedTuple):
    #: Qualified names of the caught types; () for a bare ``except:``.
    types: tuple[str, ...]
    span: Span  # the ``except ...:`` clause's first line
    body: Span  # from the handler's first statement to its last
    #: The handler raises (re-raises, or raises another exception) somewhere in its body.
    raises: bool


class TryBlock(NamedTuple):
    body: Span  # from the try body's first statement to its last
    handlers: tuple[ExceptClause, ...]


@dataclass(slots=True)
class ErrorHandling:
    tries: list[TryBlock] = field(default_factory=list)
    raises: list[Span] = field(default_factory=list)
    #: Status codes the function sets: ``status_code=`` arguments, the second positional argument
    #: of a ``...Response(content, status)`` call, and ``response.status_code = ...`` assignments.
    statuses: list[Value] = field(default_factory=list)


def module_name(path: str) -> str:
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


# ------------------------------------------------------------------------ extractor


_LINE_ENDS = re.compile(rb"\r\n|\r|\n")


class _Columns:
    """ast columns are UTF-8 byte offsets; findings want characters."""

    def __init__(self, source: bytes) -> None:
        self.ascii = source.isascii()
        #: The source's lines as Python's tokenizer counts them: a lone CR ends a line too (old Mac
        #: files; the parser's line numbers count it), not only LF and CRLF.
        self.lines = _LINE_ENDS.split(source) if b"\r" in source else source.split(b"\n")
        #: Of a non-ASCII source, each line's length when the line is ASCII, -1 when not: most lines
        #: of such a module are, and their byte columns are character columns (no slice, no decoding).
        #: All worked out at once (one ``isascii`` per line, in C): ``span`` then tells most nodes of
        #: such a module from two list reads, as a module of ASCII only (a big module with a few emoji
        #: in its strings made ``col`` the extractor's third most called function).
        self.ascii_lengths: list[int] = [] if self.ascii else \
            [len(raw) if raw.isascii() else -1 for raw in self.lines]

    def col(self, line: int, byte_col: int) -> int:
        if self.ascii:
            return byte_col + 1
        index = line - 1
        if 0 <= index < len(self.ascii_lengths) and byte_col >= 0:
            length = self.ascii_lengths[index]
            if length >= 0:  # what the slice below gives for an ASCII line
                return (byte_col if byte_col < length else length) + 1
        if index >= len(self.lines):
            return byte_col + 1
        prefix = self.lines[index][:byte_col]
        if prefix.isascii():  # most lines of a non-ASCII module: no decoding, the same length
            return len(prefix) + 1
        return len(prefix.decode("utf-8", "replace")) + 1

    def span(self, node: ast.AST) -> Span:
        try:
            line, end_line, start, end = node.lineno, node.end_lineno or node.lineno, node.col_offset, node.end_col_offset or 0
        except AttributeError:  # a node without a position of its own
            line, end_line, start, end = getattr(node, "lineno", 1), getattr(node, "lineno", 1), 0, 0
        if self.ascii:  # the common case: byte columns are character columns
            if end_line > line or (end_line == line and end >= start):
                # What Span() would normalise is already true: build the tuple directly
                # (a module makes thousands of spans; Span.__new__ is Python code).
                return _new_tuple(Span, (line, start + 1, end_line, end + 1))
            return Span(line, start + 1, end_line, end + 1)
        lengths = self.ascii_lengths
        if 0 < line <= end_line <= len(lengths) and 0 <= start <= lengths[line - 1] and \
                0 <= end <= lengths[end_line - 1]:  # both ends on ASCII lines, within them: what col() gives
            column, end_column = start + 1, end + 1
        else:
            column, end_column = self.col(line, start), self.col(end_line, end)
        if end_line > line or (end_line == line and end_column >= column):  # as above
            return _new_tuple(Span, (line, column, end_line, end_column))
        return Span(line, column, end_line, end_column)


def _ascii_span(node: ast.AST) -> Span:
    """``_Columns.span`` of a node of an ASCII source, where byte columns are character columns."""
    try:
        line, end_line, start, end = node.lineno, node.end_lineno or node.lineno, node.col_offset, node.end_col_offset or 0
    except AttributeError:  # a node without a position of its own
        line = end_line = getattr(node, "lineno", 1)
        start = end = 0
    if end_line > line or (end_line == line and end >= start):
        return _new_tuple(Span, (line, start + 1, end_line, end + 1))
    return Span(line, start + 1, end_line, end + 1)


def dotted(node: ast.AST) -> str | None:
    """``a.b.c`` of a name or attribute chain, None for any other expression. Exact types: the
    parser makes no subclasses of its nodes (one of the extractor's most called functions)."""
    cls = type(node)
    if cls is _Name:
        return node.id  # type: ignore[attr-defined]
    if cls is not _Attribute:
        return None
    attrs = [node.attr]  # type: ignore[attr-defined]
    node = node.value  # type: ignore[attr-defined]
    cls = type(node)
    if cls is _Name:  # ``a.b``, the commonest chain
        return f"{node.id}.{attrs[0]}"  # type: ignore[attr-defined]
    while cls is _Attribute:
        attrs.append(node.attr)  # type: ignore[attr-defined]
        node = node.value  # type: ignore[attr-defined]
        cls = type(node)
    if cls is not _Name:
        return None
    attrs.append(node.id)  # type: ignore[attr-defined]
    attrs.reverse()
    return ".".join(attrs)


_Name, _Attribute, _Expr, _Return, _Assign = ast.Name, ast.Attribute, ast.Expr, ast.Return, ast.Assign
_Call, _keyword = ast.Call, ast.keyword
_ARG_NAME = attrgetter("arg")


class _Extractor:
    def __init__(self, path: str, source: bytes) -> None:
        self.source = source
        self.facts = ModuleFacts(path, module_name(path))
        self.cols = _Columns(source)
        #: A span of a node: the plain function for an ASCII source (most), no method dispatch.
        self.span = _ascii_span if self.cols.ascii else self.cols.span
        self.ascii = self.cols.ascii
        self.is_package = path.endswith("__init__.py")
        self.module_level_names: set[str] = set()
        #: id(call node) -> its summary, made for an assignment and reused for the call site.
        self._summaries: dict[int, Value] = {}
        #: (scope, name) of the names assigned a dict literal so far: the dicts whose later keys are kept.
        self._dict_names: set[tuple[str, str]] = set()
        #: local names -> dotted text -> qualify's answer. Imports and module-level names are
        #: fixed before the walk starts, so the answer depends only on these two; a frozenset
        #: keeps its hash, and the same scope's set is looked up by identity first.
        self._qualified: dict[frozenset[str], dict[str, tuple[str | None, bool]]] = {}
        self._memo_names: frozenset[str] | None = None
        self._memo: dict[str, tuple[str | None, bool]] = {}
        #: (function qualname, local name) -> the call making each element of a list of coroutines
        #: assigned to that name (``tasks = [fetch(u) for u in urls]``), for a later ``gather(*tasks)``.
        self._coroutine_lists: dict[tuple[str, str], ast.Call] = {}
        #: id() of the calls whose argument summary is kept on their call site although no rule of
        #: ``_wants_arguments`` asks for it: the values of ``self.x = call(...)`` in a method.
        self._kept_arguments: set[int] = set()
        #: Qualnames of the functions whose returns are summarised (``Function.returned``).
        self._literal_returns: set[str] = set()
        #: Qualnames of the Click/Typer commands: every call they make keeps its arguments, so that a
        #: command's option passed on positionally (``_run(reload)``) is followed to the server call.
        self._commands: set[str] = set()

    # -- name resolution -------------------------------------------------

    def _resolve_relative(self, module: str | None, level: int) -> str:
        parts = self.facts.module.split(".") if self.facts.module else []
        if not self.is_package:
            parts = parts[:-1]
        if level > 1:
            parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
        base = ".".join(parts)
        if module:
            return f"{base}.{module}" if base else module
        return base

    def qualify(self, text: str | None, local_names: frozenset[str] = frozenset()) -> tuple[str | None, bool]:
        """Qualified name of a dotted expression, and whether it was resolved (memoised per scope)."""
        if not text:
            return None, False
        if local_names is self._memo_names:  # the scope of the previous call: most calls
            memo = self._memo
        else:
            memo = self._qualified.get(local_names)
            if memo is None:
                memo = self._qualified[local_names] = {}
            self._memo_names, self._memo = local_names, memo
        found = memo.get(text)
        if found is None:
            found = memo[text] = self._qualify(text, local_names)
        return found

    def _qualify(self, text: str, local_names: frozenset[str]) -> tuple[str | None, bool]:
        head, _, rest = text.partition(".")
        if head in local_names:
            return text, False
        target = self.facts.imports.get(head)
        if target is not None:
            return (f"{target}.{rest}" if rest else target), True
        if head in self.module_level_names:
            prefix = self.facts.module
            return (f"{prefix}.{text}" if prefix else text), True
        if head in _BUILTINS:
            return text, True
        return text, False

    # -- values ------------------------------------------------------------

    def value(self, node: ast.AST | None, local_names: frozenset[str] = frozenset(), depth: int = 0) -> Value:
        if node is None:
            return Value("none")
        if self.ascii:  # what _ascii_span does, inline: a value is made for most expressions
            try:
                line, end_line, start, end = \
                    node.lineno, node.end_lineno or node.lineno, node.col_offset, node.end_col_offset or 0  # type: ignore[attr-defined]
            except AttributeError:
                span = _ascii_span(node)
            else:
                span = _new_tuple(Span, (line, start + 1, end_line, end + 1)) \
                    if end_line > line or (end_line == line and end >= start) else Span(line, start + 1, end_line, end + 1)
        else:
            span = self.cols.span(node)
        if depth > 12:
            return Value("other", span=span)
        cls = type(node)
        if cls is ast.Constant:
            v = node.value
            kind = type(v)
            if kind is str:
                return _new_tuple(Value, ("str", v, span, (), (), False))
            if kind is bool:
                return _new_tuple(Value, ("bool", str(v), span, (), (), False))
            if isinstance(v, int):
                return _new_tuple(Value, ("int", str(v), span, (), (), False))
            if isinstance(v, str):  # a str subclass: never from the parser, kept as it was
                return _new_tuple(Value, ("str", v, span, (), (), False))
            if v is None:
                return _new_tuple(Value, ("none", "", span, (), (), False))
            return _new_tuple(Value, ("other", "", span, (), (), False))
        if cls is ast.Name or cls is ast.Attribute:
            text = dotted(node)
            if text is not None:
                qualified, resolved = self.qualify(text, local_names)
                return _new_tuple(Value, ("ref", qualified or text, span, (), (), resolved))
        if cls is ast.Call:
            func = node.func
            callee = func.id if type(func) is _Name else dotted(func)
            qualified, resolved = self.qualify(callee, local_names)
            value = self.value
            depth += 1
            args = node.args
            if not args:
                items: tuple[Value, ...] = ()
            elif len(args) == 1:  # the commonest: no list comprehension's frame to build
                items = (value(args[0], local_names, depth),)
            else:
                items = tuple([value(a, local_names, depth) for a in args])
            # ``**engine_args`` is kept under the key "**" (its value a reference to resolve).
            given = node.keywords
            if not given:
                keywords: tuple[tuple[str, Value], ...] = ()
            elif len(given) == 1:
                keyword = given[0]
                keywords = ((keyword.arg or "**", value(keyword.value, local_names, depth)),)
            else:
                keywords = tuple([(k.arg or "**", value(k.value, local_names, depth)) for k in given])
            return _new_tuple(Value, ("call", qualified or "", span, items, keywords, resolved))
        if cls is ast.List or cls is ast.Tuple or cls is ast.Set:
            return _new_tuple(Value, ("list", "", span, tuple([self.value(e, local_names, depth + 1) for e in node.elts]),
                                      (), False))
        if cls is ast.Dict:
            keywords = tuple([(k.value, self.value(v, local_names, depth + 1)) for k, v in zip(node.keys, node.values)
                              if type(k) is ast.Constant and isinstance(k.value, str)])  # type: ignore[attr-defined]
            text = ""
            if len(keywords) < len(node.keys):  # a ``**other`` or computed key, left out: "**" and how many
                last = max(i for i, k in enumerate(node.keys) if not (type(k) is ast.Constant and
                                                                      isinstance(k.value, str)))  # type: ignore[attr-defined]
                text = f"**{sum(1 for k in node.keys[:last] if type(k) is ast.Constant and isinstance(k.value, str))}"  # type: ignore[attr-defined]
            return _new_tuple(Value, ("dict", text, span, (), keywords, False))
        if cls is ast.JoinedStr:
            # f"postgresql+asyncpg://{host}/db": its literal parts, "{}" for each field.
            template = "".join(part.value if type(part) is ast.Constant and type(part.value) is str else "{}"
                               for part in node.values)
            return _new_tuple(Value, ("fstring", template, span, self._fstring_fields(node, local_names), (), False))
        if cls is ast.Subscript:
            root = node.value
            while isinstance(root, ast.Subscript):  # client["app"]["users"]: the chain's root name
                root = root.value
            base = dotted(root)
            qualified, resolved = self.qualify(base, local_names)
            inner = node.slice
            elts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            return _new_tuple(Value, ("subscript", qualified or "", span,
                                      tuple([self.value(e, local_names, depth + 1) for e in elts]), (), resolved))
        if cls is ast.Await:  # ``await make_client()``: what the call gives once awaited, as the call's value
            return self.value(node.value, local_names, depth + 1)
        if cls is ast.Compare and len(node.ops) == 1 and type(node.ops[0]) in (ast.Eq, ast.NotEq):
            # reload=settings.ENV == "local": resolved from settings defaults by the reachability model
            return _new_tuple(Value, ("compare", type(node.ops[0]).__name__, span,
                                      (self.value(node.left, local_names, depth + 1),
                                       self.value(node.comparators[0], local_names, depth + 1)), (), False))
        if cls is ast.BinOp:
            return _new_tuple(Value, ("binop", type(node.op).__name__, span,
                                      (self.value(node.left, local_names, depth + 1),
                                       self.value(node.right, local_names, depth + 1)), (), False))
        return _new_tuple(Value, ("other", "", span, (), (), False))

    def _option_default(self, call: ast.Call, local_names: frozenset[str]) -> ast.expr | None:
        """The default a Typer parameter written ``typer.Option(False, "--reload")`` or ``typer.Argument(...)``
        gets when the command line does not give it: the call's first argument, or its ``default=``
        (``...`` is a required option: no default). None for any other call."""
        qualified, resolved = self.qualify(dotted(call.func) or "", local_names)
        if not resolved or not qualified.startswith("typer.") or not qualified.endswith((".Option", ".Argument")):
            return None
        for keyword in call.keywords:
            if keyword.arg == "default":
                return keyword.value
        return call.args[0] if call.args else None

    def _returned(self, function: Function, node: ast.AST | None, local_names: frozenset[str]) -> None:
        """Add a ``return`` expression to ``Function.returned`` (five or more: the last is "other")."""
        if len(function.returned) >= 4:
            function.returned = function.returned[:4] + (Value("other"),)
            self._literal_returns.discard(function.qualname)
            return
        function.returned += (self.value(node, local_names),)

    def _fstring_fields(self, node: ast.JoinedStr, local_names: frozenset[str]) -> tuple[Value, ...]:
        """The fields of an f-string, in order, as references, when every field is a plain name or
        dotted name (``f"app.api.{name}"``: the web linker expands it over a loop's literal list);
        () when any field is another expression."""
        fields = []
        for part in node.values:
            if type(part) is ast.FormattedValue:
                if part.format_spec is not None or type(part.value) not in (ast.Name, ast.Attribute):
                    return ()
                fields.append(self.value(part.value, local_names))
        return tuple(fields) if all(f.kind == "ref" for f in fields) else ()

    # -- annotations ---------------------------------------------------------

    def _annotation(self, node: ast.AST | None, local_names: frozenset[str]) -> tuple[str | None, str | None, bool]:
        """(main type, Depends target, alias candidate) of an annotation."""
        if node is None:
            return None, None, False
        if type(node) is _Name:  # the commonest (``int``, ``Session``): what the last lines below give
            return self.qualify(node.id, local_names)[0], None, True  # type: ignore[attr-defined]
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except (SyntaxError, ValueError):  # a NUL in the string: ValueError before 3.12
                return None, None, False
        if isinstance(node, ast.Subscript):
            base, _ = self.qualify(dotted(node.value), local_names)
            inner = node.slice
            elts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            if base in ("typing.Annotated", "typing_extensions.Annotated", "Annotated") and elts:
                main, _, alias = self._annotation(elts[0], local_names)
                depends = None
                for extra in elts[1:]:  # the first Depends(...) among the metadata
                    depends = self._depends(extra, local_names)
                    if depends:
                        break
                else:
                    depends = None
                return main, depends, alias
            if base in ("typing.Optional", "Optional") and elts:
                return self._annotation(elts[0], local_names)
            if base and base.rsplit(".", 1)[-1] in CONTAINER_ANNOTATIONS and elts and \
                    (len(elts) == 1 or (len(elts) == 2 and type(elts[1]) is ast.Constant and elts[1].value is ...)):
                element = self._annotation(elts[0], local_names)[0]  # list[Client]: "list[app.clients.Client]"
                if element and "[" not in element:
                    return f"{base}[{element}]", None, False
            return base, None, False
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):  # Session | None
            left = self._annotation(node.left, local_names)
            return left if left[0] not in (None, "None") else self._annotation(node.right, local_names)
        text = dotted(node)
        qualified, resolved = self.qualify(text, local_names)
        return qualified, None, bool(text) and "." not in (text or "")

    def _yielded(self, node: ast.AST | None, local_names: frozenset[str]) -> ast.AST | None:
        """A generator's return annotation as the type it yields (``Generator[Session, None, None]``
        and ``Iterator[Session]`` give ``Session``: what a dependency or a context manager written as
        that generator provides); any other annotation as it is."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except (SyntaxError, ValueError):
                return None
        if isinstance(node, ast.Subscript):
            base, _ = self.qualify(dotted(node.value), local_names)
            if base and base.rsplit(".", 1)[-1] in _GENERATOR_ANNOTATIONS:
                inner = node.slice
                return inner.elts[0] if isinstance(inner, ast.Tuple) and inner.elts else inner
        return node

    def _depends(self, node: ast.AST, local_names: frozenset[str]) -> str | None:
        if isinstance(node, ast.Call):
            callee, _ = self.qualify(dotted(node.func), local_names)
            if callee and callee.rsplit(".", 1)[-1] in ("Depends", "Security"):
                target = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "dependency"), None)
                if target is None:
                    return "<annotation>"  # Depends() with no argument: the annotation is the dependency
                qualified, _ = self.qualify(dotted(target), local_names)
                return qualified
        return None

    # -- walking -------------------------------------------------------------

    def run(self, tree: ast.Module) -> ModuleFacts:
        self._collect_imports(tree)
        add = self.module_level_names.add
        for stmt in tree.body:  # the names a module statement binds: definitions, plain assignments
            cls = type(stmt)
            if cls in _DEFINITIONS:
                add(stmt.name)  # type: ignore[attr-defined]
            elif cls is ast.Assign:
                for target in stmt.targets:  # type: ignore[attr-defined]
                    if type(target) is ast.Name:
                        add(target.id)
            elif cls is ast.AnnAssign and type(stmt.target) is ast.Name:  # type: ignore[attr-defined]
                add(stmt.target.id)  # type: ignore[attr-defined]
        self._block(tree.body, scope="", local_names=frozenset(), function=None)
        return self.facts

    def _collect_imports(self, tree: ast.Module) -> None:
        # Module-level and nested imports alike: a function-level `import requests`
        # still means requests inside that function; shadowing is rare enough.
        # Imports are statements, so only statement bodies are walked, not expressions,
        # and only the top level when no import line is indented (most modules).
        nested = _FIRST_LINE_IMPORT.match(self.source) or _NESTED_IMPORT.search(self.source)
        statements = _statements(tree.body) if nested else tree.body
        imports = self.facts.imports
        #: name -> its first binding (target, line); the names bound more than once -> every binding.
        first: dict[str, tuple[str, int]] = {}
        again: dict[str, list[tuple[str, int]]] = {}
        for node in statements:
            cls = type(node)
            if cls is ast.Import:
                for alias in node.names:  # type: ignore[attr-defined]
                    name = alias.asname
                    if name:
                        imports[name] = alias.name
                        binding = (alias.name, node.lineno)
                        if name in first:
                            again.setdefault(name, [first[name]]).append(binding)
                        else:
                            first[name] = binding
                    else:
                        head = alias.name.split(".")[0]
                        imports.setdefault(head, head)
            elif cls is ast.ImportFrom:
                level = node.level  # type: ignore[attr-defined]
                base = self._resolve_relative(node.module, level) if level else (node.module or "")  # type: ignore[attr-defined]
                for alias in node.names:  # type: ignore[attr-defined]
                    imported = alias.name
                    if imported == "*":  # every public name of base: "*base" -> "base.*"
                        if base:
                            imports["*" + base] = base + ".*"
                        continue
                    target = f"{base}.{imported}" if base else imported
                    name = alias.asname or imported
                    imports[name] = target
                    binding = (target, node.lineno)
                    if name in first:
                        again.setdefault(name, [first[name]]).append(binding)
                    else:
                        first[name] = binding
        if again:
            for name in first:  # in the order of the names' first bindings
                found = again.get(name)
                if found is not None and len({target for target, _ in found}) > 1:
                    self.facts.import_alternatives[name] = tuple(sorted(found, key=lambda b: b[1]))

    def _block(self, body: list[ast.stmt], scope: str, local_names: frozenset[str], function: Function | None,
               main_guard: bool = False) -> None:
        statement, inert = self._statement, _INERT_STATEMENTS
        for stmt in body:
            if type(stmt) not in inert:
                statement(stmt, scope, local_names, function, main_guard)

    def _statement(self, stmt: ast.stmt, scope: str, local_names: frozenset[str], function: Function | None,
                   main_guard: bool) -> None:
        cls = type(stmt)
        if cls is _Expr or cls is _Return:
            # The commonest statements, one expression each: what the general path below does
            # for them, without its tests for every other kind of statement.
            child = stmt.value  # type: ignore[attr-defined]
            if cls is _Expr and self._dict_names and type(child) is ast.Call:
                self._dict_update(child, scope, local_names)
            elif function is not None and (cls is _Return or type(child) is ast.Yield):
                if cls is _Return and function.qualname in self._literal_returns:
                    self._returned(function, child, local_names)
                result = child if cls is _Return else child.value
                source = self._type_source(result, local_names, function) if result is not None else None
                if source is not None and len(function.results) < 4 and source not in function.results:
                    function.results += (source,)
            if child is not None and type(child) not in _LEAVES:  # a docstring, a bare name: no call in it
                self._calls_in(child, local_names, function, main_guard)
            return
        if cls is _Assign:
            # The next commonest: what the general path below does for it (its targets, then the
            # calls in its targets and its value), without the tests for other kinds of statement.
            targets = stmt.targets  # type: ignore[attr-defined]
            self._assignment(stmt, targets, scope, local_names, function)  # type: ignore[arg-type]
            for target in targets:
                if type(target) not in _LEAVES:
                    self._calls_in(target, local_names, function, main_guard)
            child = stmt.value  # type: ignore[attr-defined]
            if type(child) not in _LEAVES:
                self._calls_in(child, local_names, function, main_guard)
            return
        if cls is ast.FunctionDef or cls is ast.AsyncFunctionDef:
            self._function(stmt, scope, local_names)
            return
        if cls is ast.ClassDef:
            if not scope:
                self.facts.classes.add(stmt.name)
                # A generic base (``AuthProvider[UserInfo]``, ``Repo[User]``) is its class.
                bases = (self.qualify(dotted(b.value if type(b) is ast.Subscript else b), local_names)[0]
                         for b in stmt.bases)
                self.facts.class_bases[stmt.name] = tuple(b for b in bases if b)
            for deco in stmt.decorator_list:
                self._calls_in(deco, local_names, function, main_guard)
            attrs = self.facts.class_attrs.setdefault(stmt.name, {}) if not scope else None
            for inner in stmt.body:
                if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self._function(inner, scope, local_names, class_name=stmt.name)
                    continue
                if attrs is not None and type(inner) is ast.AnnAssign and type(inner.target) is ast.Name:
                    annotation = self._annotation(inner.annotation, local_names)[0]
                    if annotation:
                        attrs.setdefault(inner.target.id, TypeSource("type", annotation))
                elif attrs is not None and type(inner) is ast.Assign and inner.value is not None:
                    source = self._type_source(inner.value, local_names, None)
                    for target in inner.targets:
                        if source is not None and type(target) is ast.Name:
                            attrs.setdefault(target.id, source)
                if isinstance(inner, (ast.Assign, ast.AnnAssign)) and not scope and inner.value is not None:
                    self._calls_in(inner.value, local_names, function, main_guard)
                    # Class attributes (settings defaults): recorded in the class's own scope.
                    targets = inner.targets if isinstance(inner, ast.Assign) else [inner.target]
                    for target in targets:
                        if isinstance(target, ast.Name):
                            self.facts.assignments.append(Assignment(
                                target.id, self.value(inner.value, local_names), self.span(target),
                                f"class {stmt.name}"))
            return
        if cls is ast.If:
            guard = _dev_guard(stmt.test)
            block = stmt.body if guard == "body" else stmt.orelse if guard == "else" else None
            if block:
                self.facts.dev_blocks.append((block[0].lineno, block[-1].end_lineno or block[-1].lineno))
        if (cls is ast.If or cls is ast.While) and function is not None:
            self._operator(stmt.test, "__bool__", stmt.test, function, local_names)  # ``if obj:``
        if cls is ast.If and not scope and _is_main_guard(stmt.test):
            self._block(stmt.body, scope, local_names, function, main_guard=True)
            self._block(stmt.orelse, scope, local_names, function, main_guard)
            return
        if cls is ast.Assign or cls is ast.AnnAssign:
            self._assignment(stmt, stmt.targets if cls is ast.Assign else [stmt.target], scope, local_names,
                             function)
        elif cls is ast.AugAssign and type(stmt.target) is _Name and (scope, stmt.target.id) in self._dict_names \
                and type(stmt.value) is ast.Dict and None not in stmt.value.keys:
            span = self.span(stmt.target)  # ``kwargs |= {"reload": False}``: as kwargs.update({...})
            self.facts.dict_items.extend(Assignment(stmt.target.id, Value("dict", "", span, keywords=(item,)), span, scope)
                                         for item in self.value(stmt.value, local_names).keywords)
        elif cls is ast.AugAssign or cls is ast.Delete:
            self._rebound(stmt.targets if cls is ast.Delete else [stmt.target], scope)
        elif (cls is ast.With or cls is ast.AsyncWith) and any(i.optional_vars is not None for i in stmt.items):
            self._rebound([i.optional_vars for i in stmt.items if i.optional_vars is not None], scope)
        elif cls is ast.Expr and self._dict_names and type(stmt.value) is ast.Call:
            self._dict_update(stmt.value, scope, local_names)
        if cls is ast.AnnAssign:
            self._annotated_name(stmt, scope, local_names, function)
        elif function is not None and (cls is ast.Return or (cls is ast.Expr and type(stmt.value) is ast.Yield)):
            result = stmt.value if cls is ast.Return else stmt.value.value
            source = self._type_source(result, local_names, function) if result is not None else None
            if source is not None and len(function.results) < 4 and source not in function.results:
                function.results += (source,)
        if (cls is ast.For or cls is ast.AsyncFor) and type(stmt.target) is ast.Name:
            # ``for router in API_ROUTERS:``: the loop name stands for each element in turn.
            iterable = self.value(stmt.iter, local_names)
            if type(stmt.iter) is ast.Call:
                self._summaries[id(stmt.iter)] = iterable
            self.facts.assignments.append(Assignment(stmt.target.id, Value("each", "", iterable.span, (iterable,)),
                                                     self.span(stmt.target), scope))
        elif (cls is ast.For or cls is ast.AsyncFor) and type(stmt.target) in (ast.Tuple, ast.List):
            self._unpacking_loop(stmt, scope, local_names)
        if function is not None and cls in _TRY_OR_RAISE:
            self._error_handling_of(stmt, function, local_names)
        if (cls is ast.With or cls is ast.AsyncWith) and function is not None:
            for item in stmt.items:
                if isinstance(item.optional_vars, ast.Name) and isinstance(item.context_expr, ast.Call):
                    callee, resolved = self.qualify(dotted(item.context_expr.func), local_names)
                    if callee and resolved:
                        function.local_types[item.optional_vars.id] = callee
        # Calls in this statement's own expressions, then its nested statement bodies
        # (each walked once: an except handler's or a case's body is a block, not an expression).
        expression_fields, block_fields = _statement_fields(cls)
        for name in expression_fields:
            child = getattr(stmt, name)
            if child is None:
                continue
            if type(child) is list:
                for item in child:
                    if isinstance(item, ast.AST):
                        self._calls_in(item, local_names, function, main_guard)
            elif isinstance(child, ast.AST):
                self._calls_in(child, local_names, function, main_guard)
        for name in block_fields:
            block = getattr(stmt, name)
            if not block:
                continue
            if name == "handlers":
                for handler in block:
                    if handler.type is not None:
                        self._calls_in(handler.type, local_names, function, main_guard)
                    self._block(handler.body, scope, local_names, function, main_guard)
            elif name == "cases":
                for case in block:
                    if case.guard is not None:
                        self._calls_in(case.guard, local_names, function, main_guard)
                    self._block(case.body, scope, local_names, function, main_guard)
            elif type(block) is list and isinstance(block[0], ast.stmt):
                self._block(block, scope, local_names, function, main_guard)

    def _assignment(self, stmt: ast.Assign | ast.AnnAssign, targets: list[ast.expr], scope: str,
                    local_names: frozenset[str], function: Function | None) -> None:
        """The names, attributes and dict keys an assignment binds, and what to, in the order of its targets."""
        value_node = stmt.value
        if value_node is not None:
            value = self.value(value_node, local_names)
            if type(value_node) is ast.Call:
                self._summaries[id(value_node)] = value
            for target in targets:
                kind = type(target)
                if kind is _Attribute and target.attr == "status_code" and function is not None:  # type: ignore[attr-defined]
                    self._error_facts(function).statuses.append(value)  # response.status_code = 503
                if kind is _Name:
                    if function is not None and type(value_node) in (ast.ListComp, ast.GeneratorExp) and \
                            type(value_node.elt) is ast.Call:
                        self._coroutine_lists[(function.qualname, target.id)] = value_node.elt
                    self.facts.assignments.append(Assignment(target.id, value, self.span(target), scope))
                    if value.kind == "dict":
                        self._dict_names.add((scope, target.id))
                    if function is not None and value.kind == "call" and value.resolved:
                        function.local_types[target.id] = value.text
                    elif function is not None and type(value_node) is ast.Await:
                        awaited = self._type_source(value_node, local_names, function)
                        if awaited is not None and awaited.kind == "call":  # x = await make_client()
                            function.local_types.setdefault(target.id, awaited.text)
                    if not scope and value.kind == "subscript" and value.text.rsplit(".", 1)[-1] == "Annotated":
                        main, depends, _ = self._annotation(value_node, local_names)
                        self.facts.type_aliases[target.id] = (main, depends)
                elif kind is ast.Tuple or kind is ast.List or kind is ast.Starred:
                    self._rebound([target], scope)
                elif kind is _Attribute:
                    self._attribute_assignment(target, value_node, stmt, local_names, function)  # type: ignore[arg-type]
                elif kind is ast.Subscript and type(target.value) is ast.Name and \
                        type(target.slice) is ast.Constant and type(target.slice.value) is str and \
                        (scope, target.value.id) in self._dict_names:
                    self.facts.dict_items.append(Assignment(target.value.id, Value(
                        "dict", "", self.span(target), keywords=((target.slice.value, value),)),
                        self.span(target.value), scope))

    def _rebound(self, targets: list[ast.expr], scope: str) -> None:
        """Names bound or changed other than by ``name = value``: ``host, port = parse()``, ``reload |= dev``,
        ``with open(p) as f``, ``del host``. Each is one more binding of unknown value (``other``), so that a
        name is never taken for a local assigned once (or a module constant) holding its one literal
        (readycheck.model.callvalues, the reachability model's literals). A dict's key so changed
        (``del kwargs["reload"]``) is a key added with an unknown value (``dict_items``), as
        ``kwargs["reload"] = ...`` in a branch is: the dict's other keys stay known."""
        stack = list(targets)
        while stack:
            target = stack.pop()
            kind = type(target)
            if kind is _Name:
                span = self.span(target)
                self.facts.assignments.append(Assignment(target.id, Value("other", "", span), span, scope))  # type: ignore[attr-defined]
            elif kind is ast.Tuple or kind is ast.List:
                stack.extend(target.elts)  # type: ignore[attr-defined]
            elif kind is ast.Starred:
                stack.append(target.value)  # type: ignore[attr-defined]
            elif kind is ast.Subscript and type(target.value) is _Name and type(target.slice) is ast.Constant \
                    and type(target.slice.value) is str and (scope, target.value.id) in self._dict_names:  # type: ignore[attr-defined]
                # ``del kwargs["reload"]``, ``(kwargs["a"], kwargs["b"]) = ...``: that key, its value unknown
                span = self.span(target)
                self.facts.dict_items.append(Assignment(target.value.id, Value(  # type: ignore[attr-defined]
                    "dict", "", span, keywords=((target.slice.value, Value("other", "", span)),)),  # type: ignore[attr-defined]
                    self.span(target.value), scope))  # type: ignore[attr-defined]

    def _dict_update(self, call: ast.Call, scope: str, local_names: frozenset[str]) -> None:
        """``engine_args.update({"pool_size": 5})`` or ``.update(pool_size=5)``: its literal keys (see
        ``ModuleFacts.dict_items``)."""
        func = call.func
        if type(func) is not ast.Attribute or func.attr != "update" or type(func.value) is not ast.Name or \
                (scope, func.value.id) not in self._dict_names:
            return
        keywords: list[tuple[str, Value]] = []
        for arg in call.args:
            if type(arg) is not ast.Dict:
                return
            keywords += self.value(arg, local_names).keywords
        keywords += [(k.arg, self.value(k.value, local_names)) for k in call.keywords if k.arg]
        span = self.span(func.value)
        self.facts.dict_items.extend(Assignment(func.value.id, Value("dict", "", span, keywords=(item,)), span, scope)
                                     for item in keywords)

    def _type_source(self, node: ast.AST, local_names: frozenset[str], function: Function | None
                     ) -> TypeSource | None:
        """Where the type of an expression's value comes from, when that is cheap to say:
        a call (``Redis(...)``, ``await make_pool()``), a module-level name, or a local name
        or attribute chain of the function (``db``, ``self.session``)."""
        if type(node) is ast.Await:
            node = node.value
        if type(node) is ast.Call:
            text = dotted(node.func)
            qualified, resolved = self.qualify(text, local_names)
            if qualified and resolved:
                return TypeSource("call", qualified)
            if text and function is not None and "." not in text and text in local_names:
                return TypeSource("local-call", text, function.qualname)
            if text and function is not None and "." in text and text.partition(".")[0] in local_names:
                return TypeSource("method-call", text, function.qualname)  # return img.crop(...)
            return None
        if type(node) is ast.Name or type(node) is ast.Attribute:
            text = dotted(node)
            if not text:
                return None
            head = text.partition(".")[0]
            if head in local_names and function is not None:
                return TypeSource("local", text, function.qualname)
            qualified, resolved = self.qualify(text, local_names)
            return TypeSource("ref", qualified) if qualified and resolved else None
        return None

    def _attribute_assignment(self, target: ast.Attribute, value_node: ast.AST | None, stmt: ast.stmt,
                              local_names: frozenset[str], function: Function | None) -> None:
        """``self.x = ...`` in a method (an attribute of the class) and ``app.state.x = ...``."""
        source = None
        if type(stmt) is ast.AnnAssign:
            annotation = self._annotation(stmt.annotation, local_names)[0]
            source = TypeSource("type", annotation) if annotation else None
        if source is None and value_node is not None:
            source = self._type_source(value_node, local_names, function)
        if source is None:
            return
        owner = target.value
        if type(owner) is ast.Name and owner.id == "self" and function is not None:
            class_name, dot, method = function.qualname.partition(".")
            if dot and "." not in method and "<locals>" not in class_name:
                self.facts.class_attrs.setdefault(class_name, {}).setdefault(target.attr, source)
                if type(value_node) is ast.Call:  # its arguments can decide its type (a factory's flag)
                    self._kept_arguments.add(id(value_node))
        elif type(owner) is ast.Attribute and owner.attr == "state":
            self.facts.state_attrs.setdefault(target.attr, source)

    def _annotated_name(self, stmt: ast.AnnAssign, scope: str, local_names: frozenset[str],
                        function: Function | None) -> None:
        """``x: Redis = ...``: the annotation is the name's type (module global or local)."""
        if type(stmt.target) is ast.Name:
            annotation = self._annotation(stmt.annotation, local_names)[0]
            if annotation and annotation != "None":
                if function is not None:
                    function.local_types.setdefault(stmt.target.id, annotation)
                elif not scope:
                    self.facts.global_types.setdefault(stmt.target.id, annotation)
        elif type(stmt.target) is ast.Attribute and stmt.value is None:
            self._attribute_assignment(stmt.target, None, stmt, local_names, function)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: str, outer_locals: frozenset[str],
                  class_name: str | None = None) -> None:
        base = f"{scope}.<locals>." if scope else ""
        qualname = f"{base}{class_name}.{node.name}" if class_name else f"{base}{node.name}"
        args = node.args
        positional = args.posonlyargs + args.args if args.posonlyargs else args.args
        all_args = positional + args.kwonlyargs if args.kwonlyargs else positional
        arg_defaults = args.defaults
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(arg_defaults)) + arg_defaults
        if args.kw_defaults:
            defaults += args.kw_defaults
        assigned, is_generator, declares_global, ifs = _scan_body(node)
        arg_names = frozenset(map(_ARG_NAME, all_args))
        local_names = outer_locals | arg_names | assigned
        if args.vararg:
            local_names |= {args.vararg.arg}
        if args.kwarg:
            local_names |= {args.kwarg.arg}
        span = self.span
        params = []
        for arg, default in zip(all_args, defaults):
            annotation = arg.annotation
            if annotation is None:
                main = depends = None
                alias = False
            else:
                main, depends, alias = self._annotation(annotation, outer_locals)
            literal = flag = number = None
            if default is not None:
                kind = type(default)
                if kind is ast.Call:
                    if depends is None:
                        depends = self._depends(default, outer_locals)
                    if depends is None:  # ``reload: bool = typer.Option(False, "--reload")``: its default
                        default = self._option_default(default, outer_locals)  # type: ignore[arg-type]
                        kind = type(default)
                if kind is ast.Constant:  # the parser makes exact node types
                    constant = default.value
                    kind = type(constant)
                    if kind is str:
                        literal = constant
                    elif kind is bool:
                        flag = constant
                    elif kind is int:
                        number = constant
            params.append(_new_tuple(Parameter, (arg.arg, main, depends, span(arg), alias, literal, flag, number)))
        returns = node.returns
        if returns is not None or is_generator:
            returns = self._annotation(self._yielded(returns, outer_locals) if is_generator else returns,
                                       outer_locals)[0]
        decorators = []
        for deco in node.decorator_list:
            called = type(deco) is ast.Call
            text = dotted(deco.func if called else deco) or ""  # type: ignore[attr-defined]
            qualified, resolved = self.qualify(text, outer_locals)
            call = self.value(deco, outer_locals) if called else None
            decorators.append(_new_tuple(Decorator, (text, qualified if resolved else None, span(deco), call)))
            # Calls inside decorator arguments run at definition time, in the enclosing scope.
        function = Function(node.name, qualname, type(node) is ast.AsyncFunctionDef, self._name_span(node), params,
                            decorators, [], {}, is_generator, returns, scope, (), declares_global, False, [])
        if not all_args and not args.vararg and not args.kwarg and not is_generator and \
                type(node) is ast.FunctionDef:
            self._literal_returns.add(qualname)
            last = node.body[-1]
            if type(last) is not ast.Return and type(last) is not ast.Raise:  # may end without a return
                function.returned = (Value("none", "", self.span(last)),)
        if decorators and any(d.text.endswith((".command", ".callback")) for d in decorators):
            self._commands.add(qualname)
        if ifs:  # the three read only ``if`` statements of the function's own body: none, nothing to find
            # Each walks the body only when one of those ``if`` tests is of the shape it looks for:
            # most are not, and the three walks were a seventh of the extractor's time on big modules.
            facts = self.facts
            if any(_lookup_containers(stmt.test) for stmt in ifs):
                facts.fallback_blocks.extend(_lookup_fallbacks(node.body))
            if any(_miss_slots_any(stmt.test) for stmt in ifs):
                facts.cache_fills.extend(_cache_fills(node.body, declares_global, arg_names))
            flags = arg_names - assigned
            if flags and any(_flag_test(stmt.test, flags) is not None for stmt in ifs):
                facts.param_guards.extend(_flag_guards(node.body, flags))
        self.facts.functions[qualname] = function
        self._block(node.body, qualname, local_names, function)

    # -- loops over tuples, error handling (read by the web linker and RC507) ----

    def _unpacking_loop(self, stmt: ast.For | ast.AsyncFor, scope: str, local_names: frozenset[str]) -> None:
        """``for prefix, router in ROUTERS.items():``: each name stands for one position of each
        element in turn (``each`` with the position as text)."""
        names = stmt.target.elts
        if not all(type(n) is ast.Name for n in names):
            return
        iterable = self.value(stmt.iter, local_names)
        if type(stmt.iter) is ast.Call:
            self._summaries[id(stmt.iter)] = iterable
        for position, name in enumerate(names):
            self.facts.assignments.append(Assignment(name.id, Value("each", str(position), iterable.span, (iterable,)),
                                                     self.span(name), scope))

    def _error_facts(self, function: Function) -> "ErrorHandling":
        found = self.facts.error_handling.get(function.qualname)
        if found is None:
            found = self.facts.error_handling[function.qualname] = ErrorHandling()
        return found

    def _error_handling_of(self, stmt: ast.stmt, function: Function, local_names: frozenset[str]) -> None:
        facts = self._error_facts(function)
        if type(stmt) is ast.Raise:
            facts.raises.append(self.span(stmt))
            return
        handlers = []
        for handler in stmt.handlers:
            kinds = handler.type.elts if type(handler.type) is ast.Tuple else [handler.type] if handler.type else []
            types = tuple(q for q in (self.qualify(dotted(k), local_names)[0] for k in kinds) if q)
            if kinds and len(types) < len(kinds):
                types += ("<unknown>",)  # a caught type written as an expression readycheck cannot name
            column = self.cols.col(handler.lineno, handler.col_offset)  # characters, not UTF-8 bytes
            line = Span(handler.lineno, column, handler.lineno, column + len("except"))
            handlers.append(ExceptClause(types, line, _block_span(self.cols, handler.body), _raises_in(handler.body)))
        facts.tries.append(TryBlock(_block_span(self.cols, stmt.body), tuple(handlers)))

    def _name_span(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> Span:
        """Span of the function's name on its ``def`` line (``lineno`` is that line)."""
        line = node.lineno
        raw = self.cols.lines[line - 1] if line - 1 < len(self.cols.lines) else b""
        if self.cols.ascii:
            at = raw.find(node.name.encode(), node.col_offset)
        else:
            text = raw.decode("utf-8", "replace")
            at = text.find(node.name, self.cols.col(line, node.col_offset) - 1)
        col = at + 1 if at >= 0 else 1
        return _new_tuple(Span, (line, col, line, col + len(node.name)))  # what Span() makes of these

    def _calls_in(self, node: ast.AST, local_names: frozenset[str], function: Function | None, main_guard: bool,
                  awaited: bool = False) -> None:
        """Record every call under ``node``, not descending into lambdas or nested defs.

        The hottest loop of the extractor: it visits every expression node of the
        module, so it dispatches on exact types and never pushes leaves (names,
        constants, operators)."""
        stack: list[ast.AST] = [node]
        push, pop = stack.append, stack.pop
        awaited_calls: set[int] = {id(node)} if awaited else set()
        fields_cache = _FIELDS_CACHE
        leaves = _LEAVES
        in_function = function is not None
        record_call = self._record_call
        while stack:
            current = pop()
            cls = type(current)
            # The three commonest nodes first, their children pushed in the order of their fields
            # as the general loop below would (a call's function, its arguments, its keywords).
            if cls is _Call:
                awaited_here = id(current) in awaited_calls
                if awaited_here and current.args:
                    self._gathered(current, awaited_calls, local_names, function)
                record_call(current, awaited_here, local_names, function, main_guard)
                child = current.func
                if type(child) not in leaves:
                    push(child)
                for child in current.args:
                    if type(child) not in leaves:
                        push(child)
                for child in current.keywords:
                    push(child)
                continue
            if cls is _Attribute:
                if in_function and current.attr in _REQUEST_PATH_ATTRIBUTES:
                    if current.attr != "path" or type(current.value) is not _Name or current.value.id not in ("os", "sys"):
                        function.reads_request_path = True  # type: ignore[union-attr]
                child = current.value
                if type(child) not in leaves:
                    push(child)
                continue
            if cls is _keyword:
                child = current.value
                if type(child) not in leaves:
                    push(child)
                continue
            if cls is ast.Await:
                awaited_calls.add(id(current.value))
            elif cls is ast.Subscript:
                if in_function:
                    if type(current.slice) is ast.Constant and current.slice.value in _REQUEST_PATH_KEYS:
                        function.reads_request_path = True  # type: ignore[union-attr]
                    else:
                        self._operators(current, function, local_names)  # type: ignore[arg-type]
            elif cls is ast.Compare or cls is ast.UnaryOp:
                if in_function:
                    self._operators(current, function, local_names)  # type: ignore[arg-type]
            elif cls is ast.Yield or cls is ast.YieldFrom:
                if in_function:
                    function.is_generator = True  # type: ignore[union-attr]
            elif cls in _OPAQUE:
                continue
            fields = fields_cache.get(cls)
            if fields is None:
                fields = _child_fields(cls)
            for name in fields:
                child = getattr(current, name, None)
                if child is None:
                    continue
                # Anything else that is not a node (an identifier in a match pattern) is
                # pushed too and has no child fields: cheaper than isinstance on every node.
                if type(child) is list:
                    for item in child:
                        if item is not None and type(item) not in leaves:
                            push(item)
                elif type(child) not in leaves:
                    push(child)

    def _operators(self, node: ast.AST, function: Function, local_names: frozenset[str]) -> None:
        """The dunder methods an operator calls on a named receiver, recorded as calls of them
        (``obj[k]`` -> ``obj.__getitem__``, ``k in obj`` -> ``obj.__contains__``, ``not obj`` ->
        ``obj.__bool__``): the reachability model follows them when ``obj`` is a repo class defining one."""
        cls = type(node)
        if cls is ast.Subscript:
            self._operator(node.value, _SUBSCRIPT_DUNDERS[type(node.ctx)], node, function, local_names)
        elif cls is ast.Compare:
            for op, right in zip(node.ops, node.comparators):
                if type(op) is ast.In or type(op) is ast.NotIn:
                    self._operator(right, "__contains__", right, function, local_names)
        elif type(node.op) is ast.Not:  # ast.UnaryOp
            self._operator(node.operand, "__bool__", node.operand, function, local_names)

    def _operator(self, receiver: ast.AST, dunder: str, where: ast.AST, function: Function,
                  local_names: frozenset[str]) -> None:
        cls = type(receiver)
        if cls is not ast.Name and cls is not ast.Attribute:
            return
        text = dotted(receiver)
        if not text:
            return
        qualified, resolved = self.qualify(text, local_names)
        if resolved and (qualified == text and text in _BUILTINS or (qualified or "").startswith(_TYPING)):
            return  # ``list[T]``, ``Optional[T]``: a type, not an object of the repo
        function.operators.append(CallSite(None, f"{text}.{dunder}", self.span(where), False, None, dunder, None))

    def _gathered(self, node: ast.Call, awaited_calls: set[int], local_names: frozenset[str],
                  function: Function | None) -> None:
        """``await asyncio.gather(a(), *[b(x) for x in xs])``: the coroutines an awaited gather is given
        run to completion right there, as if each were awaited (their calls are marked so; a list of
        them built earlier in the function, ``await gather(*tasks)``, too)."""
        if self.qualify(dotted(node.func), local_names)[0] not in _AWAITING_ALL:
            return
        for arg in node.args:
            if type(arg) is ast.Starred:
                arg = arg.value
            if type(arg) is ast.Name and function is not None:
                element = self._coroutine_lists.get((function.qualname, arg.id))
                if element is not None:
                    where = self.span(element.func)
                    function.calls = [c._replace(awaited=True) if c.span == where else c for c in function.calls]
                continue
            if type(arg) in (ast.ListComp, ast.GeneratorExp, ast.SetComp):
                arg = arg.elt
            for item in arg.elts if type(arg) in (ast.List, ast.Tuple) else (arg,):
                if type(item) is ast.Call:
                    awaited_calls.add(id(item))

    def _record_call(self, node: ast.Call, awaited: bool, local_names: frozenset[str], function: Function | None,
                     main_guard: bool) -> None:
        func = node.func
        receiver = method = None
        chain: tuple[str, ...] = ()
        kind = type(func)
        if kind is _Name:
            text = func.id  # type: ignore[attr-defined]
        elif kind is _Attribute:
            text = dotted(func) or ""
            method = func.attr  # type: ignore[attr-defined]
            owner = func.value  # type: ignore[attr-defined]
            if type(owner) is _Name:
                receiver = owner.id
            elif not text and type(owner) is ast.Call:
                chain = self._chain(owner, local_names)
        else:
            text = ""
        if text:
            qualified, resolved = self.qualify(text, local_names)
        else:
            qualified, resolved = None, False
        summary = None
        keywords = node.keywords
        if function is None or keywords or id(node) in self._kept_arguments or \
                _wants_arguments(node, method, text) or (node.args and function.qualname in self._commands):
            summary = self._summaries.pop(id(node), None) or self.value(node, local_names)
        if function is not None and (keywords or len(node.args) > 1):
            self._statuses_in(node, text, function, local_names)
        if self.ascii:  # _ascii_span inline, as in value()
            try:
                line, end_line, start, end = \
                    func.lineno, func.end_lineno or func.lineno, func.col_offset, func.end_col_offset or 0
            except AttributeError:
                span = _ascii_span(func)
            else:
                span = _new_tuple(Span, (line, start + 1, end_line, end + 1)) \
                    if end_line > line or (end_line == line and end >= start) else Span(line, start + 1, end_line, end + 1)
        else:
            span = self.cols.span(func)
        site = _new_tuple(CallSite, (qualified if resolved else None, text, span, awaited, receiver,
                                     method, summary, chain))
        if function is not None:
            function.calls.append(site)
            if (text == "len" or text == "bool") and resolved and len(node.args) == 1 and not keywords:
                self._operator(node.args[0], "__len__" if text == "len" else "__bool__", node, function, local_names)
        elif main_guard:
            self.facts.main_calls.append(site)
        else:
            self.facts.module_calls.append(site)


    def _chain(self, node: ast.Call, local_names: frozenset[str]) -> tuple[str, ...]:
        """(root text, root qualified name or "", methods outward) of a receiver that is a call chain:
        ``Usage.select(x).where(y)`` gives ("Usage.select", "app.models.Usage.select", "where")."""
        methods: list[str] = []
        current: ast.expr = node
        while isinstance(current, ast.Call) and isinstance(current.func, ast.Attribute) and \
                dotted(current.func) is None:
            if len(methods) == _MAX_CHAIN:  # a longer chain is not summarised: time stays linear
                return ()
            methods.append(current.func.attr)
            current = current.func.value
        if not isinstance(current, ast.Call):
            return ()
        root = dotted(current.func)
        if not root:
            return ()
        qualified, resolved = self.qualify(root, local_names)
        return (root, qualified if resolved else "", *reversed(methods))

    def _statuses_in(self, node: ast.Call, text: str, function: Function, local_names: frozenset[str]) -> None:
        """The status code a call sets: ``JSONResponse(..., status_code=503)``, ``Response(body, 503)``."""
        for keyword in node.keywords:
            if keyword.arg == "status_code":
                self._error_facts(function).statuses.append(self.value(keyword.value, local_names))
        if len(node.args) > 1 and text.endswith("Response"):
            self._error_facts(function).statuses.append(self.value(node.args[1], local_names))


def _block_span(cols: _Columns, body: list[ast.stmt]) -> Span:
    first, last = cols.span(body[0]), cols.span(body[-1])
    return Span(first.line, first.column, last.end_line, last.end_column)


def _raises_in(body: list[ast.stmt]) -> bool:
    """Whether a block raises anywhere in it, nested functions and classes left out."""
    stack = list(body)
    while stack:
        stmt = stack.pop()
        cls = type(stmt)
        if cls is ast.Raise:
            return True
        if cls in _OPAQUE:
            continue
        for name in ("body", "orelse", "finalbody"):
            block = getattr(stmt, name, None)
            if type(block) is list:
                stack.extend(b for b in block if isinstance(b, ast.stmt))
        for handler in getattr(stmt, "handlers", None) or ():
            stack.extend(handler.body)
        for case in getattr(stmt, "cases", None) or ():
            stack.extend(case.body)
    return False


def _is_main_guard(test: ast.expr) -> bool:
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"
            and len(test.comparators) == 1 and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value == "__main__")


#: Values of an environment setting that mean development, and names of flags that do (readycheck.knowledge.environments).
_DEV_VALUES, _PROD_VALUES = DEVELOPMENT_VALUES, PRODUCTION_VALUES
_DEV_FLAGS, _ENV_NAMES = DEVELOPMENT_FLAGS, ENVIRONMENT_SETTINGS


def _dev_guard(test: ast.expr) -> str | None:
    """"body" when an ``if`` test holds only in development (``settings.ENV == "dev"``,
    ``ENVIRONMENT in ("local", "test")``, ``if DEBUG:``), "else" when only in production
    (``if ENV == "production":``), else None."""
    if isinstance(test, (ast.Name, ast.Attribute)):
        name = (dotted(test) or "").rsplit(".", 1)[-1].lower()
        return "body" if name in _DEV_FLAGS else None
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and len(test.comparators) == 1):
        return None
    left, op, right = test.left, test.ops[0], test.comparators[0]
    if isinstance(left, ast.Constant):
        left, right = right, left
    name = (dotted(left) or "").rsplit(".", 1)[-1].lower()
    if not name.endswith(_ENV_NAMES):
        return None
    if isinstance(right, ast.Constant) and isinstance(right.value, str):
        values = {right.value.lower()}
    elif isinstance(right, (ast.Tuple, ast.List, ast.Set)) and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in right.elts):
        values = {e.value.lower() for e in right.elts}
    else:
        return None
    if values <= _DEV_VALUES:
        return "body" if type(op) in (ast.Eq, ast.In) else "else" if type(op) in (ast.NotEq, ast.NotIn) else None
    if values <= _PROD_VALUES:
        return "else" if type(op) in (ast.Eq, ast.In) else "body" if type(op) in (ast.NotEq, ast.NotIn) else None
    return None


def _inner_blocks(stmt: ast.stmt) -> Sequence[list[ast.stmt]]:
    """The statement blocks directly inside a statement, in source order: its body, else and finally
    blocks, each except handler's and each match case's body (a function's or class's body included)."""
    names = _STATEMENT_FIELDS.get(type(stmt))
    if names is None:
        names = _statement_fields(type(stmt))
    if not names[1]:  # most statements (an expression, an assignment, a return) hold no block
        return ()
    blocks = []
    for name in names[1]:  # body, orelse, finalbody, handlers, cases: the order of the fields' names
        block = getattr(stmt, name)
        if not block:
            continue
        if name == "handlers":
            blocks.extend([handler.body for handler in block])
        elif name == "cases":
            blocks.extend([case.body for case in block])
        elif type(block) is list and isinstance(block[0], ast.stmt):
            blocks.append(block)
    return blocks


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement in a block and the blocks nested in it (functions and classes included)."""
    stack = list(reversed(body))
    while stack:
        stmt = stack.pop()
        yield stmt
        for block in _inner_blocks(stmt):
            stack.extend(reversed(block))


_DEFINITIONS = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})
#: Statements from which ``_statement`` takes nothing: no expression that can hold a call, no
#: nested block (imports are read before the walk, by ``_collect_imports``). A third of the
#: statements of a module of routes are imports.
_INERT_STATEMENTS = frozenset({ast.Import, ast.ImportFrom, ast.Pass, ast.Break, ast.Continue, ast.Global,
                               ast.Nonlocal})
_ONE_TARGET = frozenset({ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor})
_WITHS = frozenset({ast.With, ast.AsyncWith})
_TRIES = frozenset({ast.Try, *([ast.TryStar] if hasattr(ast, "TryStar") else [])})
_YIELDS = (ast.Yield, ast.YieldFrom)


def _flag_test(test: ast.expr, flags: frozenset[str]) -> tuple[str, bool, bool] | None:
    """``flag`` -> (flag, True, whole), ``not flag`` -> (flag, False, whole), ``flag and ...`` ->
    (flag, True, False): the parameter the test requires and its truth; ``whole`` when the test is
    only that (so its ``else`` requires the opposite)."""
    if type(test) is ast.Name and test.id in flags:
        return test.id, True, True
    if type(test) is ast.UnaryOp and type(test.op) is ast.Not and type(test.operand) is ast.Name \
            and test.operand.id in flags:
        return test.operand.id, False, True
    if type(test) is ast.BoolOp and type(test.op) is ast.And:
        for value in test.values:
            found = _flag_test(value, flags)
            if found is not None:
                return found[0], found[1], False
    return None


def _flag_guards(body: list[ast.stmt], flags: frozenset[str]) -> Iterator[tuple[int, int, str, bool]]:
    """Blocks of a function that run only for one truth of a flag parameter (see ``param_guards``);
    nested functions and classes are their own scopes."""
    stack = [body]
    while stack:
        block = stack.pop()
        for stmt in block:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if type(stmt) is ast.If:
                found = _flag_test(stmt.test, flags)
                if found is not None:
                    name, when, whole = found
                    if stmt.body:
                        yield stmt.body[0].lineno, stmt.body[-1].end_lineno or stmt.body[-1].lineno, name, when
                    if whole and stmt.orelse:
                        yield stmt.orelse[0].lineno, stmt.orelse[-1].end_lineno or stmt.orelse[-1].lineno, \
                            name, not when
            stack.extend(_inner_blocks(stmt))


def _lookup_containers(test: ast.expr) -> list[str]:
    """The containers of the membership tests in ``key in cache`` (also as operands of an ``and``),
    as ``ast.dump`` text to compare with what is returned."""
    if type(test) is ast.BoolOp and type(test.op) is ast.And:
        return [c for v in test.values for c in _lookup_containers(v)]
    if type(test) is ast.Compare and len(test.ops) == 1 and type(test.ops[0]) is ast.In:
        return [ast.dump(test.comparators[0])]
    return []


def _returns_lookup(body: list[ast.stmt], containers: list[str]) -> bool:
    """Whether the block returns what the lookup found: a ``return`` (at any depth, nested functions and
    classes excluded) whose value reads one of the tested containers by subscript (``cache[key]``) or
    ``.get()``. ``if role in ADMINS: return True`` is a fast path, not a lookup."""
    stack = list(body)
    while stack:
        stmt = stack.pop()
        if type(stmt) is ast.Return and stmt.value is not None:
            for node in ast.walk(stmt.value):
                read = node.value if type(node) is ast.Subscript else \
                    node.func.value if type(node) is ast.Call and type(node.func) is ast.Attribute \
                    and node.func.attr == "get" else None
                if read is not None and ast.dump(read) in containers:
                    return True
            continue
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for block_name in ("body", "orelse", "finalbody"):
            block = getattr(stmt, block_name, None)
            if isinstance(block, list):
                stack.extend(b for b in block if isinstance(b, ast.stmt))
        for handler in getattr(stmt, "handlers", None) or []:
            stack.extend(handler.body)
    return False


def _lookup_fallbacks(body: list[ast.stmt]) -> Iterator[tuple[int, int]]:
    """The line ranges of a function's statements that run only after an in-memory lookup missed:
    in any block of the function, what follows ``if key in mapping: ... return mapping[key]`` (and
    that ``if``'s ``else``). Nested functions and classes are their own scopes (their own ``_function``)."""
    stack = [body]
    while stack:
        block = stack.pop()
        for index, stmt in enumerate(block):
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if type(stmt) is ast.If and _returns_lookup(stmt.body, _lookup_containers(stmt.test)):
                rest = list(stmt.orelse) + block[index + 1:]
                for later in rest:
                    yield later.lineno, later.end_lineno or later.lineno
                stack.append(stmt.body)
                break
            stack.extend(_inner_blocks(stmt))


def _miss_slots(test: ast.expr) -> list[ast.expr]:
    """What a test finds empty or missing: ``x is None``, ``not x``, ``key not in x`` -> ``x``."""
    if type(test) is ast.UnaryOp and type(test.op) is ast.Not:
        return [test.operand]
    if type(test) is ast.Compare and len(test.ops) == 1:
        op, right = test.ops[0], test.comparators[0]
        if type(op) is ast.Is and type(right) is ast.Constant and right.value is None:
            return [test.left]
        if type(op) is ast.NotIn:
            return [right]
    return []


#: Calls that build a fresh, empty container: a local bound to one is no cache (it dies with the call).
_FRESH_CONTAINERS = frozenset({"dict", "list", "set", "OrderedDict", "defaultdict", "collections.OrderedDict",
                               "collections.defaultdict", "deque", "collections.deque"})
_LITERALS = frozenset({ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp, ast.Constant,
                       ast.Tuple})


_INSTANCE_NAMES = frozenset({"self", "cls"})


def _cache_slots(body: list[ast.stmt], persistent_locals: frozenset[str], globals_declared: frozenset[str],
                 local_names: frozenset[str]) -> set[str]:
    """What a block stores into that outlives the call (dotted text): attributes of the instance or class
    (``self._client = ...``), declared globals, and the containers of subscript stores (``cache[key] = ...``)
    that are such attributes, module-level names, or locals bound from a call or attribute (a cache fetched
    from elsewhere), not to a fresh container. An attribute of another object (``user.email = ...``,
    ``request.session[...] = ...``) is the request's data, not a cache."""
    found: set[str] = set()
    for stmt in _own_statements(body):
        targets: list[ast.expr] = list(stmt.targets) if type(stmt) is ast.Assign else \
            [stmt.target] if type(stmt) in (ast.AnnAssign, ast.AugAssign) else []
        for target in targets:
            for node in ast.walk(target) if type(target) in (ast.Tuple, ast.List) else (target,):
                subscript = type(node) is ast.Subscript  # ``cache[key] = ...``
                if subscript:
                    node = node.value
                text = dotted(node) if type(node) in (ast.Attribute, ast.Name) else None
                if not text:
                    continue
                head = text.partition(".")[0]
                if head in _INSTANCE_NAMES and "." in text or text in globals_declared or (subscript and (
                        text in persistent_locals or ("." not in text and text not in local_names))):
                    found.add(text)
    return found


def _mentions(node: ast.expr, slots: set[str], aliases: dict[str, list[ast.expr]]) -> bool:
    """Whether an expression reads one of the slots, directly or through a local bound from one."""
    for sub in ast.walk(node):
        cls = type(sub)
        if cls is ast.Name or cls is ast.Attribute:
            text = dotted(sub)
            if text in slots:
                return True
            if cls is ast.Name and any(_mentions(v, slots, {}) for v in aliases.get(sub.id, ())):
                return True
    return False


def _fills_its_test(test: ast.expr, slots: set[str], aliases: dict[str, list[ast.expr]]) -> bool:
    """Whether an ``if`` test only lets its body run while the cache it fills is empty or stale: one miss test
    of a filled slot (alone, or with anything under ``and``), or an ``or`` of such tests and other reads of
    filled slots (``cached is None or versions.get(key) != version``)."""
    def miss(expr: ast.expr) -> bool:
        return any(_mentions(s, slots, aliases) for s in _miss_slots(expr))
    if type(test) is ast.BoolOp and type(test.op) is ast.And:
        return any(miss(v) for v in test.values)
    if type(test) is ast.BoolOp and type(test.op) is ast.Or:
        return any(miss(v) for v in test.values) and all(_mentions(v, slots, aliases) for v in test.values)
    return miss(test)


def _cache_fills(body: list[ast.stmt], declares_global: bool, params: frozenset[str]
                 ) -> Iterator[tuple[int, int]]:
    """The line ranges of a function's blocks that run only to fill a cache (see ``cache_fills``).
    Nested functions and classes are their own scopes (their own ``_function``)."""
    ifs = [s for s in _own_statements(body) if type(s) is ast.If and _miss_slots_any(s.test)]
    if not ifs:
        return
    globals_declared: set[str] = set()
    aliases: dict[str, list[ast.expr]] = {}
    fresh: set[str] = set()
    bound: set[str] = set()
    direct: set[str] = set(params)  # names the function binds itself (a subscript store binds none)
    for stmt in _own_statements(body):
        cls = type(stmt)
        targets = stmt.targets if cls is ast.Assign else (stmt.target,) if cls in _ONE_TARGET else \
            [item.optional_vars for item in stmt.items if item.optional_vars is not None] if cls in _WITHS else ()
        for target in targets:
            for node in ast.walk(target) if type(target) in (ast.Tuple, ast.List, ast.Starred) else (target,):
                if type(node) is ast.Name:
                    direct.add(node.id)
        if type(stmt) is ast.Global and declares_global:
            globals_declared.update(stmt.names)
        elif type(stmt) is ast.Assign and len(stmt.targets) == 1 and type(stmt.targets[0]) is ast.Name:
            name, value = stmt.targets[0].id, stmt.value
            bound.add(name)
            aliases.setdefault(name, []).append(value)
            if type(value) in _LITERALS or (type(value) is ast.Call and (dotted(value.func) or "") in _FRESH_CONTAINERS):
                fresh.add(name)
    persistent = frozenset(bound - fresh)
    for stmt in ifs:
        slots = _cache_slots(stmt.body, persistent, frozenset(globals_declared), frozenset(direct))
        if slots and _fills_its_test(stmt.test, slots, aliases):
            yield stmt.body[0].lineno, stmt.body[-1].end_lineno or stmt.body[-1].lineno


def _miss_slots_any(test: ast.expr) -> bool:
    if type(test) is ast.BoolOp:
        return any(_miss_slots(v) for v in test.values)
    return bool(_miss_slots(test))


def _own_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement of a function's own body at any depth, nested functions and classes left out."""
    stack = list(reversed(body))
    while stack:
        stmt = stack.pop()
        yield stmt
        if type(stmt) in _DEFINITIONS:
            continue
        for block in _inner_blocks(stmt):
            stack.extend(reversed(block))


def _scan_body(func: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[frozenset[str], bool, bool, list[ast.If]]:
    """Names a function binds, whether it yields, whether it declares ``global`` and its ``if``
    statements (in no particular order), read from its statements (nested functions and classes
    excluded; comprehension variables are their own scope).
    Exact-type dispatch and each class's block fields worked out once (``_statement_fields``)."""
    names: set[str] = set()
    add = names.add
    is_generator = False
    declares_global = False
    ifs: list[ast.If] = []
    stack = list(func.body)
    pop, extend = stack.pop, stack.extend
    while stack:
        stmt = pop()
        cls = type(stmt)
        if cls is _Expr or cls is _Return:  # the commonest: no target, no block, only a value to test
            if not is_generator:
                value = stmt.value  # type: ignore[attr-defined]
                kind = type(value)
                if kind in _YIELDS or (kind is ast.Await and type(value.value) in _YIELDS):
                    is_generator = True
            continue
        if cls in _DEFINITIONS:
            add(stmt.name)
            continue
        targets: Any = ()
        if cls is ast.Assign:
            targets = stmt.targets
        elif cls in _ONE_TARGET:
            targets = (stmt.target,)
        elif cls in _WITHS:
            targets = [item.optional_vars for item in stmt.items if item.optional_vars is not None]
        elif cls in _TRIES:
            names.update(h.name for h in stmt.handlers if h.name)
        elif cls is ast.Global:
            declares_global = True
        elif cls is ast.If:
            ifs.append(stmt)  # type: ignore[arg-type]
        for target in targets:
            kind = type(target)
            if kind is ast.Name:
                add(target.id)
                continue
            if kind is ast.Attribute and type(target.value) is ast.Name:  # ``self.x = ...``: what ast.walk finds
                add(target.value.id)
                continue
            for node in ast.walk(target):
                if type(node) is ast.Name:
                    add(node.id)
        if not is_generator:
            value = getattr(stmt, "value", None)
            if value is not None:
                kind = type(value)
                if kind in _YIELDS or (kind is ast.Await and type(value.value) in _YIELDS):
                    is_generator = True
        blocks = _STATEMENT_FIELDS.get(cls)
        for block_name in (blocks or _statement_fields(cls))[1]:
            block = getattr(stmt, block_name)
            if not block:
                continue
            if block_name == "handlers":
                for handler in block:
                    extend(handler.body)
            elif block_name == "cases":
                for case in block:
                    extend(case.body)
            else:
                extend(block)
    # `x = yield` and `return (yield)` hide inside expressions: _calls_in, which visits
    # every expression of the function anyway, marks those.
    return frozenset(names), is_generator, declares_global, ifs


#: Attributes and ASGI scope keys through which code reads the path of the request it handles.
_REQUEST_PATH_ATTRIBUTES = frozenset({"url", "path", "path_params", "raw_path", "method"})
_REQUEST_PATH_KEYS = frozenset({"path", "raw_path", "route", "method"})
_FIELDS_CACHE: dict[type, tuple[str, ...]] = {}
_TRY_OR_RAISE = frozenset({ast.Try, ast.Raise, *([ast.TryStar] if hasattr(ast, "TryStar") else [])})
#: Nodes whose subtree runs later or elsewhere (not when the enclosing code runs).
#: Expressions that call a dunder method of an operand (see ``_operators``).
_TYPING = ("typing.", "typing_extensions.", "collections.abc.")
_SUBSCRIPT_DUNDERS = {ast.Load: "__getitem__", ast.Store: "__setitem__", ast.Del: "__delitem__"}
#: Awaited, these await every coroutine they are given.
_AWAITING_ALL = frozenset({"asyncio.gather"})
_OPAQUE = frozenset({ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})
#: Nodes that can hold no call: never pushed on the walk's stack.
_LEAVES = frozenset({ast.Name, ast.Constant, *(
    sub for base in (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
    for sub in base.__subclasses__())})
_STATEMENT_BLOCKS = {"body", "orelse", "finalbody", "handlers", "cases"}
_EXPRESSION_FIELDS: dict[type, tuple[str, ...]] = {}


_STATEMENT_FIELDS: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _statement_fields(cls: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(expression fields, block fields in walking order) of a statement class, worked
    out once per class instead of probed with getattr on every statement."""
    found = _STATEMENT_FIELDS.get(cls)
    if found is None:
        fields = getattr(cls, "_fields", ())
        blocks = tuple(f for f in ("body", "orelse", "finalbody", "handlers", "cases") if f in fields)
        found = _STATEMENT_FIELDS[cls] = (_expression_fields(cls), blocks)
    return found


def _expression_fields(cls: type) -> tuple[str, ...]:
    """A statement class's fields that hold expressions (not nested blocks)."""
    fields = _EXPRESSION_FIELDS.get(cls)
    if fields is None:
        fields = tuple(f for f in _child_fields(cls) if f not in _STATEMENT_BLOCKS)
        _EXPRESSION_FIELDS[cls] = fields
    return fields
#: Fields that hold plain values (names, numbers, flags), never child nodes.
#: Fields that never hold a node that can hold a call: names, flags, and the operators of ``op``/``ops``
#: and the context of ``ctx`` (leaves that would be read and then never pushed).
_SCALAR_FIELDS = {"id", "arg", "attr", "name", "module", "level", "ctx", "type_comment", "kind", "is_async",
                  "conversion", "names", "op", "ops"}


def _child_fields(cls: type) -> tuple[str, ...]:
    """The fields of an AST class that can hold child nodes (cached per class); faster
    than ``ast.iter_child_nodes``, which inspects every field of every node."""
    fields = _FIELDS_CACHE.get(cls)
    if fields is None:
        fields = tuple(f for f in getattr(cls, "_fields", ())
                       if f not in _SCALAR_FIELDS and not (cls is ast.Constant and f == "value"))
        _FIELDS_CACHE[cls] = fields
    return fields


#: The most methods a call chain's summary follows (``CallSite.chain``).
_MAX_CHAIN = 16
#: Calls without keyword arguments whose positional arguments a built-in fact reads (router wiring,
#: startup hooks, servers, engines); a call with keyword arguments is summarised anyway.
_POSITIONAL_ARGUMENT_METHODS = {
    "include_router", "mount", "add_api_route", "add_route", "add_api_websocket_route", "add_websocket_route",
    "add_event_handler", "run_sync", "replace", "run", "create_engine", "create_async_engine", "engine_from_config",
    "async_engine_from_config", "upgrade",
    "add_task", "add_middleware",
    "StreamingResponse", "EventSourceResponse",  # the body they stream (reachability)
    # servers started from Python (readycheck.model.entrypoints)
    "Config", "Server", "Granian", "serve", "execvp", "execv", "execvpe", "execlp", "Popen", "check_call",
    "add_command", "add_typer",
    # migrations run as subprocesses or Django commands at boot (RC601)
    "system", "check_output", "create_subprocess_exec", "create_subprocess_shell", "call_command"}


#: Names an app is usually bound to (``register_routers(app)``): a cheap filter for which
#: calls' arguments are summarised, not a test of what the name is.
_APP_NAMES = ("app", "application", "api")


def _wants_arguments(node: ast.Call, method: str | None, text: str) -> bool:
    """Whether the positional arguments of a call without keyword arguments are read by a fact."""
    # The last name of the callee: its method, or (no method) a plain name's text, which has no dot.
    if (method or text) in _POSITIONAL_ARGUMENT_METHODS:
        return True
    for arg in node.args:
        kind = type(arg)
        if kind is ast.Constant:
            constant = arg.value  # type: ignore[attr-defined]
            # a literal flag (``connect(url, True)``): reachability reads which branch it takes; a URL
            if type(constant) is bool or (type(constant) is str and "://" in constant):
                return True
        elif kind is _Name:
            name = arg.id  # type: ignore[attr-defined]
            # a router handed to a helper, an app handed to a registrar function
            if name.endswith("router") or name.endswith(_APP_NAMES):
                return True
        elif kind is _Attribute and arg.attr.endswith("router"):  # type: ignore[attr-defined]
            return True
    return False


class PythonSyntaxError(ValueError):
    pass


def parse_python(path: str, source: bytes) -> ModuleFacts:
    """Facts of one module. Raises PythonSyntaxError with a user-facing message."""
    with warnings.catch_warnings():
        # SyntaxWarning ("\d" is an invalid escape sequence, DeprecationWarning before
        # 3.12) is printed on stderr with the file name, which a checkout chooses: a
        # name holding "\n::error ::..." would be a workflow command. Never shown.
        warnings.simplefilter("ignore")
        return _parse_python(path, source)


def _parse_python(path: str, source: bytes) -> ModuleFacts:
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        rewritten = _with_older_syntax(path, source)
        if rewritten is not None:
            source, tree = rewritten
            return _facts_of(path, source, tree)
        hint = ""
        if exc.msg and ("print" in exc.msg or "Missing parentheses" in exc.msg):
            hint = " (Python 2 code?)"
        else:
            running = f"{sys.version_info.major}.{sys.version_info.minor}"
            hint = f" (if this is newer Python syntax, run readycheck on that Python; this is {running})"
        raise PythonSyntaxError(f"syntax error at line {exc.lineno}: {exc.msg}{hint}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise PythonSyntaxError(f"cannot parse: {exc}") from None
    except (RecursionError, MemoryError):
        raise PythonSyntaxError("expression nesting too deep to parse") from None
    return _facts_of(path, source, tree)


def _facts_of(path: str, source: bytes, tree: ast.Module) -> ModuleFacts:
    try:
        return _Extractor(path, source).run(tree)
    except RecursionError:
        raise PythonSyntaxError("expression nesting too deep to analyse") from None


def _with_older_syntax(path: str, source: bytes) -> tuple[bytes, ast.Module] | None:
    """(source, tree) of a module that uses Python 3.12 type parameters, rewritten for
    this Python's parser with every position kept (see parsers.newer_syntax)."""
    if sys.version_info >= (3, 12):
        return None
    from readycheck.parsers.newer_syntax import downgrade

    rewritten = downgrade(source)
    if rewritten is None:
        return None
    try:
        return rewritten, ast.parse(rewritten, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
