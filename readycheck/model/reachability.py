"""What runs from here: one reachability model over the repository's Python facts.

Every check that asks "what does this function end up calling" (RC401 blocking
calls, RC402 CPU-bound work, RC505/RC506 database access, RC601 schema changes
at boot) asks this model instead of walking calls itself.

The model is a cheap, flow-insensitive inference:

* a class table from the facts: bases (resolved through imports, so a method
  inherited from a repo base class is found), methods (including classmethods,
  staticmethods and properties), and attribute types (class-level annotations
  and assignments, ``self.x = ...`` in any method from an annotated parameter,
  a constructor call or another attribute);
* the type of a name: a parameter's annotation (through ``Annotated`` aliases
  defined elsewhere) or its ``Depends(...)`` provider's result, a local's
  constructor or factory (``svc = OrderService(db)``, ``db = SessionLocal()``,
  ``s3 = session.client("s3")``), a module global (``redis_client =
  redis.Redis(...)`` in another module), ``app.state.<name>`` assigned anywhere;
* the result type of a repo function: its return annotation, else what it
  returns or yields;
* per-function summaries for a rule, computed once and memoised, with cycle
  detection instead of a depth limit: the first path to each hit through each
  repo function a call reaches (or, for a rule with ``every_site``, the first
  path to each distinct hit site).

Types are strings (qualified names of external types, made canonical by
``readycheck.knowledge.blocking.canonical_type``) or ``RepoClass`` instances.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, NamedTuple, Union

from readycheck.knowledge.blocking import (CONTAINER_ANNOTATIONS, CLIENT_HOOKS_KEYWORD, CLIENT_TRANSPORTS, STREAMING_RESPONSES,
                                          SYNC_DEPENDENCY_VALUE, attribute_type, canonical_type, known_type,
                                          method_result)
from readycheck.knowledge.environments import ENV_DEFAULT_CALLS, ENV_READER_CLASSES

if TYPE_CHECKING:  # the facts' classes are only named here: loading the checks loads no parser
    from readycheck.parsers.python import CallSite, Function, ModuleFacts, Parameter, TypeSource, Value
    from readycheck.model.project import PythonIndex
    from readycheck.model.webapp import LoopEntry


class RepoClass(NamedTuple):
    module: "ModuleFacts"
    name: str

    @property
    def key(self) -> tuple[str, str]:
        return self.module.path, self.name


class ClassObject(NamedTuple):
    """The class itself (``UserRepo`` in ``UserRepo.get_all()``), not an instance of it."""

    cls: RepoClass


Type = Union[str, RepoClass, ClassObject]
Target = tuple["Function", "ModuleFacts"]

#: Annotations that say "a generator of" rather than the dependency's value.
_GENERATOR_TYPES = ("Generator", "Iterator", "Iterable", "AsyncGenerator", "AsyncIterator", "AsyncIterable")
#: Session factories and what a call of the factory returns.
SESSION_FACTORIES = {"sqlalchemy.orm.sessionmaker": "sqlalchemy.orm.Session",
                     "sqlalchemy.orm.session.sessionmaker": "sqlalchemy.orm.Session",
                     "sqlalchemy.orm.scoped_session": "sqlalchemy.orm.Session",
                     "sqlalchemy.ext.asyncio.async_sessionmaker": "sqlalchemy.ext.asyncio.AsyncSession",
                     "sqlalchemy.ext.asyncio.async_scoped_session": "sqlalchemy.ext.asyncio.AsyncSession"}
_TASK_DECORATORS = ("task", "shared_task")
#: Argument summaries that stand for one argument each (a ``*args`` or an unknown expression may not).
_ARGUMENT_KINDS = frozenset({"call", "ref", "subscript", "str", "int", "bool", "none", "dict", "list", "fstring",
                             "compare"})
_MAX_TYPE_DEPTH = 24  # type inference through names, not a call walk: only a guard against pathological chains


class Step(NamedTuple):
    """One call on a path: the call, the module it is written in, and how to name it in a message."""

    module: "ModuleFacts"
    call: "CallSite"
    label: str


class Hit(NamedTuple):
    steps: tuple[Step, ...]
    reason: str

    @property
    def site(self) -> tuple[str, object]:
        """Where the hit itself is written (the deepest step): (path, span)."""
        last = self.steps[-1]
        return last.module.path, last.call.span

    @property
    def fills_cache(self) -> bool:
        """Whether a step of the path is made only to fill a cache that outlives the call (the body of
        ``if self._client is None: self._client = ...``, ``if key not in self._cache: ...``; see
        ``ModuleFacts.cache_fills``): it runs once per process (or per key), not on every request."""
        return any(s.module.in_cache_fill(s.call.span.line) for s in self.steps)

    def chain(self, root: str) -> str:
        """``get_user -> UserService.get -> self.db.query()``"""
        return " -> ".join([root] + [s.label for s in self.steps]) + "()"

    def reads_as(self, root: str) -> tuple:
        """What a finding of this hit reads as at its place: its first call, the path's text, the reason."""
        first = self.steps[0]
        return first.module.path, first.call.span, self.chain(root), self.reason

    def where(self, column: bool = False) -> str:
        """``path:line`` of the hit itself (the deepest step), ``path:line:column`` with ``column``."""
        span = self.steps[-1].call.span
        return f"{self.site[0]}:{span.line}:{span.column}" if column else f"{self.site[0]}:{span.line}"

    def related(self) -> list:
        """A related location per step after the first (the finding itself is at the first)."""
        from readycheck.core.findings import Related

        return [Related(s.module.path, s.call.span, f"step {i + 1}: `{call_label(s.call)}()`")
                for i, s in enumerate(self.steps) if i > 0]


@dataclass(frozen=True)
class Edge:
    """A call of a function, with what the model knows about it."""

    call: "CallSite"
    module: "ModuleFacts"
    receiver_type: "Type | None"  # the type of ``x`` in ``x.method()``
    targets: tuple[Target, ...]  # the repo functions it runs (a constructor runs ``__init__``)
    function: "Function | None" = None  # the function making the call
    callee_type: "Type | None" = None  # the type of ``f`` in ``f()``, a local name bound to a value
    #: The targets are callbacks the called object runs (and awaits) later, when it is used in this function
    #: (an httpx ``AsyncClient``'s transport and event hooks): an async one is walked though this call is
    #: not awaited.
    callbacks: bool = False


class Rule:
    """What a walk looks for. Subclasses say what a hit is; the model does the walking.

    ``key`` names the rule for memoisation (include any option that changes the result)."""

    key = "rule"
    #: Also walk into parameters' ``Depends(...)`` providers (the health checks: a dependency that
    #: queries the database is the route touching it). RC401 instead treats async dependencies as
    #: code on the loop of their own.
    follow_dependencies = False
    #: Walk into an async function even when the call only creates the coroutine (``create_task(x())``).
    follow_unawaited = False
    #: Do not walk into functions whose work runs once per process (``@lru_cache``/``@cache``/
    #: ``cached_property``): they cost the loop at most once, not on every request.
    skip_run_once = False
    #: Report every distinct hit site reached through each called function (each blocking call a
    #: helper makes, with the first path to it), not only the first path into each callee.
    every_site = False

    def hit(self, edge: Edge) -> str | None:
        raise NotImplementedError

    def counts_deep(self, hit: "Hit") -> bool:
        """Whether a hit inside a called function counts for its caller (True), or only where it is
        written (a rule may keep minor hits to the function that makes them)."""
        return True

    def skip(self, target: Target) -> bool:
        """True to not walk into this function."""
        return False

    def taken(self, edge: Edge, hit: "Hit") -> bool:
        """Whether a path found inside the function a call runs can be taken from this call (a rule may
        drop a path the call's own arguments rule out)."""
        return True

    def minor(self, hit: "Hit") -> bool:
        """Whether a path is of less weight than the others (a caller then reports another path of the
        same function first, when there is one): by default, a path that only fills a cache."""
        return hit.fills_cache


class Reachability:
    def __init__(self, index: "PythonIndex") -> None:
        self.index = index
        self._edges: dict[tuple[str, str], tuple[Edge, ...]] = {}
        self._hits: dict[tuple[str, str, str], tuple[Hit, ...]] = {}
        self._active: set[tuple[str, str, str]] = set()
        self._locals: dict[tuple[str, str], dict[str, list[Value]]] = {}
        self._globals: dict[tuple[str, str], Type | None] = {}
        self._results: dict[tuple[str, str], Type | None] = {}
        self._local_types: dict[tuple[str, str, str], Type | None] = {}
        self._state: dict[str, TypeSource] | None = None
        self._state_homes: dict[str, ModuleFacts] = {}
        self._pending: set = set()
        self._subclasses: dict[tuple[str, str], list[RepoClass]] | None = None
        self._mros: dict[tuple[str, str], tuple[RepoClass, ...]] = {}
        #: (module path, function qualname) -> where the calls start that its streaming responses iterate.
        self._streamed_starts: dict[tuple[str, str], frozenset] = {}
        #: module path -> (scope, local name) of every ``for x in name`` loop in it.
        self._iterated: dict[str, set[tuple[str, str]]] = {}
        self._constructed: dict[tuple[str, str], list[tuple[ModuleFacts, Function | None, Value | None]]] = {}

    def copy(self) -> "Reachability":
        """This model with its own memo, as it is now: what a copy of the scan forked now would have
        (engine.forkedchecks runs the event-loop checks on it, in one process as in two). The memo's
        containers are copied, their values, complete once stored, are shared."""
        other = object.__new__(Reachability)
        for name, value in vars(self).items():
            if getattr(value, "model", None) is self:  # a rule kept on the model that asks this one
                continue  # (dbaccess's ``_database_rule``): the copy makes its own when asked
            setattr(other, name, type(value)(value) if isinstance(value, (dict, set, list)) else value)
        return other

    # ------------------------------------------------------------------ classes

    def repo_class(self, qualified: str | None, near: ModuleFacts) -> RepoClass | None:
        if not qualified:
            return None
        if "." not in qualified:
            return RepoClass(near, qualified) if qualified in near.classes else None
        target = self.index.resolve(qualified, near)
        if target is None:
            return None
        module, name = target
        return RepoClass(module, name) if name in module.classes else None

    def mro(self, cls: RepoClass) -> list[RepoClass]:
        """The class and its repo base classes, nearest first (each once, cycles cut). Memoised: every method
        lookup, attribute type and ``super()`` call of a class walks it (7,800 times in a scan of polar)."""
        found = self._mros.get(cls.key)
        if found is None:
            found = self._mros[cls.key] = tuple(self._mro(cls))
        return list(found)

    def _mro(self, cls: RepoClass) -> list[RepoClass]:
        order: list[RepoClass] = []
        seen: set[tuple[str, str]] = set()
        queue = [cls]
        while queue:
            current = queue.pop(0)
            if current.key in seen:
                continue
            seen.add(current.key)
            order.append(current)
            for base in current.module.class_bases.get(current.name, ()):
                found = self.repo_class(base, current.module)
                if found is not None:
                    queue.append(found)
        return order

    def external_bases(self, cls: RepoClass) -> list[str]:
        """Qualified external bases anywhere up the repo hierarchy (``class Cache(redis.Redis)``)."""
        found = []
        for current in self.mro(cls):
            for base in current.module.class_bases.get(current.name, ()):
                if self.repo_class(base, current.module) is None:
                    found.append(canonical_type(base))
        return found

    def method(self, cls: RepoClass, name: str) -> Target | None:
        for current in self.mro(cls):
            function = current.module.functions.get(f"{current.name}.{name}")
            if function is not None:
                return function, current.module
        return None

    def _attribute_call(self, cls: RepoClass, source: TypeSource) -> "Value | None":
        """The arguments of the call an attribute is built from (``self.redis = connect(url,
        async_mode=False)`` in a method), when the parser kept them and the call is made once in the
        class; only looked up for a callee whose module binds a name to alternative imports."""
        target = self.index.resolve(source.text, cls.module)
        if target is None or not target[0].import_alternatives:
            return None
        prefix = f"{cls.name}."
        calls = [site.call for qualname, function in cls.module.functions.items() if qualname.startswith(prefix)
                 for site in function.calls if site.callee == source.text]
        return calls[0] if len(calls) == 1 else None

    def implementation(self, cls: RepoClass, found: Target) -> Target:
        """The method that runs for an ``@abstractmethod``: a receiver annotated with an abstract base
        (``storage: StorageBackend``) runs a subclass's override. Only when the repository has exactly
        one subclass of ``cls`` overriding it (a second one would be a guess), not counting those in test
        suites, examples and docs (``subclasses``); else the method itself."""
        function, _ = found
        if not any(d.text.rpartition(".")[2] == "abstractmethod" for d in function.decorators):
            return found
        overrides = []
        for sub in self.subclasses(cls):  # the service's modules only: a test suite's fake never serves a request
            override = sub.module.functions.get(f"{sub.name}.{function.name}")
            if override is not None and override is not function:
                overrides.append((override, sub.module))
        return overrides[0] if len(overrides) == 1 else found

    def subclasses(self, cls: RepoClass) -> list[RepoClass]:
        """Every repo class below ``cls`` in the hierarchy, nearest first. Only the modules whose bytes name
        each class are parsed (the service's modules: a test suite's subclass is never the one that runs)."""
        found: list[RepoClass] = []
        seen = {cls.key}
        queue = [cls]
        while queue:
            for sub in self._direct_subclasses(queue.pop(0)):
                if sub.key not in seen:
                    seen.add(sub.key)
                    found.append(sub)
                    queue.append(sub)
        return found

    def _direct_subclasses(self, cls: RepoClass) -> list[RepoClass]:
        if self._subclasses is None:
            self._subclasses = {}
        found = self._subclasses.get(cls.key)
        if found is None:
            found = self._subclasses[cls.key] = []
            for module in self.index.modules_with(cls.name.encode()):
                for name, bases in sorted(module.class_bases.items()):
                    if any(base.rpartition(".")[2] == cls.name and (parent := self.repo_class(base, module)) is not None
                           and parent.key == cls.key for base in bases):
                        found.append(RepoClass(module, name))
        return found

    def attribute(self, cls: RepoClass, name: str, depth: int) -> Type | None:
        for current in self.mro(cls):
            source = current.module.class_attrs.get(current.name, {}).get(name)
            if source is not None:
                call = self._attribute_call(current, source) if source.kind == "call" else None
                found = self.call_result(current.module, source.text, depth + 2, call) if call is not None \
                    else self.source_type(current.module, source, depth + 1)
                if found is not None:
                    return found
        prop = self.method(cls, name)
        if prop is not None and any(d.text.endswith(("property", "cached_property")) for d in prop[0].decorators):
            return self.result_type(prop[0], prop[1], depth + 1)
        for base in self.external_bases(cls):
            found = attribute_type(base, name)
            if found is not None:
                return found
        return None

    # -------------------------------------------------------------------- types

    def named_type(self, module: ModuleFacts, text: str | None, alias_candidate: bool = True) -> Type | None:
        """The type an annotation names: a repo class instance, an ``Annotated`` alias's type, or an
        external type."""
        if not text or text == "None":
            return None
        cls = self.repo_class(text, module)
        if cls is not None:
            return cls
        alias = self._alias(module, text) if alias_candidate else None
        if alias is not None and alias[0] and alias[0] != text:
            return self.named_type(module if "." not in alias[0] else alias[2], alias[0], False)
        return canonical_type(text)

    def _alias(self, module: ModuleFacts, text: str) -> tuple[str | None, str | None, ModuleFacts] | None:
        """(type, dependency, module) of an ``X = Annotated[T, Depends(f)]`` alias named by ``text``."""
        if "." not in text:
            found = module.type_aliases.get(text)
            return (found[0], found[1], module) if found else None
        target = self.index.resolve(text, module)
        if target is None:
            return None
        home, name = target
        found = home.type_aliases.get(name)
        return (found[0], found[1], home) if found else None

    def source_type(self, module: ModuleFacts, source: TypeSource, depth: int = 0) -> Type | None:
        if depth > _MAX_TYPE_DEPTH:
            return None
        kind, text, scope = source
        if kind == "type":
            return self.named_type(module, text)
        if kind == "call":
            return self.call_result(module, text, depth + 1)
        if kind == "ref":
            return self.global_type(module, text, depth + 1)
        if kind == "local":
            function = module.functions.get(scope)
            return self.chain_type(module, function, text.split("."), depth + 1) if function else None
        if kind == "depends":
            return self.provider_type(module, text, depth + 1)
        if kind == "local-call":
            function = module.functions.get(scope)
            return self.called_type(self.local_type(module, function, text, depth + 1)) if function else None
        if kind == "method-call":  # ``return img.crop(...)``: what that method of the receiver's type gives
            function = module.functions.get(scope)
            owner, _, method = text.rpartition(".")
            receiver = self.chain_type(module, function, owner.split("."), depth + 1) if function else None
            return self._method_result(receiver, method, depth + 1)
        return None

    @staticmethod
    def called_type(callee: Type | None) -> Type | None:
        """What calling a value of this type gives: a session from a session factory
        (``session = scoped_session(...)``; ``session()``), an instance from a class object."""
        if isinstance(callee, ClassObject):
            return callee.cls
        if isinstance(callee, str):
            return SESSION_FACTORIES.get(callee)
        return None

    def call_result(self, module: ModuleFacts, qualified: str, depth: int = 0, call: "Value | None" = None
                    ) -> Type | None:
        """The type of ``qualified(...)``: an instance of a repo class, what a repo function returns,
        a session from a session factory, or an external type. ``call`` (the call's arguments, when
        known) decides a factory that picks its module by a flag parameter."""
        if depth > _MAX_TYPE_DEPTH:
            return None
        cls = self.repo_class(qualified, module)
        if cls is not None:
            return cls
        target = self.index.resolve(qualified, module) if "." in qualified else (module, qualified)
        if target is not None:
            home, name = target
            function = home.functions.get(name)
            if function is not None:
                return self.result_type(function, home, depth + 1, self._flags(function, home, call))
            if "." in name:  # Class.factory() or instance.method()
                owner, _, method = name.rpartition(".")
                owner_type = self.global_type(home, f"{home.module}.{owner}" if home.module else owner, depth + 1)
                found = self._method_result(owner_type, method, depth + 1)
                if found is not None:
                    return found
            for assignment in home.module_level(name):
                value = assignment.value
                if value.kind == "call" and value.text in SESSION_FACTORIES:
                    session_class = value.kwarg("class_")
                    if session_class is not None and "Async" in session_class.text:
                        return "sqlalchemy.ext.asyncio.AsyncSession"
                    return SESSION_FACTORIES[value.text]
            head = name.partition(".")[0]
            shadowed = head not in home.functions and head not in home.classes and head not in home.imports \
                and not any(home.module_level(head))  # ``azure.identity.x`` found ``web/azure.py`` by its name only
            if (home.path != module.path or "." in qualified) and not shadowed:
                return None  # a repo name that is not a class, function or factory
        return canonical_type(qualified)

    def _method_result(self, owner: Type | None, method: str, depth: int) -> Type | None:
        if isinstance(owner, (RepoClass, ClassObject)):
            cls = owner.cls if isinstance(owner, ClassObject) else owner
            found = self.method(cls, method)
            if found is not None:
                return self.result_type(found[0], found[1], depth + 1)
            for base in self.external_bases(cls):  # User.get_or_none(...) of a peewee model
                result = method_result(base, method)
                if result is not None:
                    return result
            return None
        if isinstance(owner, str):
            return method_result(owner, method)
        return None

    def result_type(self, function: Function, module: ModuleFacts, depth: int = 0,
                    flags: frozenset[tuple[str, bool]] = frozenset()) -> Type | None:
        """What calling a repo function gives: its return annotation, else what it returns or yields
        (with ``flags``, the truth of its flag parameters in this call: see ``_chosen_import``)."""
        key = (module.path, function.qualname, flags)
        if key in self._results:
            return self._results[key]
        if key in self._pending or depth > _MAX_TYPE_DEPTH:
            return None
        self._pending.add(key)
        try:
            found = None
            returns = function.returns
            if returns and not returns.rsplit(".", 1)[-1].startswith(_GENERATOR_TYPES) and returns != "typing.Any":
                found = self.named_type(module, returns)
            for source in function.results:
                if found is not None:
                    break
                found = self.source_type(module, source, depth + 1)
            if flags and isinstance(found, str):
                found = self._chosen_import(module, flags, found)
        finally:
            self._pending.discard(key)
        self._results[key] = found
        return found

    @staticmethod
    def _flags(function: Function, module: ModuleFacts, call: "Value | None") -> frozenset[tuple[str, bool]]:
        """The truth of a function's bool parameters in a call whose arguments are known: a literal
        passed, else the literal default when the call does not pass it. Only worked out for a module
        that binds a name to imports of different targets (see ``_chosen_import``); else empty."""
        if call is None or not module.import_alternatives or any(key == "**" for key, _ in call.keywords) or \
                any(item.kind == "other" for item in call.items):
            return frozenset()
        passed = dict(call.keywords)
        found = []
        for i, param in enumerate(p for p in function.params if p.name not in ("self", "cls")):
            value = passed.get(param.name, call.items[i] if i < len(call.items) else None)
            if value is None:
                if param.flag is not None:
                    found.append((param.name, param.flag))
            elif value.kind == "bool":
                found.append((param.name, value.text == "True"))
        return frozenset(found)

    @staticmethod
    def _chosen_import(module: ModuleFacts, flags: frozenset[tuple[str, bool]], found: str) -> str:
        """A factory that imports a module under a name by a flag (``if async_mode: import redis.asyncio
        as redis_mod`` / ``else: import redis as redis_mod``) returns, for a call with that flag's truth
        known, the type from the import that runs: ``found`` (named through the other one) renamed."""
        truth = dict(flags)
        for alternatives in module.import_alternatives.values():
            runs, skipped = [], []
            for target, line in alternatives:
                guards = list(module.flag_guards(line))
                if guards and all(truth.get(name) == when for name, when in guards):
                    runs.append(target)
                elif any(name in truth and truth[name] != when for name, when in guards):
                    skipped.append(target)
            if len(runs) != 1:
                continue
            named = max((t for t in runs + skipped if found.startswith(t + ".")), key=len, default=None)
            if named is not None and named in skipped:  # named through the import that does not run
                return canonical_type(runs[0] + found[len(named):]) or found
        return found

    def provider_type(self, module: ModuleFacts, target: str, depth: int = 0) -> Type | None:
        """The type of what ``Depends(target)`` gives the parameter."""
        cls = self.repo_class(target, module)
        if cls is not None:
            return cls
        found = self.index.function(module, target, "", "." in target) or self.index.function(module, target)
        if found is not None:
            return self.result_type(found[0], found[1], depth + 1)
        return None

    def global_type(self, module: ModuleFacts, qualified: str, depth: int = 0) -> Type | None:
        """The type of a module-level name (``redis_client`` bound to ``redis.Redis(...)``)."""
        key = (module.path, qualified)
        if key in self._globals:
            return self._globals[key]
        if depth > _MAX_TYPE_DEPTH or key in self._pending:
            return None
        self._pending.add(key)
        try:
            found = self._global_type(module, qualified, depth)
        finally:
            self._pending.discard(key)
        self._globals[key] = found
        return found

    def _global_type(self, module: ModuleFacts, qualified: str, depth: int) -> Type | None:
        target = self.index.resolve(qualified, module)
        if target is None:
            return None
        home, name = target
        head, _, rest = name.partition(".")
        if head in home.classes:
            found: Type | None = ClassObject(RepoClass(home, head))
        elif head in home.global_types:
            found = self.named_type(home, home.global_types[head])
        else:
            found = None
            for assignment in home.module_level(head):
                found = self.value_type(home, None, assignment.value, depth + 1)
                if found is not None:
                    break
        for attribute in rest.split(".") if rest and found is not None else ():
            found = self.member_type(found, attribute, depth + 1)
            if found is None:
                break
        return found

    def value_type(self, module: ModuleFacts, function: Function | None, value: Value, depth: int = 0) -> Type | None:
        """The type of an assigned value summary."""
        kind = value.kind
        if kind == "call":
            if value.resolved:
                return self.call_result(module, value.text, depth + 1, value)
            if value.text and "." in value.text and function is not None:  # session.client("s3"), self.make()
                owner, _, method = value.text.rpartition(".")
                owner_type = self.chain_type(module, function, owner.split("."), depth + 1)
                return self._method_result(owner_type, method, depth + 1)
            if value.text and function is not None:  # db = session(), session a local session factory
                return self.called_type(self.local_type(module, function, value.text, depth + 1))
            return None
        if kind == "ref":
            if value.resolved:
                return self.global_type(module, value.text, depth + 1)
            return self.chain_type(module, function, value.text.split("."), depth + 1) if function else None
        if kind == "each" and not value.text and value.items:  # for client in self.clients: one element
            iterable = value.items[0]
            if iterable.kind in ("list", "tuple", "set"):
                for item in iterable.items:
                    found = self.value_type(module, function, item, depth + 1)
                    if found is not None:
                        return found
                return None
            return self.element_type(module, self.value_type(module, function, iterable, depth + 1), depth + 1)
        if kind == "subscript" and value.text:
            root = self.global_type(module, value.text, depth + 1) if value.resolved else (
                self.chain_type(module, function, value.text.split("."), depth + 1) if function else None)
            return self.member_type(root, "[]", depth + 1) if root is not None else None
        return None

    def element_type(self, module: ModuleFacts, container: Type | None, depth: int = 0) -> Type | None:
        """The type of one element of a container annotated with its element type (``list[Client]``, as the
        parser keeps it: ``list[app.clients.Client]``)."""
        element = container_element(container) if isinstance(container, str) else None
        return self.named_type(module, element, False) if element and depth <= _MAX_TYPE_DEPTH else None

    def member_type(self, owner: Type, attribute: str, depth: int = 0) -> Type | None:
        if isinstance(owner, RepoClass):
            return self.attribute(owner, attribute, depth + 1)
        if isinstance(owner, ClassObject):
            return self.attribute(owner.cls, attribute, depth + 1)
        return attribute_type(owner, attribute)

    def parameter_type(self, module: ModuleFacts, function: Function, param: Parameter, depth: int = 0) -> Type | None:
        annotation = param.annotation
        depends = param.depends
        if annotation and param.annotation_is_alias_candidate:
            alias = self._alias(module, annotation)
            if alias is not None:
                annotation = alias[0]
                depends = depends or alias[1]
                module_for_annotation = alias[2]
            else:
                module_for_annotation = module
        else:
            module_for_annotation = module
        found = self.named_type(module_for_annotation, annotation, False) if annotation else None
        if found is not None and (isinstance(found, RepoClass) or ("." in found and container_element(found) is None)):
            return found
        if depends and depends != "<annotation>":
            provided = self.provider_type(module, depends, depth + 1)
            if provided is not None:
                return provided
            if found is None:
                provider = self.index.function(module, depends, "", "." in depends) or \
                    self.index.function(module, depends)
                if provider is not None and provider[0].is_generator and not provider[0].is_async:
                    return SYNC_DEPENDENCY_VALUE  # what a sync generator dependency yields: a sync resource
        return found

    def local_type(self, module: "ModuleFacts", function: "Function", name: str, depth: int = 0) -> Type | None:
        """The type of a name inside a function: parameter, local, ``self``/``cls``, or a module global
        (memoised; a name whose type depends on itself, ``stmt = stmt.where(...)``, ends the chain)."""
        key = (module.path, function.qualname, name)
        if key in self._local_types:
            return self._local_types[key]
        if depth > _MAX_TYPE_DEPTH or key in self._pending:
            return None
        self._pending.add(key)
        try:
            found = self._local_type(module, function, name, depth)
        finally:
            self._pending.discard(key)
        self._local_types[key] = found
        return found

    def _local_type(self, module: "ModuleFacts", function: "Function", name: str, depth: int) -> Type | None:
        if name in ("self", "cls"):
            owner = self.owner_class(module, function)
            if owner is not None:
                is_class = name == "cls" or any(d.text.endswith("classmethod") for d in function.decorators)
                return ClassObject(owner) if is_class else owner
        for param in function.params:
            if param.name == name:
                found = self.parameter_type(module, function, param, depth + 1)
                if found is None and param.annotation is None and param.depends is None and \
                        function.name == "__init__":
                    owner = self.owner_class(module, function)
                    if owner is not None:
                        found = self.argument_type(owner, function, param, depth + 1)
                return found
        constructor = function.local_types.get(name)
        if constructor:
            found = self.call_result(module, constructor, depth + 1)
            if found is not None:
                return found
        for value in self._local_values(module, function).get(name, ()):
            found = self.value_type(module, function, value, depth + 1)
            if found is not None:
                return found
        if function.scope:  # a closure: the enclosing function's names
            outer = module.functions.get(function.scope)
            if outer is not None:
                return self.local_type(module, outer, name, depth + 1)
        if name in module.imports:
            return self.global_type(module, module.imports[name], depth + 1)
        if name in module.classes or name in module.global_types or any(module.module_level(name)):
            return self.global_type(module, f"{module.module}.{name}" if module.module else name, depth + 1)
        return None

    def _local_values(self, module: ModuleFacts, function: Function) -> dict[str, list[Value]]:
        key = (module.path, function.qualname)
        found = self._locals.get(key)
        if found is None:
            if (module.path, "") not in self._locals:  # index every scope of the module at once
                by_scope: dict[str, dict[str, list[Value]]] = {}
                for assignment in module.assignments:
                    if assignment.value.kind in ("call", "ref", "subscript", "each"):
                        by_scope.setdefault(assignment.scope, {}).setdefault(assignment.name, []).append(
                            assignment.value)
                for scope, names in by_scope.items():
                    self._locals[(module.path, scope)] = names
                self._locals.setdefault((module.path, ""), {})
            found = self._locals.setdefault(key, {})
        return found

    def argument_type(self, cls: RepoClass, init: Function, param: Parameter, depth: int = 0) -> Type | None:
        """The type of an unannotated ``__init__`` parameter: what every construction of the class in the
        service passes for it (``RateLimiter(redis_client=get_redis_client(), ...)`` gives ``self.r =
        redis_client`` a sync redis client), when each construction's argument is seen and typed and all
        agree; else None (a construction that passes it positionally without kept arguments, by
        ``*args``/``**kwargs``, or not at all, leaves it unknown)."""
        names = [p.name for p in init.params if p.name not in ("self", "cls")]
        if param.name not in names or depth > _MAX_TYPE_DEPTH:
            return None
        position = names.index(param.name)
        found: Type | None = None
        for module, function, call in self._constructions(cls):
            if call is None or any(key == "**" for key, _ in call.keywords) or \
                    any(item.kind not in _ARGUMENT_KINDS for item in call.items[:position + 1]):
                return None
            value = call.kwarg(param.name) or (call.items[position] if position < len(call.items) else None)
            passed = self.value_type(module, function, value, depth + 1) if value is not None else None
            if passed is None or (found is not None and passed != found):
                return None
            found = passed
        return found

    def _constructions(self, cls: RepoClass) -> list[tuple[ModuleFacts, "Function | None", "Value | None"]]:
        """Every call of the class in the service's modules that name it: (module, function making the
        call or None at import, the call's arguments when the parser kept them)."""
        key = cls.key
        found = self._constructed.get(key)
        if found is None:
            found = self._constructed[key] = []
            for module in self.index.modules_with(cls.name.encode()):
                scopes: list[tuple[Function | None, list[CallSite]]] = [(None, module.module_calls)]
                scopes += [(function, function.calls) for function in module.functions.values()]
                for function, calls in scopes:
                    for site in calls:
                        if site.callee and site.callee.rpartition(".")[2] == cls.name and \
                                (target := self.repo_class(site.callee, module)) is not None and target.key == key:
                            found.append((module, function, site.call))
        return found

    def owner_class(self, module: ModuleFacts, function: Function) -> RepoClass | None:
        owner, dot, _ = function.qualname.rpartition(".")
        if dot and "<locals>" not in owner and owner in module.classes:
            return RepoClass(module, owner)
        return None

    def chain_type(self, module: ModuleFacts, function: Function | None, parts: list[str], depth: int = 0
                   ) -> Type | None:
        """The type of ``a.b.c`` inside a function. ``<anything>.state.<name>`` is what some module
        put on ``app.state`` under that name."""
        if function is None or not parts or depth > _MAX_TYPE_DEPTH:
            return None
        for i in range(len(parts) - 2, 0, -1):
            if parts[i] == "state":
                found = self.state_type(parts[i + 1], depth + 1)
                for attribute in parts[i + 2:] if found is not None else ():
                    found = self.member_type(found, attribute, depth + 1)
                    if found is None:
                        break
                return found
        found = self.local_type(module, function, parts[0], depth + 1)
        for attribute in parts[1:]:
            if found is None:
                return None
            found = self.member_type(found, attribute, depth + 1)
        return found

    def state_type(self, name: str, depth: int = 0) -> Type | None:
        """The type of ``app.state.<name>`` as assigned in any web module (the lifespan, a startup hook)."""
        if self._state is None:
            self._state = {}
            for module in self.index.web_modules():
                for attribute, source in module.state_attrs.items():
                    if attribute not in self._state:
                        self._state[attribute] = source
                        self._state_homes[attribute] = module
        source = self._state.get(name)
        return self.source_type(self._state_homes[name], source, depth + 1) if source is not None else None

    # ------------------------------------------------------------------- values

    def literal(self, module: "ModuleFacts", value: "Value | None", depth: int = 0) -> tuple["Value | None", bool]:
        """(literal value, overridable) of an expression summary, resolved cheaply and statically:
        module constants (also imported), settings class defaults (``settings.ENV`` where
        ``settings = Settings()``), ``os.getenv("X", default)``, and ``a == b`` of those.
        ``overridable`` is True when the environment can change it (a pydantic ``BaseSettings``
        field, an ``os.getenv`` default)."""
        if value is None or depth > _MAX_TYPE_DEPTH:
            return None, False
        kind = value.kind
        if kind in ("str", "int", "bool", "none", "dict", "list"):
            return value, False
        if kind == "call":
            default = self._env_default(module, value)
            if default is None:
                return None, False
            found, _ = self.literal(module, default, depth + 1)
            return found, found is not None
        if kind == "compare" and len(value.items) == 2:
            (left, over_l), (right, over_r) = (self.literal(module, v, depth + 1) for v in value.items)
            if left is None or right is None or left.kind not in ("str", "int", "bool") or right.kind != left.kind:
                return None, False
            equal = left.text == right.text
            from readycheck.parsers.python import Value

            return Value("bool", str(equal if value.text == "Eq" else not equal), value.span), over_l or over_r
        if kind != "ref" or not value.text:
            return None, False
        target = self.index.resolve(value.text, module) if value.resolved else \
            ((module, value.text) if value.text.partition(".")[0] in module.classes or
             any(module.module_level(value.text.partition(".")[0])) else None)
        if target is None:
            return None, False
        home, name = target
        head, _, rest = name.partition(".")
        if not rest:
            bindings = [a.value for a in home.module_level(head)]
            return self.literal(home, bindings[0], depth + 1) if len(bindings) == 1 else (None, False)
        if "." in rest:
            return None, False
        owner = self.global_type(home, f"{home.module}.{head}" if home.module else head)
        cls = owner.cls if isinstance(owner, ClassObject) else owner
        if not isinstance(cls, RepoClass):
            return None, False
        settings = any(base.rpartition(".")[2] == "BaseSettings" for base in self.external_bases(cls))
        for current in self.mro(cls):
            scope = f"class {current.name}"
            defaults = [a.value for a in current.module.assignments if a.scope == scope and a.name == rest]
            if defaults:
                found, over = self.literal(current.module, defaults[-1], depth + 1)
                return found, found is not None and (over or settings)
        return None, False

    def _env_default(self, module: "ModuleFacts", call: "Value") -> "Value | None":
        """The default of a call that reads the environment (``os.getenv("X", "a")``, decouple's
        ``config("X", default=1)``, ``config("X", default=False)`` on a starlette ``Config``), else None."""
        position = ENV_DEFAULT_CALLS.get(call.text, -1) if call.resolved or call.text.startswith("os.") else -1
        if position == -1 and call.text and call.resolved and "." in call.text:
            target = self.index.resolve(call.text, module)  # ``config = Config(".env")``, called
            bindings = [a.value for a in target[0].module_level(target[1])] if target and "." not in target[1] else []
            if len(bindings) == 1 and bindings[0].kind == "call" and bindings[0].text in ENV_READER_CLASSES:
                position = ENV_READER_CLASSES[bindings[0].text]
        if position == -1:
            return None
        found = call.kwarg("default")
        if found is None and position is not None and position < len(call.items):
            found = call.items[position]
        return found

    def keyword(self, module: "ModuleFacts", call: "Value", name: str) -> tuple["Value | None", bool]:
        """A call's keyword argument, also from a ``**kwargs`` literal dict, resolved with ``literal``;
        (None, False) when absent. The raw summary is returned when it cannot be resolved."""
        found = call.kwarg(name)
        if found is None:
            for key, value in call.keywords:
                if key == "**":
                    mapping, over = self.literal(module, value)
                    if mapping is not None and mapping.kind == "dict" and mapping.kwarg(name) is not None:
                        resolved, over2 = self.literal(module, mapping.kwarg(name))
                        return (resolved or mapping.kwarg(name)), over or over2
            return None, False
        resolved, over = self.literal(module, found)
        return (resolved if resolved is not None else found), over

    # -------------------------------------------------------------------- calls

    def edges(self, function: Function, module: ModuleFacts) -> tuple[Edge, ...]:
        """Every call of a function with its receiver's type and the repo functions it runs (memoised)."""
        key = (module.path, function.qualname)
        found = self._edges.get(key)
        if found is None:
            edges = [self._edge(module, function, call) for call in function.calls]
            for call in function.operators:
                edge = self._operator_edge(module, function, call)
                if edge.targets:  # an operator matters only when it runs a repo dunder method
                    edges.append(edge)
            found = self._edges[key] = tuple(edges)
        return found

    def _operator_edge(self, module: ModuleFacts, function: Function, call: CallSite) -> Edge:
        """``d[k]``, ``k in d``...: the dunder method of the class of ``d``, an instance (the operator on a
        class object, ``Page[int]``, is the class's own subscription, not its instances' method)."""
        receiver = self.chain_type(module, function, call.text.rpartition(".")[0].split("."))
        found = None
        if isinstance(receiver, RepoClass):
            found = self.method(receiver, call.method or "")
            if found is None and call.method == "__bool__":  # truth falls back to the length
                found = self.method(receiver, "__len__")
        return Edge(call, module, receiver, (self.implementation(receiver, found),) if found else (), function) \
            if isinstance(receiver, RepoClass) else Edge(call, module, receiver, (), function)

    def _edge(self, module: ModuleFacts, function: Function, call: CallSite) -> Edge:
        if not call.text:
            if call.chain == ("super", "super") and call.method:  # super().update(...): the next class's method
                return self._super_edge(module, function, call)
            if call.chain and call.method:  # Usage.select(...).where(...).get(), inspect(engine).get_schema_names()
                return self._method_edge(module, function, call, self.call_chain_type(module, function, call.chain),
                                         call.method)
            return Edge(call, module, None, (), function)
        if call.callee in CLIENT_TRANSPORTS and call.call is not None:
            return Edge(call, module, None, self._client_callbacks(module, function, call), function, callbacks=True)
        direct = self.index.function(module, call.callee or call.text, function.qualname, call.callee is not None)
        if direct is not None:
            return Edge(call, module, None, self._bindings(direct), function)
        cls = self.repo_class(call.callee, module) if call.callee else (
            RepoClass(module, call.text) if call.text in module.classes else None)
        if cls is not None:  # a constructor runs __init__
            init = self.method(cls, "__init__")
            return Edge(call, module, None, (init,) if init else (), function)
        owner_text, dot, method = call.text.rpartition(".")
        if not dot:  # ``token_provider()``: a local bound to what an SDK returned
            local = self.local_type(module, function, call.text) if call.callee is None else None
            return Edge(call, module, None, (), function, local if isinstance(local, str) else None)
        receiver = self.chain_type(module, function, owner_text.split("."))
        if receiver is None and call.callee:
            receiver = self.global_type(module, call.callee.rpartition(".")[0])
        if receiver is None:
            receiver = self._task_receiver(module, function, owner_text, call)
        return self._method_edge(module, function, call, receiver, method)

    def _client_callbacks(self, module: ModuleFacts, function: Function, call: CallSite) -> tuple[Target, ...]:
        """The repo code an HTTP client built here runs for each request (``CLIENT_TRANSPORTS``): its
        transport's method, when the transport is a repo class, and its event hooks' repo functions."""
        assert call.call is not None and call.callee is not None
        found: list[Target] = []
        transport = call.call.kwarg("transport")
        owner = self.value_type(module, function, transport) if transport is not None else None
        if isinstance(owner, RepoClass):
            method = self.method(owner, CLIENT_TRANSPORTS[call.callee])
            if method is not None:
                found.append(method)
        hooks = call.call.kwarg(CLIENT_HOOKS_KEYWORD)
        for _, listed in hooks.keywords if hooks is not None and hooks.kind == "dict" else ():
            for item in listed.items if listed.kind in ("list", "tuple") else ():
                hook = self.index.function(module, item.text, function.qualname, item.resolved) \
                    if item.kind == "ref" and item.text else None
                if hook is not None:
                    found.append(hook)
        return tuple(found)

    def _super_edge(self, module: ModuleFacts, function: Function, call: CallSite) -> Edge:
        """``super().method(...)`` in a method of a repo class: the method of the nearest base class up the
        repo hierarchy that defines it, else the class's external base (``super().handle_async_request()``
        of an ``httpx.AsyncHTTPTransport`` subclass)."""
        owner = self.owner_class(module, function)
        if owner is None or call.method is None:
            return Edge(call, module, None, (), function)
        for current in self.mro(owner)[1:]:
            found = current.module.functions.get(f"{current.name}.{call.method}")
            if found is not None:
                is_class = any(d.text.endswith("classmethod") for d in function.decorators)
                receiver: Type = ClassObject(owner) if is_class else owner
                return Edge(call, module, receiver, (self.implementation(current, (found, current.module)),), function)
        bases = self.external_bases(owner)
        bases.sort(key=lambda base: not known_type(base))
        return Edge(call, module, bases[0] if bases else None, (), function)

    def _bindings(self, target: Target) -> tuple[Target, ...]:
        """A module-level function and, when its module also imports that name, the imported one:
        ``try: from .email import send`` / ``except ImportError: def send(): ...`` binds either."""
        function, home = target
        imported = home.imports.get(function.qualname)
        if imported is None:
            return (target,)
        other = self.index.function(home, imported, "", True)
        return (target, other) if other is not None and other[0] is not function else (target,)

    def _method_edge(self, module: ModuleFacts, function: Function, call: CallSite, receiver: Type | None,
                     method: str) -> Edge:
        """The edge of ``receiver.method(...)``: a repo method it runs, else the receiver's external type."""
        targets: tuple[Target, ...] = ()
        if isinstance(receiver, (RepoClass, ClassObject)):
            cls = receiver.cls if isinstance(receiver, ClassObject) else receiver
            found = self.method(cls, method)
            if found is not None:
                targets = (self.implementation(cls, found),)
            else:
                bases = self.external_bases(cls)  # a known one first: class User(BaseModel, UserMixin)
                bases.sort(key=lambda base: not known_type(base))
                receiver = bases[0] if bases else receiver
        return Edge(call, module, receiver, targets, function)

    def call_chain_type(self, module: ModuleFacts, function: Function, chain: tuple[str, ...]) -> Type | None:
        """The type of a receiver that is a chain of calls (``CallSite.chain``): what the innermost call
        gives, then what each method called on it gives (``Usage.select(...)`` a peewee query, its
        ``.where(...)`` another)."""
        from readycheck.parsers.python import Value

        text, qualified, *methods = chain
        found = self.value_type(module, function, Value("call", qualified or text, resolved=bool(qualified)))
        for name in methods:
            if found is None:
                return None
            found = self._method_result(found, name, 1)
        return found

    def _task_receiver(self, module: ModuleFacts, function: Function, owner_text: str, call: CallSite) -> Type | None:
        """``send_email.delay(...)`` on a repo function decorated as a Celery task."""
        if call.method not in ("delay", "apply_async", "AsyncResult", "s", "si", "signature"):
            return None
        qualified = call.callee.rpartition(".")[0] if call.callee else None
        found = self.index.function(module, qualified or owner_text, function.qualname, qualified is not None)
        if found is not None and any(d.text.rpartition(".")[2] in _TASK_DECORATORS for d in found[0].decorators):
            return "celery.app.task.Task"
        return None

    def dependency_targets(self, function: Function, module: ModuleFacts) -> Iterator[tuple[Parameter, Target]]:
        """The functions FastAPI runs for a function's ``Depends(...)`` parameters (also through
        ``Annotated`` aliases, and the ``__init__`` of a class used as a dependency)."""
        for param in function.params:
            for target in self.dependency_of(module, param):
                yield param, target

    def dependency_of(self, module: ModuleFacts, param: Parameter) -> list[Target]:
        depends, annotation, home = param.depends, param.annotation, module
        if annotation and param.annotation_is_alias_candidate:
            alias = self._alias(module, annotation)
            if alias is not None:
                annotation, home = alias[0], alias[2]
                if depends is None and alias[1]:
                    depends = alias[1]
        if not depends:
            return []
        if depends == "<annotation>":
            cls = self.repo_class(annotation, home)
            init = self.method(cls, "__init__") if cls is not None else None
            return [init] if init else []
        return [found] if (found := self.dependency_function(home, depends)) is not None else []

    def dependency_function(self, module: ModuleFacts, target: str) -> Target | None:
        """The function FastAPI calls for ``Depends(target)``: a function, the ``__init__`` of a class,
        or the ``__call__`` of a callable instance (``checker = RoleChecker(...)``; ``Depends(checker)``)."""
        found = self.index.function(module, target, "", True) or self.index.function(module, target, "", False)
        if found is not None:
            return found
        cls = self.repo_class(target, module)
        if cls is not None:
            return self.method(cls, "__init__")
        instance = self.global_type(module, target if "." in target else
                                    (f"{module.module}.{target}" if module.module else target))
        if isinstance(instance, RepoClass):
            return self.method(instance, "__call__")
        return None

    # -------------------------------------------------------------------- walks

    def hits(self, function: Function, module: ModuleFacts, rule: Rule) -> tuple[Hit, ...]:
        """Every hit of a rule reached from a function: its own calls that the rule matches, and for
        each repo function it calls (once per function), the first path to a hit inside it.

        Memoised per (rule, function); a function already on the walk's stack (recursion) adds
        nothing, so cycles end without a depth limit."""
        key = (rule.key, module.path, function.qualname)
        found = self._hits.get(key)
        if found is not None:
            return found
        if key in self._active:
            return ()
        self._active.add(key)
        try:
            found = tuple(self._walk(function, module, rule))
        finally:
            self._active.discard(key)
        self._hits[key] = found
        return found

    def _walk(self, function: Function, module: ModuleFacts, rule: Rule) -> list[Hit]:
        """The hits of ``hits``, uncached. A list, not a generator: it runs once per (rule, function) and
        is read whole at once (on the generated repository, 25,000 calls of ``hits``)."""
        found: list[Hit] = []
        reported: set[tuple[str, str]] = set()
        sites: set = set()  # with every_site: the hit sites already yielded
        every_site, follow_unawaited, skip_run_once = rule.every_site, rule.follow_unawaited, rule.skip_run_once
        for edge in self.edges(function, module):
            reason = rule.hit(edge)
            if reason is not None:
                sites.add((module.path, edge.call.span))
                found.append(Hit((Step(module, edge.call, call_label(edge.call)),), reason))
                continue
            for target in edge.targets:
                callee, callee_module = target
                if callee.is_async and not edge.call.awaited and not follow_unawaited and not edge.callbacks and not (
                        callee.is_generator and edge.call.span[:2] in self._streamed(function, module)):
                    continue  # a coroutine that is created here, not run (an async generator a response streams is)
                if callee.is_generator and not callee.is_async and edge.call.span[:2] in self._streamed(function, module):
                    continue  # a plain generator a streaming response iterates: Starlette and sse-starlette run it
                    # in their thread pool (iterate_in_threadpool), not on the loop
                target_key = (callee_module.path, callee.qualname)
                if target_key in reported or rule.skip(target) or (skip_run_once and runs_once(callee)):
                    continue
                below = self.hits(callee, callee_module, rule)
                if not below:  # most callees reach nothing: no filtering, no sorting
                    continue
                inner = [h for h in below if rule.counts_deep(h) and rule.taken(edge, h)]
                if inner:
                    inner.sort(key=rule.minor)
                    reported.add(target_key)
                    label = callee.qualname if "." in callee.qualname and "<locals>" not in callee.qualname \
                        else f"{call_label(edge.call)} hook {callee.name}" if edge.callbacks else call_label(edge.call)
                    step = Step(module, edge.call, label)
                    found.extend(Hit((step,) + hit.steps, hit.reason)
                                 for hit in (self._new_sites(inner, sites) if every_site else inner[:1]))
        if rule.follow_dependencies:
            self._walk_dependencies(function, module, rule, reported, sites, found)
        return found

    def _walk_dependencies(self, function: Function, module: ModuleFacts, rule: Rule, reported: set[tuple[str, str]],
                           sites: set, found: list[Hit]) -> None:
        """``_walk``'s part for a rule that follows ``Depends(...)`` providers: their hits, added to ``found``."""
        from readycheck.parsers.python import CallSite

        for param, target in self.dependency_targets(function, module):
            target_key = (target[1].path, target[0].qualname)
            if target_key in reported or rule.skip(target):
                continue
            inner = [h for h in self.hits(target[0], target[1], rule) if rule.counts_deep(h)]
            if inner:
                reported.add(target_key)
                step = Step(module, CallSite(None, f"Depends({target[0].name})", param.span), target[0].qualname)
                found.extend(Hit((step,) + hit.steps, hit.reason)
                             for hit in (self._new_sites(inner, sites) if rule.every_site else inner[:1]))

    def _streamed(self, function: Function, module: ModuleFacts) -> frozenset:
        """Where the calls start whose result a streaming response of this function iterates
        (``StreamingResponse(stream_tokens(...))``, or ``body = stream_tokens(...)`` then
        ``StreamingResponse(body)``, the local bound once and used for nothing else): (line, column)
        of each. Worked out once per function."""
        key = (module.path, function.qualname)
        known = self._streamed_starts.get(key)
        if known is None:
            known = self._streamed_starts[key] = self._find_streamed(function, module)
        return known

    def _find_streamed(self, function: Function, module: ModuleFacts) -> frozenset:
        found = set()
        for call in function.calls:
            if call.callee in STREAMING_RESPONSES and call.call is not None:
                body = call.call.arg(0, "content")
                if body is not None and body.kind == "ref" and not body.resolved and "." not in body.text:
                    bound = self._local_values(module, function).get(body.text, ())
                    body = bound[0] if len(bound) == 1 and self._only_streamed(function, module, body.text,
                                                                               bound[0], call) else None
                if body is not None and body.kind == "call":
                    found.add(body.span[:2])
        return frozenset(found)

    def _only_streamed(self, function: Function, module: ModuleFacts, name: str, made: Value,
                       response: "CallSite") -> bool:
        """Whether a local bound to a generator (``body = chunks(name)``) is only handed to the streaming
        response: no call between the two lines (``next(body)`` would run the generator's first steps
        here, on the loop), no method called on it, no loop over it."""
        first, last = made.span.line, response.span.line
        if any(c.receiver == name or first < c.span.line < last or
               (c.span.line == last and c.span.column < response.span.column) for c in function.calls):
            return False
        iterated = self._iterated.get(module.path)
        if iterated is None:  # every module's loops indexed once: (scope, name of what each loops over)
            iterated = self._iterated[module.path] = {
                (a.scope, a.value.items[0].text) for a in module.assignments
                if a.value.kind == "each" and a.value.items and a.value.items[0].kind == "ref"}
        return (function.qualname, name) not in iterated

    @staticmethod
    def _new_sites(hits: list[Hit], sites: set) -> Iterator[Hit]:
        """The hits whose site is not yet in ``sites`` (which they are added to): each site once."""
        for hit in hits:
            if hit.site not in sites:
                sites.add(hit.site)
                yield hit

    def first_hit(self, function: Function, module: ModuleFacts, rule: Rule) -> Hit | None:
        found = self.hits(function, module, rule)
        return found[0] if found else None


class CallRule(Rule):
    """A rule made of a function of the edge (for plugins: ``CallRule("my-rule", lambda e: ...)``)."""

    def __init__(self, key: str, hit: Callable[[Edge], str | None], follow_dependencies: bool = False,
                 follow_unawaited: bool = False) -> None:
        self.key = key
        self._hit = hit
        self.follow_dependencies = follow_dependencies
        self.follow_unawaited = follow_unawaited

    def hit(self, edge: Edge) -> str | None:
        return self._hit(edge)


def repeated_paths(found: "Iterable[tuple[LoopEntry, Hit]]") -> set[tuple]:
    """Of a check's hits (one per site, each with the code on the loop it is reached from), the paths more
    than one of them reads as (``Hit.reads_as``): ``time.sleep(3)`` and, in its ``except``, ``time.sleep(60)``
    of the same helper. Their findings say where each is (``Hit.where``), or they would read as one."""
    counts = Counter(hit.reads_as(entry.function.name) for entry, hit in found)
    return {key for key, n in counts.items() if n > 1}


def hit_places(found: "Iterable[tuple[LoopEntry, Hit]]") -> dict[tuple, str]:
    """Site -> where it is (``Hit.where``), for each hit whose finding would read like another's
    (``repeated_paths``): ``path:line``, with the column when two of them are on one line
    (``time.sleep(1) if fast else time.sleep(2)``). The other hits are not in it."""
    found = list(found)
    repeated = repeated_paths(found)
    grouped = [(hit.reads_as(entry.function.name), hit) for entry, hit in found]
    lines = Counter((key, hit.where()) for key, hit in grouped if key in repeated)
    return {hit.site: hit.where(column=lines[(key, hit.where())] > 1) for key, hit in grouped if key in repeated}


def call_label(call: "CallSite") -> str:
    """How a call is named in a message: its dotted text, ``Path(…).read_text`` when the receiver is
    itself a call (``Path(p).read_text()``), ``….read_text`` when that call has no dotted name."""
    if not call.text and call.chain and call.method:
        return "".join([call.chain[0], *(f"(…).{name}" for name in call.chain[2:]), f"(…).{call.method}"])
    return call.text or (f"….{call.method}" if call.method else "…")


_ONCE_DECORATORS = ("lru_cache", "cache", "cached_property", "cached")


def runs_once(function: "Function") -> bool:
    """Whether a function's body runs once per process (or per argument set): memoised with
    ``functools.cache``/``lru_cache``/``cached_property``. A lazy initialiser declaring ``global`` is not
    skipped whole: the block that fills its global (``if _client is None: _client = ...``) is a cache fill
    (``ModuleFacts.cache_fills``: its hits are info), and its other calls run on every call
    (``global FONTS_DIR`` only to fix a path, then ``pdf.add_font(...)`` for every request)."""
    return any(d.text.rpartition(".")[2] in _ONCE_DECORATORS for d in function.decorators)


def container_element(annotation: str) -> str | None:
    """The element type of a container annotation the parser kept with it (``list[app.Client]`` ->
    ``app.Client``), else None."""
    base, bracket, rest = annotation.partition("[")
    return rest[:-1] if bracket and rest.endswith("]") and base.rsplit(".", 1)[-1] in CONTAINER_ANNOTATIONS else None


def type_name(found: Type | None) -> str | None:
    """A type as a qualified name (a repo class as ``module.Class``), for tables and messages."""
    if found is None:
        return None
    if isinstance(found, RepoClass):
        return f"{found.module.module}.{found.name}"
    if isinstance(found, ClassObject):
        return f"{found.cls.module.module}.{found.cls.name}"
    return found
