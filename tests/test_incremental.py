"""Incremental rescans (readycheck.engine.incremental): after an edit, a rescan with the cache
reports byte for byte what a cold scan of the edited tree reports, whether it reused the last
result (an edit nothing depended on) or ran again (an edit that changes a finding, here or in
another module)."""

from __future__ import annotations

import json
import shutil

import pytest

from helpers import write_tree
from readycheck.cli import main
from readycheck.engine import runner

TREE = {
    "Dockerfile": 'FROM python:3.12-slim\nCOPY . /app\nCMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]\n',
    "requirements.txt": "fastapi==0.115.5\nuvicorn==0.30.1\nrequests==2.32.3\nsqlalchemy==2.0.31\npsycopg2-binary==2.9.9\n",
    "README.md": "# service\n",
    "app/__init__.py": "",
    "app/main.py": "from fastapi import FastAPI\n\nfrom app.routers import items\n\napp = FastAPI()\n"
                   "app.include_router(items.router)\n",
    "app/routers/__init__.py": "",
    "app/routers/items.py": (
        "from fastapi import APIRouter\n\nfrom app.helpers import compute, maybe\n\n"
        "router = APIRouter(prefix='/items')\n\n\n"
        "@router.get('/{item_id}')\nasync def get_item(item_id: int):\n    return {'v': compute(item_id)}\n\n\n"
        "@router.get('/other/{item_id}')\nasync def other(item_id: int):\n    return {'v': maybe(item_id)}\n"),
    "app/helpers.py": ("import math\n\n\ndef compute(value: int) -> float:\n    return math.sqrt(value)\n\n\n"
                       "class Store:\n    def get(self, key):\n        return key\n"),
    "app/unused.py": "VALUE = 1\n",
    # A test's own app: throwaway code the web model does not read, unless a start command serves it.
    "tests/test_api.py": "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/t')\nasync def t():\n    return 1\n",
    # A router in a folder named like examples that nothing includes yet (not read).
    "app/examples/slow.py": "import time\nfrom fastapi import APIRouter\n\nr = APIRouter()\n\n\n"
                            "@r.get('/slow')\nasync def slow():\n    time.sleep(1)\n",
    # A service with a database (RC506 asks which service modules name an engine).
    "app/db.py": "from sqlalchemy import create_engine\n\nengine = create_engine('postgresql://db/app')\n",
}

HELPER_TAIL = "\n\ndef added(value: int) -> int:\n    return value + 1\n"

#: (name, edit as path -> new content or a function of the old one, whether the last result is reused)
EDITS = [
    ("a function added to a helper module", {"app/helpers.py": lambda old: old + HELPER_TAIL}, True),
    ("a file nothing reads", {"README.md": lambda old: old + "more\n"}, True),
    ("a helper the route calls now blocks (a finding in another module)",
     {"app/helpers.py": lambda old: old.replace("import math\n", "import math\nimport time\n")
      .replace("    return math.sqrt(value)", "    time.sleep(1)\n    return math.sqrt(value)")}, False),
    ("a name the route imports, missing before, is defined and blocks",
     {"app/helpers.py": lambda old: old + "\n\ndef maybe(value):\n    import time\n    time.sleep(value)\n"}, False),
    ("a method of another class changes", {"app/helpers.py": lambda old: old.replace("return key", "return key * 2")},
     True),
    ("a module-level statement added to a helper", {"app/helpers.py": lambda old: old + "\nLIMIT = 3\n"}, False),
    ("a route module changes", {"app/routers/items.py": lambda old: old.replace(
        "    return {'v': compute(item_id)}", "    import time\n    time.sleep(1)\n    return {'v': compute(item_id)}")},
     False),
    ("a module nobody imports becomes a web module with a blocking route",
     {"app/unused.py": lambda old: "import time\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
                                   "@app.get('/x')\nasync def x():\n    time.sleep(1)\n"}, False),
    ("the Dockerfile changes", {"Dockerfile": lambda old: old.replace("--host", "--reload\", \"--host")}, False),
    ("a suppression comment silences a finding",
     {"Dockerfile": lambda old: old.replace("FROM python:3.12-slim", "FROM python:3.12-slim  # readycheck: ignore")},
     False),
    ("a syntax error in a helper", {"app/helpers.py": lambda old: old + "\ndef broken(:\n"}, False),
    ("a test's app gets a blocking route", {"tests/test_api.py": lambda old: "import time\n" + old.replace(
        "    return 1", "    time.sleep(1)\n    return 1")}, True),
    ("a start command now serves the test's app, whose route then blocks",
     {"tests/test_api.py": lambda old: "import time\n" + old.replace("    return 1", "    time.sleep(1)\n    return 1"),
      "Dockerfile": lambda old: old.replace("app.main:app", "tests.test_api:app")}, False),
    ("a package module without web words now gathers the examples/ router the app includes",
     {"app/helpers.py": lambda old: old + "\nfrom app.examples.slow import r as slow_api\n\nEXTRA = [slow_api]\n",
      "app/main.py": lambda old: old.replace("from app.routers import items", "from app.helpers import EXTRA\n"
                                             "from app.routers import items")
      + "for extra in EXTRA:\n    app.include_router(extra)\n"}, False),
]


def _report(root, *args) -> bytes:
    out = root.parent / f"{root.name}.json"
    main([str(root), "--format", "json", "-o", str(out), *args])
    return out.read_bytes()


@pytest.mark.parametrize("name,edit,reused", EDITS, ids=[e[0] for e in EDITS])
def test_a_rescan_after_an_edit_equals_a_cold_scan_of_the_edited_tree(tmp_path, monkeypatch, name, edit, reused):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    root = write_tree(tmp_path / "repo", TREE)
    cache = tmp_path / "cache"
    before = _report(root, "--cache-dir", str(cache))
    for path, change in edit.items():
        (root / path).write_text(change((root / path).read_text()))
    runs = []
    real = runner.run_checks
    monkeypatch.setattr(runner, "run_checks", lambda *a, **k: runs.append(1) or real(*a, **k))
    incremental = _report(root, "--cache-dir", str(cache))
    assert (not runs) == reused  # reused only when nothing the result read changed
    cold_root = tmp_path / "cold"
    shutil.copytree(root, cold_root)
    cold = _report(cold_root, "--no-cache")
    assert incremental == cold.replace(str(cold_root).encode(), str(root).encode())
    if not reused:
        assert incremental != before or name == "a module-level statement added to a helper"
    # And the record it left holds for the next scan: unchanged, the result comes back as it is.
    assert _report(root, "--cache-dir", str(cache)) == incremental


NO_DATABASE = {path: text for path, text in TREE.items() if path != "app/db.py"}


@pytest.mark.parametrize("edit,reused", [
    (lambda old: old + HELPER_TAIL, True),  # RC506 asks a recorded prefilter: still no engine named
    (lambda old: "from sqlalchemy import create_engine\n\nengine = create_engine('postgresql://db/app')\n" + old,
     False),  # an engine now: RC506's question has another answer
], ids=["a function added to a helper", "an engine created in a helper"])
def test_a_service_without_a_database_reuses_an_edit_that_names_no_engine(tmp_path, monkeypatch, edit, reused):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    root = write_tree(tmp_path / "repo", NO_DATABASE)
    cache = tmp_path / "cache"
    _report(root, "--cache-dir", str(cache))
    helper = root / "app" / "helpers.py"
    helper.write_text(edit(helper.read_text()))
    runs = []
    real = runner.run_checks
    monkeypatch.setattr(runner, "run_checks", lambda *a, **k: runs.append(1) or real(*a, **k))
    incremental = _report(root, "--cache-dir", str(cache))
    assert (not runs) == reused
    assert incremental == _report(root, "--no-cache")


def test_a_second_edit_compares_with_the_first_edits_facts(tmp_path, monkeypatch):
    """The record is updated by a reused rescan: a later edit is judged against the edited facts."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    root = write_tree(tmp_path / "repo", TREE)
    cache = tmp_path / "cache"
    _report(root, "--cache-dir", str(cache))
    helper = root / "app" / "helpers.py"
    helper.write_text(helper.read_text() + HELPER_TAIL)
    _report(root, "--cache-dir", str(cache))
    helper.write_text(helper.read_text().replace("    return math.sqrt(value)",
                                                 "    import time\n    time.sleep(1)\n    return math.sqrt(value)"))
    second = _report(root, "--cache-dir", str(cache))
    cold = _report(root, "--no-cache")
    assert second == cold and b"RC401" in cold


def test_a_check_outside_readycheck_gets_no_reuse_unless_it_says_it_reads_only_the_project():
    from readycheck.api import Check
    from readycheck.engine import incremental

    class Outside(Check):
        id, name, summary, fix = "RC999", "outside", "x", "y"

    class Declared(Outside):
        reads_only_project = True

    assert not incremental.supported([Outside])
    assert incremental.supported([Declared])


def test_a_record_that_does_not_read_as_expected_means_a_full_scan_never_a_crash(tmp_path):
    from readycheck.engine import incremental
    from readycheck.engine.cache import Cache
    from readycheck.engine.discovery import discover

    root = write_tree(tmp_path / "repo", TREE)
    files = discover(root, [])
    stats = incremental.stat_tuples(runner._stats(files))
    good = {"static": "s", "files": incremental.files_key(files), "result": "r", "content": {}, "modules": {},
            "failed": [], "prefilters": {}, "stats": {}}
    cache = Cache(None)
    assert incremental.verify(good, "s", files, stats, cache) is not None  # nothing was read: the result holds
    assert incremental.verify(good, "other", files, stats, cache) is None  # another configuration or readycheck
    for broken in ({**good, "content": None}, {**good, "prefilters": {"x": 1}},
                   {**good, "modules": {"app/helpers.py": "not a pair"}}):
        assert incremental.verify(broken, "s", files, stats, cache) is None


def test_one_recording_scan_at_a_time():
    from readycheck.engine import incremental

    with incremental.recording() as outer:
        with incremental.recording() as inner:
            assert outer is not None and inner is None


def test_a_rescan_finds_the_blocking_route_of_an_examples_router_a_package_module_now_gathers(tmp_path, monkeypatch):
    """The web model reads an examples/ router once a service module without web words re-exports it
    to the app: a rescan after that edit runs and reports the route's blocking call, as a cold scan does."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    root = write_tree(tmp_path / "repo", TREE)
    cache = tmp_path / "cache"
    assert b"app/examples/slow.py" not in _report(root, "--cache-dir", str(cache))
    name, edit, _ = next(e for e in EDITS if e[0].startswith("a package module without web words"))
    for path, change in edit.items():
        (root / path).write_text(change((root / path).read_text()))
    data = json.loads(_report(root, "--cache-dir", str(cache)))
    assert any(f["path"] == "app/examples/slow.py" and f["rule_id"] == "RC401" for f in data["findings"]), name
