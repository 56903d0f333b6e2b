"""The SQLAlchemy/SQLModel engines the service creates: ``project.engines``, one fact every database check asks.

An engine is a call of one of the constructors of ``readycheck.knowledge.drivers`` (``create_engine``,
``create_async_engine``, ``engine_from_config``, ``async_engine_from_config``, SQLModel's re-export), resolved
through imports, in the service's code (not tests, docs, examples or scripts). For each: where it is; its URL,
resolved cheaply and statically through module constants (also imported), settings class defaults and
``os.getenv``-style defaults, with the database and driver it names; whether it is async; its pool settings
(``pool_size``, ``max_overflow``, ``pool_pre_ping``, ``pool_recycle``, ``poolclass``, ``connect_args``) with
SQLAlchemy's documented defaults where a setting is not passed; and whether it is in an alembic migration
environment. Engines that a library's middleware creates (``app.add_middleware(SQLAlchemyMiddleware,
db_url=..., engine_args={...})``) are engines too, their settings read from ``engine_args``.

Keyword arguments are read from the call and from ``**mapping`` where the mapping is a literal dict (inline, a
module constant, or a local of the calling function) and from the keys later added to it
(``engine_args["poolclass"] = NullPool``, ``engine_args.update({...})``); keys added that way may sit in a
branch, so they are *possibly* set (``EngineSetting.certain`` is False). ``engine_from_config`` reads its
settings from a mapping: when that mapping is not a literal readycheck can read, a setting not passed by
keyword is unknown rather than SQLAlchemy's default.

RC602 (pre-ping), RC604 (sync URL, async engine), RC605 (pool budget) and RC304 (driver installed) read this
fact instead of reading calls themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from readycheck.knowledge.drivers import (
    ASYNC_CONSTRUCTORS, ASYNC_URL_DRIVERS, CONFIG_ENGINE_CONSTRUCTORS, DEFAULT_URL_DRIVERS, ENGINE_CONSTRUCTORS,
    ENGINE_MARKERS, MIDDLEWARE_ENGINES, POOL_DEFAULTS, UNPOOLED, URL_DATABASES,
)

if TYPE_CHECKING:
    from readycheck.core.findings import Span
    from readycheck.model.project import Project
    from readycheck.model.reachability import Reachability
    from readycheck.parsers.python import CallSite, ModuleFacts, Value

#: The pool settings an engine fact carries, in this order.
POOL_SETTINGS = ("pool_size", "max_overflow", "pool_pre_ping", "pool_recycle", "poolclass", "connect_args")

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9]*)(?:\+(\w+))?://")


class EngineSetting(NamedTuple):
    """One pool setting of an engine."""

    name: str
    #: What the call passes, resolved where static (a literal, a module constant, a settings default);
    #: the raw summary when it cannot be resolved; None when not passed.
    value: "Value | None"
    #: False when the setting may be set where readycheck does not see it for sure: a key added to a
    #: ``**`` dict by a statement that may be in a branch, or a mapping ``engine_from_config`` reads
    #: that is not a literal.
    certain: bool = True
    #: The value is a settings class field's or an environment read's default: the environment can change it.
    overridable: bool = False

    @property
    def passed(self) -> bool:
        return self.value is not None

    @property
    def is_default(self) -> bool:
        """Not passed, and nothing else sets it: SQLAlchemy's documented default (``default``) applies."""
        return self.value is None and self.certain

    @property
    def default(self) -> object:
        return POOL_DEFAULTS[self.name]

    def number(self) -> int | None:
        """The setting as a whole number: the literal passed, or SQLAlchemy's default when not passed;
        None when it is set at run time or possibly set elsewhere."""
        if not self.certain:
            return None
        if self.value is None:
            default = self.default
            return default if isinstance(default, int) and not isinstance(default, bool) else None
        return int(self.value.text) if self.value.kind == "int" else None


@dataclass(frozen=True)
class Engine:
    path: str
    span: "Span"  # the constructor's name, where findings point
    text: str  # the constructor as written ("create_engine", "sqlmodel.create_engine")
    constructor: str  # its qualified name
    is_async: bool
    call: "Value"  # the call's arguments, with their positions
    module: "ModuleFacts" = field(repr=False, compare=False)
    scope: str = ""  # the function it is called in ("" at module level)
    #: The URL argument, resolved where static; the raw summary otherwise; None when the call passes none.
    url: "Value | None" = None
    #: The URL is a settings class field's or an environment read's default.
    url_overridable: bool = False
    #: The database the URL names ("postgresql", "mysql", "sqlite", "mssql", "oracle") and its driver
    #: ("asyncpg", or the dialect's default driver "psycopg2" for ``postgresql://``), when static.
    database: str | None = None
    driver: str | None = None
    #: Every database a string of the URL expression names (``{"postgresql"}`` for
    #: ``url.replace("postgresql://", "postgresql+asyncpg://")``); empty when it names none.
    url_databases: frozenset[str] = frozenset()
    settings: tuple[EngineSetting, ...] = ()
    #: In an alembic migration environment (the module imports alembic: its ``env.py``, or code that runs
    #: migrations): a short-lived engine, not one of the service's pools.
    migration: bool = False
    #: ``engine_from_config``/``async_engine_from_config``.
    from_config: bool = False
    #: A ``**mapping`` readycheck could not read (a parameter, a call's result): settings may hide in it.
    opaque_kwargs: bool = False
    #: The library middleware that creates this engine from ``db_url=``/``engine_args=`` (qualified class),
    #: None for a constructor call of SQLAlchemy's own: the call is not an engine constructor's.
    wrapper: str | None = None

    def setting(self, name: str) -> EngineSetting:
        for setting in self.settings:
            if setting.name == name:
                return setting
        raise KeyError(name)

    @property
    def sqlite(self) -> bool:
        """SQLite for sure: by its URL (not a default the environment can override: ``os.getenv("DATABASE_URL",
        "sqlite:///./app.db")`` is the developer's fallback, not what production connects to) or by
        ``connect_args={"check_same_thread": False}`` (an argument only Python's sqlite3 driver takes)."""
        if self.database == "sqlite" and not self.url_overridable:
            return True
        connect_args = self.setting("connect_args").value
        return connect_args is not None and connect_args.kind == "dict" and \
            connect_args.kwarg("check_same_thread") is not None

    @property
    def async_driver(self) -> bool:
        """The URL names an asyncio driver (``postgresql+asyncpg://``)."""
        return self.driver in ASYNC_URL_DRIVERS

    @property
    def unpooled(self) -> bool:
        """``poolclass=NullPool`` or ``StaticPool``, for sure: no pool of connections to go stale or add up."""
        poolclass = self.setting("poolclass")
        return poolclass.certain and poolclass.value is not None and poolclass.value.text.endswith(UNPOOLED)


def build(project: "Project") -> list[Engine]:
    """Every engine the service's modules create: module by module, the calls made at import time first,
    then each function's (the order ``ModuleFacts.all_calls`` gives)."""
    builder = _Builder(project.reachability)
    engines = []
    for module in project.python.modules_with(*ENGINE_MARKERS):
        migration = any(target.split(".")[0] == "alembic" for target in module.imports.values())
        sites: list[tuple[str, CallSite]] = [("", c) for c in module.module_calls]
        sites += [(f.qualname, c) for f in module.functions.values() for c in f.calls]
        for scope, site in sites:
            if site.call is None:
                continue
            if site.callee in ENGINE_CONSTRUCTORS:
                engines.append(builder.engine(module, scope, site, migration))
            elif site.callee in MIDDLEWARE_ENGINES or site.method == "add_middleware":
                found = builder.middleware_engine(module, scope, site, migration)
                if found is not None:
                    engines.append(found)
    return engines


#: name -> (value, certain) of the keyword arguments an engine is given.
_Passed = dict[str, tuple["Value", bool]]


class _Builder:
    def __init__(self, reach: "Reachability") -> None:
        self.reach = reach
        #: module path -> ((scope, name) -> values assigned, (scope, name) -> dicts of keys added later):
        #: each module's bindings indexed once, so many engines in one module stay linear.
        self._bindings: dict[str, tuple[dict[tuple[str, str], list["Value"]], dict[tuple[str, str], list["Value"]]]] = {}
        self._mappings: dict[tuple[str, str, str, bool], _Passed | None] = {}

    def bindings(self, module: "ModuleFacts") -> tuple[dict[tuple[str, str], list["Value"]],
                                                      dict[tuple[str, str], list["Value"]]]:
        found = self._bindings.get(module.path)
        if found is None:
            assigned: dict[tuple[str, str], list[Value]] = {}
            added: dict[tuple[str, str], list[Value]] = {}
            for a in module.assignments:
                assigned.setdefault((a.scope, a.name), []).append(a.value)
            for a in module.dict_items:
                added.setdefault((a.scope, a.name), []).append(a.value)
            found = self._bindings[module.path] = (assigned, added)
        return found

    def middleware_engine(self, module: "ModuleFacts", scope: str, site: "CallSite", migration: bool
                          ) -> Engine | None:
        """The engine a library's middleware creates from ``db_url=`` and ``engine_args=``: registered with
        ``app.add_middleware(SQLAlchemyMiddleware, ...)`` or built directly; None with ``custom_engine=``."""
        call = site.call
        assert call is not None
        if site.callee in MIDDLEWARE_ENGINES:
            wrapper = site.callee
        else:
            first = call.arg(0)
            if first is None or first.kind != "ref" or first.text not in MIDDLEWARE_ENGINES:
                return None
            wrapper = first.text
        if call.kwarg("custom_engine") is not None:
            return None
        engine_args = call.kwarg("engine_args")
        mapping = self.mapping(module, scope, engine_args) if engine_args is not None else {}
        passed = {name: mapping[name] for name in POOL_SETTINGS if mapping and name in mapping}
        return self.made(module, scope, site, wrapper.rpartition(".")[2], wrapper, MIDDLEWARE_ENGINES[wrapper],
                         call.arg(1, "db_url"), passed, mapping is not None, migration, False, mapping is None,
                         wrapper)

    def engine(self, module: "ModuleFacts", scope: str, site: "CallSite", migration: bool) -> Engine:
        call = site.call
        assert call is not None and site.callee is not None
        from_config = site.callee in CONFIG_ENGINE_CONSTRUCTORS
        passed: _Passed = {}
        opaque = False
        known = True  # False: engine_from_config's mapping cannot be read, a setting not passed is unknown
        url_raw: Value | None
        if from_config:
            config = call.arg(0, "configuration")
            prefix_value = call.arg(1, "prefix")
            prefix = prefix_value.text if prefix_value is not None and prefix_value.kind == "str" else "sqlalchemy."
            mapping = self.mapping(module, scope, config) if config is not None else None
            known = mapping is not None
            url_raw = mapping[prefix + "url"][0] if mapping and prefix + "url" in mapping else None
            passed.update((name, mapping[prefix + name]) for name in POOL_SETTINGS if mapping and prefix + name in mapping)
        else:
            url_raw = call.arg(0, "url")
        for key, value in call.keywords:
            if key == "**":
                mapping = self.mapping(module, scope, value)
                if mapping is None:
                    opaque = True
                    continue
                for name in POOL_SETTINGS:
                    if name in mapping and (name not in passed or not passed[name][1]):
                        passed[name] = mapping[name]
            else:
                passed[key] = (value, True)
        return self.made(module, scope, site, site.text, site.callee, site.callee in ASYNC_CONSTRUCTORS, url_raw,
                         passed, known, migration, from_config, opaque)

    def made(self, module: "ModuleFacts", scope: str, site: "CallSite", text: str, constructor: str, is_async: bool,
             url_raw: "Value | None", passed: _Passed, known: bool, migration: bool, from_config: bool,
             opaque: bool, wrapper: str | None = None) -> Engine:
        settings = []
        for name in POOL_SETTINGS:
            if name in passed:
                raw, certain = passed[name]
                resolved, over = self.reach.literal(module, raw)
                settings.append(EngineSetting(name, resolved if resolved is not None else raw, certain, over))
            else:
                settings.append(EngineSetting(name, None, known))
        url, url_over = self.reach.literal(module, url_raw) if url_raw is not None else (None, False)
        if url is None:
            url = url_raw
        database, driver = _database(url)
        assert site.call is not None
        return Engine(module.path, site.span, text, constructor, is_async, site.call, module, scope, url, url_over,
                      database, driver, _named_databases(url), tuple(settings), migration, from_config, opaque,
                      wrapper)

    def mapping(self, module: "ModuleFacts", scope: str, value: "Value") -> _Passed | None:
        """The keys of a mapping expression, key -> (value, certain): a dict literal, or a name bound once to
        one (a local of the calling function, or a module constant, also imported) with the keys later
        statements add (possibly in a branch: not certain, a key both written and added included); None when
        it is not such a mapping. Memoised per name: engines sharing one ``**engine_args`` read it once."""
        if value.kind == "dict":
            return {k: (v, True) for k, v in value.keywords}
        if value.kind != "ref" or not value.text:
            return None
        key = (module.path, scope, value.text, value.resolved)
        if key not in self._mappings:
            self._mappings[key] = self._named_mapping(module, scope, value)
        return self._mappings[key]

    def _named_mapping(self, module: "ModuleFacts", scope: str, value: "Value") -> _Passed | None:
        home, name, where = module, value.text, scope
        local = self.bindings(module)[0].get((scope, name)) if scope and not value.resolved else None
        if not local:
            where = ""
            if value.resolved:
                target = self.reach.index.resolve(value.text, module)
                if target is None:
                    return None
                home, name = target
            if "." in name:
                return None
        assigned, added = self.bindings(home)
        bindings = assigned.get((where, name), [])
        if len(bindings) != 1 or bindings[0].kind != "dict":
            return None
        found: _Passed = {k: (v, True) for k, v in bindings[0].keywords}
        for item in added.get((where, name), ()):
            found.update((k, (v, False)) for k, v in item.keywords)
        return found


def _parse_url(text: str) -> tuple[str, str] | None:
    match = _SCHEME.match(text)
    if match is None or match.group(1) not in URL_DATABASES:
        return None
    dialect = match.group(1)
    return URL_DATABASES[dialect], match.group(2) or DEFAULT_URL_DRIVERS.get(dialect, "")


def _database(url: "Value | None") -> tuple[str | None, str | None]:
    """(database, driver) a URL names: a string, an f-string's literal start, or the result of the
    ``url.replace("postgresql://", "postgresql+asyncpg://")`` idiom."""
    if url is None:
        return None, None
    text = None
    if url.kind in ("str", "fstring"):
        text = url.text
    elif url.kind == "call" and len(url.items) >= 2 and url.items[0].kind == url.items[1].kind == "str":
        text = url.items[1].text
    parsed = _parse_url(text) if text is not None else None
    return (parsed[0], parsed[1] or None) if parsed else (None, None)


def _named_databases(url: "Value | None") -> frozenset[str]:
    if url is None:
        return frozenset()
    return frozenset(parsed[0] for s in url.strings(fstrings=True) if (parsed := _parse_url(s.text)))
