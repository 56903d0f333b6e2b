"""The cache: never trusted when not written by this user's readycheck, never stale, never
changing a result; and output identical across runs and --jobs."""

from __future__ import annotations

import pickle

from helpers import CHECKS, write_tree
from readycheck.engine.cache import CACHE_DIR, FORMAT, Cache
from readycheck.cli import main
from readycheck.engine.config import Config
from readycheck.engine.runner import scan

BAD = {"Dockerfile": "FROM python:3.12-slim\nCMD [\"uvicorn\", \"app:app\", \"--reload\"]\n",
       "app.py": "import time\nfrom fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/x')\nasync def x():\n"
                 "    time.sleep(1)\n"}


class Boom:
    """Unpickling this would write a file: the proof that a cache was executed."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def run(tmp_path, *args):
    return main([str(tmp_path), "--format", "json", "-o", str(tmp_path.parent / "out.json"), *args])


def test_committed_cache_files_are_never_unpickled(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path.parent / "home-cache"))
    write_tree(tmp_path, BAD)
    marker = tmp_path.parent / "executed"
    payload = pickle.dumps({"version": "0.1.0", "key": "x", "facts": {}, "findings": Boom(str(marker))})
    (tmp_path / CACHE_DIR).mkdir()
    for name in ("python-facts.bin", "result.bin", "discovery.bin"):
        (tmp_path / CACHE_DIR / name).write_bytes(FORMAT + b"\0" * 32 + payload)
    assert run(tmp_path) == 1
    assert not marker.exists()


def test_cache_is_reused_and_never_stale(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path.parent / "home-cache"))
    write_tree(tmp_path, BAD)
    cache = Cache(tmp_path / CACHE_DIR)
    first = scan(tmp_path, Config(), CHECKS, cache=cache)
    assert (tmp_path / CACHE_DIR / "result.bin").exists() and (tmp_path / CACHE_DIR / ".gitignore").exists()
    again = scan(tmp_path, Config(), CHECKS, cache=Cache(tmp_path / CACHE_DIR))
    assert again.findings == first.findings
    # Fix the blocking call: the cached result must not survive the edit.
    (tmp_path / "app.py").write_text(BAD["app.py"].replace("time.sleep(1)", "return 1"))
    fixed = scan(tmp_path, Config(), CHECKS, cache=Cache(tmp_path / CACHE_DIR))
    assert "RC401" in {f.rule_id for f in first.findings}
    assert "RC401" not in {f.rule_id for f in fixed.findings}
    assert fixed.findings == scan(tmp_path, Config(), CHECKS).findings  # same as without any cache


def test_unwritable_cache_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path.parent / "home-cache"))
    write_tree(tmp_path, BAD)
    (tmp_path / CACHE_DIR).write_text("a file where the cache folder should be")
    assert run(tmp_path) == 1


def test_output_is_identical_across_runs_jobs_and_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path.parent / "home-cache"))
    files = dict(BAD)
    for i in range(60):  # enough modules to use the worker pool
        files[f"pkg/m{i}.py"] = f"from fastapi import APIRouter\nrouter = APIRouter()\n\n@router.get('/m{i}')\n" \
                                f"async def m{i}():\n    import time\n    time.sleep({i})\n"
    write_tree(tmp_path, files)
    outputs = []
    for args in (["--no-cache", "-j", "1"], ["--no-cache", "-j", "2"], [], []):
        run(tmp_path, *args)
        outputs.append((tmp_path.parent / "out.json").read_bytes())
    assert len(set(outputs)) == 1


# -- the file list ------------------------------------------------------------------


def _settle(root, minute: int = 0) -> None:
    """Date every folder and file back to one fixed time, as in a checkout edited long
    ago (a folder changed within the last clock ticks is never trusted: see
    discovery.RACY_SECONDS). Later minutes for later states: times only move forward."""
    import os

    stamp = 1_700_000_000_000_000_000 + minute * 60_000_000_000
    for path in [root, *root.rglob("*")]:
        os.utime(path, ns=(stamp, stamp), follow_symlinks=False)


def _listing(root, cache):
    from readycheck.engine.discovery import discover

    return [(f.path, f.kind) for f in discover(root, (), cache)]


def _tree(tmp_path):
    write_tree(tmp_path, {**BAD, ".gitignore": "generated/\n", "generated/x.py": "x = 1\n",
                          "svc/api/routes.py": "y = 2\n", "venvish/pyvenv.cfg": "home = /usr\n",
                          "venvish/lib/mod.py": "z = 3\n"})
    _settle(tmp_path)
    return tmp_path


def test_an_unchanged_tree_reuses_the_file_list_without_listing_a_folder(tmp_path, monkeypatch):
    import readycheck.engine.discovery as discovery

    cache = Cache(tmp_path / CACHE_DIR, key=b"k" * 32)
    first = _listing(_tree(tmp_path), cache)
    assert ("svc/api/routes.py", first[-1][1]) in first and not any(p.startswith(("generated", "venvish"))
                                                                   for p, _ in first)
    _settle(tmp_path)  # the cache folder itself was just written
    monkeypatch.setattr(discovery, "_list_directory", lambda *a, **k: (_ for _ in ()).throw(AssertionError("walked")))
    assert _listing(tmp_path, cache) == first


def test_every_change_the_file_list_depends_on_is_seen(tmp_path):
    cache = Cache(tmp_path / CACHE_DIR, key=b"k" * 32)
    _tree(tmp_path)
    changes = [
        lambda: (tmp_path / "svc/api/new.py").write_text("n = 1\n"),  # a file added deep down
        lambda: (tmp_path / "svc/api/new.py").unlink(),  # and removed
        lambda: (tmp_path / "svc/api/routes.py").rename(tmp_path / "svc/api/renamed.py"),
        lambda: (tmp_path / ".gitignore").write_text("generated/\nsvc/\n"),  # edited in place
        lambda: (tmp_path / ".gitignore").write_text("generated/\n"),
        lambda: (tmp_path / "venvish/pyvenv.cfg").unlink(),  # no longer a virtualenv: scanned
        lambda: (tmp_path / "svc/.gitignore").write_text("*.py\n"),  # a new .gitignore
    ]
    for minute, change in enumerate(changes):
        _listing(tmp_path, cache)
        _settle(tmp_path, minute)
        before = _listing(tmp_path, cache)
        assert cache.discovery([str(tmp_path.resolve()), []]) is not None  # kept, so the change must be seen
        change()
        fresh = _listing(tmp_path, None)
        assert _listing(tmp_path, cache) == fresh
        assert fresh != before


def test_a_file_list_made_while_folders_were_changing_is_not_kept(tmp_path):
    cache = Cache(tmp_path / CACHE_DIR, key=b"k" * 32)
    write_tree(tmp_path, BAD)  # just written: within the racy window
    _listing(tmp_path, cache)
    assert cache.discovery([str(tmp_path.resolve()), []]) is None
    _settle(tmp_path)
    _listing(tmp_path, cache)
    assert cache.discovery([str(tmp_path.resolve()), []]) is not None
    assert cache.discovery([str(tmp_path.resolve()), ["svc/"]]) is None  # other excludes, other list


def test_tests_and_docs_modules_are_never_read_unless_something_asks(tmp_path, monkeypatch):
    """A scan reads the service's modules; a test's or a tutorial's own app is not read, neither by the web
    model nor to keep the facts cache (its entry, if any, is kept as it is)."""
    from readycheck.core.sourcefile import SourceFile

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path.parent / "home-cache"))
    app = "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/')\nasync def root():\n    return 1\n"
    write_tree(tmp_path, {**BAD, "tests/test_app.py": app, "docs_src/tutorial001.py": app})
    from readycheck.engine import runner
    monkeypatch.setattr(runner, "RACY_SECONDS", 0.0)  # files not changed just now: the result key does not hash them
    loaded: list[str] = []
    real = SourceFile._load
    monkeypatch.setattr(SourceFile, "_load", lambda self: loaded.append(self.path) or real(self))
    scan(tmp_path, Config(), CHECKS, cache=Cache(tmp_path / CACHE_DIR))
    assert "app.py" in loaded
    assert "tests/test_app.py" not in loaded and "docs_src/tutorial001.py" not in loaded
