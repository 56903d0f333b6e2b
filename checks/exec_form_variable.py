"""RC211 exec-form-variable: an exec-form CMD or ENTRYPOINT writes a `$VARIABLE` that nothing expands.

What it does
    Flags a `$NAME`, `${NAME}` or `${NAME:-default}` inside the JSON array of a CMD or
    ENTRYPOINT when the words reach the program as written: no shell (`sh -c`) runs them, and
    the ENTRYPOINT in front of a CMD is absent or a wrapper that passes its arguments on
    unchanged (tini, dumb-init, gosu, ...).

Why is this bad
    Docker runs the exec form without a shell, and expands no variable in CMD or ENTRYPOINT
    (the Dockerfile reference: "the exec form does not invoke a command shell ... normal shell
    processing does not happen"; environment replacement covers ADD, COPY, ENV, EXPOSE, FROM,
    LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR, not CMD or ENTRYPOINT). The server receives the
    text `${PORT:-8000}` itself: uvicorn exits with "Invalid value for '--port'", gunicorn
    cannot bind, and a path or URL argument names a file that does not exist. The platform's
    `$PORT`, the `ENV` set above and the default written after `:-` are all ignored.

Example
    ENV PORT=8000
    CMD ["uvicorn", "app.main:app", "--port", "${PORT:-8000}"]

Use instead
    CMD ["sh", "-c", "exec uvicorn app.main:app --port ${PORT:-8000}"]   # a shell expands it, exec keeps signals
    # or write the value itself: CMD ["uvicorn", "app.main:app", "--port", "8000"]

References
    https://docs.docker.com/reference/dockerfile/#exec-form
    https://docs.docker.com/reference/dockerfile/#environment-replacement
"""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Severity

if TYPE_CHECKING:
    from readycheck.api import Dockerfile, Instruction, Project, Stage

#: A shell parameter a person meant to be expanded: ``$PORT``, ``${PORT}``, ``${PORT:-8000}``.
_VARIABLE = re.compile(r"\$(?:\{[A-Za-z_][A-Za-z0-9_]*[^}]{0,200}\}|[A-Za-z_][A-Za-z0-9_]*)")


def _program(word: str) -> str:
    return posixpath.basename(word)


def _command_words(words: list[str]) -> list[str]:
    """The words from the program on: wrappers (``tini --``, ``gosu app``), ``env`` and its
    ``NAME=value`` assignments, and options before the program left out."""
    from readycheck.api import ARGV_WRAPPERS  # the start-command model, imported only when a scan runs

    i = 0
    while i < len(words):
        name = _program(words[i])
        if name in ARGV_WRAPPERS:
            i += 1 + ARGV_WRAPPERS[name]
        elif name == "env" or words[i].startswith("-") or ("=" in words[i] and not words[i].startswith("$")):
            i += 1
        else:
            break
    return words[i:]


def _expands(words: list[str]) -> bool:
    """Whether something may expand the words before they reach the server: a shell with ``-c``
    (``sh -c``, ``bash -lc``, behind any wrapper or runner: ``uv run sh -c``), or a script
    (``./start.sh``, ``/docker-entrypoint.sh``), which may ``eval "$@"``."""
    from readycheck.api import SHELLS

    for at, word in enumerate(words):
        name = _program(word)
        if name in SHELLS and any(w.startswith("-") and "c" in w for w in words[at + 1:at + 3]):
            return True
        if name.endswith((".sh", ".bash")) or word.startswith("./"):
            return True
    return False


def _passes_words_on(entrypoint: list[str] | None) -> bool:
    """Whether CMD's words reach the program unchanged behind this ENTRYPOINT: none at all, or
    only wrappers (``["tini", "--"]``). A script or a shell may expand them (``eval "$@"``)."""
    return entrypoint is None or not _command_words(entrypoint)


class ExecFormVariable(Check):
    id = "RC211"
    name = "exec-form-variable"
    severity = Severity.ERROR
    summary = "A `$VARIABLE` in an exec-form CMD/ENTRYPOINT reaches the program unexpanded"
    fix = "Run it through a shell (`sh -c \"exec ...\"`) or write the value itself."
    tags = ("dockerfile", "start-command")
    precision = "high"
    references = ("https://docs.docker.com/reference/dockerfile/#exec-form",
                  "https://docs.docker.com/reference/dockerfile/#environment-replacement")
    examples = (
        Example({"Dockerfile": """
            FROM python:3.12-slim
            ENV PORT=8000
            CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "${PORT:-8000}"]
            """}, expect=["Dockerfile:3:65 exec-form CMD passes `${PORT:-8000}` to uvicorn as written: Docker "
                          "runs the exec form without a shell, so no variable is expanded"],
            title="a port variable in exec form"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            ENTRYPOINT ["tini", "--"]
            CMD ["gunicorn", "app.main:app", "--bind", "0.0.0.0:$PORT"]
            """}, expect=["Dockerfile:3:53"], title="behind tini, which hands the words on"),
        Example({"Dockerfile": """
            FROM python:3.12-slim AS dev
            CMD ["uvicorn", "app.main:app", "--port", "$PORT", "--reload"]
            FROM python:3.12-slim
            CMD ["uvicorn", "app.main:app", "--port", "8000"]
            """}, expect=["Dockerfile:2:44:info"], title="a development stage: info"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD ["sh", "-c", "exec uvicorn app.main:app --port ${PORT:-8000}"]
            """}, title="a shell expands it"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            COPY docker-entrypoint.sh /
            ENTRYPOINT ["/docker-entrypoint.sh"]
            CMD ["uvicorn", "app.main:app", "--port", "$PORT"]
            """, "docker-entrypoint.sh": "#!/bin/sh\neval \"exec $*\"\n"},
            title="an entrypoint script may expand its arguments"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD uvicorn app.main:app --port ${PORT:-8000}
            """}, title="shell form: /bin/sh expands it"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD ["uvicorn", "app.main:app", "--port", "8000", "--header", "x-cost:$5"]
            """}, title="a dollar sign that is no variable"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD ["uvicorn", "app.main:app", "--port", "$PORT"]
            COPY docker-entrypoint.sh /
            ENTRYPOINT ["/docker-entrypoint.sh"]
            """, "docker-entrypoint.sh": "#!/bin/sh\neval \"exec $*\"\n"},
            title="the ENTRYPOINT Docker runs is the stage's last, even below the CMD"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD ["gosu", "app", "sh", "-c", "exec uvicorn app.main:app --port $PORT"]
            """}, title="a shell behind a wrapper that takes an argument"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD ["env", "PYTHONPATH=/app", "uv", "run", "sh", "-c", "exec uvicorn app.main:app --port $PORT"]
            """}, title="a shell behind env and a runner"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            COPY start.sh /
            CMD ["/start.sh", "uvicorn", "app.main:app", "--port", "$PORT"]
            """, "start.sh": "#!/bin/sh\neval \"exec $*\"\n"}, title="a script that may expand its arguments"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD ["gosu", "app", "gunicorn", "app.main:app", "--bind", "0.0.0.0:${PORT}"]
            """}, expect=["Dockerfile:2:68 exec-form CMD passes `${PORT}` to gunicorn as written: Docker runs the "
                          "exec form without a shell, so no variable is expanded"],
            title="gosu hands the words on"),
    )

    def run(self, project: Project):
        for dockerfile in project.dockerfiles:
            for stage in dockerfile.stages:
                yield from self._judge_stage(dockerfile, stage)

    def _judge_stage(self, dockerfile: Dockerfile, stage: Stage):
        """The stage's last ENTRYPOINT and last CMD (the ones Docker runs), against the ENTRYPOINT the
        stage ends with, its own or inherited."""
        entrypoint: list[str] | None = None
        for layer in dockerfile.ancestry(stage):
            for inst in layer.instructions:
                if inst.keyword == "ENTRYPOINT":
                    entrypoint = inst.exec_form() or [inst.value]
        environment = dockerfile.stage_environment(stage)
        for keyword in ("ENTRYPOINT", "CMD"):
            found = stage.all(keyword)
            if not found:
                continue
            inst = found[-1]
            words = inst.exec_form()
            if not words or _expands(words) or (keyword == "CMD" and not _passes_words_on(entrypoint)):
                continue
            program = _program((_command_words(words) or words)[0])
            yield from self._variables(dockerfile, inst, words, program, environment)

    def _variables(self, dockerfile: Dockerfile, inst: Instruction, words: list[str], program: str, environment):
        for word in words:
            match = _VARIABLE.search(word)
            if match is None:
                continue
            variable = match.group(0)
            yield self.finding(dockerfile.path, dockerfile.span_of(inst, variable),
                               f"exec-form {inst.keyword} passes `{variable}` to {program} as written: Docker runs "
                               f"the exec form without a shell, so no variable is expanded{environment.note}",
                               severity=None if environment.production else Severity.INFO)
            return  # one finding per instruction: the fix is the same for every word
