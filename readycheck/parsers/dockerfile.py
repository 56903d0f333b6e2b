"""Dockerfiles into stages and instructions with exact positions.

dockerfile-parse finds instruction boundaries, joins continuation lines and
resolves ``ARG`` defaults in ``FROM``. It does not know heredocs (``RUN <<EOF``),
so their bodies are folded back into the instruction that opened them here,
instead of becoming bogus instructions.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field

from dockerfile_parse import DockerfileParser

from readycheck.core.findings import Span
from readycheck.knowledge.environments import PRODUCTION, Environment
from readycheck.knowledge.images import ImageRef, parse_image_ref
from readycheck.parsers.shell import SimpleCommand, Word, parse_commands, tokenize
from readycheck.core.sourcefile import SourceFile

_HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")
_FLAG = re.compile(r"^--([a-z-]+)(?:=(\S*))?$")
#: The leading flags of a RUN (``--mount=type=cache,target=/root/.cache/uv \``, ``--network=none``):
#: options of the instruction, not words of the command it runs.
_RUN_FLAGS = re.compile(r"(?:\s|\\\r?\n)*(?:--[a-z-]+(?:=\S*)?(?:\s|\\\r?\n)+)*")


@dataclass
class Instruction:
    keyword: str  # upper case: RUN, CMD, ...
    value: str  # as dockerfile-parse joins it
    line: int  # 1-based first line
    end_line: int
    stage: int  # index of the stage it belongs to, -1 before the first FROM
    #: Offset in the file where the value starts (after the keyword).
    value_offset: int = 0
    #: Raw text of the value as written, continuation lines included.
    raw_value: str = ""

    def exec_form(self) -> list[str] | None:
        """The JSON array of an exec-form CMD/ENTRYPOINT/RUN, else None."""
        text = self.value.strip()
        if not text.startswith("["):
            return None
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: "[" nested 100,000 deep
            return None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
        return None

    def flags(self) -> dict[str, str]:
        """Leading ``--name=value`` flags (``--from``, ``--chown``, ``--mount``); a flag given
        several times (``--mount`` usually is) has its values joined with ";"."""
        out: dict[str, str] = {}
        for part in self.value.split():
            m = _FLAG.match(part)
            if not m:
                break
            name, value = m.group(1), m.group(2) or ""
            out[name] = f"{out[name]};{value}" if name in out else value
        return out

    def arguments(self) -> list[str]:
        """Whitespace-separated arguments after the leading flags."""
        parts = self.value.split()
        while parts and _FLAG.match(parts[0]):
            parts.pop(0)
        return parts


@dataclass
class Stage:
    index: int
    image: str  # as written after FROM (ARG references unresolved)
    resolved_image: str  # with ARG defaults substituted
    name: str | None
    from_instruction: Instruction
    instructions: list[Instruction] = field(default_factory=list)

    @property
    def image_ref(self) -> ImageRef:
        """The FROM image (ARG defaults substituted) split into registry, name, tag and digest."""
        return parse_image_ref(self.resolved_image)

    def last(self, keyword: str) -> Instruction | None:
        found = [i for i in self.instructions if i.keyword == keyword]
        return found[-1] if found else None

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]


@dataclass
class Dockerfile:
    source: SourceFile
    stages: list[Stage]
    preamble: list[Instruction]  # ARGs and comments before the first FROM
    #: The stage the service's image is built to when it is not the last one (set by the project model
    #: from compose, CI, scripts and Makefiles: every production build names the same ``--target``, or
    #: the last stage is a developer's image that starts nothing), else None: the last stage.
    deployed: Stage | None = None
    #: Why that stage, as a phrase for messages ("that CI .github/workflows/release.yml builds with
    #: --target runtime").
    deployed_because: str = ""
    #: Stage index -> why that stage is a developer's image, not the service nor a part of it (set by
    #: the project model: a ``dev``/``test`` stage nothing ships, the last stage only ``make test``
    #: builds). Findings in such a stage are info.
    development_stages: dict[int, Environment] = field(default_factory=dict)
    #: (keyword, offset, value, raw value) -> an instruction's commands: a dozen checks ask
    #: for every RUN's commands, and what they are depends on nothing else.
    _commands: dict[tuple, list[list[Word]]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def path(self) -> str:
        return self.source.path

    @property
    def final_stage(self) -> Stage | None:
        """The stage whose image runs: ``deployed`` (the one production builds with ``--target``, or
        the one that starts the service when the last is a developer's image), else the last."""
        if self.deployed is not None:
            return self.deployed
        return self.stages[-1] if self.stages else None

    def stage_environment(self, stage: Stage) -> Environment:
        """Production, or development with the reason (``.note`` is the message suffix
        " (development: stage test, built only by Makefile)")."""
        return self.development_stages.get(stage.index, PRODUCTION)

    def ancestry(self, stage: Stage | None) -> list[Stage]:
        """``stage`` and the earlier stages it is built FROM (``FROM base``, ``FROM ${BASE}`` with an
        ARG default naming a stage), oldest first: the stages whose layers are in its image."""
        by_name = {s.name: s for s in self.stages if s.name}
        chain: list[Stage] = []
        current = stage
        while current is not None and current not in chain:
            chain.insert(0, current)
            parent = by_name.get(current.image) or by_name.get(current.resolved_image)
            current = parent if parent is not None and parent.index < current.index else None
        return chain

    def shipped_stages(self) -> list[Stage]:
        """The stages whose layers end up in the final image: the final stage and the
        stages it is built FROM, oldest first. Builder stages reached only through
        ``COPY --from`` ship nothing but the files copied."""
        return self.ancestry(self.final_stage)

    def word_span(self, word: Word) -> Span:
        return self.source.index.span(word.start, word.end)

    def span_of(self, instruction: Instruction, needle: str | None = None) -> Span:
        """The span of ``needle`` inside an instruction, else of its keyword."""
        index = self.source.index
        if needle:
            found = index.find(needle, instruction.line, instruction.end_line)
            if found:
                return found
        start = index.offset(instruction.line)
        text = index.line_text(instruction.line)
        lead = len(text) - len(text.lstrip())
        return index.span(start + lead, start + lead + len(instruction.keyword))

    def shell_commands(self, instruction: Instruction) -> list[SimpleCommand]:
        """Shell-form value parsed into commands, word offsets in this file (a RUN's flags left out)."""
        raw, base = self._command_text(instruction)
        return parse_commands(raw, base=base)

    @staticmethod
    def _command_text(instruction: Instruction) -> tuple[str, int]:
        """The instruction's value without a RUN's leading flags, and the file offset it starts at."""
        raw = instruction.raw_value
        skip = _RUN_FLAGS.match(raw).end() if instruction.keyword == "RUN" else 0
        return raw[skip:], instruction.value_offset + skip

    def commands(self, instruction: Instruction) -> list[list[Word]]:
        """The simple commands a RUN/CMD/ENTRYPOINT runs, as located words: the exec-form
        array, the shell-form commands, or the script of a ``RUN <<EOF`` heredoc (lexed
        once per instruction; each call gets its own lists)."""
        key = (instruction.keyword, instruction.value_offset, instruction.value, instruction.raw_value)
        found = self._commands.get(key)
        if found is None:
            found = self._commands[key] = self._lex_commands(instruction)
        return [list(words) for words in found]

    def _lex_commands(self, instruction: Instruction) -> list[list[Word]]:
        words = self.exec_words(instruction)
        if words is not None:
            return [words]
        raw, base = self._command_text(instruction)
        heredoc = _HEREDOC.match(raw.lstrip())
        if heredoc is not None and instruction.keyword == "RUN":
            first_newline = raw.find("\n")
            if first_newline >= 0:
                body_end = raw.rstrip().rfind("\n")
                body = raw[first_newline + 1:body_end if body_end > first_newline else len(raw)]
                return [c.words for c in parse_commands(body, base=base + first_newline + 1)]
        return [c.words for c in parse_commands(raw, base=base)]

    def assignments(self, instruction: Instruction) -> list[tuple[str, str, Span]]:
        """``KEY=value`` pairs of an ENV/ARG/LABEL (and the legacy ``ENV KEY value``),
        with the span of each value (of the key when there is no value)."""
        words = [t for t in tokenize(instruction.raw_value) if t.kind == "word"]
        base = instruction.value_offset
        index = self.source.index
        out: list[tuple[str, str, Span]] = []
        words = [w for w in words if not (w.text.startswith("--") and instruction.keyword == "ARG")]
        if instruction.keyword == "ENV" and words and "=" not in words[0].text:
            rest = words[1:]
            if rest:
                out.append((words[0].text, " ".join(w.text for w in rest),
                            index.span(base + rest[0].start, base + rest[-1].end)))
            return out
        for word in words:
            key, eq, value = word.text.partition("=")
            if eq:
                at = base + word.start + len(key) + 1
                out.append((key, value, index.span(at, base + word.end)))
            else:
                out.append((key, "", index.span(base + word.start, base + word.end)))
        return out

    def exec_words(self, instruction: Instruction) -> list[Word] | None:
        """Exec-form array elements as words located in the file."""
        items = instruction.exec_form()
        if items is None:
            return None
        words: list[Word] = []
        text = self.source.text
        cursor = instruction.value_offset
        limit = instruction.value_offset + len(instruction.raw_value)
        for item in items:
            quoted = json.dumps(item)
            at = text.find(quoted, cursor, limit)
            if at < 0:  # escaped differently from json.dumps: fall back to the value start
                words.append(Word(item, instruction.value_offset, instruction.value_offset, quoted))
                continue
            words.append(Word(item, at, at + len(quoted), quoted))
            cursor = at + len(quoted)
        return words


def parse_dockerfile(source: SourceFile) -> Dockerfile:
    text = source.text
    parser = DockerfileParser(fileobj=io.BytesIO(text.encode("utf-8")))
    structure = parser.structure
    try:
        parents = parser.parent_images
    except Exception:  # dockerfile-parse raises on odd ARG syntax; keep raw images
        parents = []
    index = source.index
    lines = text.splitlines()
    instructions: list[Instruction] = []
    heredoc_until = -1
    for item in structure:
        start, end = item["startline"], item["endline"]
        keyword = item["instruction"].upper()
        if start <= heredoc_until or keyword == "COMMENT":
            continue
        line_text = lines[start] if start < len(lines) else ""
        stripped = line_text.lstrip()
        kw_at = index.offset(start + 1) + (len(line_text) - len(stripped))
        value_at = kw_at + len(keyword)
        # Skip the whitespace between keyword and value.
        while value_at < len(text) and text[value_at] in " \t":
            value_at += 1
        end_offset = index.offset(end + 2) if end + 1 < index.line_count else len(text)
        raw_value = text[value_at:end_offset].rstrip("\n")
        value = item["value"]
        heredocs = _HEREDOC.findall(value) if keyword in ("RUN", "COPY", "ADD") else []
        if heredocs:
            end = _heredoc_end(lines, end, [name for _, name in heredocs])
            heredoc_until = end
            end_offset = index.offset(end + 2) if end + 1 < index.line_count else len(text)
            raw_value = text[value_at:end_offset].rstrip("\n")
            value = raw_value
        instructions.append(Instruction(keyword, value, start + 1, end + 1, -1, value_at, raw_value))
    stages: list[Stage] = []
    preamble: list[Instruction] = []
    for inst in instructions:
        if inst.keyword == "FROM":
            args = inst.arguments()
            image = args[0] if args else ""
            name = args[2] if len(args) >= 3 and args[1].lower() == "as" else None
            resolved = parents[len(stages)] if len(stages) < len(parents) else image
            stages.append(Stage(len(stages), image, resolved, name, inst))
            inst.stage = len(stages) - 1
        elif stages:
            inst.stage = len(stages) - 1
            stages[-1].instructions.append(inst)
        else:
            preamble.append(inst)
    return Dockerfile(source, stages, preamble)


def _heredoc_end(lines: list[str], line: int, delimiters: list[str]) -> int:
    """0-based index of the line closing the last heredoc opened on ``line``."""
    i = line + 1
    for delimiter in delimiters:
        while i < len(lines) and lines[i].strip() != delimiter:
            i += 1
        i += 1
    return min(i - 1, len(lines) - 1)
