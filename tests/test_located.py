"""The located TOML and JSON reader: standard-library values, with the position of every key and value."""

from __future__ import annotations

from pathlib import Path

import pytest

from readycheck.core.sourcefile import FileKind, SourceFile
from readycheck.parsers.located import load_located

TOML = '''\
# a comment with [brackets] and key = "value"
title = "fly \\U0001F600 app"
app = 'literal \\no escape'
"quoted.key" = 1
site."dotted key".port = 8080
when = 1979-05-27 07:32:00Z
doc = """
multi "quoted" ""text""\"""
raw = \'\'\'
it's ''ok''\'\'\'
arr = [
  "a", # first
  ["b", {inline = "c", n.m = 2}],
]

[env]
  PORT = "8080"

[[services]]
internal_port = 8080
  [[services.ports]]
  port = 80
  [[services.ports]]
  port = 443
[[services]]
internal_port = 9090
[services.concurrency]
type = "connections"

[deploy]
release_command = "alembic upgrade head"
'''


def _load(tmp_path: Path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_located(SourceFile(name, path, FileKind.OTHER, path.stat().st_size)), text


def _at(text: str, span) -> str:
    lines = text.split("\n")
    assert span.line == span.end_line
    return lines[span.line - 1][span.column - 1:span.end_column - 1]


def test_every_toml_key_and_value_is_located(tmp_path):
    doc, text = _load(tmp_path, "fly.toml", TOML)
    assert doc.data["services"][1]["concurrency"]["type"] == "connections"
    assert _at(text, doc.value_span("deploy", "release_command")) == "alembic upgrade head"
    assert _at(text, doc.key_span("deploy", "release_command")) == "release_command"
    assert _at(text, doc.value_span("services", 0, "ports", 1, "port")) == "443"
    assert _at(text, doc.value_span("services", 1, "internal_port")) == "9090"
    assert _at(text, doc.key_span("services", 1, "concurrency", "type")) == "type"
    assert _at(text, doc.value_span("env", "PORT")) == "8080"
    assert _at(text, doc.value_span("site", "dotted key", "port")) == "8080"
    assert _at(text, doc.key_span("quoted.key")) == '"quoted.key"'
    assert _at(text, doc.value_span("when")) == "1979-05-27 07:32:00Z"
    assert _at(text, doc.value_span("arr", 1, 1, "inline")) == "c"
    assert _at(text, doc.value_span("arr", 1, 1, "n", "m")) == "2"
    assert doc.verbatim_at("title") is None  # an escape: offsets inside the value would be wrong
    assert doc.verbatim_at("app") is not None
    assert doc.value_span("nothing", "here") is None
    assert _at(text, doc.header_span("deploy")) == "[deploy]"


def test_json_keys_and_values_are_located(tmp_path):
    text = '{"deploy": {"startCommand": "uvicorn app:app", "numReplicas": 3,\n "esc": "a\\"b"}, "list": [1, {"k": true}]}'
    doc, _ = _load(tmp_path, "railway.json", text)
    assert _at(text, doc.value_span("deploy", "startCommand")) == "uvicorn app:app"
    assert _at(text, doc.key_span("deploy", "numReplicas")) == "numReplicas"
    assert _at(text, doc.value_span("deploy", "numReplicas")) == "3"
    assert _at(text, doc.value_span("list", 1, "k")) == "true"
    assert doc.verbatim_at("deploy", "esc") is None


@pytest.mark.parametrize("text", ["a = [", "[table\n", 'k = "unterminated', "{"])
def test_syntax_errors_are_the_parsers_own(tmp_path, text):
    with pytest.raises(ValueError):
        _load(tmp_path, "railway.json" if text == "{" else "fly.toml", text)
