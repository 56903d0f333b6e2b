"""YAML with positions: every scalar, list and mapping remembers where it was.

PyYAML's composer gives nodes with marks; they are turned into ``LStr``,
``LList`` and ``LDict`` (subclasses of the plain types with ``.start``/``.end``
file offsets), so checks use ordinary dict/list/str code and still point at
the exact value. Only the safe loader is used. Aliases are expanded with a
budget, so a "billion laughs" document becomes a diagnostic, not an outage.
"""

from __future__ import annotations

import re

import yaml

MAX_NODES = 200_000
#: LibYAML's parser when PyYAML was built with it: the same located nodes (character offsets, styles, errors
#: with their marks), parsed 4x faster than by the pure-Python one (1,408 YAML files of 30 repositories:
#: identical results, 3.6 s instead of 14.5 s with conversion). It also caps nesting at 1,000 levels.
_Loader = getattr(yaml, "CSafeLoader", None) if yaml.__with_libyaml__ else None
_Loader = _Loader or yaml.SafeLoader


class YamlTooLarge(ValueError):
    pass


class LStr(str):
    start: int
    end: int
    #: True when the scalar text is the file text verbatim (plain or simple quoted),
    #: so offsets inside the value map 1:1 onto the file.
    verbatim_at: int | None


class LList(list):
    start: int
    end: int


class LDict(dict):
    start: int
    end: int
    #: key -> the key scalar itself (for positions of keys)
    keys_at: dict


_STR_TAG = "tag:yaml.org,2002:str"


def _scalar(node: yaml.ScalarNode, text: str, loader: yaml.SafeLoader) -> object:
    if node.tag != _STR_TAG:
        # ints, bools, nulls, floats, timestamps: plain Python values, unlocated.
        try:
            return loader.construct_object(node)
        except yaml.YAMLError:
            pass
    value = LStr(node.value)
    value.start = node.start_mark.index
    value.end = node.end_mark.index
    raw = text[value.start:value.end]
    if not node.style and raw == node.value:  # plain: None from PyYAML's Python parser, "" from LibYAML's
        value.verbatim_at = value.start
    elif node.style in ("'", '"') and raw[1:-1] == node.value:
        value.verbatim_at = value.start + 1
    else:
        value.verbatim_at = None
    return value


def _convert(node: yaml.Node, text: str, budget: list[int], loader: yaml.SafeLoader) -> object:
    budget[0] -= 1
    if budget[0] < 0:
        raise YamlTooLarge(f"YAML expands to more than {MAX_NODES:,} nodes (alias bomb?)")
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node, text, loader)
    if isinstance(node, yaml.SequenceNode):
        out = LList(_convert(child, text, budget, loader) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        out = LDict()
        out.keys_at = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, text, budget, loader)
            if key == "<<" and isinstance(value_node, (yaml.MappingNode, yaml.SequenceNode)):
                merged = _convert(value_node, text, budget, loader)
                for part in merged if isinstance(merged, list) else [merged]:
                    if isinstance(part, dict):
                        for k, v in part.items():
                            out.setdefault(k, v)
                continue
            try:
                out[key] = _convert(value_node, text, budget, loader)
                out.keys_at[key] = key
            except TypeError:  # unhashable key (a mapping as key): skip it
                continue
    else:  # pragma: no cover - PyYAML has only three node kinds
        return None
    out.start = node.start_mark.index
    out.end = node.end_mark.index
    return out


def load_all(text: str) -> list[object]:
    """All documents of a YAML text, located. Raises yaml.YAMLError or YamlTooLarge."""
    budget = [MAX_NODES]
    loader = _Loader(text)
    try:
        documents = []
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                documents.append(_convert(node, text, budget, loader))
        return documents
    finally:
        loader.dispose()


def helm_to_yaml(text: str) -> str:
    """Blank out Helm template expressions, keeping the offset of every character that is not
    template: an inline expression becomes a placeholder scalar of the same length; a line that
    holds only template actions (``{{- if .Values.x }}``, ``{{- end }}``, ``{{- toYaml . | nindent 8 }}``,
    several on one line, a comment over several lines) becomes empty, as Helm's ``{{-`` trims it, so
    a command written inside an ``if``/``with``/``range`` block is read as declared, also inside a
    ``|`` block scalar (a line of spaces there is content, or an indentation error before its first
    line). Its characters become trailing spaces of the line before, so what follows keeps its offset."""
    actions = _actions(text)
    if not actions:
        return text
    # Every action character becomes NUL, or SOH for an action that renders nothing (newlines kept):
    # YAML forbids both, so none is the file's own.
    parts: list[str] = []
    position = 0
    for start, end in actions:
        mark = "\1" if _renders_nothing(text, start, end) else "\0"
        parts += [text[position:start], re.sub(r"[^\n]", mark, text[start:end])]
        position = end
    parts.append(text[position:])
    marked = "".join(parts)
    pieces, position = [], 0
    for start, end in _unrendered_branches(text, actions):
        pieces += [marked[position:start], re.sub(r"[^\n]", "\1", marked[start:end])]
        position = end
    lines = ("".join(pieces) + marked[position:]).split("\n")
    pads = [0] * len(lines)
    last_content = -1
    for number, line in enumerate(lines):
        if ("\0" in line or "\1" in line) and not line.replace("\0", "").replace("\1", "").strip():
            if last_content < 0:
                lines[number] = " " * len(line)
            else:
                pads[last_content] += len(line)
                lines[number] = ""
            continue
        if "\0" in line or "\1" in line:
            # "…": reads as templated, never as a number
            lines[number] = line.replace("\0", "\u2026").replace("\1", " ")
        if line.strip():
            last_content = number
    return "\n".join(_padded(line, pad) for line, pad in zip(lines, pads))


_CONTROL = re.compile(r"\{\{-?\s*(if|else|end|with|range|define|block)\b")


def _unrendered_branches(text: str, actions: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The text Helm renders only when a condition holds, where an ``else`` offers the other case:
    of ``{{ if A }} x {{ else }} y {{ end }}`` (or ``else if`` chains), everything before the last
    ``else``, so that the two cases are not read as one command (``uvicorn --reload`` then ``exec
    gunicorn``). The ``else`` case is kept: it is what an unset value renders (``.Values.dev``
    false). An ``if`` without ``else`` is read as declared. The ranges returned are sorted and do
    not overlap (nested ones merged), so marking them costs one pass over the text."""
    stack: list[list] = []  # [keyword, end of the opening action, start of the last else]
    branches: list[tuple[int, int]] = []
    for start, end in actions:
        match = _CONTROL.match(text, start, min(end, start + 40))
        if match is None:
            continue
        keyword = match.group(1)
        if keyword == "end":
            if stack:
                opened, body, last_else = stack.pop()
                if opened == "if" and last_else is not None:
                    branches.append((body, last_else))
        elif keyword == "else":
            if stack:
                stack[-1][2] = start
        else:
            stack.append([keyword, end, None])
    branches.sort()
    merged: list[tuple[int, int]] = []
    for start, end in branches:  # an inner if/else inside a branch already blanked adds nothing
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


#: Actions that write nothing where they stand: control structure, comments, variable assignments.
_SILENT_ACTION = re.compile(r"\{\{-?\s*(?:(?:if|else|end|with|range|define|break|continue)\b|/\*|\$\w*\s*:?=)")


def _renders_nothing(text: str, start: int, end: int) -> bool:
    """A control action (``{{ if .Values.dev }}``, ``{{ end }}``) written next to whitespace inside a line:
    it becomes spaces, so ``--port {{ .Values.port }}{{ if .Values.dev }} --reload{{ end }}`` reads as
    ``--reload``, declared. Glued to text on both sides (``--workers={{ if .x }}4``) it stays a
    placeholder, one word."""
    if not _SILENT_ACTION.match(text, start, min(end, start + 40)):
        return False
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return before.isspace() or after.isspace()


def _padded(line: str, pad: int) -> str:
    """``line`` with ``pad`` trailing spaces, before its carriage return (one more line break to YAML)."""
    if not pad:
        return line
    if line.endswith("\r"):
        return line[:-1] + " " * pad + "\r"
    return line + " " * pad


def _actions(text: str) -> list[tuple[int, int]]:
    """(start, end) of each ``{{ ... }}`` action: the first "}}" after each "{{", found with str.find
    (the regex "\\{\\{-?.*?-?\\}\\}" scanned to the end of the text from every "{{" that has no "}}"
    after it: 30,000 "{{" took minutes). An unclosed "{{" and what follows stay as written."""
    found: list[tuple[int, int]] = []
    position = 0
    while True:
        start = text.find("{{", position)
        if start < 0:
            break
        end = text.find("}}", start + 2)
        if end < 0:
            break
        found.append((start, end + 2))
        position = end + 2
    return found
