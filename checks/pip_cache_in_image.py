"""RC105 pip-cache-in-image: pip or uv leaves its download cache in a shipped layer.

What it does
    Flags ``pip install`` (also ``python -m pip``) without ``--no-cache-dir``,
    and ``uv pip install``/``uv sync`` without ``--no-cache``, in the stages that
    end up in the final image, unless the RUN mounts a cache
    (``--mount=type=cache``), the cache is removed in the same RUN, or
    ``PIP_NO_CACHE_DIR``/``UV_NO_CACHE`` is set by ENV. Builder stages are not
    flagged: their caches never ship.

Why is this bad
    pip keeps every downloaded wheel under ~/.cache/pip; in a layer it is dead
    weight, often as large as the installed packages themselves, pulled on
    every deploy.

Example
    RUN pip install -r requirements.txt

Use instead
    RUN pip install --no-cache-dir -r requirements.txt
    # or: RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt

Fix safety
    Safe: the same packages are installed; only the download cache is not kept.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Severity, install_command

if TYPE_CHECKING:
    from readycheck.api import Edit, Project, Span


class PipCacheInImage(Check):
    id = "RC105"
    name = "pip-cache-in-image"
    severity = Severity.WARNING
    summary = "pip or uv installs keep their download cache in the image"
    fix = ("Add `--no-cache-dir` (pip) or `--no-cache` (uv), set `ENV PIP_NO_CACHE_DIR=1`, or use a BuildKit "
           "cache mount: `RUN --mount=type=cache,target=/root/.cache/pip pip install ...`.")
    tags = ("dockerfile", "performance")
    precision = "very-high"
    references = ("https://github.com/hadolint/hadolint/wiki/DL3042",)
    examples = (
        Example({"Dockerfile": """
            FROM python:3.12-slim
            RUN pip install -r requirements.txt \\
                && python -m pip install gunicorn
            RUN uv pip install --system -r requirements.txt
            """}, expect=['Dockerfile:2:5 `pip install -r` without --no-cache-dir keeps its download cache in the image', "Dockerfile:3", "Dockerfile:4"], title="pip, python -m pip, uv"),
        Example({"Dockerfile": """
            FROM python:3.12-slim AS builder
            RUN pip install build && python -m build --wheel
            FROM python:3.12-slim
            ENV UV_NO_CACHE=1
            COPY --from=builder /dist /dist
            RUN pip install --no-cache-dir /dist/*.whl
            RUN --mount=type=cache,target=/root/.cache/pip pip install gunicorn
            RUN pip install uvicorn && rm -rf /root/.cache/pip
            RUN pip install --no-cache httpx
            RUN uv pip install --system --no-cache-dir -r requirements.txt
            RUN --mount=type=cache,target=/root/.cache/uv \\
                --mount=type=bind,source=uv.lock,target=uv.lock \\
                uv sync --frozen
            """}, title="builder stage, --no-cache-dir (uv's alias too), cache mount, cleanup, UV_NO_CACHE"),
        Example({"Dockerfile": "FROM python:3.12-slim\nRUN pip install -r requirements.txt && uv pip install --system x\n"},
                expect=["Dockerfile:2", "Dockerfile:2"],
                fixed={"Dockerfile": "FROM python:3.12-slim\nRUN pip install --no-cache-dir -r requirements.txt && "
                                     "uv pip install --no-cache --system x\n"},
                title="autofix: the flag after the install subcommand"),
    )

    def run(self, project: Project):
        for dockerfile in project.dockerfiles:
            env: dict[str, str] = {}
            for stage in dockerfile.shipped_stages():
                for inst in stage.instructions:
                    if inst.keyword == "ENV":
                        env.update((k, v) for k, v, _ in dockerfile.assignments(inst))
                    if inst.keyword != "RUN" or "type=cache" in inst.flags().get("mount", ""):
                        continue
                    commands = dockerfile.commands(inst)
                    cleaned = any("rm" == (c[0].text if c else "") and any(".cache" in w.text for w in c)
                                  for c in commands)
                    for words in commands:
                        texts = [w.text for w in words]
                        found = install_command(texts)
                        if found is None or cleaned:
                            continue
                        installer, at = found
                        # pip accepts unambiguous abbreviations of long options: --no-cache is --no-cache-dir.
                        if installer == "pip" and (any(t in ("--no-cache-dir", "--no-cache") for t in texts)
                                                   or "PIP_NO_CACHE_DIR" in env):
                            continue
                        # uv takes pip's --no-cache-dir as an alias of its --no-cache.
                        if installer == "uv" and ({"--no-cache", "--no-cache-dir", "-n"} & set(texts)
                                                  or "UV_NO_CACHE" in env):
                            continue
                        if installer not in ("pip", "uv"):
                            continue
                        flag = "--no-cache-dir" if installer == "pip" else "--no-cache"
                        span = dockerfile.word_span(words[at])
                        yield self.finding(dockerfile.path, span,
                                           f"`{' '.join(texts[at:at + 3])}` without {flag} keeps its download "
                                           f"cache in the image",
                                           fix=partial(_insert_flag, project, dockerfile.path, span, flag))



def _insert_flag(project: Project, path: str, span: Span, flag: str) -> list[Edit] | None:
    """Insert --no-cache-dir (pip) or --no-cache (uv) right after the install subcommand of the command
    whose installer word is at ``span``."""
    from readycheck.api import Edit

    source = project.file(path)
    if source is None:
        return None
    line = source.index.line_text(span.line)
    rest = line[span.column - 1:]
    for word in ("install", "sync"):
        at = rest.find(f" {word}")
        if at >= 0 and (at + 1 + len(word) == len(rest) or rest[at + 1 + len(word)] in " \t\\"):
            offset = source.index.offset(span.line, span.column) + at + 1 + len(word)
            return [Edit(source.path, offset, offset, f" {flag}")]
    return None
