"""RC401 blocking-call-in-async-route: an ``async def`` route handler makes a blocking call.

What it does
    For every route of a FastAPI or Starlette app (decorators, ``add_api_route``,
    Starlette ``Route`` lists) whose handler is ``async def``, flags calls
    written in the handler that block: ``time.sleep``, ``requests``,
    ``urllib.request.urlopen``, ``httpx``'s sync functions and ``Client``,
    ``subprocess``, ``os.system``, sync database drivers (``psycopg2``,
    psycopg 3's sync ``psycopg.connect``, ``pymysql``, ``MySQLdb``, ``sqlite3``)
    and sync ``redis`` clients, PyMongo round trips (``find_one``, ``insert_one``,
    ``aggregate``, ...) on a ``MongoClient``, or a database or collection taken
    from one through attributes and subscripts, in the function or at module
    level in any repo module (a subscript in the middle of the call itself,
    ``db["users"].find_one()``, is not followed; Motor and ``AsyncMongoClient``
    are awaited and never flagged), and
    non-awaited calls on a sync SQLAlchemy/SQLModel ``Session``, ``Engine`` or
    ``Connection`` parameter (also through ``Annotated[Session, Depends(...)]``
    aliases defined in other modules). Names are resolved through imports
    (``import requests as r`` still counts; a local variable named ``requests``
    does not). Blocking calls are also found through the repo's own functions,
    across modules (a sync helper called from an ``async def`` route runs on the
    loop, and so does an awaited coroutine): the message names the whole path,
    ``get_user -> services.load_profile -> crud.fetch_user -> db.get()``, with a
    related location per step. A ``Depends(get_db)`` parameter without annotation
    takes the type of what the dependency yields (``SessionLocal()`` from a sync
    ``sessionmaker`` is a sync Session). A plain ``def`` handler is never flagged: FastAPI runs it in a
    thread pool, so a sync session there is correct. Work handed to
    ``run_in_threadpool``/``asyncio.to_thread``/``run_in_executor`` (including
    lambdas) is not a call made on the loop. Apps in tests, docs, examples and
    scripts are throwaway code and are not judged, unless a production start
    command serves them.

Why is this bad
    An ``async def`` handler runs on the event loop. While a blocking call
    waits on the network, the disk or a sleep, that worker serves nobody
    else: one slow query stalls every in-flight request of the process.

Example
    @app.get("/users/{id}")
    async def get_user(id: int, db: Session = Depends(get_db)):
        return db.query(User).get(id)

Use instead
    @app.get("/users/{id}")
    def get_user(id: int, db: Session = Depends(get_db)):   # runs in the thread pool
        return db.query(User).get(id)
    # or: AsyncSession with `await db.get(User, id)`
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Related, Severity, is_auxiliary_path

if TYPE_CHECKING:
    from readycheck.api import CallSite, Function, ModuleFacts, Project

#: Functions that block when called, by qualified name (exact, or a module prefix ending in ".").
BLOCKING_CALLS = {
    "time.sleep": "sleeps the whole event loop",
    "requests.": "makes a synchronous HTTP request",
    "urllib.request.urlopen": "makes a synchronous HTTP request",
    "urllib.request.urlretrieve": "makes a synchronous HTTP request",
    "httpx.get": "makes a synchronous HTTP request", "httpx.post": "makes a synchronous HTTP request",
    "httpx.put": "makes a synchronous HTTP request", "httpx.patch": "makes a synchronous HTTP request",
    "httpx.delete": "makes a synchronous HTTP request", "httpx.head": "makes a synchronous HTTP request",
    "httpx.options": "makes a synchronous HTTP request", "httpx.request": "makes a synchronous HTTP request",
    "httpx.stream": "makes a synchronous HTTP request",
    "subprocess.run": "waits for a subprocess", "subprocess.call": "waits for a subprocess",
    "subprocess.check_call": "waits for a subprocess", "subprocess.check_output": "waits for a subprocess",
    "os.system": "waits for a subprocess",
    "psycopg2.connect": "opens a synchronous database connection",
    "psycopg.connect": "opens a synchronous database connection",
    "psycopg.Connection.connect": "opens a synchronous database connection",
    "pymysql.connect": "opens a synchronous database connection",
    "MySQLdb.connect": "opens a synchronous database connection",
    "sqlite3.connect": "opens a synchronous database connection",
}
#: Constructors that create objects without I/O, even though they live in a blocking module.
NOT_BLOCKING = {"requests.Session", "requests.Request", "requests.auth.HTTPBasicAuth", "requests.exceptions",
                "requests.adapters.HTTPAdapter", "requests.codes", "requests.utils"}
#: Types whose method calls block, and which methods (None: all but the safe ones).
BLOCKING_RECEIVERS = {
    "sqlalchemy.orm.Session": {"execute", "scalars", "scalar", "query", "get", "commit", "flush", "refresh",
                               "rollback", "merge", "connection", "delete", "get_one", "exec"},
    "sqlmodel.Session": {"exec", "execute", "scalars", "scalar", "query", "get", "commit", "flush", "refresh",
                         "rollback", "merge", "delete", "get_one"},
    "sqlalchemy.engine.Engine": {"connect", "begin", "execute", "raw_connection"},
    "sqlalchemy.engine.Connection": {"execute", "scalar", "scalars", "commit", "exec_driver_sql"},
    "requests.Session": {"get", "post", "put", "patch", "delete", "head", "options", "request", "send"},
    "httpx.Client": {"get", "post", "put", "patch", "delete", "head", "options", "request", "send", "stream"},
    "psycopg2.connect": {"execute", "commit", "rollback", "executemany"},
    "psycopg.connect": {"execute", "commit", "rollback", "executemany", "fetchone", "fetchall"},
    "psycopg.Connection.connect": {"execute", "commit", "rollback", "executemany"},
    "pymysql.connect": {"execute", "commit", "rollback", "executemany"},
    "MySQLdb.connect": {"execute", "commit", "rollback", "executemany"},
    "sqlite3.connect": {"execute", "commit", "rollback", "executemany", "executescript"},
    "redis.Redis": None, "redis.StrictRedis": None, "redis.from_url": None, "redis.Redis.from_url": None,
}
_REDIS_SAFE = {"pipeline", "lock", "pubsub", "register_script", "close"}
#: PyMongo's synchronous client (its AsyncMongoClient and Motor are awaited, never listed here).
MONGO_CLIENTS = {"pymongo.MongoClient", "pymongo.mongo_client.MongoClient",
                 "pymongo.synchronous.mongo_client.MongoClient"}
#: Methods of a client, database or collection that do a round trip at once (``find`` is lazy).
MONGO_BLOCKING_METHODS = {
    "find_one", "insert_one", "insert_many", "update_one", "update_many", "replace_one", "delete_one",
    "delete_many", "count_documents", "estimated_document_count", "aggregate", "distinct", "find_one_and_update",
    "find_one_and_replace", "find_one_and_delete", "bulk_write", "create_index", "create_indexes", "drop",
    "drop_index", "list_collection_names", "list_database_names", "command", "server_info"}
_TYPE_ALIASES = {
    "sqlalchemy.orm.session.Session": "sqlalchemy.orm.Session",
    "sqlmodel.orm.session.Session": "sqlmodel.Session",
    "sqlalchemy.Engine": "sqlalchemy.engine.Engine", "sqlalchemy.engine.base.Engine": "sqlalchemy.engine.Engine",
    "sqlalchemy.Connection": "sqlalchemy.engine.Connection",
    "sqlalchemy.engine.base.Connection": "sqlalchemy.engine.Connection",
    "sqlalchemy.create_engine": "sqlalchemy.engine.Engine",
    "sqlmodel.create_engine": "sqlalchemy.engine.Engine",
    "redis.client.Redis": "redis.Redis",
}


def _canonical_type(name: str | None) -> str | None:
    if name is None:
        return None
    return _TYPE_ALIASES.get(name, name)


@lru_cache(maxsize=4096)
def blocking_function(callee: str | None) -> str | None:
    """Why a call to this qualified name blocks, or None (memoised: a repository
    calls the same few hundred names thousands of times)."""
    if not callee or callee in NOT_BLOCKING or any(callee.startswith(n + ".") for n in NOT_BLOCKING):
        return None
    for name, why in BLOCKING_CALLS.items():
        if name.endswith(".") and callee.startswith(name) or callee == name:
            return why
    return None


def blocking_method(receiver_type: str | None, method: str | None) -> bool:
    methods = BLOCKING_RECEIVERS.get(receiver_type or "", False)
    if methods is False or method is None:
        return False
    if methods is None:
        return method not in _REDIS_SAFE
    return method in methods


SLEEPY_APP = """
    import time
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/slow")
    async def slow():
        time.sleep(1)
        return {}
    """


class BlockingCallInAsyncRoute(Check):
    id = "RC401"
    name = "blocking-call-in-async-route"
    severity = Severity.ERROR
    summary = "An async route handler makes a blocking call on the event loop"
    why = ("An `async def` handler runs on the event loop; a blocking call there (sync DB session, requests, "
           "time.sleep) stops the whole worker, so one slow call stalls every concurrent request.")
    fix = ("Make the handler a plain `def` (FastAPI runs it in a thread pool), or use the async API "
           "(AsyncSession and `await`, httpx.AsyncClient, asyncio.sleep), or offload with "
           "`await run_in_threadpool(func, ...)` / `await asyncio.to_thread(func, ...)`.")
    tags = ("event-loop", "performance", "python")
    references = ("https://fastapi.tiangolo.com/async/#path-operation-functions",)
    examples = (
        Example({"app/main.py": """
            import time
            import requests as http
            from fastapi import FastAPI, Depends
            from sqlalchemy.orm import Session
            from app.db import get_db

            app = FastAPI()

            @app.get("/users/{user_id}")
            async def get_user(user_id: int, db: Session = Depends(get_db)):
                time.sleep(0.1)
                profile = http.get(f"https://profiles/{user_id}")
                return db.query(User).filter(User.id == user_id).first()
            """}, expect=["app/main.py:11", "app/main.py:12", "app/main.py:13"],
            title="sleep, requests via an alias, sync Session parameter"),
        Example({"app/deps.py": """
            from typing import Annotated
            from fastapi import Depends
            from sqlalchemy.orm import Session

            def get_db(): ...

            SessionDep = Annotated[Session, Depends(get_db)]
            """, "app/routes/items.py": """
            import sqlite3
            import psycopg
            from fastapi import APIRouter
            from app.deps import SessionDep

            router = APIRouter(prefix="/items")

            @router.post("/")
            async def create_item(session: SessionDep):
                session.commit()
                with sqlite3.connect("x.db") as conn:
                    conn.execute("select 1")

            @router.get("/count")
            async def count():
                async with await psycopg.AsyncConnection.connect("dbname=app") as aconn:
                    await aconn.execute("select 1")
                with psycopg.connect("dbname=app") as conn:
                    return conn.execute("select count(*) from items").fetchone()
            """}, expect=["app/routes/items.py:10", "app/routes/items.py:11", "app/routes/items.py:12",
                          "app/routes/items.py:18", "app/routes/items.py:19"],
            title="Annotated alias from another module; sqlite3 connection"),
        Example({"app/mongo.py": """
            import os
            from pymongo import MongoClient

            client = MongoClient(os.environ["MONGO_URL"])
            db = client["app"]
            users = db.users
            """, "app/routes.py": """
            from fastapi import APIRouter
            from pymongo import MongoClient
            from app.mongo import client, db, users

            router = APIRouter()

            @router.get("/users/{uid}")
            async def get_user(uid: str):
                return users.find_one({"_id": uid})

            @router.post("/events")
            async def add_event(event: dict):
                db.events.insert_one(event)
                client.app.audit.insert_one(event)
                local = MongoClient("mongodb://localhost")
                stats = local.admin
                return stats.command("ping")
            """}, expect=["app/routes.py:9", "app/routes.py:13", "app/routes.py:14", "app/routes.py:17"],
            title="PyMongo collections through attributes, subscripts and another module"),
        Example({"app/mongo.py": """
            from motor.motor_asyncio import AsyncIOMotorClient
            from pymongo import MongoClient

            motor = AsyncIOMotorClient("mongodb://db")
            events = motor.app.events
            sync_users = MongoClient("mongodb://db").app.users
            """, "app/routes.py": """
            from fastapi import APIRouter
            from fastapi.concurrency import run_in_threadpool
            from app.mongo import events, sync_users
            from app.repository import repo

            router = APIRouter()

            @router.get("/events/{eid}")
            async def get_event(eid: str):
                found = await events.find_one({"_id": eid})
                user = await run_in_threadpool(sync_users.find_one, {"_id": eid})
                return repo.find_one(eid)

            @router.get("/users/{uid}")
            def get_user(uid: str):
                return sync_users.find_one({"_id": uid})
            """}, title="Motor awaited, PyMongo offloaded or in a def route, a repo's own find_one"),
        Example({"app/main.py": """
            import time
            from fastapi import FastAPI, Depends
            from sqlalchemy.orm import Session

            app = FastAPI()

            @app.get("/users/{user_id}")
            def get_user(user_id: int, db: Session = Depends(get_db)):
                time.sleep(0.1)
                return db.query(User).get(user_id)
            """}, title="a sync def route runs in the thread pool"),
        Example({"app/main.py": """
            import asyncio
            import requests
            from fastapi import FastAPI
            from fastapi.concurrency import run_in_threadpool
            from sqlalchemy.ext.asyncio import AsyncSession

            app = FastAPI()

            @app.get("/report")
            async def report(db: AsyncSession):
                await asyncio.sleep(1)
                await db.execute("select 1")
                data = await run_in_threadpool(requests.get, "https://example.com")
                loop = asyncio.get_running_loop()
                more = await loop.run_in_executor(None, lambda: requests.get("https://example.com"))
                session = requests.Session()
                return data

            async def not_a_route():
                requests.get("https://example.com")
            """}, title="async APIs, offloaded calls, constructing a Session, a non-route coroutine"),
        Example({"app/db.py": """
            from sqlalchemy import create_engine
            from sqlalchemy.orm import Session, sessionmaker

            SessionLocal = sessionmaker(bind=create_engine("postgresql://db/app"))

            def get_db():
                db = SessionLocal()
                try:
                    yield db
                finally:
                    db.close()
            """, "app/crud.py": """
            from sqlalchemy.orm import Session

            def fetch_user(db: Session, user_id: int):
                return db.get(dict, user_id)
            """, "app/services.py": """
            from app import crud

            def load_profile(db, user_id):
                return crud.fetch_user(db, user_id)
            """, "app/routes.py": """
            from fastapi import APIRouter, Depends
            from app import services
            from app.db import get_db

            router = APIRouter()

            @router.get("/users/{user_id}")
            async def get_user(user_id: int, db=Depends(get_db)):
                return services.load_profile(db, user_id)

            @router.get("/count")
            async def count(db=Depends(get_db)):
                return db.execute("select count(*) from users").scalar()
            """}, expect=["app/routes.py:9", "app/routes.py:13"],
            title="through two helpers in other modules; a Depends without annotation yielding a sync session"),
        Example({"app/db.py": """
            from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

            SessionLocal = async_sessionmaker(create_async_engine("postgresql+asyncpg://db/app"))

            async def get_db():
                async with SessionLocal() as session:
                    yield session
            """, "app/crud.py": """
            from sqlalchemy.orm import Session
            from sqlalchemy.ext.asyncio import AsyncSession

            def fetch_user(db: Session, user_id: int):
                return db.get(dict, user_id)

            async def fetch_user_async(db: AsyncSession, user_id: int):
                return await db.get(dict, user_id)
            """, "app/routes.py": """
            from fastapi import APIRouter, Depends
            from fastapi.concurrency import run_in_threadpool
            from app import crud
            from app.db import get_db

            router = APIRouter()

            @router.get("/a/{user_id}")
            def sync_route(user_id: int, db=Depends(get_db)):
                return crud.fetch_user(db, user_id)

            @router.get("/b/{user_id}")
            async def offloaded(user_id: int, db=Depends(get_db)):
                return await run_in_threadpool(crud.fetch_user, db, user_id)

            @router.get("/c/{user_id}")
            async def async_path(user_id: int, db=Depends(get_db)):
                return await crud.fetch_user_async(db, user_id)
            """}, title="sync route, offloaded helper, async helper and async session factory"),
        Example({"app/main.py": """
            import time
            import requests
            from fastapi import APIRouter, Depends, FastAPI, Request
            from starlette.middleware.base import BaseHTTPMiddleware

            async def verify_token(request: Request):
                return requests.get("https://auth.internal/verify", timeout=2).ok

            async def audit():
                time.sleep(0.01)

            router = APIRouter(dependencies=[Depends(audit)])
            app = FastAPI()

            @app.middleware("http")
            async def timing(request: Request, call_next):
                time.sleep(0.001)
                return await call_next(request)

            class Slow(BaseHTTPMiddleware):
                async def dispatch(self, request, call_next):
                    requests.post("https://audit.internal", timeout=1)
                    return await call_next(request)

            @router.get("/me")
            def me(ok: bool = Depends(verify_token)):
                return ok

            class RoleChecker:
                def __init__(self, role):
                    self.role = role

                async def __call__(self, user=Depends(verify_token)):
                    time.sleep(0.01)

            admin_only = RoleChecker("admin")

            @router.get("/admin")
            def admin(ok=Depends(admin_only)):
                return ok
            """}, expect=["app/main.py:7", "app/main.py:10", "app/main.py:17", "app/main.py:22", "app/main.py:34"],
            title="async dependencies (parameter and router level) and middleware, even for a sync route"),
        Example({"app/main.py": """
            from fastapi import FastAPI

            app = FastAPI()

            @app.get("/")
            async def index(requests: list[str]):
                time = requests.count("x")
                return requests.get(0)
            """}, title="local names that shadow module names"),
        Example({"tests/test_timeouts.py": SLEEPY_APP, "docs/examples/slow.py": SLEEPY_APP},
                title="throwaway apps in tests and docs"),
        Example({"scripts/proxy/server.py": SLEEPY_APP, "scripts/proxy/Dockerfile": """
            FROM python:3.12-slim
            CMD ["uvicorn", "server:app", "--host", "0.0.0.0"]
            """}, expect=["scripts/proxy/server.py:8"], title="an app under scripts/ that a Dockerfile serves"),
    )

    def run(self, project: Project):
        seen: set[tuple[str, str]] = set()
        for kind, function, module in self._on_the_loop(project):
            if (module.path, function.qualname) in seen:
                continue
            seen.add((module.path, function.qualname))
            for steps, reason in self._blocking_paths(project, function, module, depth=0, seen=frozenset()):
                first_module, first_call = steps[0]
                chain = " -> ".join([function.name] + [c.text for _, c in steps])
                related = [Related(m.path, c.span, f"step {i + 1}: `{c.text}()`") for i, (m, c) in enumerate(steps)
                           if i > 0]
                if len(steps) == 1:
                    message = f"{kind} calls `{first_call.text}()`, which {reason}, on the event loop"
                else:
                    message = f"{kind} blocks the event loop through `{chain}()`, which {reason}"
                yield self.finding(first_module.path, first_call.span, message, related=related)

    def _on_the_loop(self, project: Project):
        """(description, function, module) for code FastAPI/Starlette runs on the event loop:
        async route handlers, async dependencies (parameter-level, and router/app/route-level
        ``dependencies=[...]``), ``@app.middleware("http")`` functions, ``dispatch`` of
        BaseHTTPMiddleware subclasses, and async lifespan/startup hooks."""
        web = project.web
        # Tests, docs and examples hold throwaway apps: judged only when a production start command serves them.
        service = project.service_apps
        served = {id(route) for app in service for _, route in app.all_routes()}
        service_modules = {app.module.path for app in service}
        dependency_refs = []
        for route, handler in web.handlers():
            if is_auxiliary_path(route.module.path) and id(route) not in served:
                continue
            if handler.is_async:
                where = f"{'/'.join(route.methods)} {route.path or '/'}"
                yield f"async route `{handler.name}` ({where})", handler, route.module
            dependency_refs += [(p.depends, route.module) for p in handler.params
                                if p.depends and p.depends != "<annotation>"]
            for deco in handler.decorators:
                dependency_refs += [(d, route.module) for d in _dependency_list(deco.call)]
        for obj in web.objects:
            if is_auxiliary_path(obj.module.path) and obj.module.path not in service_modules:
                continue
            dependency_refs += [(d, obj.module) for d in _dependency_list(obj.call)]
            for function, module in obj.startup:
                if function.is_async:
                    yield f"startup hook `{function.name}` of app `{obj.name}`", function, module
        done = set()
        while dependency_refs:  # dependencies of dependencies too
            target, module = dependency_refs.pop()
            if (module.path, target) in done:
                continue
            done.add((module.path, target))
            found = _dependency_function(project, module, target)
            if found is None:
                continue
            dependency, dep_module = found
            dependency_refs += [(p.depends, dep_module) for p in dependency.params
                                if p.depends and p.depends != "<annotation>"]
            if dependency.is_async:
                yield f"async dependency `{dependency.qualname}`", dependency, dep_module
        for module in project.python.web_modules():
            if is_auxiliary_path(module.path) and module.path not in service_modules:
                continue
            for function in module.functions.values():
                if not function.is_async:
                    continue
                middleware = any(d.text.endswith(".middleware") for d in function.decorators)
                dispatch = function.name == "dispatch" and "." in function.qualname and any(
                    base.endswith("BaseHTTPMiddleware") for base in
                    module.class_bases.get(function.qualname.split(".")[0], ()))
                if middleware or dispatch:
                    yield f"middleware `{function.qualname}`", function, module

    def _blocking_paths(self, project: Project, function: Function, module: ModuleFacts, depth: int, seen: frozenset):
        """(steps, reason) for every blocking call reached from a function running on the event loop:
        its own calls, and the calls of the repo functions it calls (a sync helper runs on the loop
        too, and so does an awaited coroutine). Offloaded functions are passed, not called."""
        key = (module.path, function.qualname)
        if key in seen or depth > 4:
            return
        seen = seen | {key}
        param_types = {p.name: self._param_type(project, module, p) for p in function.params}
        for local, constructor in function.local_types.items():
            made = _factory_session(project, module, constructor)
            if made is not None and local not in param_types:
                param_types[local] = made  # db = SessionLocal()
        reported_targets = set()
        for call in function.calls:
            reason = self._blocking(call, function, param_types) or _mongo_blocking(project, module, call, function)
            if reason is not None:
                yield [(module, call)], reason
                continue
            if not call.text:
                continue
            target = project.python.function(module, call.callee or call.text, function.qualname,
                                             call.callee is not None)
            if target is None:
                continue
            callee, callee_module = target
            if callee.is_async and not call.awaited:
                continue  # a coroutine that is created, not run here
            if (callee_module.path, callee.qualname) in reported_targets:
                continue
            for steps, reason in self._blocking_paths(project, callee, callee_module, depth + 1, seen):
                reported_targets.add((callee_module.path, callee.qualname))
                yield [(module, call)] + steps, reason
                break  # one path per helper call is enough to show the problem

    @staticmethod
    def _param_type(project: Project, module: ModuleFacts, param) -> str | None:
        annotation = param.annotation
        if annotation and param.annotation_is_alias_candidate:
            target = project.python.resolve(annotation, module)
            if target is not None:
                alias_module, name = target
                alias = alias_module.type_aliases.get(name)
                if alias is not None:
                    annotation = alias[0]
        annotation = _canonical_type(annotation)
        if annotation in BLOCKING_RECEIVERS or param.depends is None or param.depends == "<annotation>":
            return annotation
        return _dependency_type(project, module, param.depends) or annotation

    @staticmethod
    def _blocking(call: CallSite, handler: Function, param_types: dict[str, str | None]) -> str | None:
        if call.awaited:
            return None
        why = blocking_function(call.callee)
        if why:
            return why
        if call.receiver is None:
            return None
        receiver_type = param_types.get(call.receiver) or _canonical_type(handler.local_types.get(call.receiver))
        if blocking_method(receiver_type, call.method):
            return f"is a synchronous `{receiver_type.rsplit('.', 1)[-1]}` call"
        return None


def _mongo_blocking(project: Project, module: ModuleFacts, call: CallSite, function: Function) -> str | None:
    """Why a call blocks when it is a PyMongo round trip on a client, database or collection
    reached through attributes or subscripts (``users = client.app["users"]``;
    ``users.find_one(...)``), defined in the function or at module level in any repo module."""
    if call.awaited or call.method not in MONGO_BLOCKING_METHODS or "." not in call.text:
        return None
    chain = call.text.rsplit(".", 1)[0]
    head = chain.split(".")[0]
    if head in function.local_types or any(p.name == head for p in function.params):
        found = function.local_types.get(head) in MONGO_CLIENTS
    elif call.callee is None:  # a local name: assigned in this function?
        found = any(a.name == head and a.scope == function.qualname and _mongo_value(project, module, a.value,
                                                                                        function, 0)
                    for a in module.assignments)
    else:
        found = _mongo_name(project, module, call.callee.rsplit(".", 1)[0], 0)
    return "is a synchronous PyMongo call" if found else None


def _mongo_name(project: Project, module: ModuleFacts, qualified: str, depth: int) -> bool:
    """True when a qualified name is a module-level PyMongo client, or a database or
    collection taken from one, following assignments across modules."""
    if depth > 6 or qualified in MONGO_CLIENTS:
        return False
    resolved = project.python.resolve(qualified, module)
    if resolved is None:
        return False
    home, name = resolved
    head = name.split(".")[0]
    return any(_mongo_value(project, home, a.value, None, depth + 1) for a in home.module_level(head))


def _mongo_value(project: Project, module: ModuleFacts, value, function: Function | None, depth: int) -> bool:
    if value.kind == "call":
        return value.resolved and value.text in MONGO_CLIENTS
    if value.kind in ("ref", "subscript") and value.text:
        if value.resolved:
            return _mongo_name(project, module, value.text, depth)
        local = value.text.split(".")[0]
        return function is not None and function.local_types.get(local) in MONGO_CLIENTS
    return False


def _dependency_function(project: Project, module: ModuleFacts, target: str):
    """The function FastAPI calls for ``Depends(target)``: a function, or the ``__call__`` of a
    callable instance (``checker = RoleChecker(...)``; ``Depends(checker)``). A class itself is
    instantiated, which never awaits, so it runs in the thread pool like a sync function."""
    found = project.python.function(module, target, "", True) or project.python.function(module, target, "", False)
    if found is not None:
        return found
    for home, call in project.python.assigned_calls(target, module):
        cls = project.python.resolve(call.text, home)
        if cls is not None and f"{cls[1]}.__call__" in cls[0].functions:
            return cls[0].functions[f"{cls[1]}.__call__"], cls[0]
    return None


def _dependency_list(call) -> list[str]:
    """Targets of ``dependencies=[Depends(x), ...]`` in a constructor or decorator call."""
    value = call.kwarg("dependencies") if call is not None else None
    if value is None or value.kind != "list":
        return []
    return [item.items[0].text for item in value.items
            if item.kind == "call" and item.text.rsplit(".", 1)[-1] in ("Depends", "Security") and item.items
            and item.items[0].kind == "ref"]


SESSION_FACTORIES = {"sqlalchemy.orm.sessionmaker": "sqlalchemy.orm.Session",
                     "sqlalchemy.orm.session.sessionmaker": "sqlalchemy.orm.Session",
                     "sqlalchemy.orm.scoped_session": "sqlalchemy.orm.Session"}
def _factory_session(project: Project, module: ModuleFacts, constructor: str) -> str | None:
    """The session a repo-level factory makes (``SessionLocal = sessionmaker(...)``): a sync
    Session, unless the factory is given ``class_=AsyncSession``."""
    for _, factory in project.python.assigned_calls(constructor, module):
        session_class = factory.kwarg("class_")
        if factory.text in SESSION_FACTORIES and (session_class is None or "Async" not in session_class.text):
            return SESSION_FACTORIES[factory.text]
    return None


def _dependency_type(project: Project, module: ModuleFacts, depends: str) -> str | None:
    """The session type a dependency yields or returns: its return annotation, or the
    constructor of what it yields (``db = SessionLocal()`` with a sync sessionmaker)."""
    found = project.python.function(module, depends, "", True) or project.python.function(module, depends, "", False)
    if found is None:
        return None
    dependency, dep_module = found
    returns = _canonical_type(dependency.returns)
    if returns in BLOCKING_RECEIVERS:
        return returns
    for constructor in dependency.local_types.values():
        made = _canonical_type(constructor)
        if made in BLOCKING_RECEIVERS:
            return made
        made = _factory_session(project, dep_module, constructor)
        if made is not None:
            return made
    return None
