"""The cache: never trusted when not written by this user's readycheck, never stale, never
changing a result; and output identical across runs and --jobs."""

from __future__ import annotations

import pickle

from helpers import CHECKS, write_tree
from readycheck.cache import CACHE_DIR, FORMAT, Cache
from readycheck.cli import main
from readycheck.config import Config
from readycheck.runner import scan

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
    for name in ("python-facts.bin", "result.bin"):
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
