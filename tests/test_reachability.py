"""The reachability model: depth, cycles, types through classes, and the shared blocking table."""

from __future__ import annotations

from pathlib import Path

from helpers import found, scan_tree, write_tree
from readycheck import api
from readycheck.knowledge import blocking
from readycheck.engine.discovery import discover
from readycheck.model.project import Project


def _chain(depth: int) -> dict[str, str]:
    """An async route calling `depth` sync helpers in a chain, the last one sleeping."""
    helpers = "\n".join(f"def step{i}():\n    return step{i + 1}()\n" for i in range(depth))
    return {"app/helpers.py": f"import time\n\n{helpers}\ndef step{depth}():\n    time.sleep(1)\n",
            "app/main.py": "from fastapi import FastAPI\nfrom app.helpers import step0\n\napp = FastAPI()\n\n"
                           "@app.get('/')\nasync def root():\n    return step0()\n"}


def test_no_depth_limit(tmp_path):
    write_tree(tmp_path, _chain(12))
    result = scan_tree(tmp_path, select=["RC401"])
    (finding,) = result.findings
    assert (finding.path, finding.span.line) == ("app/main.py", 8)
    assert "step11 -> step12 -> time.sleep()" in finding.message and len(finding.related) == 13


def test_recursion_ends_and_still_finds_the_call(tmp_path):
    write_tree(tmp_path, {"app/walk.py": """
        import time

        def ping(n):
            if n:
                return pong(n - 1)
            time.sleep(0.1)

        def pong(n):
            return ping(n)
        """, "app/main.py": """
        from fastapi import FastAPI
        from app.walk import pong

        app = FastAPI()

        @app.get("/")
        async def root():
            return pong(3)
        """})
    assert found(scan_tree(tmp_path, select=["RC401"])) == {("RC401", "app/main.py", 8)}


def test_types_through_classes_attributes_and_globals(tmp_path):
    write_tree(tmp_path, {"app/clients.py": """
        import redis

        class Base:
            def __init__(self, url: str):
                self.client = redis.from_url(url)

        class Cache(Base):
            @property
            def raw(self):
                return self.client

        cache = Cache("redis://cache")
        """, "app/main.py": """
        from app.clients import cache
        """})
    project = Project(tmp_path, discover(tmp_path))
    model = project.reachability
    main = next(m for m in project.python.modules() if m.path == "app/main.py")
    assert api.type_name(model.global_type(main, "app.clients.cache")) == "app.clients.Cache"
    clients = next(m for m in project.python.modules() if m.path == "app/clients.py")
    cache = model.global_type(main, "app.clients.cache")
    assert model.member_type(cache, "client") == "redis.Redis"  # set in the base class's __init__
    assert model.member_type(cache, "raw") == "redis.Redis"  # a property returning it
    assert model.method(cache, "__init__")[1] is clients


def test_plugins_register_blocking_names_through_the_api(tmp_path):
    write_tree(tmp_path, {"app/main.py": """
        import acme_sdk
        from fastapi import FastAPI

        app = FastAPI()
        client = acme_sdk.Client()

        @app.get("/")
        async def root():
            acme_sdk.fetch()
            return client.pull()
        """})
    assert found(scan_tree(tmp_path, select=["RC401"])) == set()
    saved_calls, saved_types = dict(blocking.BLOCKING_CALLS), dict(blocking.BLOCKING_TYPES)
    try:
        api.register_blocking("acme_sdk.fetch", "calls Acme synchronously")
        api.register_blocking("acme_sdk.Client", receiver_methods=frozenset({"pull"}))
        result = scan_tree(tmp_path, select=["RC401"])
        assert found(result) == {("RC401", "app/main.py", 9), ("RC401", "app/main.py", 10)}
        assert any("calls Acme synchronously" in f.message for f in result.findings)
    finally:
        blocking.BLOCKING_CALLS.clear()
        blocking.BLOCKING_CALLS.update(saved_calls)
        blocking.BLOCKING_TYPES.clear()
        blocking.BLOCKING_TYPES.update(saved_types)
        blocking.blocking_function.cache_clear()


def test_extra_blocking_names_from_pyproject(tmp_path):
    write_tree(tmp_path, {"pyproject.toml": """
        [tool.readycheck.options.RC401]
        extra-blocking = ["app.legacy.fetch"]
        """, "app/legacy.py": "def fetch(): ...\n", "app/main.py": """
        from fastapi import FastAPI
        from app.legacy import fetch

        app = FastAPI()

        @app.get("/")
        async def root():
            return fetch()
        """})
    from readycheck.cli import main

    assert main([str(tmp_path), "--select", "RC401", "--no-cache", "--format", "json"]) == 1


def test_a_self_referencing_local_ends(tmp_path):
    # `stmt = stmt.where(...)` many times: each binding refers to the name itself.
    body = "\n".join("    stmt = stmt.where(x)" for _ in range(60))
    write_tree(tmp_path, {"app/main.py": f"from fastapi import FastAPI\nfrom sqlalchemy import select\n\n"
                                          f"app = FastAPI()\n\n@app.get('/')\nasync def root(x: int):\n"
                                          f"    stmt = select(x)\n{body}\n    return stmt.compile()\n"})
    assert found(scan_tree(tmp_path, select=["RC401"])) == set()


def test_model_is_shared_by_checks(tmp_path):
    write_tree(tmp_path, _chain(2))
    project = Project(Path(tmp_path), discover(Path(tmp_path)))
    assert project.reachability is project.reachability


def test_a_sync_ping_in_a_liveness_route_is_one_finding_of_each_rule(tmp_path):
    write_tree(tmp_path, {"app/cache.py": "import redis\n\nclient = redis.from_url('redis://cache')\n",
                          "app/main.py": """
        from fastapi import FastAPI
        from app.cache import client

        app = FastAPI()

        @app.get("/healthz")
        async def healthz():
            client.ping()
            return {"ok": True}
        """})
    result = scan_tree(tmp_path, select=["RC401", "RC505"])
    assert sorted((f.rule_id, f.span.line) for f in result.findings) == [("RC401", 8), ("RC505", 6)]


def test_database_access_follows_a_dependency_but_not_the_session_provider(tmp_path):
    write_tree(tmp_path, {"app/db.py": """
        from sqlalchemy import create_engine
        from sqlalchemy.orm import sessionmaker

        SessionLocal = sessionmaker(bind=create_engine("postgresql://db/app"))

        def provide():
            db = SessionLocal()
            try:
                yield db
            finally:
                db.close()
        """, "app/main.py": """
        from fastapi import Depends, FastAPI
        from app.db import provide

        app = FastAPI()

        @app.get("/livez")
        def livez(db=Depends(provide)):
            return {"ok": True}
        """})
    assert found(scan_tree(tmp_path, select=["RC505"])) == set()


def test_every_blocking_call_of_a_helper_is_reported_once_with_the_path_of_one_route(tmp_path):
    routes = "\n".join(f"@app.get('/r{i}')\nasync def r{i}():\n    return helper()\n" for i in range(30))
    write_tree(tmp_path, {"app/helpers.py": """
        import time
        import requests

        def inner():
            requests.get("https://a")
            time.sleep(1)

        def helper():
            time.sleep(1)
            inner()
            inner()
            return requests.post("https://b")
        """, "app/main.py": "from fastapi import FastAPI\nfrom app.helpers import helper\n\napp = FastAPI()\n\n"
                            + routes})
    findings = [f for f in scan_tree(tmp_path, select=["RC401"]).findings]
    # four blocking call sites: each once, however many routes and calls of inner() reach it
    assert sorted(f.message.split("`")[3] for f in findings) == [
        "r0 -> helper -> inner -> requests.get()", "r0 -> helper -> inner -> time.sleep()",
        "r0 -> helper -> requests.post()", "r0 -> helper -> time.sleep()"]
    sites = {(r.path, r.span.line) for f in findings for r in f.related}
    assert {("app/helpers.py", n) for n in (5, 6, 9, 12)} <= sites
    assert {(f.path, f.span.line) for f in findings} == {("app/main.py", 8)}  # the first route's call of helper()
    assert all("async route `r0`" in f.message for f in findings)
    again = [(f.path, f.span, f.message) for f in scan_tree(tmp_path, select=["RC401"]).findings]
    assert again == [(f.path, f.span, f.message) for f in findings]  # deterministic


def test_star_imports_and_a_module_named_like_the_package_it_imports(tmp_path):
    write_tree(tmp_path, {"app/core/celery.py": """
        from celery import Celery

        celery_app = Celery("app")
        """, "app/core/__init__.py": """
        from app.core.celery import *
        """, "app/main.py": """
        from app.core import celery_app, missing
        """})
    project = Project(tmp_path, discover(tmp_path))
    model = project.reachability
    main = next(m for m in project.python.modules() if m.path == "app/main.py")
    # the package re-exports celery_app with `import *`; inside app/core/celery.py, `celery.Celery` is the
    # external package, not that module itself
    assert model.global_type(main, "app.core.celery_app") == "celery.Celery"
    assert model.member_type("celery.Celery", "control") == "celery.app.control.Control"
    home, name = project.python.resolve("app.core.missing", main)
    assert (home.path, name) == ("app/core/__init__.py", "missing")  # not bound by the star import either
def test_flag_chosen_import_follows_the_flag_passed_by_position(tmp_path):
    write_tree(tmp_path, {"app/conn.py": """
        def connect(url, async_mode=False):
            if async_mode:
                import redis.asyncio as client_mod
            else:
                import redis as client_mod
            return client_mod.from_url(url)
        """, "app/main.py": """
        from fastapi import FastAPI
        from app.conn import connect

        app = FastAPI()

        class Sync:
            def __init__(self):
                self.r = connect("redis://a", False)

        class Async:
            def __init__(self):
                self.r = connect("redis://a", True)

        sync = Sync()
        asynchronous = Async()
        sync_client = connect("redis://a")
        async_client = connect("redis://a", async_mode=True)

        @app.get("/")
        async def root():
            sync.r.get("k")
            asynchronous.r.get("k")
            sync_client.set("k", 1)
            async_client.set("k", 1)
        """})
    assert found(scan_tree(tmp_path, select=["RC401"])) == {("RC401", "app/main.py", 21), ("RC401", "app/main.py", 23)}
    # (lines 21 and 23: sync.r.get and sync_client.set; the async_mode=True ones are redis.asyncio clients)


def test_import_alternatives_are_recorded_in_source_order():
    from readycheck.parsers.python import parse_python

    facts = parse_python("app/x.py", b"""
try:
    from app.cloud import Client
except ImportError:
    from app.local import Client
import json
""")
    assert facts.import_alternatives == {"Client": (("app.cloud.Client", 3), ("app.local.Client", 5))}


def test_operators_are_recorded_apart_from_calls():
    from readycheck.parsers.python import parse_python

    facts = parse_python("app/x.py", b"""
from typing import Optional

def f(d, k):
    x: Optional[int] = None
    if d:
        d[k] = len(d)
    del d[k]
    return k in d.items, not d, list[int]
""")
    function = facts.functions["f"]
    assert [c.text for c in function.calls] == ["len", "d.items"] or [c.text for c in function.calls] == ["len"]
    assert sorted((c.text, c.span.line) for c in function.operators) == [
        ("d.__bool__", 6), ("d.__bool__", 9), ("d.__delitem__", 8), ("d.__len__", 7), ("d.__setitem__", 7),
        ("d.items.__contains__", 9)]
