"""The web applications of a project: apps, routers, routes and their full paths.

Built from the Python facts of every module that can hold a route. An object
assigned from ``FastAPI()``, ``APIRouter()``, ``Starlette()`` or ``Router()``
is a web object; route decorators (``@router.get("/x")``), ``add_api_route``,
``add_route``, Starlette ``Route``/``Mount`` lists, ``include_router`` and
``mount`` connect them, across modules, through the modules' imports. The full
path of a route is the prefixes of every include on the way down plus the
router's own prefix plus the route's path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Iterator

from readycheck.findings import Span
from readycheck.parsers.python import CallSite, Function, ModuleFacts, Value
from readycheck.sourcefile import common_prefix, is_auxiliary_path

if TYPE_CHECKING:
    from readycheck.project import PythonIndex
    from readycheck.startcommands import StartCommand

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
        served = [a for a in apps if any(_serves(a, module, attr) for module, attr in targets)]
        return served or [a for a in apps if not is_auxiliary_path(a.module.path)]

    def apps_for_target(self, target: str, near: str | None = None) -> list[WebObject]:
        """The apps a start command's target ("app.main:app", "app/main.py") names.

        In a monorepo several services' folders each hold an ``app/main.py``: given ``near``,
        the file that declares the start command, only the apps in the folder that shares
        the most of its path with that file are kept (``svc0/docker-compose.yml`` serves
        ``svc0/app/main.py``, not ``svc1/app/main.py``)."""
        (module, attr), = list(_start_targets_of([target]))
        found = [a for a in self.objects if a.kind == "app" and _serves(a, module, attr)]
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
        if text.endswith(".py"):
            yield text[:-3].replace("/", "."), None
            continue
        module, _, attr = text.partition(":")
        yield module, attr.split("(")[0] or None


def _serves(app: WebObject, module: str, attr: str | None) -> bool:
    dotted = app.module.module
    if not (dotted == module or dotted.endswith("." + module)):
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


def _encloses(outer: str, scope: str) -> bool:
    """Whether names bound in scope ``outer`` are visible in ``scope`` (the same or a nested function)."""
    return not outer or scope == outer or scope.startswith(outer + ".<locals>.")


def _scoped(scope: str, name: str) -> str:
    return f"{scope}.<locals>.{name}" if scope else name


@dataclass(frozen=True)
class _IncludeHelper:
    app_index: int
    app_name: str
    router_index: int
    router_name: str
    prefix: str

    @staticmethod
    def of(function: Function) -> "_IncludeHelper | None":
        """The helper a plain function is when it calls ``<param>.include_router(<param>, ...)``."""
        if "." in function.qualname.replace(".<locals>.", ""):
            return None  # a method: its call sites pass self implicitly
        names = [p.name for p in function.params]
        for site in function.calls:
            if site.method != "include_router" or site.call is None:
                continue
            receiver = site.text.rpartition(".")[0]
            router = site.call.arg(0, "router")
            if receiver in names and router is not None and router.kind == "ref" and router.text in names:
                prefix = site.call.kwarg("prefix")
                literal = prefix.text if prefix is not None and prefix.kind == "str" else UNKNOWN_SEGMENT
                return _IncludeHelper(names.index(receiver), receiver, names.index(router.text), router.text, literal)
        return None


class _Linker:
    def __init__(self, index: "PythonIndex", objects: dict[str, WebObject], model: WebModel) -> None:
        self.index = index
        self.objects = objects
        self.model = model
        self._by_module: dict[int, list[WebObject]] | None = None
        self._helper_of: dict[int, _IncludeHelper] | None = None  # id(function) -> how it includes
        self._helper_names: set[str] = set()

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

    def _loop_owners(self, module: ModuleFacts, value: Value | None, scope: str) -> list[WebObject]:
        """The routers a ``for`` loop's name stands for: ``for router in API_ROUTERS:
        app.include_router(router)`` over a list or tuple of routers, written in place or bound to a
        name in this module or imported (prefect's API_ROUTERS)."""
        if value is None or value.kind != "ref" or value.resolved or "." in value.text:
            return []
        loop = next((a.value for a in module.assignments
                     if a.name == value.text and a.value.kind == "each" and _encloses(a.scope, scope)), None)
        if loop is None:
            return []
        elements = self._list_value(module, loop.items[0])
        owners = (self._ref_owner(home, item, "") for home, item in elements)
        return [o for o in owners if o is not None]

    def _list_value(self, module: ModuleFacts, value: Value) -> list[tuple[ModuleFacts, Value]]:
        """The items of a literal list or tuple, directly or through one name, with the module they are in."""
        if value.kind == "ref":
            target = _module_binding(self.index, module, value)
            if target is None:
                return []
            home, name = target
            bound = [a.value for a in home.module_level(name)]
            if len(bound) != 1:
                return []
            module, value = home, bound[0]
        return [(module, item) for item in value.items] if value.kind == "list" else []

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
        helper_names = self._include_helper_names()
        for scope, site in self._calls(module):
            method = site.method
            if method in ("include_router", "mount", "add_api_route", "add_route", "add_api_websocket_route",
                          "add_event_handler", "add_websocket_route"):
                owner = self._owner_of_call(module, site, scope)
                if owner is not None:
                    self._registration(module, owner, method, site, scope)
            elif site.call is not None and site.text.rpartition(".")[2] in helper_names:
                self._helper_call(module, site, scope)

    def _include_helper_names(self) -> set[str]:
        """Names of the repo functions that include a router given as a parameter into an app given as a
        parameter (onyx's ``include_router_with_global_prefix_prepended(application, router, prefix=...)``);
        found once, over every web module."""
        if self._helper_of is None:
            self._helper_of = {}
            for module in self.index.web_modules():
                for function in module.functions.values():
                    helper = _IncludeHelper.of(function)
                    if helper is not None:
                        self._helper_of[id(function)] = helper
                        self._helper_names.add(function.name)
        return self._helper_names

    def _helper_call(self, module: ModuleFacts, site: CallSite, scope: str) -> None:
        """``helper(app, router)``: the include the helper makes, with a prefix readycheck cannot know
        unless the helper writes a literal one (it often computes it)."""
        found = self.index.function(module, site.callee or site.text, scope, site.callee is not None)
        helper = self._helper_of.get(id(found[0])) if found and self._helper_of else None
        if helper is None:
            return
        owner = self._ref_owner(module, site.call.arg(helper.app_index, helper.app_name), scope)
        if owner is not None:
            self._include(owner, module, site.call.arg(helper.router_index, helper.router_name), helper.prefix,
                          site.span, scope)

    def _include(self, owner: WebObject, module: ModuleFacts, argument: Value | None, prefix: str, span: Span,
                 scope: str) -> None:
        """Include the router an argument names, or every router a loop name stands for, into ``owner``."""
        child = self._ref_owner(module, argument, scope)
        for child in [child] if child is not None else self._loop_owners(module, argument, scope):
            child.included = True
            owner.includes.append(Include(child, prefix, span, module))

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
        lifespan = self._function(module, call.kwarg("lifespan"))
        if lifespan:
            obj.startup.append(lifespan)
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
        receiver, _, attr = deco.text.rpartition(".")
        if not receiver:
            return
        qualified_receiver = deco.qualified.rpartition(".")[0] if deco.qualified else None
        owner = self.owner(module, receiver, function.scope, qualified_receiver)
        if owner is None:
            return
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

    def _registration(self, module: ModuleFacts, owner: WebObject, method: str, site: CallSite, scope: str) -> None:
        call = site.call
        if call is None:
            return
        if method == "include_router":
            self._include(owner, module, call.arg(0, "router"), _path(self.index, module, call.kwarg("prefix"), scope),
                          site.span, scope)
        elif method == "mount":
            path = _path(self.index, module, call.arg(0, "path"), scope)
            child = self._ref_owner(module, call.arg(1, "app"), scope)
            if child is not None:
                child.included = True
                owner.includes.append(Include(child, path, site.span, module))
            else:
                owner.opaque_mounts.append(path)
        elif method in ("add_api_route", "add_route", "add_api_websocket_route", "add_websocket_route"):
            path = _path(self.index, module, call.arg(0, "path"), scope)
            endpoint = self._function(module, call.arg(1, "endpoint"), scope)
            methods = _methods(call.kwarg("methods"))
            route = Route(path, methods, endpoint[0] if endpoint else None, endpoint[1] if endpoint else module,
                          site.span, owner, websocket="websocket" in method)
            owner.routes.append(route)
            self.model.routes.append(route)
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


def _dependency_refs(call: Value | None) -> list[Value]:
    """The ``Depends(x)`` values of a ``dependencies=[...]`` argument."""
    value = call.kwarg("dependencies") if call is not None else None
    if value is None or value.kind != "list":
        return []
    return [item for item in value.items
            if item.kind == "call" and item.text.rsplit(".", 1)[-1] in ("Depends", "Security")]


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
    served = {id(route) for app in service for _, route in app.all_routes()}
    service_modules = {app.module.path for app in service}
    entries: list[LoopEntry] = []
    #: (dependency function key) -> entry, so a dependency is listed once with every route it serves.
    dependencies: dict[tuple[str, str], LoopEntry] = {}
    pending: list[tuple[Function, ModuleFacts, list[Route]]] = []

    def judged(route: Route) -> bool:
        return not is_auxiliary_path(route.module.path) or id(route) in served

    def add_dependency_values(values: list[Value], module: ModuleFacts, routes: list[Route]) -> None:
        for value in values:
            target = value.items[0] if value.items else None
            if target is not None and target.kind == "ref":
                found = model.dependency_function(module, target.text)
                if found is not None:
                    pending.append((found[0], found[1], routes))

    routes_of: dict[int, list[Route]] = {}
    for obj in web.objects:
        routes_of[id(obj)] = [route for _, route in obj.all_routes() if route.handler is not None and judged(route)]
    for route, handler in web.handlers():
        if not judged(route):
            continue
        if handler.is_async:
            where = "websocket" if route.websocket else "/".join(route.methods)
            what = "websocket handler" if route.websocket else "async route"
            entries.append(LoopEntry(f"{what} `{handler.name}` ({where} {route.path or '/'})", handler, route.module,
                                     [route]))
        for param, target in model.dependency_targets(handler, route.module):
            pending.append((target[0], target[1], [route]))
        for deco in handler.decorators:
            add_dependency_values(_dependency_refs(deco.call), route.module, [route])
    for obj in web.objects:
        if is_auxiliary_path(obj.module.path) and obj.module.path not in service_modules:
            continue
        add_dependency_values(_dependency_refs(obj.call), obj.module, routes_of.get(id(obj), []))
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
        for param, target in model.dependency_targets(function, module):
            pending.append((target[0], target[1], new_routes))
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
