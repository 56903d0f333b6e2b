"""RC305 unpinned-pip-install: a Dockerfile RUN installs Python packages by name without an exact version.

What it does
    Flags every package named on a ``pip install`` / ``uv pip install`` /
    ``pipx install`` command line in a RUN (any stage: a builder's packages
    end up in the wheels it ships) that is not pinned to one release with
    ``==``: bare names and ranges alike. hadolint's DL3013 accepts
    ``"fastapi>=0.100"`` as pinned; a range is not a pin, so this check flags it.
    Requirements files (``-r``), local paths, wheels and the tooling itself
    (pip, setuptools, wheel) are not judged here.

Why is this bad
    A package installed by name in a Dockerfile is resolved again at every
    build, outside any lockfile: the image changes when the package releases.

Example
    RUN pip install --no-cache-dir gunicorn "uvicorn>=0.30"

Use instead
    RUN pip install --no-cache-dir gunicorn==23.0.0 uvicorn==0.34.0
    # or put them in the pinned requirements file
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Severity, install_arguments

if TYPE_CHECKING:
    from readycheck.api import Project

INSTALLERS = {("pip", "install"), ("pip3", "install"), ("pipx", "install")}
TOOLING = {"pip", "setuptools", "wheel"}


class UnpinnedPipInstall(Check):
    id = "RC305"
    name = "unpinned-pip-install"
    severity = Severity.WARNING
    summary = "A Dockerfile installs a Python package without an exact version"
    fix = "Pin with `==` on the command line, or move the package into the pinned requirements file or lockfile."
    tags = ("dockerfile", "dependencies", "reproducibility")
    references = ("https://github.com/hadolint/hadolint/wiki/DL3013",)
    examples = (
        Example({"Dockerfile": """
            FROM python:3.12-slim AS runtime
            RUN pip install --no-cache-dir gunicorn==23.0.0
            CMD ["gunicorn", "app:app"]

            FROM python:3.12-slim AS test
            RUN pip install --no-cache-dir pytest
            """, "scripts/test.sh": "docker build --target test -t app-test . && docker run app-test pytest\n"},
            expect=["Dockerfile:6:32:info `pytest` is installed with no version: every build may get another release "
                    "(development: stage test)"],
            title="a test stage nothing ships (info)"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            RUN pip install --no-cache-dir gunicorn "uvicorn>=0.30" && \\
                python -m pip install --no-cache-dir 'httpx~=0.27'
            RUN uv pip install --system poetry
            """}, expect=['Dockerfile:2:32 `gunicorn` is installed with no version: every build may get another release', "Dockerfile:2", "Dockerfile:3", "Dockerfile:4"],
            title="bare names and ranges"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            RUN pip install --no-cache-dir --upgrade pip setuptools wheel
            RUN pip install --no-cache-dir -r requirements.txt -c constraints.txt
            RUN pip install --no-cache-dir gunicorn==23.0.0 /wheels/*.whl . ./libs/shared
            RUN pip install --no-cache-dir -e .
            RUN uv pip install --no-cache --system --python-preference system \\
                  --index https://download.pytorch.org/whl/cpu --index-strategy unsafe-best-match \\
                  --requirements requirements.txt
            """}, title="tooling, requirements files, pins, paths, uv options with values"),
    )

    def run(self, project: Project):
        for dockerfile in project.dockerfiles:
            for stage in dockerfile.stages:
                environment = dockerfile.stage_environment(stage)  # a developer's stage: info
                for inst in stage.all("RUN"):
                    for words in dockerfile.commands(inst):
                        yield from self._command(dockerfile, words, environment)

    def _command(self, dockerfile, words, environment):
        from packaging.requirements import InvalidRequirement, Requirement

        texts = [w.text for w in words]
        start = None
        for i in range(len(texts) - 1):
            program = texts[i].rsplit("/", 1)[-1]
            if (program, texts[i + 1]) in INSTALLERS:
                start = i + 2
            elif program == "uv" and texts[i + 1:i + 3] == ["pip", "install"]:
                start = i + 3
            elif program.startswith("python") and texts[i + 1:i + 4] in (["-m", "pip", "install"], ["-m", "pip3", "install"]):
                start = i + 4
            if start is not None:
                break
        if start is None:
            return
        arguments = words[start:]
        for index in install_arguments([w.text for w in arguments]):
            word = arguments[index]
            text = word.text
            if "/" in text or text == ".." or text.endswith((".whl", ".tar.gz", ".zip")) or "$" in text:
                continue
            try:
                req = Requirement(text)
            except InvalidRequirement:
                continue
            if req.name.lower() in TOOLING or req.url:
                continue
            specs = list(req.specifier)
            if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
                continue
            what = f"a range ({req.specifier})" if specs else "no version"
            yield self.finding(dockerfile.path, dockerfile.word_span(word),
                               f"`{text}` is installed with {what}: every build may get another release"
                               f"{environment.note}", severity=None if environment.production else Severity.INFO)
