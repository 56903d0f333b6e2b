"""Facts survive the trip through bytes (worker to main process, and the cache) unchanged."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from helpers import CHECKS, write_tree
from readycheck.parsers.python import PythonSyntaxError, parse_python
from readycheck.parsers.python_codec import FIELDS, flatten, from_bytes, rebuild, to_bytes

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("cls", list(FIELDS), ids=lambda c: c.__name__)
def test_codec_writes_every_field_of_every_fact_class(cls):
    declared = tuple(f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else cls._fields
    assert FIELDS[cls] == declared, f"{cls.__name__} changed: update readycheck/parsers/python_codec.py"


def _python_sources():
    """Every Python module of readycheck itself, of the example services, and of the checks' examples."""
    for path in sorted([*ROOT.glob("readycheck/**/*.py"), *ROOT.glob("checks/*.py"), *ROOT.glob("examples/**/*.py")]):
        yield path.relative_to(ROOT).as_posix(), path.read_bytes()
    for check in CHECKS:
        for number, example in enumerate(check.examples):
            for name, text in example.files.items():
                if name.endswith(".py"):
                    yield f"{check.id}/{number}/{name}", text.encode()


def test_every_module_round_trips_to_equal_facts():
    seen = 0
    for path, data in _python_sources():
        try:
            facts = parse_python(path, data)
        except PythonSyntaxError:
            continue
        assert rebuild(flatten(facts)) == facts, path
        assert from_bytes(to_bytes(facts)) == facts, path
        seen += 1
    assert seen > 150


def test_non_ascii_columns_and_nested_values_round_trip():
    source = ('# -*- coding: utf-8 -*-\nimport sqlalchemy as sa\nfrom fastapi import APIRouter, Depends\n'
              'ÉTAT = {"url": "postgresql://ü:p@h/db", "pool": [1, 2.5, None]}\n'
              'engine = sa.create_engine(ÉTAT["url"], pool_size=5 + 1)\nrouter = APIRouter()\n\n\n'
              '@router.get("/ä", dependencies=[Depends(lambda: 1)])\nasync def é(x: "int | None" = None):\n'
              '    return await sa.text(f"{x}")\n')
    facts = parse_python("app/ü.py", source.encode())
    again = from_bytes(to_bytes(facts))
    assert again == facts
    assert again.functions["é"].decorators[0].span == facts.functions["é"].decorators[0].span
    assert type(again.functions["é"].span) is type(facts.functions["é"].span)


def _monorepo(root: Path, routers: int) -> None:
    """A service big enough for the batched, parallel parse: routers whose async handlers
    block directly, through a helper in another module, and through a sync session."""
    files = {"app/main.py": "from fastapi import FastAPI\n" + "".join(
        f"from app.routers.r{i} import router as r{i}\n" for i in range(routers)) + "\napp = FastAPI()\n" + "".join(
        f"app.include_router(r{i})\n" for i in range(routers)),
        "app/db.py": "from sqlalchemy.orm import Session\n\ndef get_db():\n    yield Session()\n"}
    for i in range(routers):
        files[f"app/helpers/h{i}.py"] = f"import time\n\n\ndef slow_{i}():\n    time.sleep(1)\n"
        files[f"app/routers/r{i}.py"] = (
            "import requests\nfrom fastapi import APIRouter, Depends\nfrom sqlalchemy.orm import Session\n"
            f"from app.db import get_db\nfrom app.helpers.h{i} import slow_{i}\n\n"
            f"router = APIRouter(prefix='/r{i}')\n\n\n"
            f"@router.get('/a')\nasync def a_{i}():\n    return requests.get('https://x', timeout=1).json()\n\n\n"
            f"@router.get('/b')\nasync def b_{i}():\n    slow_{i}()\n\n\n"
            f"@router.get('/c')\nasync def c_{i}(db: Session = Depends(get_db)):\n    return db.query(1).all()\n\n\n"
            f"@router.get('/d')\ndef d_{i}(db: Session = Depends(get_db)):\n    return db.query(1).all()\n")
    write_tree(root, files, dedent=False)


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_parallel_and_serial_parsing_find_the_same(tmp_path, jobs):
    from readycheck.engine.config import Config
    from readycheck.engine.runner import scan

    _monorepo(tmp_path, 60)
    result = scan(tmp_path, Config(), CHECKS, jobs=jobs)
    assert not result.diagnostics
    blocking = sorted((f.path, f.span.line) for f in result.findings if f.rule_id == "RC401")
    assert len(blocking) == 180  # three blocking async handlers per router, the sync one is fine
    assert ("app/routers/r59.py", 17) in blocking and ("app/routers/r0.py", 12) in blocking  # 17: via slow_59()


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_extractor_bug_on_one_module_loses_that_module_only(tmp_path, monkeypatch, jobs):
    import readycheck.parsers.python as python
    from readycheck.engine.config import Config
    from readycheck.engine.runner import scan

    _monorepo(tmp_path, 60)
    real = python.parse_python

    def buggy(path, data):
        if path == "app/routers/r7.py":
            raise KeyError("surprise")
        return real(path, data)

    monkeypatch.setattr(python, "parse_python", buggy)
    result = scan(tmp_path, Config(), CHECKS, jobs=jobs)
    assert [(d.path, d.kind) for d in result.diagnostics] == [("app/routers/r7.py", "internal")]
    assert "internal error: KeyError" in result.diagnostics[0].message
    blocking = {f.path for f in result.findings if f.rule_id == "RC401"}
    assert "app/routers/r8.py" in blocking and "app/routers/r7.py" not in blocking
