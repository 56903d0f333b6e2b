"""Routers that reach an app dynamically: loops, import_module, registrars, mounts, and what
readycheck says when it cannot follow them (the web model, through ``readycheck inspect``)."""

from __future__ import annotations

import json

from helpers import write_tree
from readycheck.cli import main

ROUTER = """
from fastapi import APIRouter

router = APIRouter(prefix="/{name}")

@router.get("/")
async def {name}():
    return []
"""
ROUTERS = {f"app/api/{n}.py": ROUTER.format(name=n) for n in ("users", "items", "health")}


def _inspect(tmp_path, capsys, files: dict[str, str]) -> dict:
    write_tree(tmp_path, {**ROUTERS, **files})
    assert main(["inspect", str(tmp_path), "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def _paths(app: dict) -> list[str]:
    return sorted(r["path"] for r in app["routes"])


def test_loops_over_tuples_lists_and_dicts_keep_each_elements_prefix(tmp_path, capsys):
    data = _inspect(tmp_path, capsys, {
        "app/api/__init__.py": """
            from app.api import users, items, health
            LISTED = [users.router] + [items.router]
            BY_PREFIX = {"/p1": users.router, "/p2": health.router}
            PAIRS = [(items.router, "/t1"), (health.router, "/t2")]
            """,
        "app/main.py": """
            from fastapi import FastAPI
            from app.api import users, items, health, LISTED, BY_PREFIX, PAIRS

            app = FastAPI()
            for router in (users.router, items.router):
                app.include_router(router)
            for router in LISTED:
                app.include_router(router, prefix="/l")
            for prefix, router in BY_PREFIX.items():
                app.include_router(router, prefix=prefix)
            for router in BY_PREFIX.values():
                app.include_router(router, prefix="/v")
            for router, prefix in PAIRS:
                app.include_router(router, prefix=prefix)
            for module in (users, health):
                app.include_router(module.router, prefix="/m")
            """})
    (app,) = data["apps"]
    assert _paths(app) == sorted([
        "/users/", "/items/", "/l/users/", "/l/items/", "/p1/users/", "/p2/health/", "/v/users/", "/v/health/",
        "/t1/items/", "/t2/health/", "/m/users/", "/m/health/"])
    assert app["unresolved"] == []


def test_import_module_over_a_literal_list_registrars_and_mounted_factories(tmp_path, capsys):
    data = _inspect(tmp_path, capsys, {
        "app/registrar.py": """
            from fastapi import FastAPI
            from app.api import users, health

            def register(app: FastAPI) -> None:
                app.include_router(users.router, prefix="/reg")
                _add(app, health.router, prefix="/hp")

            def _add(application, router, prefix):
                application.include_router(router, prefix=prefix)

                @application.get("/from-registrar")
                def inner():
                    return 1
            """,
        "app/main.py": """
            import importlib
            from fastapi import FastAPI
            from app.registrar import register

            NAMES = ["users", "items"]

            def create_v1() -> FastAPI:
                v1 = FastAPI()

                @v1.get("/ping")
                def ping():
                    return "pong"

                return v1

            def create_app() -> FastAPI:
                app = FastAPI()
                for name in NAMES:
                    module = importlib.import_module(f"app.api.{name}")
                    app.include_router(module.router, prefix="/imp")
                for name in ["health"]:
                    app.include_router(importlib.import_module(f".{name}", package="app.api").router)
                register(app)
                app.mount("/v1", create_v1())
                return app
            """})
    (app,) = [a for a in data["apps"] if a["service"]]
    assert _paths(app) == sorted(["/imp/users/", "/imp/items/", "/reg/users/", "/hp/health/", "/from-registrar",
                                  "/v1/ping"])
    # import_module(...).router inline is an expression readycheck does not follow: it says so
    assert [(u["line"], u["registration"]) for u in app["unresolved"]] == [(22, "include_router(an expression)")]


def test_what_cannot_be_followed_is_listed_and_library_routers_are_not(tmp_path, capsys):
    data = _inspect(tmp_path, capsys, {
        "app/main.py": """
            from fastapi import FastAPI
            from fastapi.staticfiles import StaticFiles
            from fastapi_users import FastAPIUsers
            from app.plugins import discover, build

            users = FastAPIUsers(get_user_manager, [backend])
            app = FastAPI()
            app.include_router(users.get_auth_router(backend), prefix="/auth")
            app.mount("/static", StaticFiles(directory="static"))
            for plugin in discover():
                app.include_router(plugin.router)
            app.include_router(build())
            """,
        "app/plugins.py": "def discover():\n    return []\n\ndef build():\n    return object()\n"})
    (app,) = data["apps"]
    assert [(u["line"], u["registration"], u["reason"]) for u in app["unresolved"]] == [
        (11, "include_router(plugin.router)", "in a loop over elements built at run time"),
        (12, "include_router(app.plugins.build(...))", None)]
    assert main(["inspect", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "routes may be missing: readycheck cannot follow 2 registrations:" in text
    assert "app/main.py:11  include_router(plugin.router)  (in a loop over elements built at run time)" in text


def test_a_probe_on_a_path_an_unfollowed_router_may_serve_is_not_judged(tmp_path):
    from helpers import found, scan_tree

    write_tree(tmp_path, {
        "app/main.py": """
            from fastapi import FastAPI
            from app.plugins import discover

            app = FastAPI()

            @app.get("/")
            def root():
                return 1

            for plugin in discover():
                app.include_router(plugin.router)
            """,
        "app/plugins.py": "def discover():\n    return []\n",
        "Dockerfile": ('FROM python:3.12-slim\nUSER app\nHEALTHCHECK CMD curl -f http://localhost:8000/healthz\n'
                       'CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]\n')})
    result = scan_tree(tmp_path, select=["RC502", "RC501"])
    assert found(result) == {("RC501", "app/main.py", 11)}
    assert {f.severity.name for f in result.findings} == {"INFO"}


def test_a_deep_chain_of_registrars_stays_bounded(tmp_path, capsys):
    chain = "\n".join(f"def reg{i}(app):\n    reg{i + 1}(app)\n    reg{i + 1}(app)\n" for i in range(300))
    data = _inspect(tmp_path, capsys, {
        "app/main.py": ("from fastapi import FastAPI\nfrom app.api import users\n\n" + chain +
                        "def reg300(app):\n    app.include_router(users.router)\n\napplication = FastAPI()\nreg0(application)\n"
                        "reg297(application)\n")})
    (app,) = data["apps"]
    # reg0 is past the depth readycheck follows (no recursion error, no 2**300 calls); reg297 is within it
    # reg297 -> reg298 (twice) -> reg299 (twice each) -> reg300: the router is included 8 times, as at run time
    assert [r["path"] for r in app["routes"]] == ["/users/"] * 8


def test_factories_returning_each_others_result_end(tmp_path, capsys):
    """Factories that return each other's result (and themselves) are followed to a fixed depth:
    the app is still listed, its include is reported as not followed, nothing recurses away."""
    data = _inspect(tmp_path, capsys, {
        "app/main.py": """
            from fastapi import FastAPI

            def make_a():
                return make_b()

            def make_b():
                return make_a()

            def make_self():
                return make_self()

            app = FastAPI()
            app.include_router(make_a())
            app.include_router(make_self())
            """})
    (app,) = data["apps"]
    assert app["routes"] == [] and len(app["unresolved"]) == 2


def test_a_factory_returning_a_router_it_imports(tmp_path, capsys):
    data = _inspect(tmp_path, capsys, {
        "app/main.py": """
            from fastapi import FastAPI

            def build_router():
                from app.api.users import router as main_router
                return main_router

            def create_app():
                app = FastAPI()
                router = build_router()
                app.include_router(router, prefix="/v1")
                return app

            app = create_app()
            """})
    (app,) = data["apps"]
    assert _paths(app) == ["/v1/users/"] and app["unresolved"] == []


def test_apps_in_tests_and_docs_are_not_modeled_unless_served_or_included(tmp_path, capsys):
    """Throwaway apps (a test's, a tutorial's) are neither parsed nor listed; a test module that a
    start command serves, and a route module named like a test that the service includes, are."""
    app = """
        from fastapi import FastAPI

        app = FastAPI()

        @app.get("/")
        async def root():
            return {}
        """
    data = _inspect(tmp_path, capsys, {
        "app/main.py": """
            from fastapi import FastAPI
            from app.api import users, smoke_test

            app = FastAPI()
            app.include_router(users.router)
            app.include_router(smoke_test.router)
            """,
        "app/api/smoke_test.py": ROUTER.format(name="smoke"),
        "tests/test_main.py": app,
        "docs_src/tutorial001.py": app,
        "tests/mock_server.py": app,
        "docker-compose.yml": """
            services:
              api:
                build: .
                command: uvicorn app.main:app --host 0.0.0.0
              mock:
                build: .
                command: uvicorn tests.mock_server:app --host 0.0.0.0
            """,
    })
    apps = {a["path"]: a for a in data["apps"]}
    assert sorted(apps) == ["app/main.py", "tests/mock_server.py"]
    assert "/smoke/" in _paths(apps["app/main.py"])
    assert apps["tests/mock_server.py"]["service"]


def test_test_and_docs_apps_served_by_a_path_target_are_modeled(tmp_path, capsys):
    """A start command may name a test's or a tutorial's app by path: ``./docs/main.py`` (as the
    fastapi CLI takes it), an absolute path in the image, hypercorn's ``tests/mock:app``. Each is the
    service and is read (they were matched by dotted name only, so never parsed: no finding there)."""
    app = """
        from fastapi import FastAPI

        app = FastAPI()

        @app.get("/")
        async def root():
            return {}
        """
    data = _inspect(tmp_path, capsys, {
        "docs/main.py": app, "tests/mock.py": app, "examples/api.py": app, "examples/unserved.py": app,
        "docker-compose.yml": """
            services:
              docs:
                build: .
                command: fastapi run ./docs/main.py
              mock:
                build: .
                command: hypercorn tests/mock:app --bind 0.0.0.0:8000
              example:
                build: .
                command: fastapi run /srv/examples/api.py
            """,
    })
    assert sorted(a["path"] for a in data["apps"]) == ["docs/main.py", "examples/api.py", "tests/mock.py"]


def test_a_docs_router_reexported_by_a_module_without_web_markers_is_modeled(tmp_path, capsys):
    """The service's app includes routers a package ``__init__`` gathers (``all_apis = [docs_api]``,
    no router or FastAPI word in it) from a folder named like docs: that router is the service's.
    Only web modules' imports were followed into such folders, so its routes were lost."""
    data = _inspect(tmp_path, capsys, {
        "app/main.py": """
            from fastapi import FastAPI
            from app.api import all_apis

            app = FastAPI()
            for r in all_apis:
                app.include_router(r)
            """,
        "app/api/__init__.py": """
            from app.api.docs.views import r as docs_api

            all_apis = [docs_api]
            """,
        "app/api/docs/views.py": """
            from fastapi import APIRouter

            r = APIRouter()

            @r.get("/docs-list")
            async def docs_list():
                return []
            """,
    })
    apps = {a["path"]: a for a in data["apps"]}
    assert "/docs-list" in _paths(apps["app/main.py"])


def test_a_scripts_module_started_by_python_serves_the_app_it_imports(tmp_path, capsys):
    """``python scripts/serve.py`` runs ``uvicorn.run(app)`` with an app it imports from another scripts
    module: the started module has no web word, so it was not read, nor the app it imports (lost); and
    the target ``scripts.serve:app`` names the imported app, which is the service."""
    data = _inspect(tmp_path, capsys, {
        "Dockerfile": 'FROM python:3.12-slim\nCMD ["python", "scripts/serve.py"]\n',
        "scripts/serve.py": """
            import uvicorn
            from scripts.web_impl import app

            if __name__ == "__main__":
                uvicorn.run(app, host="0.0.0.0", port=8000)
            """,
        "scripts/web_impl.py": """
            from fastapi import FastAPI

            app = FastAPI()

            @app.get("/items")
            async def items():
                return []
            """,
    })
    apps = {a["path"]: a for a in data["apps"]}
    assert list(apps) == ["scripts/web_impl.py"] and apps["scripts/web_impl.py"]["service"]
