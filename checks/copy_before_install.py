"""RC106 copy-before-install: the whole build context is copied before dependencies are installed.

What it does
    Flags a ``COPY``/``ADD`` of the whole context (``.``, ``./``, ``*``) that comes,
    in the same stage, before the command installing the dependencies
    (``pip install -r``, ``pip install .``, ``uv sync``, ``poetry install``,
    ``pipenv install``, ``pdm install``). Copying the dependency files first and
    the code after is fine, and so is ``pip install --no-deps .`` after the code.

Why is this bad
    Docker reuses a layer only when everything before it is unchanged. With the
    code copied first, every one-line code change invalidates the install layer:
    every build downloads and installs every dependency again.

Example
    COPY . /app
    RUN pip install --no-cache-dir -r requirements.txt

Use instead
    COPY requirements.txt /app/
    RUN pip install --no-cache-dir -r /app/requirements.txt
    COPY . /app
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Severity, install_command

if TYPE_CHECKING:
    from readycheck.api import Project

WHOLE_CONTEXT = {".", "./", "*", "./*", ".*"}


class CopyBeforeInstall(Check):
    id = "RC106"
    name = "copy-before-install"
    severity = Severity.WARNING
    summary = "The whole build context is copied before the dependencies are installed"
    fix = ("Copy only the dependency files (requirements.txt, pyproject.toml + lockfile) first, install, then "
           "`COPY . .`.")
    tags = ("dockerfile", "performance")
    examples = (
        Example({"Dockerfile": """
            FROM python:3.12-slim AS runtime
            WORKDIR /app
            COPY requirements.txt .
            RUN pip install --no-cache-dir -r requirements.txt
            COPY . .
            CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]

            FROM python:3.12-slim AS ci
            COPY . .
            RUN pip install --no-cache-dir -r requirements.txt pytest
            """, "Makefile": "check:\n\tdocker build --target ci -t app-ci .\n"},
            expect=["Dockerfile:9:1:info COPY of the whole context (line 9) comes before `pip install --no-cache-dir "
                    "-r` (line 10): every code change reinstalls every dependency (development: stage ci, built "
                    "only by Makefile)"],
            title="a stage only `make check` builds, which starts nothing: a developer's image (info)"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            WORKDIR /app
            COPY . .
            RUN pip install --no-cache-dir -r requirements.txt
            """}, expect=['Dockerfile:3:1 COPY of the whole context (line 3) comes before `pip install --no-cache-dir -r` (line 4): every code change reinstalls every dependency'], title="code before requirements"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            ADD ./ /app
            RUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen
            """}, expect=["Dockerfile:2"], title="uv sync after the whole context"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            WORKDIR /app
            COPY pyproject.toml uv.lock ./
            RUN uv sync --frozen --no-install-project
            COPY . .
            RUN uv sync --frozen
            RUN pip install --no-cache-dir --no-deps .
            """}, title="dependencies first, then the code and the project itself"),
    )

    def run(self, project: Project):
        for dockerfile in project.dockerfiles:
            for stage in dockerfile.stages:
                environment = dockerfile.stage_environment(stage)  # a developer's stage: info
                whole_copy = None
                installed_before = False
                for inst in stage.instructions:
                    if inst.keyword in ("COPY", "ADD") and "from" not in inst.flags():
                        sources = (inst.exec_form() or inst.arguments())[:-1]
                        if whole_copy is None and any(src in WHOLE_CONTEXT for src in sources):
                            whole_copy = inst
                    elif inst.keyword == "RUN":
                        for words in dockerfile.commands(inst):
                            texts = [w.text for w in words]
                            if install_command(texts) is None:
                                continue
                            if whole_copy is None:
                                installed_before = True
                            elif not installed_before and "--no-deps" not in texts:
                                yield self.finding(
                                    dockerfile.path, dockerfile.span_of(whole_copy),
                                    f"{whole_copy.keyword} of the whole context (line {whole_copy.line}) comes before "
                                    f"`{' '.join(texts[:4])}` (line {dockerfile.word_span(words[0]).line}): every code "
                                    f"change reinstalls every dependency{environment.note}",
                                    severity=None if environment.production else Severity.INFO)
                                whole_copy = None
                                installed_before = True
