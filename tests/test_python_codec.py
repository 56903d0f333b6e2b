"""Facts survive the trip through bytes (worker to main process, and the cache) unchanged."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from helpers import CHECKS
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
