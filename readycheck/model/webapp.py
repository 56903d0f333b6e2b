"""The web applications of a project: apps, routers, routes and their full paths.

Built from the Python facts of every module that can hold a route. An object
assigned from ``FastAPI()``, ``APIRouter()``, ``Starlette()`` or ``Router()``
is a web object; route decorators (``@router.get("/x")``), ``add_api_route``,
``add_route``, Starlette ``Route``/``Mount`` lists, ``include_router`` and
``mount`` connect them, across modules, through the modules' imports. The full
path of a route is the prefixes of every include on the way down plus the
router's own prefix plus the route's path.

Routers also reach an app the ways real services write it: a ``for`` loop over
routers written in the code (a tuple, a list or dict bound here or imported,
``.items()`` with a prefix per element), ``import_module(f"app.api.{name}")``
over a literal list of names, a registrar function given the app (at any depth
of registrars handing it on), a factory called in place
(``app.mount("/v1", create_v1())``) or whose result is bound to a name
(``router = build_final_router()``, a factory returning a router it imports or
another factory's result), and ``getattr(module, ...)`` of a module imported by
a name built at run time from an f-string that names the repo's own modules
(``import_module(f"app.plugins.{name}.api")``, directly or through a repo
wrapper of ``import_module``): every router of every repo module the f-string
matches, a superset of the enabled plugins. An app created inside a factory
is served by a start target that names the module-level name the factory's
result is bound to (``main:app`` where main.py says ``app = register_app()``);
its lifespan may be built by a call (the nested function a repo factory
returns, or the hooks decorated with a method of the module-level object whose
method builds it: ``@lifespan_manager.register`` with
``lifespan=lifespan_manager.build()``). Static evaluation stops where the code
decides at run time (plugins discovered on disk, a router a repo object builds):
such a registration is kept on the app as ``Unresolved`` and the health checks
say they cannot judge the app rather than judging the routes they can see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Iterator

from readycheck.core.findings import Related, Span
from readycheck.parsers.python import CallSite, Function, ModuleFacts, Value
from readycheck.knowledge.environments import is_auxiliary_path
from readycheck.core.sourcefile import common_prefix

if TYPE_CHECKING:
    from readycheck.model.project import PythonIndex
    from readycheck.model.startcommands import StartCommand

APP_CONSTRUCTORS = {
    "fastapi.FastAPI": ("app", "fastapi"),
    "fastapi.applications.FastAPI": ("app", "fastapi"),
    "starlette.applications.Starlette": ("app", "starlette"),
    "fastapi.APIRouter": ("router", "fastapi"),
    "fastapi.routing.APIRouter": ("router", "fastapi"),
    "starlette.routing.Router": ("router", "starlette"),
}
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "trace"}
ROUTE_DECORATORS = HTTP_METHODS | {"api_route", "route", "websocket", "websocket_route"}
UNKNOWN_SEGMENT = "<unknown>"  # shown to users as is: "readiness route <unknown>/health/ready"


@dataclass
class Route:
    path: str  # as declared on its owner (UNKNOWN_SEGMENT where not a literal)
    methods: tuple[str, ...]
    handler: Function | None
    module: ModuleFacts
    span: Span  # of the decorator or registration call
    owner: "WebObject | None"
    websocket: bool = False

    @property
    def path_is_known(self) -> bool:
        """False when the route's own path (not its prefixes) is a name readycheck could not resolve."""
        return UNKNOWN_SEGMENT not in self.path


@dataclass
class Include:
    child: "WebObject"
    prefix: str
    span: Span
    module: ModuleFacts


@dataclass
class Unresolved:
    """A place where routes reach an object in a way readycheck cannot follow statically
    (``app.include_router(load_plugin_router())``, a loop over routers built at run time)."""

    module: ModuleFacts
    span: Span
    what: str  # "include_router(get_router(...))": the registration, near enough to how it is written
    why: str = ""  # "in a loop over elements built at run time"

    @property
    def described(self) -> str:
        return f"`{self.what}` {self.why}" if self.why else f"`{self.what}`"


@dataclass
class WebObject:
    key: str  # "<module path>::<scoped name>"
    name: str
    kind: str  # "app" or "router"
    framework: str
    module: ModuleFacts
    span: Span  # the assignment target
    call: Value  # the constructor call
    prefix: str = ""
    routes: list[Route] = field(default_factory=list)
    includes: list[Include] = field(default_factory=list)
    #: Functions run at startup: lifespan, on_startup, @app.on_event("startup").
    startup: list[tuple[Function, ModuleFacts]] = field(default_factory=list)
    included: bool = False
    #: Prefixes where something readycheck cannot see into is mounted (StaticFiles, a WSGI app).
    opaque_mounts: list[str] = field(default_factory=list)
    #: Includes and mounts of the repo's own routers that readycheck could not follow.
    unresolved: list[Unresolved] = field(default_factory=list)
    #: HTTP middleware of the repo that runs for every request this app serves: functions decorated
    #: ``@app.middleware("http")`` and the ``dispatch`` of ``BaseHTTPMiddleware`` subclasses given to
    #: ``app.add_middleware``, with where each is registered.
    middleware: list[tuple[Function, ModuleFacts, Span]] = field(default_factory=list)

    def unresolved_links(self, seen: frozenset[str] = frozenset()) -> Iterator[Unresolved]:
        """Every include readycheck could not follow, here and in the routers included here: where
        there is one, this object may serve routes that ``all_routes`` does not list."""
        if self.key in seen:
            return
        seen = seen | {self.key}
        yield from self.unresolved
        for include in self.includes:
            yield from include.child.unresolved_links(seen)

    def cannot_follow(self) -> "tuple[Unresolved, str, tuple[Related, ...]] | None":
        """For a check that cannot judge this app because routes may be missing: the first
        registration readycheck could not follow (where to report it), a phrase naming it, and
        the app and the other such registrations as related locations. None when every
        registration was followed."""
        links = sorted({(u.module.path, u.span, u.what): u for u in self.unresolved_links()}.items())
        if not links:
            return None
        first = links[0][1]
        more = f" and {len(links) - 1} more" if len(links) > 1 else ""
        related = (Related(self.module.path, self.span, f"app `{self.name}`"),
                   *(Related(u.module.path, u.span, f"cannot follow {u.described}") for _, u in links[1:]))
        return first, f"{first.described}{more}", related

    def all_routes(self, prefix: str = "", seen: frozenset[str] = frozenset()) -> Iterator[tuple[str, Route]]:
        """(full path, route) for every route reachable from this object."""
        if self.key in seen:
            return
        seen = seen | {self.key}
        base = _join(prefix, self.prefix)
        for route in self.routes:
            yield _join(base, route.path), route
        for include in self.includes:
            yield from include.child.all_routes(_join(base, include.prefix), seen)

    def routes_through(self, prefix: str = "", seen: frozenset[str] = frozenset(),
                       way: tuple["WebObject", ...] = ()) -> Iterator[tuple[str, Route, tuple["WebObject", ...]]]:
        """(full path, route, the apps and routers a request passes on its way to it, this one first)
        for every route reachable from this object."""
        if self.key in seen:
            return
        seen = seen | {self.key}
        way = way + (self,)
        base = _join(prefix, self.prefix)
        for route in self.routes:
            yield _join(base, route.path), route, way
        for include in self.includes:
            yield from include.child.routes_through(_join(base, include.prefix), seen, way)


def _route_matches(route: list[str], request: list[str]) -> bool:
    for i, segment in enumerate(route):
        if segment.startswith("{") and segment.endswith(":path}"):
            return True  # {rest:path} takes everything after it
        if i >= len(request):
            return False
        if not (segment.startswith("{") and segment.endswith("}")) and segment != request[i]:
            return False
    return len(route) == len(request)


def _join(a: str, b: str) -> str:
    if not b:
        return a
    if not a:
        return b
    return a.rstrip("/") + "/" + b.lstrip("/")


def _methods(value: Value | None) -> tuple[str, ...]:
    """HTTP methods of a ``methods=[...]`` argument; GET when absent or not literal."""
    if value is None or value.kind != "list":
        return ("GET",)
    return tuple(v.text.upper() for v in value.items if v.kind == "str") or ("GET",)


def _literal_path(value: Value | None) -> str:
    if value is None:
        return ""
    if value.kind == "str":
        return value.text
    return UNKNOWN_SEGMENT


def _path(index: "PythonIndex", module: ModuleFacts, value: Value | None, scope: str = "") -> str:
    """A route path or prefix: a literal, or a name bound to exactly one string. The name may be a
    parameter default of an enclosing function (prefect's ``create_api_app(health_check_path="/health")``),
    an assignment in an enclosing function or at module level, or a constant imported from another module."""
    if value is None or value.kind != "ref":
        return _literal_path(value)
    found = _string_constant(index, module, value, scope)
    return found if found is not None else UNKNOWN_SEGMENT


def _module_binding(index: "PythonIndex", module: ModuleFacts, value: Value) -> tuple[ModuleFacts, str] | None:
    """(module, name) of the module-level name a reference names: through imports when it was resolved."""
    target = index.resolve(value.text, module) if value.resolved else (module, value.text)
    return target if target is not None and "." not in target[1] else None


def _string_constant(index: "PythonIndex", module: ModuleFacts, value: Value, scope: str) -> str | None:
    if value.resolved:
        target = _module_binding(index, module, value)
        return _only_string(target[0], target[1], "") if target is not None else None
    if "." in value.text:
        return None
    name = value.text
    while scope:
        function = module.functions.get(scope)
        for param in function.params if function is not None else ():
            if param.name == name:
                return param.default  # a parameter shadows everything outside, default or not
        if any(a.name == name and a.scope == scope for a in module.assignments):
            return _only_string(module, name, scope)
        scope = scope.rpartition(".<locals>.")[0]
    return _only_string(module, name, "")


def _only_string(module: ModuleFacts, name: str, scope: str) -> str | None:
    """The string a name is bound to in one scope, when every binding there is that same string."""
    values = {a.value.text if a.value.kind == "str" else None for a in module.assignments
              if a.name == name and a.scope == scope}
    return values.pop() if len(values) == 1 else None


@dataclass
class WebModel:
    objects: list[WebObject]
    routes: list[Route]
    #: What a start target's module-level name is bound to, when it is a call of a repo factory:
    #: (target module, name) -> the apps the factory returns (filled on first use, see ``_named``).
    _factory_results: dict[tuple[str, str], list[WebObject]] = field(default_factory=dict, repr=False)
    _linker: "_Linker | None" = field(default=None, repr=False)

    def _named(self, app: WebObject, module: str, attr: str | None) -> bool:
        """Whether a start target (module, attribute) names an app: where it is created, or through
        the module-level name it names, bound to a call of a repo factory that returns the app
        (``main:app`` where main.py says ``app = register_app()``)."""
        if _serves(app, module, attr):
            return True
        return attr is not None and any(app is made for made in self._made_for(module, attr))

    def _made_for(self, module: str, attr: str) -> list[WebObject]:
        key = (module, attr)
        found = self._factory_results.get(key)
        if found is None:
            found = self._factory_results[key] = []
            linker = self._linker
            for source in linker.index.sources_named(module) if linker is not None else ():
                facts = linker.index.facts(source) if linker is not None else None
                imported = facts.imports.get(attr) if facts is not None else None
                if imported:  # ``from app.web import app`` in the module served (``python serve.py``)
                    found += [o for o in self.objects if o.kind == "app" and "<locals>" not in o.key
                              and f"{o.module.module}.{o.name}" == imported]
                bound = list(facts.module_level(attr)) if facts is not None else []
                if linker is None or facts is None or len(bound) != 1 or bound[0].value.kind != "call":
                    continue
                found += [o for o in linker._web_objects(facts, bound[0].value, "", {}) or () if o.kind == "app"]
        return found

    @property
    def apps(self) -> list[WebObject]:
        return [o for o in self.objects if o.kind == "app"]

    def service_apps(self, start_commands: Iterable["StartCommand"]) -> list[WebObject]:
        """The apps that are the deployed service.

        The top-level apps (not mounted in another) that a production start command names (``app.main:app``, ``create_app()``,
        ``fastapi run app/main.py``); when no start command names one, every
        top-level app outside tests, docs, examples and scripts.
        """
        apps = [a for a in self.apps if not a.included]
        targets = list(_start_targets(start_commands))
        served = [a for a in apps if any(self._named(a, module, attr) for module, attr in targets)]
        return served or [a for a in apps if not is_auxiliary_path(a.module.path)]

    def apps_for_target(self, target: str, near: str | None = None) -> list[WebObject]:
        """The apps a start command's target ("app.main:app", "app/main.py") names.

        In a monorepo several services' folders each hold an ``app/main.py``: given ``near``,
        the file that declares the start command, only the apps in the folder that shares
        the most of its path with that file are kept (``svc0/docker-compose.yml`` serves
        ``svc0/app/main.py``, not ``svc1/app/main.py``)."""
        (module, attr), = list(_start_targets_of([target]))
        found = [a for a in self.objects if a.kind == "app" and self._named(a, module, attr)]
        if near is not None and len(found) > 1:
            shared = {a.key: common_prefix(a.module.path, near) for a in found}
            best = max(shared.values())
            found = [a for a in found if shared[a.key] == best]
        return found

    def serves(self, apps: list[WebObject], path: str) -> bool | None:
        """Whether one of these apps has a route for a request path (path parameters match
        any segment, a trailing slash is ignored); None when the apps' routes cannot all be
        known statically (a prefix or path that is not a literal, or a mounted sub-application)."""
        wanted = [s for s in path.split("?")[0].strip("/").split("/") if s]
        unknown = False
        request = "/" + "/".join(wanted)
        for app in apps:
            root = app.call.kwarg("root_path")
            if root is not None and root.kind == "str" and root.text.strip("/"):
                prefix = [s for s in root.text.strip("/").split("/") if s]
                if wanted[:len(prefix)] == prefix:  # served behind a proxy prefix, stripped by Starlette
                    if self.serves([app], "/" + "/".join(wanted[len(prefix):])):
                        return True
            if next(app.unresolved_links(), None) is not None:
                unknown = True  # routers readycheck could not follow may serve it
            for prefix in app.opaque_mounts:  # StaticFiles, a WSGI app: readycheck cannot see inside
                if prefix == UNKNOWN_SEGMENT or request.startswith("/" + prefix.strip("/")):
                    unknown = True
            for full, _ in app.all_routes():
                if UNKNOWN_SEGMENT in full:
                    unknown = True
                    continue
                if _route_matches([s for s in full.strip("/").split("/") if s], wanted):
                    return True
        return None if unknown else False

    def served_by(self, apps: list[WebObject], path: str) -> tuple[str, Route] | None:
        """(full path, route) of the first route of these apps, with a path readycheck knows, that
        answers a request path (a ``root_path`` prefix stripped as Starlette does); None when none
        does or the route that does cannot be known (see ``serves``)."""
        wanted = [s for s in path.split("?")[0].strip("/").split("/") if s]
        for app in apps:
            root = app.call.kwarg("root_path")
            if root is not None and root.kind == "str" and root.text.strip("/"):
                prefix = [s for s in root.text.strip("/").split("/") if s]
                if wanted[:len(prefix)] == prefix:
                    found = self.served_by([app], "/" + "/".join(wanted[len(prefix):]))
                    if found is not None:
                        return found
            for full, route in app.all_routes():
                if UNKNOWN_SEGMENT not in full and \
                        _route_matches([s for s in full.strip("/").split("/") if s], wanted):
                    return full, route
        return None

    def handlers(self) -> Iterator[tuple[Route, Function]]:
        for route in self.routes:
            if route.handler is not None:
                yield route, route.handler


def constructor_kind(index: "PythonIndex", qualified: str, near: ModuleFacts, depth: int = 0) -> tuple[str, str] | None:
    """(kind, framework) when ``qualified`` builds an app or router: a known
    constructor, or a repo class that subclasses one (at any depth)."""
    known = APP_CONSTRUCTORS.get(qualified)
    if known is not None or depth > 5:
        return known
    target = index.resolve(qualified, near)
    if target is None:
        return None
    module, name = target
    for base in module.class_bases.get(name, ()):
        found = constructor_kind(index, base, module, depth + 1)
        if found is not None:
            return found
    return None


def _start_targets(start_commands: Iterable["StartCommand"]) -> Iterator[tuple[str, str | None]]:
    """(module dotted name, attribute or None) of every app a production start command serves."""
    yield from _start_targets_of(
        start.server.target.text for start in start_commands
        if start.server is not None and not start.development and start.role == "boot" and start.server.target)


def _start_targets_of(targets: Iterable[str]) -> Iterator[tuple[str, str | None]]:
    for text in targets:
        yield start_target(text)


def start_target(text: str) -> tuple[str, str | None]:
    """(module, attribute or None) a server's target names: ``app.main:app``, a factory
    ``tests.app:create_app()``, a file (``fastapi run ./docs/main.py``) or a path-style module
    (hypercorn's ``tests/main:app``, Flask's ``--app scripts/app.py:app``). An absolute path
    (``/srv/docs/main.py``, relative to no folder readycheck knows) keeps its leading ``/``."""
    module, colon, attr = text.strip().partition(":")
    absolute = module.startswith("/")
    while module.startswith("./"):
        module = module[2:]
    if module.endswith(".py"):
        module = module[:-3]
    module = module.strip("/").replace("/", ".")
    return ("/" + module if absolute else module), (attr.split("(")[0] or None) if colon else None


def target_names_module(module: str, dotted: str) -> bool:
    """Whether a start target's module (``start_target``) names the repo module of this dotted name:
    itself or a name suffix of it (``main`` names ``src/main.py`` run with ``--app-dir src``); an
    absolute path names the modules whose names end it (``/app/docs/main`` names ``docs.main``)."""
    if module.startswith("/"):
        module = module[1:]
        return dotted == module or module.endswith("." + dotted) or dotted.endswith("." + module)
    return dotted == module or dotted.endswith("." + module)


def _serves(app: WebObject, module: str, attr: str | None) -> bool:
    dotted = app.module.module
    if not target_names_module(module, dotted):
        return False
    if attr is None or attr == app.name or "<locals>" in app.key:
        return True
    # A factory (`create_app`) or a name bound elsewhere in the module: any app of the module.
    return attr not in {a.name for a in app.module.assignments if not a.scope}


def build_web_model(index: "PythonIndex") -> WebModel:
    objects: dict[str, WebObject] = {}
    modules = index.web_modules()
    for module in modules:
        for assignment in module.assignments:
            value = assignment.value
            if value.kind != "call" or not value.resolved:
                continue
            found = constructor_kind(index, value.text, module)
            if found is not None:
                key = f"{module.path}::{_scoped(assignment.scope, assignment.name)}"
                objects[key] = _web_object(index, key, assignment, found, module)
    for module in modules:
        _infer_routers_from_usage(index, module, objects)
    model = WebModel(list(objects.values()), [])
    linker = _Linker(index, objects, model)
    for module in modules:
        linker.link_module(module)
    model._linker = linker
    return model


def _web_object(index: "PythonIndex", key: str, assignment, kind_framework: tuple[str, str],
                module: ModuleFacts) -> WebObject:
    kind, framework = kind_framework
    value = assignment.value
    prefix = _path(index, module, value.kwarg("prefix"), assignment.scope)
    return WebObject(key, assignment.name, kind, framework, module, assignment.span, value, prefix=prefix)


def _infer_routers_from_usage(index: "PythonIndex", module: ModuleFacts, objects: dict[str, WebObject]) -> None:
    """An object built by a call readycheck cannot follow (a router class made by a
    factory function) is still a router when it is used as one, in a module that
    uses FastAPI or Starlette: functions are routed through it
    (``@router.get("/healthz")``), it includes routers (``router.include_router(x)``),
    or it is included (``app.include_router(router)``)."""
    used_as_router: list[tuple[str, str | None]] = []  # (local text, qualified when imported)
    for function in module.functions.values():
        for deco in function.decorators:
            receiver, _, attr = deco.text.rpartition(".")
            if attr in ROUTE_DECORATORS and deco.call is not None and receiver and "." not in receiver:
                path = deco.call.arg(0, "path")
                if path is not None and path.kind == "str":
                    used_as_router.append((receiver, deco.qualified.rpartition(".")[0] if deco.qualified else None))
    for _, site in _Linker._calls(module):
        if site.method != "include_router" or site.call is None:
            continue
        receiver = site.text.rpartition(".")[0]
        if receiver and "." not in receiver:
            used_as_router.append((receiver, site.callee.rpartition(".")[0] if site.callee else None))
        child = site.call.arg(0, "router")
        if child is not None and child.kind == "ref":
            used_as_router.append((child.text, child.text if child.resolved else None))
    for text, qualified in used_as_router:
        if qualified:
            target = index.resolve(qualified, module)
            if target is None:
                continue
            home, name = target
        else:
            home, name = module, text
        key = f"{home.path}::{name}"
        if key in objects:
            continue
        assignment = next((a for a in home.module_level(name) if a.value.kind == "call"), None)
        if assignment is not None:
            objects[key] = _web_object(index, key, assignment, ("router", "fastapi"), home)


def _scope_of(obj: WebObject) -> str:
    """The function an app or router is created in ("" at module level)."""
    scoped = obj.key.partition("::")[2]
    return scoped.rpartition(".<locals>.")[0] if ".<locals>." in scoped else ""


def _encloses(outer: str, scope: str) -> bool:
    """Whether names bound in scope ``outer`` are visible in ``scope`` (the same or a nested function)."""
    return not outer or scope == outer or scope.startswith(outer + ".<locals>.")


def _scoped(scope: str, name: str) -> str:
    return f"{scope}.<locals>.{name}" if scope else name


#: Calls that register routes or routers on the object they are called on.
REGISTRATION_METHODS = frozenset({"include_router", "mount", "add_api_route", "add_route", "add_api_websocket_route",
                                  "add_event_handler", "add_websocket_route", "add_middleware"})
#: Decorators that register a function on the object they are called on.
REGISTRATION_DECORATORS = ROUTE_DECORATORS | {"on_event", "middleware"}
#: ``import_module`` as it is usually reached.
IMPORT_MODULE = frozenset({"importlib.import_module", "import_module"})
#: Registrars handing the app on to registrars: real services go two or three deep.
MAX_REGISTRAR_DEPTH = 8
#: Registrar calls followed in one repository, at most (each call site once per level is far below it).
MAX_REGISTRAR_CALLS = 20_000
#: What a name stands for while a loop or a call is expanded: name -> (module, value, scope).
Bindings = dict[str, tuple[ModuleFacts, Value, str]]


def _is_plain_function(function: Function) -> bool:
    """A function, not a method (a method's call sites pass self implicitly)."""
    return "." not in function.qualname.replace(".<locals>.", "")


def _describe(value: Value | None, module: ModuleFacts) -> str:
    """A value near enough to how the user wrote it to find it: ``users.router``, ``get_router(...)``
    (a name of the module itself without the module's own dotted name)."""
    if value is None:
        return "nothing"
    text = value.text
    if value.resolved and module.module and text.startswith(module.module + "."):
        text = text[len(module.module) + 1:]
    if value.kind == "ref":
        return text
    if value.kind == "call":
        return f"{text or '<expression>'}(...)"
    if value.kind == "subscript":
        return f"{text or '<expression>'}[...]"
    if value.kind == "str":
        return repr(value.text)
    return "an expression"


class _Linker:
    def __init__(self, index: "PythonIndex", objects: dict[str, WebObject], model: WebModel) -> None:
        self.index = index
        self.objects = objects
        self.model = model
        self._by_module: dict[int, list[WebObject]] | None = None
        #: id(function) -> the parameters a registrar function registers routes on (see _registrars).
        self._registrar_params: dict[int, set[str]] | None = None
        self._registrar_names: set[str] = set()
        self._nested: dict[tuple[str, str], list[Function]] = {}  # (module path, scope) -> functions in it
        self._assigned: dict[str, dict[str, list]] = {}  # module path -> name -> its assignments, in order
        self._loops: dict[str, dict[tuple[str, Span], list[tuple[str, str]]]] = {}
        self._replays = 0  # registrar calls followed so far (see MAX_REGISTRAR_CALLS)
        #: (f-string of a module name, attribute or None) -> the routers of the modules it matches
        self._candidates: dict[tuple[str, str | None], list[WebObject]] = {}
        self._calls_by_name: dict[str, list[tuple[ModuleFacts, CallSite, str]]] | None = None

    @staticmethod
    def _is_parameter(module: ModuleFacts, name: str, scope: str) -> bool:
        """Whether a name is a parameter of the function ``scope`` or of one enclosing it."""
        while scope:
            function = module.functions.get(scope)
            if function is not None and any(p.name == name for p in function.params):
                return True
            scope = scope.rpartition(".<locals>.")[0]
        return False

    def _loop_names(self, module: ModuleFacts) -> dict[tuple[str, Span], list[tuple[str, str]]]:
        """(scope, iterable span) -> (name, position) of every name each ``for`` loop of a module binds
        (indexed once per module asked about)."""
        found = self._loops.get(module.path)
        if found is None:
            found = self._loops[module.path] = {}
            for a in module.assignments:
                if a.value.kind == "each":
                    found.setdefault((a.scope, a.value.items[0].span), []).append((a.name, a.value.text))
        return found

    def _assignments(self, module: ModuleFacts, name: str) -> list:
        """Every assignment of a name in a module, any scope (indexed once per module asked about)."""
        by_name = self._assigned.get(module.path)
        if by_name is None:
            by_name = self._assigned[module.path] = {}
            for assignment in module.assignments:
                by_name.setdefault(assignment.name, []).append(assignment)
        return by_name.get(name, [])

    def owner(self, module: ModuleFacts, text: str, scope: str, qualified: str | None) -> WebObject | None:
        """The web object a dotted receiver (``app``, ``users.router``) refers to.

        A name resolved through an import is looked up where it was imported
        from; an unresolved one is a local of the enclosing scopes.
        """
        if qualified:
            target = self.index.resolve(qualified, module)
            if target is not None:
                target_module, name = target
                found = self.objects.get(f"{target_module.path}::{name}")
                if found:
                    return found
        while scope:
            found = self.objects.get(f"{module.path}::{_scoped(scope, text)}")
            if found:
                return found
            scope = scope.rpartition(".<locals>.")[0]
        return self.objects.get(f"{module.path}::{text}")

    def _ref_owner(self, module: ModuleFacts, value: Value | None, scope: str) -> WebObject | None:
        if value is None or value.kind != "ref":
            return None
        return self.owner(module, value.text, scope, value.text if value.resolved else None)

    # -- what a value names: routers, apps, loop elements ----------------------

    def _bound(self, module: ModuleFacts, value: Value, scope: str) -> tuple[ModuleFacts, Value, str] | None:
        """(module, value, scope) of the one assignment a plain name refers to: a local of the
        enclosing scopes, or a module-level name here or (resolved) where it was imported from."""
        if value.resolved:
            target = _module_binding(self.index, module, value)
            if target is None:
                return None
            module, name = target
            scope = ""
        else:
            name = value.text
            if "." in name:
                return None
        named = self._assignments(module, name)
        while True:
            bound = [a.value for a in named if a.scope == scope]
            if bound:
                return (module, bound[0], scope) if len(bound) == 1 else None
            if not scope:
                return None
            scope = scope.rpartition(".<locals>.")[0]

    def _elements(self, module: ModuleFacts, value: Value, scope: str, bindings: Bindings, depth: int = 0
                  ) -> list[tuple[ModuleFacts, Value, str]] | None:
        """The elements a ``for`` loop goes through, when they are written in the code: a literal
        list or tuple (directly, or through a name bound here or imported), lists joined with ``+``,
        a dict's ``.items()``, ``.values()`` or keys. None when they are built at run time."""
        if depth > 6:
            return None
        if value.kind == "list":
            return [(module, item, scope) for item in value.items]
        if value.kind == "dict":
            return [(module, Value("str", key, value.span), scope) for key, _ in value.keywords]
        if value.kind == "binop" and value.text == "Add":
            left = self._elements(module, value.items[0], scope, bindings, depth + 1)
            right = self._elements(module, value.items[1], scope, bindings, depth + 1)
            return left + right if left is not None and right is not None else None
        if value.kind == "ref":
            bound = bindings.get(value.text) if not value.resolved else None  # a registrar's parameter
            bound = bound or self._bound(module, value, scope)
            return self._elements(*bound, {}, depth + 1) if bound is not None else None
        if value.kind == "call" and not value.items and value.text.rpartition(".")[2] in ("items", "values", "keys"):
            base, _, view = value.text.rpartition(".")
            bound = self._bound(module, Value("ref", base, value.span, resolved=value.resolved), scope)
            if bound is None or bound[1].kind != "dict":
                return None
            home, mapping, where = bound
            if view == "items":
                return [(home, Value("list", "", v.span, (Value("str", k, v.span), v)), where)
                        for k, v in mapping.keywords]
            if view == "values":
                return [(home, v, where) for _, v in mapping.keywords]
            return [(home, Value("str", k, v.span), where) for k, v in mapping.keywords]
        return None

    def _free_names(self, module: ModuleFacts, value: Value | None, scope: str, bindings: Bindings,
                    depth: int = 0) -> Iterator[str]:
        """The local names a value depends on, through one local assignment from a call
        (``module = import_module(f"app.api.{name}")`` depends on ``name``)."""
        if value is None or depth > 3:
            return
        if value.kind in ("ref", "subscript") and not value.resolved:
            head = value.text.partition(".")[0]
            if head in bindings:
                return
            yield head
            bound = self._bound(module, Value("ref", head), scope)
            if bound is not None and bound[1].kind == "call":
                for item in bound[1].items:
                    yield from self._free_names(module, item, scope, bindings, depth + 1)
        elif value.kind in ("fstring", "call"):
            for item in value.items:
                yield from self._free_names(module, item, scope, bindings, depth + 1)

    def _loop_bindings(self, module: ModuleFacts, values: tuple[Value | None, ...], scope: str,
                       bindings: Bindings, at: Span) -> list[Bindings | None]:
        """One set of bindings per element of the loop the values depend on (every name the loop
        binds, ``for prefix, router in ROUTERS.items()``); [{}] when they depend on no loop;
        [None] when they do but its elements are built at run time. Of several loops over the
        same name, the nearest one before ``at`` (the include) is the one around it."""
        for value in values:
            for name in self._free_names(module, value, scope, bindings):
                loop = None
                for a in self._assignments(module, name):
                    if a.value.kind == "each" and _encloses(a.scope, scope) and a.span < at:
                        loop = a
                if loop is None:
                    continue
                iterable = loop.value.items[0]
                names = self._loop_names(module)[(loop.scope, iterable.span)]
                elements = self._elements(module, iterable, loop.scope, bindings)
                if elements is None:
                    return [None]
                out: list[Bindings | None] = []
                for home, element, where in elements:
                    each: Bindings = {}
                    for bound_name, position in names:
                        if not position:
                            each[bound_name] = (home, element, where)
                        elif element.kind == "list" and int(position) < len(element.items):
                            each[bound_name] = (home, element.items[int(position)], where)
                    out.append(each)
                return out
        return [{}]

    def _imported_modules(self, module: ModuleFacts, call: Value, bindings: Bindings) -> list[str] | None:
        """The dotted names an ``import_module(...)`` call imports: a literal, or an f-string whose
        fields are bound to strings (the loop's elements)."""
        name = call.arg(0, "name")
        if name is None:
            return None
        if name.kind == "str":
            text = name.text
        elif name.kind == "fstring" and name.items:
            text = name.text
            for field_value in name.items:
                bound = bindings.get(field_value.text) if not field_value.resolved else None
                if bound is None or bound[1].kind != "str":
                    return None
                text = text.replace("{}", bound[1].text, 1)
        else:
            return None
        if text.startswith("."):
            package = call.arg(1, "package")
            if package is not None and package.kind == "str":
                base = package.text
            elif package is not None and package.kind == "ref" and package.text in ("__name__", "__package__"):
                is_package = module.path.endswith("__init__.py")
                base = module.module if is_package or package.text == "__name__" else module.module.rpartition(".")[0]
            else:
                return None
            text = base + text
        return [text]

    def _importer(self, module: ModuleFacts, call: Value, scope: str) -> bool:
        """Whether a call imports the module its first argument names: ``import_module``, or a repo
        function of one parameter that returns what ``import_module`` returns (an ``lru_cache``'d
        ``import_module_cached(path)``)."""
        if call.text in IMPORT_MODULE:
            return True
        found = self.index.function(module, call.text, scope, call.resolved) if call.text else None
        return found is not None and len(found[0].params) == 1 and bool(found[0].results) and all(
            r.kind == "call" and r.text in IMPORT_MODULE for r in found[0].results)

    def _candidate_routers(self, module: ModuleFacts, value: Value, scope: str) -> list[WebObject] | None:
        """The routers a ``getattr(module, name)`` may be when ``module`` is imported by a name built
        at run time from an f-string naming the repo's own modules
        (``import_module(f"backend.plugin.{plugin.name}.api.router")``): every module-level router or
        app of every repo module that the f-string's literal parts match. A superset of what the
        service includes (a plugin may be disabled), enough to say that no health route is among them.
        None when the value is not such a ``getattr``, or no repo module matches."""
        if value.kind == "ref" and not value.resolved and "." not in value.text:
            bound = self._bound(module, value, scope)
            if bound is None:
                return None
            module, value, scope = bound
        if value.kind != "call" or value.text != "getattr" or not value.items or value.items[0].kind != "ref":
            return None
        bound = self._bound(module, value.items[0], scope)
        if bound is None or bound[1].kind != "call" or not self._importer(bound[0], bound[1], bound[2]):
            return None
        home, call, where = bound
        name = call.arg(0, "name")
        if name is not None and name.kind == "ref" and not name.resolved:
            named = self._bound(home, name, where)
            name = named[1] if named is not None else None
        if name is None or name.kind != "fstring" or "{}" not in name.text:
            return None
        fixed = name.text.split("{}")
        if "." not in fixed[0]:
            return None  # f"{package}.api": nothing says which of the repo's packages
        attribute = value.items[1] if len(value.items) > 1 else None
        wanted = attribute.text if attribute is not None and attribute.kind == "str" else None
        key = (name.text, wanted)
        if key not in self._candidates:  # each f-string matched against the modules once
            pattern = re.compile(r"(?:.*\.)?" + r"[\w.]+".join(re.escape(part) for part in fixed))
            self._candidates[key] = [o for candidate in self.index.web_modules() if pattern.fullmatch(candidate.module)
                                     for o in (self._by_module or {}).get(id(candidate), [])
                                     if "<locals>" not in o.key and (wanted is None or o.name == wanted)]
        return list(self._candidates[key]) or None

    def _given_routers(self, module: ModuleFacts, value: Value, scope: str) -> list[WebObject] | None:
        """The routers an app factory is given: ``def create_application(router, settings): app =
        FastAPI(); app.include_router(router)`` called as ``create_application(router=api_router, ...)``
        (by name or position) in any web module. None when the value is not a parameter of the plain
        function it is included in, no call site of that function gives a router readycheck follows, one
        gives a router it cannot follow, or two give different ones."""
        if value.kind != "ref" or value.resolved or "." in value.text or not scope:
            return None
        function = module.functions.get(scope)
        if function is None or not _is_plain_function(function):
            return None
        position = next((i for i, p in enumerate(function.params) if p.name == value.text), None)
        if position is None:
            return None
        found: list[WebObject] | None = None
        for home, site, where in self._call_sites(function):
            call = site.call
            if call is None:
                return None  # a caller whose arguments were not kept (``create_application(build(...))``)
            argument = call.kwarg(value.text)
            if argument is None and position < len(call.items):
                argument = call.items[position]
            if argument is None:
                continue  # this caller leaves the parameter to its default
            named = self._web_objects(home, argument, where, {})
            if named is None:
                return None  # a router readycheck cannot follow (built at run time): which routes, cannot tell
            given = []
            for child in named:
                if child not in given:
                    given.append(child)
            if not given:
                continue  # a library's router
            if found is not None and {id(o) for o in given} != {id(o) for o in found}:
                # Two callers give different routers (``create_application(users.router)`` in one service,
                # ``create_application(health.router)`` in another): the factory makes one web object here,
                # so which routes the served app has cannot be told; the include stays unresolved.
                return None
            found = given
        return found

    def _call_sites(self, function: Function) -> Iterator[tuple[ModuleFacts, CallSite, str]]:
        """(module, call, scope) of every call of a repo function in the web modules: the calls named
        like it (indexed by name once, on the first question) that resolve to it."""
        if self._calls_by_name is None:
            self._calls_by_name = {}
            for module in self.index.web_modules():
                for scope, site in self._calls(module):
                    if site.text:  # a call whose arguments were not kept too: its router cannot be told
                        self._calls_by_name.setdefault(site.text.rpartition(".")[2], []).append((module, site, scope))
        for home, site, where in self._calls_by_name.get(function.name, ()):
            found = self.index.function(home, site.callee or site.text, where, site.callee is not None)
            if found is not None and found[0] is function:
                yield home, site, where

    def _web_objects(self, module: ModuleFacts, value: Value | None, scope: str, bindings: Bindings,
                     depth: int = 0) -> list[WebObject] | None:
        """The apps or routers a value names; [] when it names something from a library (a router
        fastapi-users builds, StaticFiles); None when it names something in the repository that
        readycheck cannot follow (a router built at run time, a plugin loaded by name)."""
        if value is None or depth > 8:
            return None
        if value.kind == "ref":
            head, _, rest = value.text.partition(".")
            if not value.resolved and head in bindings:
                home, bound, where = bindings[head]
                if rest and bound.kind == "ref":
                    bound = bound._replace(text=f"{bound.text}.{rest}")
                elif rest:
                    return None
                return self._web_objects(home, bound, where, {}, depth + 1)
            if not value.resolved and self._is_parameter(module, head, scope):
                return None  # a parameter no call site gives here (not the module's object of the same name)
            owner = self._ref_owner(module, value, scope)
            if owner is not None:
                return [owner]
            if value.resolved:
                target = self.index.resolve(value.text, module)
                if target is None:
                    return []  # imported from a library
                home, name = target
                if name in home.functions:
                    return []  # a plain ASGI callable (app.mount("/", asgi_function)): nothing to follow
                if "." not in name:
                    bound = list(home.module_level(name))
                    if len(bound) == 1 and bound[0].value.kind in ("ref", "call"):
                        return self._web_objects(home, bound[0].value, "", {}, depth + 1)  # an alias, a factory
                return None
            if rest:  # module.router, where module = import_module(...)
                bound = self._bound(module, Value("ref", head), scope)
                if bound is None or bound[1].kind != "call" or bound[1].text not in IMPORT_MODULE:
                    return None
                names = self._imported_modules(module, bound[1], bindings)
                if names is None:
                    return None
                found: list[WebObject] = []
                for dotted_name in names:
                    objects = self._web_objects(module, Value("ref", f"{dotted_name}.{rest}", value.span, resolved=True),
                                                "", {}, depth + 1)
                    if not objects:
                        return None  # a module readycheck cannot find, or no router in it
                    found += objects
                return found
            bound = self._bound(module, value, scope)
            if bound is None or bound[1].kind == "each":
                return None  # a parameter, or a loop over routers built at run time
            return self._web_objects(bound[0], bound[1], bound[2], bindings, depth + 1)
        if value.kind == "call":
            items = value.items
            if value.text == "getattr":
                if len(items) >= 2 and items[0].kind == "ref" and items[1].kind == "str":
                    return self._web_objects(module, items[0]._replace(text=f"{items[0].text}.{items[1].text}"),
                                             scope, bindings, depth + 1)
                return None  # an attribute of an object made in place (getattr(import_module(name), "router"))
            found_function = self.index.function(module, value.text, scope, value.resolved) if value.text else None
            if found_function is not None:
                return self._made_by(*found_function, depth=depth) or None
            target = self.index.resolve(value.text, module) if value.resolved else None
            if target is None or self._from_library(*target):
                return []  # a library's own router or app (fastapi-users, StaticFiles)
            if target[1].partition(".")[0] in target[0].classes:
                return []  # an object of one of the repo's classes (a StaticFiles subclass), or a router built in place
            return None  # a method of an object of the repository
        if value.kind == "subscript" and not value.resolved and value.text in bindings and value.items:
            home, bound, where = bindings[value.text]
            key = value.items[0]
            if bound.kind == "dict" and key.kind == "str":
                return self._web_objects(home, bound.kwarg(key.text), where, {}, depth + 1)
        return None

    def _from_library(self, module: ModuleFacts, name: str, depth: int = 0) -> bool:
        """Whether a name (``users.get_auth_router``) belongs to a library: not defined in the module
        the import resolved to, or bound there to an object a library built
        (``users = FastAPIUsers(...)``)."""
        head = name.partition(".")[0]
        if head in module.classes or head in module.functions:
            return False
        bound = list(module.module_level(head))
        if not bound:
            return True
        value = bound[0].value
        if len(bound) > 1 or value.kind not in ("call", "ref") or depth > 4:
            return False
        if not value.resolved:
            return value.kind == "call"
        target = self.index.resolve(value.text, module)
        return target is None or self._from_library(*target, depth + 1)

    def _made_by(self, function: Function, home: ModuleFacts, depth: int = 0) -> list[WebObject]:
        """The routers or apps a factory function returns: the ones it builds, or else the ones
        it decorates routes on (letta's ``setup_auth_router`` adds a route to the module's router
        and returns it), or else the ones it returns by name (fastapi_best_architecture's
        ``build_final_router`` imports the main router in its body and returns it; a factory
        returning another factory's result)."""
        inner = f"{home.path}::{function.qualname}.<locals>."
        nesting = function.qualname.count(".<locals>.") + 1
        made = [o for o in self._by_module.get(id(home), []) if o.key.startswith(inner)
                and o.key.count(".<locals>.") == nesting] if self._by_module else []
        if made:
            return made
        decorated: dict[str, WebObject] = {}
        for nested in self._nested.get((home.path, function.qualname), ()):
            for deco in nested.decorators:
                receiver = deco.text.rpartition(".")[0]
                qualified = deco.qualified.rpartition(".")[0] if deco.qualified else None
                owner = self.owner(home, receiver, nested.scope, qualified) if receiver else None
                if owner is not None:
                    decorated[owner.key] = owner
        if decorated:
            return list(decorated.values())
        returned: dict[str, WebObject] = {}
        for result in function.results:
            if result.kind == "ref":
                value = Value("ref", result.text, function.span, resolved=True)
                scope = ""
            elif result.kind == "local" and "." not in result.text:
                value, scope = Value("ref", result.text, function.span), function.qualname
            elif result.kind == "call":
                value, scope = Value("call", result.text, function.span, resolved=True), ""
            else:
                continue
            for obj in self._web_objects(home, value, scope, {}, depth + 1) or ():
                returned[obj.key] = obj
        return list(returned.values())

    def _prefix(self, module: ModuleFacts, value: Value | None, scope: str, bindings: Bindings) -> str:
        """A prefix argument, through the loop element or call argument a name stands for."""
        if value is not None and not value.resolved and value.kind in ("ref", "subscript") and value.text in bindings:
            home, bound, where = bindings[value.text]
            if value.kind == "subscript":
                key = value.items[0] if value.items else None
                bound = bound.kwarg(key.text) if bound.kind == "dict" and key is not None and key.kind == "str" \
                    else None
                if bound is None:
                    return UNKNOWN_SEGMENT
            return _path(self.index, home, bound, where)
        return _path(self.index, module, value, scope)

    # -- registrar functions ------------------------------------------------------

    def _registrars(self) -> set[str]:
        """Names of the repo functions that register routes on an app or router they are given:
        ``def register_routers(app): app.include_router(users.router)``, a function that decorates
        routes on its parameter (``@app.get("/healthz")`` inside it), one that hands its parameter on
        to another registrar, or onyx's ``include_router_with_global_prefix_prepended(application,
        router, prefix=...)``. Found once, over every web module."""
        if self._registrar_params is not None:
            return self._registrar_names
        self._registrar_params = {}
        candidates: list[tuple[Function, set[str]]] = []
        for module in self.index.web_modules():
            for function in module.functions.values():
                self._nested.setdefault((module.path, function.scope), []).append(function)
            for function in module.functions.values():
                if not _is_plain_function(function) or not function.params:
                    continue
                names = {p.name for p in function.params}
                used = {site.receiver for site in function.calls
                        if site.method in REGISTRATION_METHODS and site.receiver in names}
                for inner in self._nested.get((module.path, function.qualname), ()):
                    for deco in inner.decorators:
                        receiver, _, attr = deco.text.rpartition(".")
                        if receiver in names and attr in REGISTRATION_DECORATORS:
                            used.add(receiver)
                if used:
                    self._registrar_params[id(function)] = used
                    self._registrar_names.add(function.name)
                else:
                    candidates.append((function, names))
        for _ in range(4):  # registrars that hand their parameter on to a registrar, a few levels up
            added = False
            for function, names in candidates:
                if id(function) in self._registrar_params:
                    continue
                passed = {item.text for site in function.calls if site.call is not None
                          and site.text.rpartition(".")[2] in self._registrar_names
                          for item in (*site.call.items, *(v for _, v in site.call.keywords))
                          if item.kind == "ref" and not item.resolved and item.text in names}
                if passed:
                    self._registrar_params[id(function)] = passed
                    self._registrar_names.add(function.name)
                    added = True
            if not added:
                break
        return self._registrar_names

    def _registrar_call(self, module: ModuleFacts, site: CallSite, scope: str, bindings: Bindings,
                        seen: frozenset[int] = frozenset()) -> None:
        """``register_routers(app)``: what the registrar registers, on the app this call gives it."""
        found = self.index.function(module, site.callee or site.text, scope, site.callee is not None)
        if found is None or site.call is None:
            return
        function, home = found
        params = (self._registrar_params or {}).get(id(function))
        if not params or id(function) in seen or len(seen) >= MAX_REGISTRAR_DEPTH:
            return
        self._replays += 1
        if self._replays > MAX_REGISTRAR_CALLS:
            return  # a generated or hostile tree of registrars calling each other: stay linear
        arguments: Bindings = {}
        for position, param in enumerate(function.params):
            argument = site.call.kwarg(param.name)
            if argument is None and position < len(site.call.items):
                argument = site.call.items[position]
            if argument is None:
                continue
            if argument.kind == "ref" and not argument.resolved and argument.text in bindings:
                arguments[param.name] = bindings[argument.text]  # a registrar handing on its own parameter
            else:
                arguments[param.name] = (module, argument, scope)
        for param in sorted(params):
            if param not in arguments:
                continue
            home_of, argument, where = arguments[param]
            for owner in self._web_objects(home_of, argument, where, {}) or ():
                self._replay(function, home, param, owner, arguments, seen | {id(function)})

    def _replay(self, function: Function, module: ModuleFacts, param: str, owner: WebObject, arguments: Bindings,
                seen: frozenset[int]) -> None:
        for site in function.calls:
            if site.receiver == param and site.method in REGISTRATION_METHODS:
                self._registration(module, owner, site.method, site, function.qualname, arguments)
            elif site.call is not None and site.text.rpartition(".")[2] in self._registrar_names:
                self._registrar_call(module, site, function.qualname, arguments, seen)
        for inner in self._nested.get((module.path, function.qualname), ()):
            for deco in inner.decorators:
                if deco.text.rpartition(".")[0] == param:
                    self._register_decorated(module, inner, deco, owner)

    def _owner_of_call(self, module: ModuleFacts, site: CallSite, scope: str) -> WebObject | None:
        receiver_text = site.text.rpartition(".")[0]
        qualified = site.callee.rpartition(".")[0] if site.callee else None
        return self.owner(module, receiver_text, scope, qualified) if receiver_text else None

    def link_module(self, module: ModuleFacts) -> None:
        if self._by_module is None:
            self._by_module = {}
            for obj in self.objects.values():
                self._by_module.setdefault(id(obj.module), []).append(obj)
        for obj in self._by_module.get(id(module), []):
            self._constructor_links(obj)
        for function in module.functions.values():
            for deco in function.decorators:
                self._decorator(module, function, deco)
        registrars = self._registrars()
        for scope, site in self._calls(module):
            method = site.method
            if method in REGISTRATION_METHODS:
                owner = self._owner_of_call(module, site, scope)
                if owner is not None:
                    self._registration(module, owner, method, site, scope)
            elif site.call is not None and site.text.rpartition(".")[2] in registrars:
                self._registrar_call(module, site, scope, {})

    def _include(self, owner: WebObject, module: ModuleFacts, argument: Value | None, prefix: Value | None,
                 span: Span, scope: str, bindings: Bindings) -> None:
        """Include the router an argument names into ``owner``: directly, through a loop over
        routers written in the code, or through ``import_module`` over a list of names. What
        cannot be followed is kept on ``owner.unresolved``."""
        for each in self._loop_bindings(module, (argument, prefix), scope, bindings, span):
            children = None if each is None else self._web_objects(module, argument, scope, {**bindings, **each})
            if children is None and argument is not None:
                children = self._candidate_routers(module, argument, scope)
                if children is None and not bindings:
                    children = self._given_routers(module, argument, scope)
                each = {} if children is not None else each
            if children is None:
                looped = "in a loop over elements built at run time" if each is None else ""
                owner.unresolved.append(Unresolved(module, span, f"include_router({_describe(argument, module)})", looped))
                if each is None:
                    return
                continue
            full = self._prefix(module, prefix, scope, {**bindings, **each})
            for child in children:
                child.included = True
                owner.includes.append(Include(child, full, span, module))

    @staticmethod
    def _calls(module: ModuleFacts) -> Iterator[tuple[str, CallSite]]:
        for site in module.module_calls:
            yield "", site
        for site in module.main_calls:
            yield "", site
        for function in module.functions.values():
            for site in function.calls:
                yield function.qualname, site

    def _function(self, module: ModuleFacts, value: Value | None, scope: str = "") -> tuple[Function, ModuleFacts] | None:
        if value is None or value.kind != "ref":
            return None
        found = self.index.function(module, value.text, scope, value.resolved)
        return found

    def _constructor_links(self, obj: WebObject) -> None:
        call = obj.call
        module = obj.module
        lifespan_value = call.kwarg("lifespan")
        lifespan = self._function(module, lifespan_value, _scope_of(obj))
        if lifespan:
            obj.startup.append(lifespan)
        elif lifespan_value is not None and lifespan_value.kind == "call":
            obj.startup.extend(self._built_lifespans(module, lifespan_value, _scope_of(obj)))
        for key in ("on_startup",):
            handlers = call.kwarg(key)
            if handlers is not None and handlers.kind == "list":
                for item in handlers.items:
                    found = self._function(module, item)
                    if found:
                        obj.startup.append(found)
        routes = call.kwarg("routes")
        if routes is not None:
            self._starlette_routes(module, obj, self._deref(module, routes), "")

    def _built_lifespans(self, module: ModuleFacts, call: Value, scope: str) -> list[tuple[Function, ModuleFacts]]:
        """The lifespan functions a call given as ``lifespan=`` builds: the nested function a repo
        factory returns (``lifespan=make_lifespan(settings)``), or, for a method of a module-level
        object (fastapi_best_architecture's ``lifespan=lifespan_manager.build()``, which combines the
        hooks registered on it), the async functions decorated with a method of that same object
        (``@lifespan_manager.register``) in the modules that can hold routes."""
        found = self.index.function(module, call.text, scope, call.resolved) if call.text else None
        if found is not None:
            function, home = found
            made = []
            for result in function.results:
                if result.kind == "local" and "." not in result.text:
                    nested = home.functions.get(f"{function.qualname}.<locals>.{result.text}")
                    if nested is not None:
                        made.append((nested, home))
            if made or not call.resolved or "." not in call.text:
                return made
        if not call.resolved:
            return []
        receiver = call.text.rpartition(".")[0]
        target = self.index.resolve(receiver, module) if receiver else None
        if target is None or "." in target[1] or target[1] in target[0].classes or target[1] in target[0].functions:
            return []  # a library's object, a class's own method, a module function
        decorated: list[tuple[Function, ModuleFacts]] = []
        for other in self.index.web_modules():
            for function in other.functions.values():
                if not function.is_async:
                    continue
                for deco in function.decorators:
                    owner = self.index.resolve(deco.qualified.rpartition(".")[0], other) if deco.qualified else None
                    if owner == target:
                        decorated.append((function, other))
                        break
        return decorated

    def _middleware_dispatch(self, module: ModuleFacts, value: Value | None, scope: str
                             ) -> tuple[Function, ModuleFacts] | None:
        """The ``dispatch`` method of the repo's ``BaseHTTPMiddleware`` subclass a value names."""
        if value is None or value.kind != "ref":
            return None
        target = self.index.resolve(value.text, module) if value.resolved else (module, value.text)
        if target is None or target[1] not in target[0].classes:
            return None
        home, name = target
        if not any(base.endswith("BaseHTTPMiddleware") for base in home.class_bases.get(name, ())):
            return None
        method = home.functions.get(f"{name}.dispatch")
        return (method, home) if method is not None and method.is_async else None

    def _deref(self, module: ModuleFacts, value: Value) -> Value:
        """A module-level name's assigned value (``routes = [...]``), one level deep."""
        if value.kind == "ref":
            name = value.text.rsplit(".", 1)[-1]
            for assignment in module.module_level(name):
                return assignment.value
        return value

    def _starlette_routes(self, module: ModuleFacts, obj: WebObject, routes: Value, prefix: str) -> None:
        if routes.kind != "list":
            return
        for item in routes.items:
            if item.kind != "call":
                continue
            name = item.text.rsplit(".", 1)[-1]
            if name in ("Route", "APIRoute", "WebSocketRoute"):
                path = _join(prefix, _path(self.index, module, item.arg(0, "path")))
                endpoint = self._function(module, item.arg(1, "endpoint"))
                verbs = _methods(item.kwarg("methods"))
                route = Route(path, verbs, endpoint[0] if endpoint else None, endpoint[1] if endpoint else module,
                              item.span, obj, websocket=name == "WebSocketRoute")
                obj.routes.append(route)
                self.model.routes.append(route)
            elif name == "Mount":
                sub_prefix = _join(prefix, _path(self.index, module, item.arg(0, "path")))
                inner = item.kwarg("routes")
                if inner is not None:
                    self._starlette_routes(module, obj, self._deref(module, inner), sub_prefix)
                app = item.kwarg("app") or (item.items[1] if len(item.items) > 1 else None)
                child = self._ref_owner(module, app, "")
                if child is not None:
                    child.included = True
                    obj.includes.append(Include(child, sub_prefix, item.span, module))

    def _decorator(self, module: ModuleFacts, function: Function, deco) -> None:
        receiver = deco.text.rpartition(".")[0]
        if not receiver:
            return
        qualified_receiver = deco.qualified.rpartition(".")[0] if deco.qualified else None
        owner = self.owner(module, receiver, function.scope, qualified_receiver)
        if owner is not None:
            self._register_decorated(module, function, deco, owner)

    def _register_decorated(self, module: ModuleFacts, function: Function, deco, owner: WebObject) -> None:
        attr = deco.text.rpartition(".")[2]
        call = deco.call
        if attr in ROUTE_DECORATORS and call is not None:
            path = _path(self.index, module, call.arg(0, "path"), function.scope)
            if attr in HTTP_METHODS:
                methods: tuple[str, ...] = (attr.upper(),)
            else:
                methods = _methods(call.kwarg("methods"))
            route = Route(path, methods, function, module, deco.span, owner, websocket=attr.startswith("websocket"))
            owner.routes.append(route)
            self.model.routes.append(route)
        elif attr == "on_event" and call is not None:
            event = call.arg(0, "event_type")
            if event is not None and event.text == "startup":
                owner.startup.append((function, module))
        elif attr == "middleware" and call is not None and owner.kind == "app":
            kind = call.arg(0, "middleware_type")
            if kind is not None and kind.kind == "str" and kind.text == "http":
                owner.middleware.append((function, module, deco.span))

    def _registration(self, module: ModuleFacts, owner: WebObject, method: str, site: CallSite, scope: str,
                      bindings: Bindings | None = None) -> None:
        call = site.call
        if call is None:
            return
        bindings = bindings or {}
        if method == "include_router":
            prefix = call.kwarg("prefix")
            if prefix is None and call.kwarg("**") is not None:
                prefix = Value("other", span=site.span)  # include_router(router, **kwargs): the prefix may be in them
            self._include(owner, module, call.arg(0, "router"), prefix, site.span, scope, bindings)
        elif method == "mount":
            path = self._prefix(module, call.arg(0, "path"), scope, bindings)
            app = call.arg(1, "app")
            children = self._web_objects(module, app, scope, bindings)
            for child in children or ():
                child.included = True
                owner.includes.append(Include(child, path, site.span, module))
            if not children:
                owner.opaque_mounts.append(path)
            if children is None and app is not None:
                owner.unresolved.append(Unresolved(module, site.span, f"mount({_describe(app, module)})"))
        elif method in ("add_api_route", "add_route", "add_api_websocket_route", "add_websocket_route"):
            path = self._prefix(module, call.arg(0, "path"), scope, bindings)
            endpoint = self._function(module, call.arg(1, "endpoint"), scope)
            methods = _methods(call.kwarg("methods"))
            route = Route(path, methods, endpoint[0] if endpoint else None, endpoint[1] if endpoint else module,
                          site.span, owner, websocket="websocket" in method)
            owner.routes.append(route)
            self.model.routes.append(route)
        elif method == "add_middleware" and owner.kind == "app":
            dispatch = self._middleware_dispatch(module, call.arg(0, "middleware_class"), scope)
            if dispatch is not None:
                owner.middleware.append((*dispatch, site.span))
        elif method == "add_event_handler":
            event = call.arg(0, "event_type")
            handler = self._function(module, call.arg(1, "func"), scope)
            if event is not None and event.text == "startup" and handler:
                owner.startup.append(handler)


# ------------------------------------------------------------- code on the event loop


@dataclass
class LoopEntry:
    """A function FastAPI/Starlette runs on the event loop, and why.

    ``serves`` are the routes a dependency runs for (its related locations: a dependency is reported
    once, not once per route)."""

    kind: str  # "async route `get_user` (GET /users/{id})", "async dependency `record_audit`", ...
    function: Function
    module: ModuleFacts
    serves: list[Route] = field(default_factory=list)

    def describe(self, limit: int = 10) -> tuple[str, list]:
        """(what it is, related locations): a dependency says how many routes it runs for and
        relates the first ``limit`` of them."""
        from readycheck.core.findings import Related

        if not self.serves or self.kind.startswith(("async route", "websocket")):
            return self.kind, []
        routes = self.serves[:limit]
        count, more = len(self.serves), len(self.serves) - len(routes)
        note = f" (runs for {count} route{'s' if count != 1 else ''}{f', {more} not listed' if more else ''})"
        return self.kind + note, [Related(r.module.path, r.span, f"runs for {'/'.join(r.methods)} {r.path or '/'}")
                                  for r in routes]


def _dependency_refs(call: Value | None) -> list[Value]:
    """The ``Depends(x)`` values of a ``dependencies=[...]`` argument."""
    value = call.kwarg("dependencies") if call is not None else None
    if value is None or value.kind != "list":
        return []
    return [item for item in value.items
            if item.kind == "call" and item.text.rsplit(".", 1)[-1] in ("Depends", "Security")]


def _subclass_dependency_refs(index: "PythonIndex", call: Value | None, near: ModuleFacts
                              ) -> Iterator[tuple[list[Value], ModuleFacts]]:
    """The ``dependencies=[...]`` an app or router built from a repo subclass passes up in its ``__init__``
    (``class UserAPIRouter(APIRouter)`` whose ``__init__`` calls ``super().__init__(dependencies=[...])``),
    at every level of the repo hierarchy, each with the module the ``Depends`` values are written in."""
    if call is None or not call.text or call.text in APP_CONSTRUCTORS:
        return
    target = (near, call.text) if call.text in near.classes else index.resolve(call.text, near)
    seen: set[tuple[str, str]] = set()
    while target is not None and target[1] in target[0].classes and (target[0].path, target[1]) not in seen:
        module, name = target
        seen.add((module.path, name))
        init = module.functions.get(f"{name}.__init__")
        for site in init.calls if init is not None else ():
            if site.chain == ("super", "super") and site.method == "__init__":
                refs = _dependency_refs(site.call)
                if refs:
                    yield refs, module
        bases = module.class_bases.get(name, ())
        target = index.resolve(bases[0], module) if bases and bases[0] not in APP_CONSTRUCTORS else None


def code_on_the_loop(project) -> list[LoopEntry]:
    """What runs on the event loop in the deployed service: async route and websocket handlers,
    async dependencies at every level (a parameter's ``Depends``, through ``Annotated`` aliases, the
    route decorator's, the router's, the app's and ``include_router``'s ``dependencies=[...]``, and
    the sub-dependencies of each, sync ones included), ``@app.middleware`` functions and
    ``BaseHTTPMiddleware.dispatch``, async lifespan and startup hooks, and async functions handed to
    ``BackgroundTasks.add_task``. A sync function FastAPI calls (a ``def`` route or dependency) runs
    in the thread pool and is not listed.

    Apps in tests, docs, examples and scripts are throwaway code: judged only when a production
    start command serves them."""
    model = project.reachability
    web = project.web
    service = project.service_apps
    served: set[int] | None = None  # the ids of the routes the service apps serve, walked when first needed
    service_modules = {app.module.path for app in service}
    entries: list[LoopEntry] = []
    #: (dependency function key) -> entry, so a dependency is listed once with every route it serves.
    dependencies: dict[tuple[str, str], LoopEntry] = {}
    pending: list[tuple[Function, ModuleFacts, list[Route]]] = []

    def judged(route: Route) -> bool:
        nonlocal served
        if not is_auxiliary_path(route.module.path):
            return True
        if served is None:
            served = {id(r) for app in service for _, r in app.all_routes()}
        return id(route) in served

    def add_dependency_values(values: list[Value], module: ModuleFacts, routes: list[Route]) -> None:
        for value in values:
            target = value.items[0] if value.items else None
            if target is not None and target.kind == "ref":
                found = model.dependency_function(module, target.text)
                if found is not None:
                    pending.append((found[0], found[1], routes))

    def routes_of(obj: WebObject) -> list[Route]:
        """The judged routes an app or router serves: walked only for one that has dependencies to give
        them (each of the generated repository's 4,001 objects walked its routes; none has any)."""
        return [route for _, route in obj.all_routes() if route.handler is not None and judged(route)]

    for route, handler in web.handlers():
        if not judged(route):
            continue
        if handler.is_async:
            where = "websocket" if route.websocket else "/".join(route.methods)
            what = "websocket handler" if route.websocket else "async route"
            entries.append(LoopEntry(f"{what} `{handler.name}` ({where} {route.path or '/'})", handler, route.module,
                                     [route]))
        for _param, target in model.dependency_targets(handler, route.module):
            pending.append((target[0], target[1], [route]))
        for deco in handler.decorators:
            add_dependency_values(_dependency_refs(deco.call), route.module, [route])
    for obj in web.objects:
        if is_auxiliary_path(obj.module.path) and obj.module.path not in service_modules:
            continue
        refs = _dependency_refs(obj.call)
        if refs:
            add_dependency_values(refs, obj.module, routes_of(obj))
        for refs, home in _subclass_dependency_refs(project.python, obj.call, obj.module):
            add_dependency_values(refs, home, routes_of(obj))
        for function, module in obj.startup:
            if function.is_async:
                entries.append(LoopEntry(f"startup hook `{function.name}` of app `{obj.name}`", function, module))
    objects_by_key = {obj.key: obj for obj in web.objects}
    for module in project.python.web_modules():
        if is_auxiliary_path(module.path) and module.path not in service_modules:
            continue
        for scope, site in _Linker._calls(module):
            if site.method == "include_router" and site.call is not None:
                refs = _dependency_refs(site.call)
                child = site.call.arg(0, "router")
                if refs and child is not None:
                    routes = _included_routes(project, objects_by_key, module, child)
                    add_dependency_values(refs, module, routes)
            elif site.method == "add_task" and site.call is not None:
                task = site.call.arg(0, "func")
                if task is not None and task.kind == "ref":
                    found = project.python.function(module, task.text, scope, task.resolved)
                    if found is not None and found[0].is_async:
                        entries.append(LoopEntry(f"async background task `{found[0].name}`", found[0], found[1]))
        for function in module.functions.values():
            if not function.is_async:
                continue
            middleware = any(d.text.endswith(".middleware") for d in function.decorators)
            dispatch = function.name == "dispatch" and "." in function.qualname and any(
                base.endswith("BaseHTTPMiddleware") for base in
                module.class_bases.get(function.qualname.split(".")[0], ()))
            if middleware or dispatch:
                entries.append(LoopEntry(f"middleware `{function.qualname}`", function, module))
    #: dependency key -> ids of the routes already propagated through it
    propagated: dict[tuple[str, str], set[int]] = {}
    #: dependency key -> its own dependencies, looked up once (a dependency of every route is popped
    #: once per route: 12,000 times for the generated repository's get_db)
    targets_of: dict[tuple[str, str], list[tuple[Function, ModuleFacts]]] = {}
    while pending:  # dependencies of dependencies too, each with the routes it serves
        function, module, routes = pending.pop()
        key = (module.path, function.qualname)
        first = key not in propagated
        done = propagated.setdefault(key, set())
        new_routes = [r for r in routes if id(r) not in done]
        if not new_routes and not first:
            continue
        done.update(id(r) for r in new_routes)
        entry = dependencies.get(key)
        if entry is not None:
            entry.serves.extend(new_routes)
        elif function.is_async:
            entry = dependencies[key] = LoopEntry(f"async dependency `{function.qualname}`", function, module,
                                                  list(new_routes))
            entries.append(entry)
        targets = targets_of.get(key)
        if targets is None:
            targets = targets_of[key] = [(t[0], t[1]) for _param, t in model.dependency_targets(function, module)]
        for target_function, target_module in targets:
            pending.append((target_function, target_module, new_routes))
    return entries


def _included_routes(project, objects_by_key: dict[str, WebObject], module: ModuleFacts, child: Value) -> list[Route]:
    """The routes of the router an ``include_router`` call names."""
    if child.kind != "ref":
        return []
    if child.resolved:
        target = project.python.resolve(child.text, module)
        key = f"{target[0].path}::{target[1]}" if target is not None else None
    else:
        key = f"{module.path}::{child.text}"
    obj = objects_by_key.get(key) if key else None
    return [route for _, route in obj.all_routes() if route.handler is not None] if obj is not None else []
