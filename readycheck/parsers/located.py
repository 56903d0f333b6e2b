"""TOML and JSON documents with the positions of their keys and values, like the located YAML.

The standard library's parsers (``tomllib``, ``json``) give values but no positions, and a
finding must point at the exact key or string in fly.toml, railway.json or pyproject.toml. So
each file is parsed by the standard library (the values, and every syntax error, are theirs),
then walked once more by a small locator that only records where each key and value starts and
ends, addressed by its path: ``("deploy", "startCommand")``, ``("services", 0, "internal_port")``
(arrays and arrays of tables are indexed), ``("project", "dependencies", 2)``. The locator runs
only on text its parser already accepted, so it needs to know the structure, not the errors.

One reader for every TOML and JSON deployment file: fly.toml, railway.toml/json, pyproject.toml,
Pipfile; ``Project.config_document`` parses each file once for all of them.
"""

from __future__ import annotations

import json
import sys
from json.decoder import scanstring  # type: ignore[attr-defined]  # json's own string lexer, public since 2.6
from typing import Any

from readycheck.core.findings import Span
from readycheck.core.sourcefile import SourceFile

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

Path = tuple  # of str keys and int indexes
#: (start, end) of a key, and (start, end, verbatim_at) of a value: verbatim_at is the offset of a
#: string's first character when the file text between the quotes is the value itself (no escapes),
#: so offsets inside the value map 1:1 onto the file; None otherwise.
_Keys = dict
_Values = dict

_BARE_KEY = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_SCALAR_END = frozenset(",]}\n#")


class LocatedDocument:
    """A parsed TOML or JSON document (``data``) and where each of its keys and values is."""

    def __init__(self, source: SourceFile, data: Any, keys: _Keys, values: _Values, headers: dict[str, tuple]):
        self.source = source
        self.data = data
        self._keys = keys
        self._values = values
        self._headers = headers

    def _span(self, located: tuple | None) -> Span | None:
        return self.source.index.span(located[0], located[1]) if located else None

    def key_span(self, *path: str | int) -> Span | None:
        """The span of the key of the value at ``path`` (its last dotted part), or None."""
        return self._span(self._keys.get(path))

    def value_span(self, *path: str | int) -> Span | None:
        """The span of the value at ``path`` (a string's text between its quotes), or None."""
        located = self._values.get(path)
        if located is None:
            return None
        start, end, verbatim_at = located
        return self.source.index.span(verbatim_at, end - 1) if verbatim_at is not None else \
            self.source.index.span(start, end)

    def verbatim_at(self, *path: str | int) -> int | None:
        """The offset of a string value's first character when it is written without escapes."""
        located = self._values.get(path)
        return located[2] if located else None

    def header_span(self, table: str) -> Span | None:
        """The span of a ``[table]`` header as written, brackets included (``tool.poetry.dependencies``)."""
        return self._span(self._headers.get(table))


def load_located(source: SourceFile) -> LocatedDocument:
    """Parse a ``.json`` file with json, anything else with tomllib; ValueError on a syntax error."""
    text = source.text
    keys: _Keys = {}
    values: _Values = {}
    if source.name.endswith(".json"):
        data = json.loads(text)
        try:
            _JsonLocator(text, keys, values).value((), _skip_json_space(text, 0))
        except (IndexError, ValueError, RecursionError):  # pragma: no cover - a locator bug: values stay right
            keys, values = {}, {}
        return LocatedDocument(source, data, keys, values, {})
    data = tomllib.loads(text)
    locator = _TomlLocator(text)
    try:
        locator.document()
    except (IndexError, ValueError, RecursionError):  # pragma: no cover - a locator bug: values stay right
        locator.keys, locator.values, locator.headers = {}, {}, {}
    return LocatedDocument(source, data, locator.keys, locator.values, locator.headers)


# ------------------------------------------------------------------ TOML


class _TomlLocator:
    """Walks TOML text that tomllib accepted (TOML 1.0: https://toml.io/en/v1.0.0) and records the
    position of every key and value. Nothing here decides what a value is: tomllib did."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.keys: _Keys = {}
        self.values: _Values = {}
        self.headers: dict[str, tuple] = {}
        #: resolved path of each array of tables -> index of its last element
        self._arrays: dict[tuple, int] = {}

    def _skip(self, pos: int, newlines: bool) -> int:
        """Past spaces and tabs (and newlines and comments when ``newlines``)."""
        text, n = self.text, len(self.text)
        while pos < n:
            ch = text[pos]
            if ch in " \t\r" or (newlines and ch == "\n"):
                pos += 1
            elif newlines and ch == "#":
                end = text.find("\n", pos)
                pos = n if end < 0 else end + 1
            else:
                break
        return pos

    def document(self) -> None:
        text, n = self.text, len(self.text)
        table: tuple = ()
        pos = self._skip(0, True)
        while pos < n:
            if text[pos] == "[":
                table, pos = self._header(pos)
            else:
                parts, pos = self._key(pos, table)
                pos = self._skip(pos, False) + 1  # past "="
                pos = self._value(table + parts, self._skip(pos, False))
            pos = self._skip(pos, True)

    def _header(self, pos: int) -> tuple[tuple, int]:
        array = self.text.startswith("[[", pos)
        start = pos
        parts, pos = self._key_parts(pos + (2 if array else 1))
        pos = self._skip(pos, False) + (2 if array else 1)
        self.headers.setdefault(".".join(parts), (start, pos))
        resolved: tuple = ()
        for i, part in enumerate(parts):
            resolved += (part,)
            if array and i == len(parts) - 1:
                index = self._arrays.get(resolved, -1) + 1
                self._arrays[resolved] = index
                self.keys.setdefault(resolved, self._last_key)
                resolved += (index,)
            elif resolved in self._arrays:
                resolved += (self._arrays[resolved],)
        self.keys.setdefault(resolved, self._last_key)
        return resolved, pos

    def _key(self, pos: int, table: tuple) -> tuple[tuple, int]:
        parts, pos = self._key_parts(pos)
        self.keys[table + parts] = self._last_key
        return parts, pos

    def _key_parts(self, pos: int) -> tuple[tuple, int]:
        """A dotted key: its parts, and the position after it; ``_last_key`` is its last part's span."""
        text = self.text
        parts: list[str] = []
        while True:
            pos = self._skip(pos, False)
            start = pos
            if text[pos] == '"':
                end = _basic_string_end(text, pos)
                value, pos = tomllib.loads(f"k = {text[pos:end]}")["k"], end
            elif text[pos] == "'":
                end = text.index("'", pos + 1)
                value, pos = text[pos + 1:end], end + 1
            else:
                while pos < len(text) and text[pos] in _BARE_KEY:
                    pos += 1
                value = text[start:pos]
            parts.append(value)
            self._last_key = (start, pos)
            pos = self._skip(pos, False)
            if pos < len(text) and text[pos] == ".":
                pos += 1
                continue
            return tuple(parts), pos

    def _value(self, path: tuple, pos: int) -> int:
        text = self.text
        ch = text[pos]
        verbatim_at = None
        if text.startswith(('"""', "'''"), pos):
            quote = text[pos:pos + 3]
            end = pos + 3
            while True:
                end = text.index(quote, end)
                if quote == "'''" or _unescaped(text, end):
                    break
                end += 1
            while text.startswith(quote[0], end + 3):  # up to two quotes of the content end it
                end += 1
            end += 3
        elif ch == '"':
            end = _basic_string_end(text, pos)
            if "\\" not in text[pos + 1:end - 1]:
                verbatim_at = pos + 1
        elif ch == "'":
            end = text.index("'", pos + 1) + 1
            verbatim_at = pos + 1
        elif ch == "[":
            end, index = pos + 1, 0
            while True:
                end = self._skip(end, True)
                if text[end] == "]":
                    end += 1
                    break
                end = self._skip(self._value(path + (index,), end), True)
                index += 1
                if text[end] == ",":
                    end += 1
        elif ch == "{":
            end = pos + 1
            while True:
                end = self._skip(end, False)
                if text[end] == "}":
                    end += 1
                    break
                parts, end = self._key(end, path)
                end = self._skip(end, False) + 1
                end = self._skip(self._value(path + parts, self._skip(end, False)), False)
                if text[end] == ",":
                    end += 1
        else:  # number, bool, date-time (which may hold a space): up to the next delimiter
            end = pos
            while end < len(text) and text[end] not in _SCALAR_END:
                end += 1
            while end > pos and text[end - 1] in " \t\r":
                end -= 1
        self.values[path] = (pos, end, verbatim_at)
        return end


def _basic_string_end(text: str, pos: int) -> int:
    """The position after the closing quote of the one-line basic string opening at ``pos``."""
    end = pos + 1
    while True:
        end = text.index('"', end)
        if _unescaped(text, end):
            return end + 1
        end += 1


def _unescaped(text: str, at: int) -> bool:
    """The quote at ``at`` is not escaped (an even number of backslashes before it)."""
    slashes = 0
    while at - slashes - 1 >= 0 and text[at - slashes - 1] == "\\":
        slashes += 1
    return slashes % 2 == 0


# ------------------------------------------------------------------ JSON


def _skip_json_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


class _JsonLocator:
    """Walks JSON that json.loads accepted, recording positions (strings lexed by json's own scanstring)."""

    def __init__(self, text: str, keys: _Keys, values: _Values) -> None:
        self.text, self.keys, self.values = text, keys, values

    def value(self, path: tuple, pos: int) -> int:
        text = self.text
        ch = text[pos]
        verbatim_at = None
        if ch == '"':
            _, end = scanstring(text, pos + 1)
            if "\\" not in text[pos + 1:end - 1]:
                verbatim_at = pos + 1
        elif ch == "[":
            end, index = _skip_json_space(text, pos + 1), 0
            while text[end] != "]":
                end = _skip_json_space(text, self.value(path + (index,), end))
                index += 1
                if text[end] == ",":
                    end = _skip_json_space(text, end + 1)
            end += 1
        elif ch == "{":
            end = _skip_json_space(text, pos + 1)
            while text[end] != "}":
                key, after = scanstring(text, end + 1)
                self.keys[path + (key,)] = (end + 1, after - 1)
                end = _skip_json_space(text, _skip_json_space(text, after) + 1)  # past ":"
                end = _skip_json_space(text, self.value(path + (key,), end))
                if text[end] == ",":
                    end = _skip_json_space(text, end + 1)
            end += 1
        else:
            end = pos
            while end < len(text) and text[end] not in ",]} \t\r\n":
                end += 1
        self.values[path] = (pos, end, verbatim_at)
        return end
