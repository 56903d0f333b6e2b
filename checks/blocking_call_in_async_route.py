"""RC401 blocking-call-in-async-route: an ``async def`` route handler makes a blocking call.

What it does
    For the code FastAPI/Starlette runs on the event loop (async route and
    websocket handlers, async dependencies at every level: a parameter's
    ``Depends``, ``Annotated`` aliases, the route decorator's, the router's,
    the app's and ``include_router``'s ``dependencies=[...]`` (also those a
    repo ``APIRouter`` subclass passes to ``super().__init__``) and
    sub-dependencies, even of sync routes; ``@app.middleware`` functions and
    ``BaseHTTPMiddleware.dispatch``; async lifespan and startup hooks; async
    background tasks; an async generator a ``StreamingResponse`` or
    ``EventSourceResponse`` iterates (a plain generator they iterate runs
    in Starlette's thread pool, not on the loop); the transport and event hooks of an
    httpx ``AsyncClient`` built there), flags the calls that block (in a lifespan or startup
    hook as info: the server accepts no connection until start-up ends, so it
    delays start-up and stalls no request), written there or reached
    through the repo's own functions and methods, across modules, with the
    whole path in the message (``get_user -> UserService.get ->
    self.db.query()``) and a related location per step.

    What blocks is one shared table (``readycheck.knowledge.blocking``): ``time.sleep``,
    sync HTTP (``requests``, ``urllib``, ``httpx``'s functions and ``Client``),
    subprocesses, ``open()``, ``os.path`` and ``pathlib`` file I/O,
    ``shutil``, sync database drivers, sync SQLAlchemy/SQLModel sessions,
    engines, connections and ``inspect(engine)`` inspectors, peewee models
    (``User.get_or_none()``, ``user.save()``, ``User.select().where().get()``,
    ``Usage.insert(...).on_conflict(...).execute()``, through the repo's own
    base model), sync redis and PyMongo clients, and third-party SDKs (Stripe,
    Twilio, SendGrid, Resend, boto3, MinIO, google-auth's token verification
    and credential refresh, google-auth-oauthlib's ``Flow.fetch_token``,
    Google's API client (``service.users().getProfile(...).execute()``),
    slack_sdk's ``WebClient``,
    ``smtplib``, Celery's ``delay``/``apply_async``/``send_task``,
    ``AsyncResult.ready``/``get`` (not ``successful()``/``failed()`` after
    ``ready()``: the state is cached by then) and ``control.revoke``, pandas
    ``read_sql``, reads of an upload's ``.file``, azure-identity's sync
    credentials and the token provider ``get_bearer_token_provider`` returns,
    fpdf2's ``add_font``). Async variants are not in it (``redis.asyncio``,
    ``httpx.AsyncClient``, ``AsyncSession``, Motor, aioboto3, aiosmtplib,
    peewee-async, ``miniopy_async``, ``azure.identity.aio``, slack_sdk's
    ``AsyncWebClient``), an
    awaited call never blocks, and work handed to ``run_in_threadpool``/
    ``asyncio.to_thread``/``run_in_executor`` is passed, not called.

    The type of each receiver comes from the reachability model
    (``readycheck.model.reachability``): parameter annotations (through
    ``Annotated`` aliases defined elsewhere) and ``Depends`` providers (their
    return annotation, or what they return or yield; a class used as a
    dependency; a ``Generator[Session, ...]`` annotation; what a sync
    generator ``def`` dependency yields when nothing else is known, a sync
    session), constructors and factories (``SessionLocal()`` from a sync
    ``sessionmaker``, ``session()`` of a local ``scoped_session``), module globals in other modules (``redis_client =
    redis.Redis(...)``), ``app.state`` attributes, and the repo's classes:
    attributes set in ``__init__`` or annotated on the class, methods
    inherited from repo base classes, classmethods, staticmethods and
    properties; the dunder methods operators run on a repo class's instance
    (``not d``, ``k in d``, ``d[k]``, ``d[k] = v``, ``del d[k]``, ``len(d)``);
    ``super().method()`` (the nearest repo base class's method); an
    unannotated ``__init__`` parameter, typed by what every construction of
    the class passes for it (all must agree); each element
    of a loop over a list annotated with its element type (``for client in
    self.clients``, ``clients: list[Client]``) or over a literal of instances;
    the one implementation in the repo of an ``@abstractmethod`` (none is
    guessed between two; a test suite's fake does not count); a class imported with an ``ImportError`` fallback
    (the module the repo has); a factory that imports ``redis`` or
    ``redis.asyncio`` under one name by a flag parameter (the one its call's
    flag, or the flag's default, picks); coroutines an awaited
    ``asyncio.gather`` runs. A same-named method of an unrelated class is not confused
    with a blocking one. A plain ``def`` route or dependency is never
    flagged: FastAPI runs it in a thread pool. Each blocking call is reported
    once, with the path from the first code on the loop that reaches it (a
    helper's every blocking call, not only its first); a dependency is
    reported with the routes it runs for as related locations. A call made
    only to fill a cache that outlives the request (the body of ``if
    self._client is None:`` or ``if key not in _CACHE:`` that stores into what
    it tests) runs once per process or key and is info. Apps in tests, docs,
    examples and scripts are throwaway code and are not judged, unless a
    production start command serves them.

    Options: ``extra-blocking`` lists more blocking names: qualified
    functions (``mysdk.client.send``), module prefixes ending in ``.``
    (``legacy_sdk.``) or ``Type.method`` (``app.clients.Billing.charge``).
    Plugins add names with ``readycheck.api.register_blocking``.

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

from typing import TYPE_CHECKING

from readycheck.api import (FILE_METADATA, PATH_IO_METHODS, Check, ClassObject, Example, RepoClass, Rule, Severity,
                            blocking_callable, blocking_function, blocking_method, cached_after, hit_places,
                            type_name)

if TYPE_CHECKING:
    from readycheck.api import Edge, LoopEntry, Project

#: How many routes a dependency's finding lists as related locations.
MAX_SERVED = 10


class BlockingRule(Rule):
    """A call that blocks: a blocking function, a method of a blocking type (the receiver's type
    comes from the reachability model), unawaited path I/O, or a name the user configured."""

    skip_run_once = True
    every_site = True

    def __init__(self, extra: frozenset[str] = frozenset()) -> None:
        self.extra = extra
        self.key = "blocking:" + ",".join(sorted(extra))

    def counts_deep(self, hit) -> bool:
        return hit.reason != FILE_METADATA  # one stat deep in a helper: reported only where it is written

    def taken(self, edge: "Edge", hit) -> bool:
        """False when the path's first call is made only for the other truth of a flag this call passes
        as a literal: ``upload(file, process=False)`` into ``if process: handle(file)``."""
        arguments = edge.call.call
        if arguments is None or not arguments.keywords:
            return True
        first = hit.steps[0]
        for name, when in first.module.flag_guards(first.call.span.line):
            passed = arguments.kwarg(name)
            if passed is not None and passed.kind == "bool" and (passed.text == "True") != when:
                return False
        return True

    def minor(self, hit) -> bool:
        return on_fallback(hit) or hit.fills_cache

    def hit(self, edge: "Edge") -> str | None:
        call = edge.call
        if call.awaited:
            return None
        why = blocking_function(call.callee, self.extra) or blocking_callable(type_name(edge.callee_type))
        if why:
            return why
        receiver = edge.receiver_type
        if isinstance(receiver, str):
            why = blocking_method(receiver, call.method)
            if why and not cached_before(edge, cached_after(receiver, call.method)):
                return why
        if self.extra and receiver is not None and call.method and \
                f"{type_name(receiver)}.{call.method}" in self.extra:
            return "is configured as blocking"
        if call.method in PATH_IO_METHODS and not edge.targets and not isinstance(receiver, (RepoClass, ClassObject)):
            return "does file I/O on the event loop"
        return None


def cached_before(edge: "Edge", earlier: str | None) -> bool:
    """Whether the function calls ``earlier`` on the same receiver before this call (``r.ready()`` before
    ``r.successful()``: the state is cached by then; see ``cached_after``)."""
    call = edge.call
    if earlier is None or edge.function is None or not call.text or "." not in call.text:
        return False
    wanted = f"{call.text.rpartition('.')[0]}.{earlier}"
    return any(other.text == wanted and other.span[:2] < call.span[:2] for other in edge.function.calls)


def on_fallback(hit) -> bool:
    """Whether a step of the path is a call made only when an in-memory lookup missed (after ``if key
    in cache: return cache[key]``): once per key, not on every request."""
    return any(step.module.in_fallback_block(step.call.span.line) for step in hit.steps)


SYNC_DB = """
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session, sessionmaker

    SessionLocal = sessionmaker(bind=create_engine("postgresql://db/app"))

    def get_db():
        db = SessionLocal()
        try:
            yield db
        finally:
            db.close()
    """
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
            """}, expect=['app/main.py:11:5 async route `get_user` (GET /users/{user_id}) calls `time.sleep()`, which sleeps the whole event loop, on the event loop', "app/main.py:12", "app/main.py:13"],
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
        Example({"app/db.py": SYNC_DB, "app/services/user.py": """
            from sqlalchemy.orm import Session
            from app.db import SessionLocal

            class UserService:
                def __init__(self):
                    self.db = SessionLocal()

                def get(self, user_id: int):
                    return self.db.query(dict).get(user_id)

            class OrderService:
                def __init__(self, session: Session):
                    self.session = session

                def place(self, order):
                    self.session.flush()

            user_service = UserService()
            """, "app/routes.py": """
            from fastapi import APIRouter, Depends
            from sqlalchemy.orm import Session
            from app.db import get_db
            from app.services.user import OrderService, user_service

            router = APIRouter()

            @router.get("/users/{user_id}")
            async def get_user(user_id: int):
                return user_service.get(user_id)

            @router.post("/orders")
            async def place_order(order: dict, db: Session = Depends(get_db)):
                svc = OrderService(db)
                svc.place(order)
            """}, expect=["app/routes.py:10", "app/routes.py:15"],
            title="methods through a module-level instance and an instance built in the handler"),
        Example({"app/db.py": SYNC_DB, "app/repos.py": """
            from sqlalchemy.orm import Session
            from app.db import SessionLocal

            class BaseRepo:
                session: Session

                def get(self, id):
                    return self.session.get(dict, id)

            class UserRepo(BaseRepo):
                pass

            class Reports:
                @classmethod
                def build(cls):
                    return cls.load()

                @staticmethod
                def load():
                    with SessionLocal() as db:
                        return db.execute("select 1")

                @property
                def engine_session(self) -> Session:
                    return SessionLocal()
            """, "app/main.py": """
            from fastapi import FastAPI
            from app.repos import Reports, UserRepo

            app = FastAPI()
            repo = UserRepo()

            @app.get("/users/{uid}")
            async def read_user(uid: int):
                return repo.get(uid)

            @app.get("/report")
            async def report():
                Reports.build()
                reports = Reports()
                return reports.engine_session.execute("select 1")
            """}, expect=["app/main.py:9", "app/main.py:13", "app/main.py:15"],
            title="an inherited method, a class attribute annotation, classmethod, staticmethod and property"),
        Example({"app/files.py": """
            import os
            from pathlib import Path

            def media_dir(name: str) -> Path:
                folder = Path("/data") / name
                folder.mkdir(exist_ok=True)
                return folder

            def load(name: str) -> bytes:
                if not os.path.exists(name):
                    return b""
                with open(name, "rb") as handle:
                    return handle.read()
            """, "app/main.py": """
            import os
            from fastapi import FastAPI
            from app.files import load, media_dir

            app = FastAPI()

            @app.get("/media/{name}")
            async def media(name: str):
                return str(media_dir(name))

            @app.get("/raw/{name}")
            async def raw(name: str):
                return load(name)

            @app.get("/exists/{name}")
            async def exists(name: str):
                return os.path.exists(name)
            """}, expect=["app/main.py:13", "app/main.py:17:info"],
            title="one stat deep in a helper is not reported (the helper's open() is); written in the route, "
                  "it is info (one metadata system call, as ruff's ASYNC240 reports it)"),
        Example({"app/plugins.py": """
            import requests

            _modules = {}
            PROMPTS = {"default": "You are helpful."}
            ADMINS = {"root"}

            def load_module(name):
                if name in _modules:
                    return _modules[name]
                with open(f"/plugins/{name}.py") as f:
                    _modules[name] = compile(f.read(), name, "exec")
                return _modules[name]

            def prompt(key):
                if key in PROMPTS:
                    return PROMPTS[key].strip()
                with open(f"/prompts/{key}.txt") as f:
                    return f.read()

            def is_allowed(user):
                if user in ADMINS:
                    return True
                return requests.get(f"https://acl/{user}").ok

            def lookup(key, cache):
                if key in cache:
                    return None
                return requests.get(f"https://kv/{key}").json()
            """, "app/main.py": """
            from fastapi import FastAPI
            from app.plugins import is_allowed, load_module, lookup, prompt

            app = FastAPI()

            @app.get("/run/{name}")
            async def run(name: str):
                return load_module(name), prompt(name)

            @app.get("/acl/{user}")
            async def acl(user: str):
                return is_allowed(user), lookup(user, {})
            """}, expect=["app/main.py:8:12:info async route `run` (GET /run/{name}) blocks the event loop through "
                          "`run -> load_module -> open()`, which does file I/O on the event loop; only when an "
                          "in-memory lookup misses (it follows `if key in ...: return ...[key]`), not on every request",
                          "app/main.py:8:31:info", "app/main.py:12:12", "app/main.py:12:30"],
            title="a call only made when an in-memory lookup misses (`if key in cache: return cache[key]`) is "
                  "info; a fast path that returns something else (`if user in ADMINS: return True`) is not a lookup"),
        Example({"app/main.py": """
            from contextlib import asynccontextmanager
            from pathlib import Path
            from fastapi import FastAPI

            @asynccontextmanager
            async def lifespan(app: FastAPI):
                app.state.prompt = Path("prompts/system.txt").read_text()
                yield

            app = FastAPI(lifespan=lifespan)
            """}, expect=["app/main.py:7:info"],
            title="blocking work in a lifespan before it yields delays start-up: info"),
        Example({"app/db.py": SYNC_DB, "app/services.py": """
            from fastapi import Depends
            from sqlalchemy.orm import Session
            from app.db import get_db

            class UserService:
                def __init__(self, db: Session = Depends(get_db)):
                    self.db = db

                def get(self, uid):
                    return self.db.get(dict, uid)

                def count(self):
                    return self.db.scalar("select count(*) from users")

                def remove(self, uid):
                    self.db.delete(uid)

            def get_user_service(db: Session = Depends(get_db)) -> UserService:
                return UserService(db)

            def get_service_unannotated(db: Session = Depends(get_db)):
                return UserService(db)
            """, "app/routes.py": """
            from typing import Annotated
            from fastapi import APIRouter, Depends
            from app.services import UserService, get_service_unannotated, get_user_service

            router = APIRouter()

            @router.get("/a/{uid}")
            async def a(uid: int, svc: UserService = Depends(get_user_service)):
                return svc.get(uid)

            @router.get("/b")
            async def b(svc=Depends(get_service_unannotated)):
                return svc.count()

            @router.delete("/c/{uid}")
            async def c(uid: int, svc: Annotated[UserService, Depends()]):
                return svc.remove(uid)
            """}, expect=["app/routes.py:9", "app/routes.py:13", "app/routes.py:17"],
            title="services from Depends: a provider's return annotation, its returned value, a class dependency"),
        Example({"app/db.py": SYNC_DB, "app/deps.py": """
            from fastapi import Depends
            from sqlalchemy.orm import Session
            from app.db import get_db

            async def record_audit(db: Session = Depends(get_db)):
                db.add(object())
                db.flush()

            async def check_quota(db: Session = Depends(get_db)):
                db.execute("select 1")

            async def tenant(db: Session = Depends(get_db)):
                return db.get(dict, 1)

            def current_user(t=Depends(tenant)):
                return t
            """, "app/main.py": """
            from fastapi import APIRouter, Depends, FastAPI
            from app.deps import check_quota, current_user, record_audit

            app = FastAPI(dependencies=[Depends(check_quota)])
            router = APIRouter(dependencies=[Depends(record_audit)])
            admin = APIRouter()

            @router.get("/items")
            def items():
                return []

            @router.get("/other")
            def other():
                return []

            @admin.get("/stats")
            def stats(user=Depends(current_user)):
                return user

            app.include_router(router)
            app.include_router(admin, dependencies=[Depends(record_audit)])
            """}, expect=["app/deps.py:7", "app/deps.py:10", "app/deps.py:13"],
            title="async dependencies of sync routes: app, router, include_router and sub-dependency, once each"),
        Example({"app/core/cache.py": """
            import redis
            from redis import asyncio as aioredis

            redis_client = redis.Redis(host="cache")
            sessions = redis.from_url("redis://cache/1")
            fast = aioredis.from_url("redis://cache/2")
            """, "app/main.py": """
            from contextlib import asynccontextmanager
            import redis
            from fastapi import FastAPI, Request
            from app.core.cache import fast, redis_client, sessions

            @asynccontextmanager
            async def lifespan(app: FastAPI):
                app.state.redis = redis.Redis.from_url("redis://cache/3")
                yield

            app = FastAPI(lifespan=lifespan)

            @app.get("/profile/{key}")
            async def profile(key: str, request: Request):
                cached = redis_client.get(key)
                token = sessions.get(f"s:{key}")
                await fast.get(key)
                return request.app.state.redis.get(key)

            @app.get("/healthz")
            async def healthz():
                redis_client.ping()
                return {"ok": True}
            """}, expect=["app/main.py:15", "app/main.py:16", "app/main.py:18", "app/main.py:22"],
            title="clients created in another module and on app.state; a sync ping in a health route"),
        Example({"app/db.py": SYNC_DB, "app/services.py": """
            from sqlalchemy.ext.asyncio import AsyncSession
            from sqlalchemy.orm import Session
            from redis import asyncio as aioredis

            class AsyncUserService:
                def __init__(self, db: AsyncSession):
                    self.db = db

                async def get(self, uid):
                    return await self.db.get(dict, uid)

            class SyncUserService:
                def __init__(self, db: Session):
                    self.db = db

                def get(self, uid):
                    return self.db.get(dict, uid)

            class MemoryCache:
                def __init__(self):
                    self.data = {}

                def get(self, key):
                    return self.data.get(key)

            cache = MemoryCache()
            client = aioredis.from_url("redis://cache")
            """, "app/routes.py": """
            from fastapi import APIRouter, Depends
            from fastapi.concurrency import run_in_threadpool
            from sqlalchemy.orm import Session
            from app.db import get_db
            from app.services import AsyncUserService, SyncUserService, cache, client

            router = APIRouter()

            def current_user(db: Session = Depends(get_db)):
                return db.get(dict, 1)

            @router.get("/a/{uid}")
            def sync_route(uid: int, db: Session = Depends(get_db), user=Depends(current_user)):
                svc = SyncUserService(db)
                return svc.get(uid)

            @router.get("/b/{uid}")
            async def offloaded(uid: int, db: Session = Depends(get_db)):
                svc = SyncUserService(db)
                return await run_in_threadpool(svc.get, uid)

            @router.get("/c/{uid}")
            async def async_service(uid: int, db: AsyncSession = Depends(get_db)):
                svc = AsyncUserService(db)
                await client.get("k")
                cache.get("k")
                return await svc.get(uid)
            """}, title="sync route and sync dependency with a sync service, offloaded, async service and client, "
                        "a same-named method of an unrelated class"),
        Example({"app/config.py": """
            import json
            from functools import lru_cache

            _settings = None

            @lru_cache
            def get_settings():
                with open("settings.json") as f:
                    return json.load(f)

            def load_once():
                global _settings
                if _settings is None:
                    with open("settings.json") as f:
                        _settings = json.load(f)
                return _settings

            FONTS = "fonts"

            def render():
                global FONTS
                if not FONTS:
                    FONTS = "static/fonts"
                with open(f"{FONTS}/font.ttf", "rb") as f:
                    return f.read()
            """, "app/main.py": """
            from fastapi import FastAPI
            from app.config import get_settings, load_once, render

            app = FastAPI()

            @app.get("/flags")
            async def flags():
                return get_settings(), load_once(), render()
            """}, expect=["app/main.py:8:28:info async route `flags` (GET /flags) blocks the event loop through "
                          "`flags -> load_once -> open()`, which does file I/O on the event loop; once per process "
                          "or cache key (it fills a cache), not on every request",
                          "app/main.py:8:41 async route `flags` (GET /flags) blocks the event loop through "
                          "`flags -> render -> open()`, which does file I/O on the event loop"],
            title="work that runs once per process: an lru_cache'd settings loader is skipped, a lazy global's "
                  "fill is info; a function that declares `global` only to fix a value runs its work every call"),
        Example({"app/git.py": """
            import subprocess
            import requests

            _SCHEMAS = {}

            class Git:
                def __init__(self):
                    self._available = None
                    self._client = None
                    self._token = None

                def check(self):
                    if self._available is None:
                        subprocess.run(["git", "--version"], check=True)
                        self._available = True

                def schema(self, name):
                    if name not in _SCHEMAS:
                        _SCHEMAS[name] = requests.get(f"https://schemas/{name}").json()
                    return _SCHEMAS[name]

                def client(self):
                    if self._client is None:
                        self._client = requests.Session()
                    return self._client.get("https://git/api")

                def token(self):
                    if self._token is None:
                        requests.post("https://git/audit")
                    if not self._available:
                        return requests.get("https://git/token")

                def seen(self, names):
                    done = {}
                    for name in names:
                        if name not in done:
                            done[name] = requests.get(f"https://git/{name}")

            git = Git()
            """, "app/main.py": """
            from fastapi import FastAPI
            from app.git import git

            app = FastAPI()

            @app.get("/repo")
            async def repo():
                git.check()
                return git.schema("repo"), git.client(), git.token(), git.seen(["a"])
            """}, expect=["app/main.py:8:5:info async route `repo` (GET /repo) blocks the event loop through "
                          "`repo -> Git.check -> subprocess.run()`, which waits for a subprocess; once per process "
                          "or cache key (it fills a cache), not on every request",
                          "app/main.py:9:12:info", "app/main.py:9:32:error", "app/main.py:9:46:error",
                          "app/main.py:9:46:error", "app/main.py:9:59:error"],
            title="a call that fills a cache it tests (`if self._x is None: ... self._x = ...`, `if key not in "
                  "_CACHE: _CACHE[key] = ...`) is info; the cached client's own call, a test of a cache the block "
                  "does not fill, a truthy test and a fresh local dict still flag"),
        Example({"app/files.py": """
            import shutil

            async def store(name: str, process: bool = True):
                if process:
                    shutil.copy(f"/tmp/{name}", f"/data/{name}")
                else:
                    return name

            async def convert(name: str, fast: bool = False):
                if not fast:
                    shutil.move(f"/tmp/{name}", f"/data/{name}")
                with open(f"/data/{name}") as f:
                    return f.read()
            """, "app/main.py": """
            from fastapi import FastAPI
            from app.files import convert, store

            app = FastAPI()

            @app.post("/raw/{name}")
            async def raw(name: str):
                await store(name, process=False)
                await convert(name, fast=True)

            @app.post("/full/{name}")
            async def full(name: str, flag: bool):
                await store(name, process=flag)
                await convert(name, fast=False)
            """}, expect=["app/main.py:9:11 async route `raw` (POST /raw/{name}) blocks the event loop through "
                          "`raw -> convert -> open()`, which does file I/O on the event loop",
                          "app/main.py:13:11", "app/main.py:14:11"],
            title="a call made only for the other truth of a flag the caller passes as a literal is not on "
                  "this path (`process=False` into `if process:`); a flag passed as a variable may take it"),
        Example({"app/worker.py": """
            from celery import Celery

            celery_app = Celery("app", broker="redis://cache")

            @celery_app.task
            def send_welcome(email): ...
            """, "app/routes.py": """
            import shutil
            import smtplib
            import socket
            from pathlib import Path

            import boto3
            import pandas as pd
            import resend
            import stripe
            from celery.result import AsyncResult
            from fastapi import APIRouter, UploadFile
            from google.oauth2 import id_token
            from sendgrid import SendGridAPIClient
            from twilio.rest import Client
            from app.worker import celery_app, send_welcome

            router = APIRouter()
            s3 = boto3.client("s3")
            sms = Client("sid", "token")

            @router.post("/signup")
            async def signup(email: str, token: str):
                stripe.Customer.create(email=email)
                sms.messages.create(to="+1", from_="+2", body="hi")
                sg = SendGridAPIClient("key")
                sg.send({"to": email})
                resend.Emails.send({"to": email})
                s3.put_object(Bucket="b", Key="k", Body=b"")
                id_token.verify_oauth2_token(token, None, "client-id")
                send_welcome.delay(email)
                send_welcome.apply_async(args=[email])
                celery_app.send_task("tasks.audit", args=[email])
                result = AsyncResult("id")
                result.get(timeout=1)
                celery_app.control.revoke("id")

            @router.post("/files")
            async def files(upload: UploadFile):
                data = upload.file.read()
                with open("/tmp/x", "wb") as out:
                    out.write(data)
                Path("/tmp/x").write_bytes(data)
                shutil.rmtree("/tmp/old")
                socket.create_connection(("db", 5432))
                with smtplib.SMTP("mail") as smtp:
                    smtp.send_message(None)
                return pd.read_sql("select 1", "postgresql://db/app")
            """}, expect=[f"app/routes.py:{n}" for n in (23, 24, 26, 27, 28, 29, 30, 31, 32, 34, 35,
                                                         39, 40, 42, 43, 44, 45, 46, 47)],
            title="third-party SDKs, Celery, uploads and file I/O (one table shared by every check)"),
        Example({"app/routes.py": """
            import asyncio

            import aioboto3
            import aiosmtplib
            import anyio
            import boto3
            import httpx
            import stripe
            from fastapi import APIRouter, UploadFile

            router = APIRouter()
            s3 = boto3.client("s3")

            @router.post("/upload")
            async def upload(file: UploadFile):
                data = await file.read()
                await anyio.Path("/tmp/x").write_bytes(data)
                async with httpx.AsyncClient() as client:
                    await client.get("https://example.com")
                await stripe.Customer.create_async(email="a@b.c")
                await aiosmtplib.send(None, hostname="mail")
                session = aioboto3.Session()
                async with session.client("s3") as as3:
                    await as3.put_object(Bucket="b", Key="k", Body=data)
                await asyncio.to_thread(s3.put_object, Bucket="b", Key="k", Body=data)
                event = stripe.Webhook.construct_event(b"", "sig", "secret")
                return s3.generate_presigned_url("get_object", Params={})
            """}, title="async SDK variants, UploadFile awaitables, offloaded boto3, calls that do no I/O"),
        Example({"app/db.py": SYNC_DB, "app/crud.py": """
            from sqlalchemy.orm import Session
            from sqlalchemy.ext.asyncio import AsyncSession


            def edit_user(db: Session, user_id: int, name: str):
                user = db.get(dict, user_id)
                db.commit()
                db.refresh(user)
                return user


            def delete_user(db: Session, user_id: int):
                db.delete(user_id)
                db.commit()


            async def touch_user(db: AsyncSession, user_id: int):
                await db.commit()
            """, "app/routes.py": """
            from fastapi import APIRouter, Depends
            from sqlalchemy.orm import Session
            from app import crud
            from app.db import get_db

            router = APIRouter()

            @router.put("/users/{user_id}")
            async def user_edit(user_id: int, name: str, db: Session = Depends(get_db)):
                return crud.edit_user(db, user_id, name)

            @router.delete("/users/{user_id}")
            async def user_delete(user_id: int, db: Session = Depends(get_db)):
                crud.delete_user(db, user_id)

            @router.delete("/admin/users/{user_id}")
            async def admin_delete(user_id: int, db: Session = Depends(get_db)):
                crud.delete_user(db, user_id)
            """}, expect=[
                "app/routes.py:10:12 async route `user_edit` (PUT /users/{user_id}) blocks the event loop through "
                "`user_edit -> crud.edit_user -> db.get()`, which is a synchronous `Session` call",
                "app/routes.py:10:12 async route `user_edit` (PUT /users/{user_id}) blocks the event loop through "
                "`user_edit -> crud.edit_user -> db.commit()`, which is a synchronous `Session` call",
                "app/routes.py:10:12 async route `user_edit` (PUT /users/{user_id}) blocks the event loop through "
                "`user_edit -> crud.edit_user -> db.refresh()`, which is a synchronous `Session` call",
                "app/routes.py:14", "app/routes.py:14"],
            title="every blocking call a helper makes, each once however many routes reach it"),
        Example({"app/setup.py": """
            def make(url):
                return object(), object()

            SessionLocal, engine = make("postgresql://db/app")
            AsyncSessionLocal, async_engine = make("postgresql+asyncpg://db/app")
            """, "app/deps.py": """
            from collections.abc import AsyncGenerator, Generator
            from sqlalchemy.orm import Session
            from sqlalchemy.ext.asyncio import AsyncSession
            from app.setup import AsyncSessionLocal, SessionLocal

            def get_db() -> Generator[Session, None, None]:
                db = SessionLocal()
                try:
                    yield db
                finally:
                    db.close()

            async def get_async_db() -> AsyncGenerator[AsyncSession, None]:
                async with AsyncSessionLocal() as session:
                    yield session
            """, "app/providers.py": """
            from typing import Generic, TypeVar
            from sqlalchemy.orm import Session

            T = TypeVar("T")

            class Provider(Generic[T]):
                def __init__(self, session: Session, data: T):
                    self.session = session

            class OpenIDProvider(Provider[dict]):
                def authenticate(self):
                    self.session.commit()

            class Store(Generic[T]):
                def commit(self): ...

            class Memory(Store[str]):
                pass
            """, "app/routes.py": """
            from fastapi import APIRouter, Depends
            from app.deps import get_async_db, get_db
            from app.providers import Memory, OpenIDProvider

            router = APIRouter()

            @router.get("/a")
            async def a(db=Depends(get_db)):
                return db.execute("select 1")

            @router.get("/b")
            async def b(db=Depends(get_async_db)):
                return await db.execute("select 1")

            @router.post("/login")
            async def login(db=Depends(get_db)):
                provider = OpenIDProvider(db, {})
                provider.authenticate()
                Memory().commit()

            @router.get("/c")
            def c(db=Depends(get_db)):
                return db.execute("select 1")
            """}, expect=["app/routes.py:9", "app/routes.py:18"],
            title="a session from a generator's Generator[Session] annotation; a method inherited from a generic "
                  "base (Provider[dict]); an AsyncGenerator[AsyncSession], a sync route, an unrelated commit()"),
        Example({"app/main.py": """
            from fastapi import FastAPI, Request
            from fastapi.concurrency import run_in_threadpool
            from sqlalchemy import create_engine
            from sqlalchemy.ext.asyncio import async_scoped_session, async_sessionmaker, create_async_engine
            from sqlalchemy.orm import scoped_session, sessionmaker
            from starlette.middleware.base import BaseHTTPMiddleware

            engine = create_engine("postgresql://db/app")
            api = FastAPI()

            @api.middleware("http")
            async def db_session_middleware(request: Request, call_next):
                session = scoped_session(sessionmaker(bind=engine))
                request.state.db = session()
                try:
                    response = await call_next(request)
                    request.state.db.commit()
                    return response
                except Exception:
                    request.state.db.rollback()
                    raise

            class AsyncDb(BaseHTTPMiddleware):
                async def dispatch(self, request, call_next):
                    factory = async_scoped_session(async_sessionmaker(create_async_engine("postgresql+asyncpg://db")),
                                                   scopefunc=id)
                    request.state.adb = factory()
                    response = await call_next(request)
                    await request.state.adb.commit()
                    await run_in_threadpool(request.state.db.commit)
                    return response
            """}, expect=["app/main.py:17", "app/main.py:20"],
            title="middleware: a sync session a factory made, on request.state; an async one; an offloaded close"),
        Example({"app/deps.py": """
            from collections.abc import Generator
            from scheduler_lib import SessionManager, open_async

            def get_job_db() -> Generator:
                engine, factory = SessionManager().create_session("postgresql://db/jobs")
                with factory() as session:
                    yield session

            async def get_async_jobs():
                async with open_async() as session:
                    yield session

            def get_settings():
                return object()
            """, "app/routes.py": """
            from fastapi import APIRouter, Depends
            from app.deps import get_async_jobs, get_job_db, get_settings

            router = APIRouter()

            @router.post("/tasks")
            async def create_task(jobs=Depends(get_job_db)):
                jobs.add(object())
                jobs.commit()

            @router.delete("/tasks")
            async def delete_task(jobs=Depends(get_async_jobs), settings=Depends(get_settings)):
                await jobs.execute("delete from tasks")
                await jobs.commit()
                settings.refresh()

            @router.put("/tasks")
            def update_task(jobs=Depends(get_job_db)):
                jobs.commit()
            """}, expect=["app/routes.py:9"],
            title="what a sync generator dependency yields, type unknown, is a sync session; not an async "
                  "generator's, a plain function's, or in a sync route"),
        Example({"app/db/models.py": """
            import datetime
            from peewee import CharField, IntegerField, Model, SqliteDatabase, fn

            database = SqliteDatabase("app.db")

            class BaseModel(Model):
                class Meta:
                    database = database

            class User(BaseModel):
                username = CharField(unique=True)

            class Usage(BaseModel):
                tokens = IntegerField()

                @classmethod
                def tokens_since(cls, user_id, day):
                    return Usage.select(fn.SUM(Usage.tokens)).where(Usage.id == user_id).get()

                @classmethod
                def add(cls, user_id, tokens):
                    Usage.insert(id=user_id, tokens=tokens).on_conflict(preserve=[Usage.tokens]).execute()
            """, "app/session.py": """
            from app.db.models import User

            class SessionStore:
                def get(self, name):
                    return User.get_or_none(User.username == name)

            store = SessionStore()
            """, "app/main.py": """
            from fastapi import FastAPI
            from fastapi.responses import StreamingResponse
            from app.db.models import Usage, User
            from app.session import store

            app = FastAPI()

            async def stream(user_id):
                yield "data"
                Usage.add(user_id, 1)

            @app.post("/users/{name}")
            async def create(name: str):
                user = User.create(username=name)
                user.username = name.lower()
                user.save()
                return store.get(name), Usage.tokens_since(user.id, None)

            @app.get("/chat/{user_id}")
            async def chat(user_id: int):
                User.delete().where(User.id == user_id).execute()
                return StreamingResponse(stream(user_id), media_type="text/event-stream")
            """}, expect=["app/main.py:14", "app/main.py:16", "app/main.py:17:12", "app/main.py:17:29",
                          "app/main.py:21",
                          "app/main.py:22:30 async route `chat` (GET /chat/{user_id}) blocks the event loop through "
                          "`chat -> stream -> Usage.add -> Usage.insert(…).on_conflict(…).execute()`, which runs a "
                          "synchronous peewee query"],
            title="peewee models (through the repo's base model), query chains, a store's helper, and an async "
                  "generator a StreamingResponse iterates on the loop"),
        Example({"app/main.py": """
            import redis
            from fastapi import FastAPI

            app = FastAPI()

            class Cache:
                def __init__(self):
                    self.client = None

                async def _client(self) -> redis.Redis:
                    if self.client is None:
                        self.client = redis.Redis()
                    return self.client

                async def get(self, key):
                    client = await self._client()
                    return client.get(key)

            cache = Cache()

            @app.get("/items/{key}")
            async def item(key: str):
                return await cache.get(key)
            """}, expect=["app/main.py:23:18 async route `item` (GET /items/{key}) blocks the event loop through "
                          "`item -> Cache.get -> client.get()`, which is a synchronous `Redis` call"],
            title="a client an awaited method returns (its return annotation)"),
        Example({"app/main.py": """
            from fastapi import FastAPI
            from google.auth.transport.requests import Request
            from google.oauth2.credentials import Credentials
            from google_auth_oauthlib.flow import Flow
            from googleapiclient.discovery import build
            from slack_sdk import WebClient

            app = FastAPI()

            class Drive:
                def __init__(self, credentials):
                    self.service = build("drive", "v3", credentials=credentials)

                def start_token(self):
                    return self.service.changes().getStartPageToken().execute()

            @app.get("/google/callback")
            async def callback(code: str):
                flow = Flow.from_client_config({}, scopes=["email"])
                flow.fetch_token(code=code)
                creds = Credentials(token="t", refresh_token="r")
                creds.refresh(Request())
                return Drive(creds).start_token()

            @app.get("/slack/channels")
            async def channels():
                return WebClient(token="x").conversations_list(limit=10)
            """}, expect=["app/main.py:20:5 async route `callback` (GET /google/callback) calls `flow.fetch_token()`, "
                          "which exchanges the OAuth code for a token over synchronous HTTP, on the event loop",
                          "app/main.py:22:5 async route `callback` (GET /google/callback) calls `creds.refresh()`, "
                          "which refreshes the Google token over synchronous HTTP, on the event loop",
                          "app/main.py:23:12 async route `callback` (GET /google/callback) blocks the event loop "
                          "through `callback -> Drive.start_token -> self.service.changes(…).getStartPageToken(…)"
                          ".execute()`, which makes a synchronous Google API request",
                          "app/main.py:27:12 async route `channels` (GET /slack/channels) calls "
                          "`WebClient(…).conversations_list()`, which makes a synchronous Slack Web API request, on the "
                          "event loop"],
            title="Google's API client, google-auth's refresh, google-auth-oauthlib's Flow, slack_sdk's WebClient"),
        Example({"app/main.py": """
            import asyncio
            from fastapi import FastAPI
            from googleapiclient.discovery import build
            from slack_sdk.web.async_client import AsyncWebClient

            app = FastAPI()

            def email_of(credentials):
                return build("gmail", "v1", credentials=credentials).users().getProfile(userId="me").execute()

            @app.get("/slack/channels")
            async def channels():
                return await AsyncWebClient(token="x").conversations_list(limit=10)

            @app.get("/me")
            async def me(token: str):
                return await asyncio.to_thread(email_of, token)
            """}, title="... slack_sdk's AsyncWebClient awaited, a Google API call handed to a thread"),
        Example({"app/main.py": """
            import time
            import requests
            from fastapi import FastAPI

            app = FastAPI()

            def fetch_channels():
                while True:
                    try:
                        time.sleep(3)
                        return requests.get("https://slack.com/api/conversations.list", timeout=5).json()
                    except requests.HTTPError:
                        time.sleep(60)

            @app.get("/channels")
            async def channels():
                return fetch_channels()
            """}, expect=["app/main.py:17:12 async route `channels` (GET /channels) blocks the event loop through "
                          "`channels -> fetch_channels -> time.sleep()` (app/main.py:10), which sleeps the whole "
                          "event loop",
                          "app/main.py:17:12 async route `channels` (GET /channels) blocks the event loop through "
                          "`channels -> fetch_channels -> time.sleep()` (app/main.py:13), which sleeps the whole "
                          "event loop", "app/main.py:17:12 async route `channels` (GET /channels) blocks the event "
                          "loop through `channels -> fetch_channels -> requests.get()`, which makes a synchronous "
                          "HTTP request"],
            title="two blocking calls reached along the same path are two findings, each saying where it is"),
        Example({"app/main.py": """
            import time
            from fastapi import FastAPI

            app = FastAPI()

            def pause(fast):
                time.sleep(1) if fast else time.sleep(2)

            @app.get("/pause")
            async def wait_a_bit(fast: bool):
                pause(fast)
            """}, expect=["app/main.py:11:5 async route `wait_a_bit` (GET /pause) blocks the event loop through "
                          "`wait_a_bit -> pause -> time.sleep()` (app/main.py:7:5), which sleeps the whole event loop",
                          "app/main.py:11:5 async route `wait_a_bit` (GET /pause) blocks the event loop through "
                          "`wait_a_bit -> pause -> time.sleep()` (app/main.py:7:32), which sleeps the whole event "
                          "loop"],
            title="... on one line: each says its column too"),
        Example({"app/main.py": """
            from fastapi import FastAPI
            from fastapi.responses import StreamingResponse

            app = FastAPI()

            @app.get("/export/{name}")
            async def export(name: str):
                def chunks():
                    with open(f"/data/{name}.zip", "rb") as f:
                        yield from f

                return StreamingResponse(chunks(), media_type="application/zip")
            """}, title="a plain generator a StreamingResponse iterates runs in Starlette's thread pool, not on the loop"),
        Example({"app/main.py": """
            from fastapi import FastAPI
            from fastapi.responses import StreamingResponse

            app = FastAPI()

            def chunks(name):
                with open(f"/data/{name}.zip", "rb") as f:
                    yield from f

            async def lines(name):
                with open(f"/data/{name}.txt") as f:
                    for line in f:
                        yield line

            @app.get("/export/{name}")
            async def export(name: str):
                body = chunks(name)
                return StreamingResponse(body, media_type="application/zip")

            @app.get("/tail/{name}")
            async def tail(name: str):
                stream = lines(name)
                return StreamingResponse(stream)

            @app.get("/peek/{name}")
            async def peek(name: str):
                body = chunks(name)
                first = next(body)
                return StreamingResponse(body, headers={"x-first": str(len(first))})
            """}, expect=["app/main.py:22:14 async route `tail` (GET /tail/{name}) blocks the event loop through "
                          "`tail -> lines -> open()`, which does file I/O on the event loop",
                          "app/main.py:27:12 async route `peek` (GET /peek/{name}) blocks the event loop through "
                          "`peek -> chunks -> open()`, which does file I/O on the event loop"],
            title="the generator bound to a local first: a plain one still runs in the thread pool, an async one "
                  "on the loop; next() on it here runs its first steps on the loop"),
        Example({"app/main.py": """
            from fastapi import FastAPI

            app = FastAPI()

            def lines(name):
                with open(f"/data/{name}.txt") as f:
                    yield from f

            @app.get("/count/{name}")
            async def count(name: str):
                return sum(1 for _ in lines(name))
            """}, expect=["app/main.py:11:27"],
            title="... but the same generator iterated in the async route runs on the loop"),
        Example({"app/models.py": """
            import peewee
            import peewee_async

            database = peewee_async.PooledPostgresqlDatabase("app")
            objects = peewee_async.Manager(database)

            class User(peewee.Model):
                name = peewee.CharField()

            class Event(peewee_async.AioModel):
                name = peewee.CharField()

            class Draft:
                def save(self): ...

                @classmethod
                def get(cls, key): ...
            """, "app/main.py": """
            from fastapi import FastAPI
            from fastapi.concurrency import run_in_threadpool
            from app.models import Draft, Event, User, objects

            app = FastAPI()

            async def tokens():
                yield User.get(User.id == 1).name

            @app.get("/users/{uid}")
            async def read(uid: int):
                user = await objects.get(User, id=uid)
                event = await Event.aio_get(Event.id == uid)
                await Event.select().where(Event.id == uid).aio_execute()
                other = await run_in_threadpool(User.get_by_id, uid)
                query = User.select().where(User.id == uid)
                Draft.get("k").save()
                Draft().save()
                gen = tokens()
                return user

            @app.put("/users/{uid}")
            def rename(uid: int):
                user = User.get_by_id(uid)
                user.save()
                User.update(name="x").where(User.id == uid).execute()
            """}, title="peewee-async's manager and AioModel awaited, an offloaded call, a query built and not run, "
                        "an unrelated class's save/get, an async generator nobody streams, a sync def route"),
        Example({"app/core/celery.py": """
            from celery import Celery

            celery_app = Celery("app", broker="redis://cache", backend="db+postgresql://db/results")
            """, "app/core/__init__.py": """
            from app.core.celery import *
            """, "app/utils/storage.py": """
            from minio import Minio

            class MinioClient:
                def __init__(self, url: str, bucket: str):
                    self.bucket = bucket
                    self.client = Minio(url, secure=False)

                def put(self, name, data):
                    self.client.put_object(self.bucket, name, data, length=-1, part_size=10 * 1024 * 1024)
                    return self.client.presigned_get_object(self.bucket, name)

                def remove(self, name):
                    self.client.remove_object(self.bucket, name)

            storage = MinioClient("minio:9000", "media")

            def get_storage() -> MinioClient:
                return MinioClient("minio:9000", "media")
            """, "app/routes.py": """
            from fastapi import APIRouter, Depends
            from fastapi.concurrency import run_in_threadpool
            from app.core import celery_app
            from app.utils.storage import MinioClient, get_storage, storage

            router = APIRouter()

            @router.get("/tasks/{task_id}")
            async def result(task_id: str):
                found = celery_app.AsyncResult(task_id)
                if found.ready():
                    return found.get(timeout=1.0)

            @router.delete("/tasks/{task_id}")
            async def cancel(task_id: str):
                inspector = celery_app.control.inspect(timeout=0.5)
                workers = await run_in_threadpool(inspector.registered)
                celery_app.control.revoke(task_id)

            @router.post("/media/{name}")
            async def upload(name: str, data: bytes, client: MinioClient = Depends(get_storage)):
                return client.put(name, data)

            @router.post("/avatars/{name}")
            def avatar(name: str, data: bytes):
                return storage.put(name, data)

            @router.delete("/avatars/{name}")
            async def drop_avatar(name: str):
                storage.remove(name)
            """}, expect=["app/routes.py:11", "app/routes.py:12", "app/routes.py:18", "app/routes.py:30",
                          "app/routes.py:22:12 async route `upload` (POST /media/{name}) blocks the event loop through "
                          "`upload -> MinioClient.put -> self.client.put_object()`, which makes a synchronous MinIO "
                          "request"],
            title="Celery result-backend and control round trips (a module named celery.py importing the "
                  "package, re-exported with `import *`); a repo wrapper of a sync MinIO client from a dependency and a module global; control.inspect() only "
                  "builds an inspector, presigned URLs are signed locally, a sync def route"),
        Example({"app/main.py": """
            from fastapi import FastAPI, Request
            from sqlalchemy import create_engine, inspect
            from sqlalchemy.ext.asyncio import create_async_engine

            engine = create_engine("postgresql://db/app")
            async_engine = create_async_engine("postgresql+asyncpg://db/app")
            api = FastAPI()

            @api.middleware("http")
            async def schemas(request: Request, call_next):
                if "tenant" not in inspect(engine).get_schema_names():
                    return None
                async with async_engine.connect() as conn:
                    tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
                return await call_next(request)

            @api.get("/columns/{name}")
            def columns(name: str):
                return inspect(engine).get_columns(name)

            @api.get("/pk")
            async def pk(row: dict):
                return inspect(row).mapper.primary_key
            """}, expect=["app/main.py:11"],
            title="a sync Inspector from inspect(engine) in a middleware; reflection handed to run_sync, a sync "
                  "def route, an instance's inspection (no call)"),
        Example({"app/util/__init__.py": """
            try:
                from .git import user_email
            except ImportError:
                def user_email():
                    return None
            """, "app/util/git.py": """
            import subprocess

            def user_email():
                return subprocess.run(["git", "config", "user.email"], capture_output=True).stdout
            """, "app/main.py": """
            from fastapi import FastAPI
            from app.util import user_email

            app = FastAPI()

            @app.get("/me")
            async def me():
                return user_email()
            """}, expect=["app/main.py:8"],
            title="a function imported in a try with a fallback defined in `except ImportError`: either may run"),
        Example({"app/legacy.py": """
            def fetch_report(): ...
            """, "app/main.py": """
            import vendor_sdk
            from fastapi import FastAPI
            from app.legacy import fetch_report

            app = FastAPI()

            @app.get("/report")
            async def report():
                vendor_sdk.pull()
                return fetch_report()
            """}, expect=["app/main.py:9", "app/main.py:10"],
            options={"extra-blocking": ["app.legacy.fetch_report", "vendor_sdk."]},
            title="blocking names of the user's own ([tool.readycheck.options.RC401] extra-blocking)"),
        Example({"app/store.py": """
            import json
            import redis
            import redis.asyncio as aioredis

            class RedisDict:
                def __init__(self, name, url):
                    self.name = name
                    self.redis = redis.Redis.from_url(url)

                def __getitem__(self, key):
                    return json.loads(self.redis.hget(self.name, key))

                def __setitem__(self, key, value):
                    self.redis.hset(self.name, key, json.dumps(value))

                def __contains__(self, key):
                    return self.redis.hexists(self.name, key)

                def __len__(self):
                    return self.redis.hlen(self.name)

            class AsyncRedisDict:
                def __init__(self, name, url):
                    self.name = name
                    self.redis = aioredis.from_url(url)

                def __contains__(self, key):
                    return self.redis.hexists(self.name, key)

            class Registry:
                def __contains__(self, key):
                    return key in {"a", "b"}

            MODELS = RedisDict("models", "redis://cache")
            POOL = AsyncRedisDict("pool", "redis://cache")
            REGISTRY = Registry()
            """, "app/main.py": """
            from fastapi import FastAPI, Request
            from starlette.concurrency import run_in_threadpool
            from app.store import MODELS, POOL, REGISTRY

            app = FastAPI()
            app.state.MODELS = MODELS

            @app.get("/models/{model_id}")
            async def get_model(model_id: str, request: Request):
                if not request.app.state.MODELS:
                    return {}
                if model_id not in request.app.state.MODELS:
                    return {}
                return request.app.state.MODELS[model_id]

            @app.post("/models/{model_id}")
            async def put_model(model_id: str):
                MODELS[model_id] = {"id": model_id}
                return {"n": len(MODELS)}

            @app.get("/known/{key}")
            async def known(key: str):
                return {"registry": key in REGISTRY, "pooled": key in POOL,
                        "model": await run_in_threadpool(MODELS.__contains__, key)}

            @app.get("/sync/{key}")
            def sync_route(key: str):
                return {"in": key in MODELS, "value": MODELS[key]}
            """}, expect=["app/main.py:10:12 async route `get_model` (GET /models/{model_id}) blocks the event loop "
                          "through `get_model -> RedisDict.__len__ -> self.redis.hlen()`, which is a synchronous "
                          "`Redis` call", "app/main.py:12", "app/main.py:14", "app/main.py:18"],
            title="operators run the dunder methods of a repo class (`not d`, `k in d`, `d[k]`, `d[k] = v`, "
                  "`len(d)`) on an instance from app.state or a module global; not a redis.asyncio one's, an "
                  "unrelated class's, an offloaded one or in a sync route"),
        Example({"app/main.py": """
            import time
            from typing import Generic, TypeVar
            from fastapi import FastAPI

            T = TypeVar("T")
            app = FastAPI()

            class Page(Generic[T]):
                def __getitem__(self, index):
                    time.sleep(1)

            class Settings:
                debug = False

            settings = Settings()
            pages = Page()

            @app.get("/page")
            async def page(key: str):
                kind = Page[int]
                cache = {"a": 1}
                if not settings or key in cache:
                    return {"kind": str(kind), "hit": cache[key]}
                return {}

            @app.get("/sync-page")
            def sync_page():
                return pages[0]
            """}, title="no dunder runs for an operator on a class object, a plain dict or a class without the "
                        "dunder, nor for a blocking dunder only a sync route uses"),
        Example({"app/main.py": """
            import asyncio
            from azure.identity import DefaultAzureCredential, get_bearer_token_provider
            from azure.identity.aio import DefaultAzureCredential as AsyncCredential
            from azure.identity.aio import get_bearer_token_provider as async_token_provider
            from fastapi import FastAPI
            from fpdf import FPDF

            app = FastAPI()

            @app.get("/token")
            async def token():
                provider = get_bearer_token_provider(DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default")
                async_provider = async_token_provider(AsyncCredential(), "https://cognitiveservices.azure.com/.default")
                offloaded = await asyncio.to_thread(provider)
                return {"sync": provider(), "async": await async_provider(), "offloaded": offloaded}

            @app.get("/pdf")
            async def pdf():
                document = FPDF()
                document.add_font("NotoSans", "", "fonts/NotoSans-Regular.ttf")
                document.add_page()
                return {}
            """}, expect=["app/main.py:15:21 async route `token` (GET /token) calls `provider()`, which requests a "
                          "Microsoft Entra ID token over synchronous HTTP, on the event loop", "app/main.py:20:5"],
            title="azure-identity's sync bearer token provider and fpdf2's add_font; not azure.identity.aio's "
                  "provider, nor one handed to a thread"),
        Example({"app/conn.py": """
            def get_connection(url: str, async_mode: bool = False):
                if async_mode:
                    import redis.asyncio as redis_mod
                else:
                    import redis as redis_mod
                return redis_mod.from_url(url)
            """, "app/cache.py": """
            from app.conn import get_connection

            class Cache:
                def __init__(self, url):
                    self.redis = get_connection(url)

                def get(self, key):
                    return self.redis.get(key)

            class AsyncCache:
                def __init__(self, url):
                    self.redis = get_connection(url, async_mode=True)

                async def get(self, key):
                    return await self.redis.get(key)

                def pipeline(self):
                    return self.redis.hgetall("all")

            cache = Cache("redis://cache")
            async_cache = AsyncCache("redis://cache")
            """, "app/main.py": """
            from fastapi import FastAPI
            from app.cache import async_cache, cache

            app = FastAPI()

            @app.get("/items/{key}")
            async def item(key: str):
                return {"sync": cache.get(key), "async": await async_cache.get(key), "all": async_cache.pipeline()}
            """}, expect=["app/main.py:8:21 async route `item` (GET /items/{key}) blocks the event loop through "
                          "`item -> Cache.get -> self.redis.get()`, which is a synchronous `Redis` call"],
            title="a factory that picks redis or redis.asyncio by a flag parameter returns the one its call's "
                  "flag (or the flag's default) picks"),
        Example({"app/storage/base.py": """
            from abc import ABC, abstractmethod

            class Storage(ABC):
                @abstractmethod
                async def read(self, path: str) -> bytes: ...

            class Cloud(ABC):
                @abstractmethod
                async def fetch(self, path: str) -> bytes: ...
            """, "app/storage/local.py": """
            from app.storage.base import Cloud, Storage

            class LocalStorage(Storage):
                async def read(self, path: str) -> bytes:
                    with open(path, "rb") as f:
                        return f.read()

            class DiskCloud(Cloud):
                async def fetch(self, path: str) -> bytes:
                    with open(path, "rb") as f:
                        return f.read()

            class S3Cloud(Cloud):
                async def fetch(self, path: str) -> bytes:
                    return b""
            """, "app/storage/__init__.py": """
            try:
                from app.storage.hosted import Repo
            except ImportError:
                from app.storage.repo import Repo
            """, "app/storage/repo.py": """
            import asyncio
            from app.storage.base import Cloud, Storage
            from app.storage.local import LocalStorage

            class Repo:
                def __init__(self, storage: Storage, cloud: Cloud):
                    self.storage = storage
                    self.cloud = cloud

                async def load(self, paths):
                    tasks = [self.storage.read(p) for p in paths]
                    return await asyncio.gather(*tasks)

                async def mirror(self, path):
                    return await self.cloud.fetch(path)
            """, "app/main.py": """
            from fastapi import FastAPI
            from app.storage import Repo

            app = FastAPI()
            repo: Repo = Repo(None, None)

            @app.get("/files")
            async def files(paths: list[str]):
                return {"files": await repo.load(paths), "mirror": await repo.mirror(paths[0])}
            """}, expect=["app/main.py:9:28 async route `files` (GET /files) blocks the event loop through "
                          "`files -> Repo.load -> LocalStorage.read -> open()`, which does file I/O on the event "
                          "loop"],
            title="a class imported with an ImportError fallback is the one the repo has; an abstract method "
                  "with one implementation in the repo runs it; gathered coroutines run; not a guess between two "
                  "implementations"),
        Example({"app/mail.py": """
            import smtplib
            from abc import ABC, abstractmethod

            class Sender(ABC):
                @abstractmethod
                def send(self, to: str) -> bool: ...

            class SmtpSender(Sender):
                def send(self, to: str) -> bool:
                    with smtplib.SMTP("mail", 25) as server:
                        server.noop()
                    return True
            """, "tests/test_mail.py": """
            from app.mail import Sender

            class FakeSender(Sender):
                def send(self, to: str) -> bool:
                    return True
            """, "app/repos.py": """
            import requests

            class BaseRepo:
                def fetch(self, key):
                    return requests.get(f"http://store/{key}")

                def name(self):
                    return "base"

            class UserRepo(BaseRepo):
                def fetch(self, key):
                    return super().fetch(key)

                def name(self):
                    return super().name()
            """, "app/main.py": """
            import socket
            import time
            import httpx
            from celery.result import AsyncResult
            from fastapi import APIRouter, Depends, FastAPI
            from app.mail import Sender, SmtpSender
            from app.repos import UserRepo

            async def check_user():
                time.sleep(1)

            async def never_used():
                time.sleep(1)

            class UserAPIRouter(APIRouter):
                def __init__(self, prefix: str = "", **kwargs):
                    super().__init__(prefix=prefix, dependencies=[Depends(check_user)], **kwargs)

            class SafeTransport(httpx.AsyncHTTPTransport):
                async def handle_async_request(self, request):
                    socket.gethostbyname(request.url.host)
                    return await super().handle_async_request(request)

            class PlainTransport(httpx.AsyncHTTPTransport):
                async def handle_async_request(self, request):
                    return await super().handle_async_request(request)

            async def slow_hook(request):
                time.sleep(0.1)

            async def quick_hook(request):
                return None

            class Notifier:
                def __init__(self, sender: Sender | None = None):
                    self.sender: Sender = sender or SmtpSender()

                def notify(self, to: str) -> bool:
                    return self.sender.send(to)

            router = UserAPIRouter(prefix="/users")
            app = FastAPI()

            @router.get("/me")
            def me():
                return {"name": UserRepo().name()}

            @app.get("/users/{key}")
            async def user(key: str):
                return UserRepo().fetch(key).json()

            @app.post("/mail")
            async def mail(to: str):
                return Notifier().notify(to)

            @app.get("/fetch")
            async def fetch(url: str):
                async with httpx.AsyncClient(transport=SafeTransport(), event_hooks={"request": [slow_hook]}) as c:
                    first = await c.get(url)
                async with httpx.AsyncClient(transport=PlainTransport(), event_hooks={"request": [quick_hook]}) as c:
                    second = await c.get(url)
                return first.text + second.text

            @app.get("/tasks/{task_id}")
            async def task(task_id: str):
                found = AsyncResult(task_id)
                if found.ready():
                    return {"ok": found.successful()}
                return {}

            @app.get("/names")
            async def names():
                return {"name": UserRepo().name()}

            app.include_router(router)
            """}, expect=["app/main.py:10:5 async dependency `check_user` (runs for 1 route) calls `time.sleep()`, which "
                          "sleeps the whole event loop, on the event loop",
                          "app/main.py:50:12 async route `user` (GET /users/{key}) blocks the event loop through "
                          "`user -> UserRepo.fetch -> BaseRepo.fetch -> requests.get()`, which makes a synchronous "
                          "HTTP request",
                          "app/main.py:54:12 async route `mail` (POST /mail) blocks the event loop through `mail -> "
                          "Notifier.notify -> SmtpSender.send -> smtplib.SMTP()`, which connects to an SMTP server "
                          "synchronously",
                          "app/main.py:54:12 async route `mail` (POST /mail) blocks the event loop through `mail -> "
                          "Notifier.notify -> SmtpSender.send -> server.noop()`, which is a synchronous `SMTP` call",
                          "app/main.py:58:16 async route `fetch` (GET /fetch) blocks the event loop through `fetch -> "
                          "SafeTransport.handle_async_request -> socket.gethostbyname()`, which resolves a host name "
                          "synchronously",
                          "app/main.py:58:16 async route `fetch` (GET /fetch) blocks the event loop through `fetch -> "
                          "httpx.AsyncClient hook slow_hook -> time.sleep()`, which sleeps the whole event loop",
                          "app/main.py:67:8 async route `task` (GET /tasks/{task_id}) calls `found.ready()`, which "
                          "waits for a Celery result synchronously, on the event loop"],
            title="super().method() runs the base class's method; dependencies a repo APIRouter subclass passes to "
                  "super().__init__; an httpx AsyncClient's transport and event hooks run on the loop; the one "
                  "implementation outside tests; not a test suite's fake, a harmless transport or hook, an unused "
                  "dependency, successful() after ready() (cached), nor a sync route"),
        Example({"app/main.py": """
            import requests
            from fastapi import FastAPI

            class Webhook:
                def send(self, event: dict) -> None:
                    requests.post("http://hooks/events", json=event)

            class Memory:
                def send(self, event: dict) -> None:
                    self.last = event

            class Notifier:
                def __init__(self, targets: list[Webhook], memories: list[Memory]):
                    self.targets = targets
                    self.memories: list[Memory] = memories

                def notify(self, event: dict) -> None:
                    for target in self.targets:
                        target.send(event)

                def remember(self, event: dict) -> None:
                    for memory in self.memories:
                        memory.send(event)
                    for other in (Memory(), Memory()):
                        other.send(event)

            notifier = Notifier([Webhook()], [Memory()])
            app = FastAPI()

            @app.post("/events")
            async def events(event: dict):
                notifier.notify(event)
                notifier.remember(event)
            """}, expect=["app/main.py:32:5 async route `events` (POST /events) blocks the event loop through "
                          "`events -> Notifier.notify -> Webhook.send -> requests.post()`, which makes a "
                          "synchronous HTTP request"],
            title="each element of a loop over a list annotated with its element type; not a same-named "
                  "method of the elements of another list"),
        Example({"app/limiter.py": """
            import redis
            import redis.asyncio as aredis

            class Limiter:
                def __init__(self, client, limit: int):
                    self.r = client
                    self.limit = limit

                def hit(self, key: str) -> bool:
                    return self.r.incr(key) > self.limit

            class AsyncLimiter:
                def __init__(self, client):
                    self.r = client

                async def hit(self, key: str) -> int:
                    return await self.r.incr(key)

            class Mixed:
                def __init__(self, client):
                    self.r = client

                def hit(self, key: str) -> int:
                    return self.r.incr(key)

            def get_client():
                return redis.Redis()

            limiter = Limiter(client=get_client(), limit=5)
            async_limiter = AsyncLimiter(aredis.Redis())
            either = Mixed(client=redis.Redis())
            other = Mixed(client=aredis.Redis())
            """, "app/main.py": """
            from fastapi import FastAPI
            from app.limiter import async_limiter, either, limiter

            app = FastAPI()

            @app.post("/login")
            async def login(user: str):
                if limiter.hit(user):
                    return {"limited": True}
                await async_limiter.hit(user)
                either.hit(user)
                return {}
            """}, expect=["app/main.py:8:8 async route `login` (POST /login) blocks the event loop through "
                          "`login -> Limiter.hit -> self.r.incr()`, which is a synchronous `Redis` call"],
            title="an unannotated __init__ parameter has the type every construction passes (a sync redis client); "
                  "not an async one, nor one constructed with a sync and an async client"),
        Example({"app/main.py": """
            from fastapi import FastAPI
            from app.routes import oauth_test

            app = FastAPI()
            app.include_router(oauth_test.router)
            """, "app/routes/oauth_test.py": """
            import requests
            from fastapi import APIRouter

            router = APIRouter()

            @router.get("/oauth/test")
            async def try_login():
                return requests.get("https://idp.example.com/.well-known/openid-configuration").json()
            """}, expect=["app/routes/oauth_test.py:8:12"],
            title="a route module named like a test (oauth_test.py) that the service's app includes is judged"),
        Example({"app/main.py": """
            from fastapi import FastAPI

            app = FastAPI()
            """, "tests/test_api.py": """
            import requests
            from fastapi import FastAPI

            app = FastAPI()

            @app.get("/slow")
            async def slow():
                return requests.get("https://example.com").json()
            """}, expect=[], title="an app a test builds is throwaway code, not the service"),
        Example({"tests/mock_idp.py": """
            import requests
            from fastapi import FastAPI

            app = FastAPI()

            @app.get("/token")
            async def token():
                return requests.get("https://example.com").json()
            """, "docker-compose.yml": """
            services:
              idp:
                build: .
                command: uvicorn tests.mock_idp:app --host 0.0.0.0
            """}, expect=["tests/mock_idp.py:8:12"],
            title="a test module that a start command serves is the service"),
    )

    default_options = {"extra-blocking": []}

    def run(self, project: Project):
        rule = BlockingRule(frozenset(str(name) for name in self.options["extra-blocking"]))
        model = project.reachability
        seen: set[tuple[str, str]] = set()
        sites: dict = {}  # each blocking call once, with the path from the first code on the loop reaching it
        entries = project.code_on_the_loop
        for entry in sorted(entries, key=lambda e: e.kind.startswith("startup hook")):  # stable: serving code first
            function, module = entry.function, entry.module
            if (module.path, function.qualname) in seen:
                continue
            seen.add((module.path, function.qualname))
            for hit in model.hits(function, module, rule):
                if hit.site not in sites:
                    sites[hit.site] = (entry, hit)
        # Two blocking calls reached along the same path (``time.sleep(3)`` and, in its ``except``, a
        # ``time.sleep(60)`` of the same helper) would read the same at the same place: each says where it is.
        places = hit_places(sites.values())
        for entry, hit in sites.values():
            yield self._finding(entry, hit, places.get(hit.site))

    def _finding(self, entry: "LoopEntry", hit, place: str | None = None):
        first = hit.steps[0]
        what, served = entry.describe(MAX_SERVED)
        if len(hit.steps) == 1:
            message = f"{what} calls `{first.label}()`, which {hit.reason}, on the event loop"
        else:
            where = f" ({place})" if place else ""
            message = f"{what} blocks the event loop through `{hit.chain(entry.function.name)}`{where}, " \
                      f"which {hit.reason}"
        severity = None
        if entry.kind.startswith("startup hook"):
            severity = Severity.INFO
            message += "; it delays start-up (no request is served until the hook ends)"
        elif hit.fills_cache:
            severity = Severity.INFO
            message += "; once per process or cache key (it fills a cache), not on every request"
        elif on_fallback(hit):
            severity = Severity.INFO
            message += ("; only when an in-memory lookup misses (it follows `if key in ...: return ...[key]`), "
                        "not on every request")
        elif hit.reason == FILE_METADATA:
            severity = Severity.INFO
            message += "; a single metadata system call on a local path, microseconds (ruff's ASYNC240 reports it too)"
        return self.finding(first.module.path, first.call.span, message, related=hit.related() + served,
                            severity=severity)
