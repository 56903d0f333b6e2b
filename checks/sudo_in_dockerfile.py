"""RC102 sudo-in-dockerfile: a RUN uses sudo.

What it does
    Flags ``sudo`` in a RUN instruction of any stage (also inside heredoc
    scripts), and a shipped stage that installs the sudo package.

Why is this bad
    Build steps already run as the current USER; sudo adds a setuid binary with
    its own configuration and TTY quirks, and sudo installed in the final image
    lets any process that runs as the app user become root again.

Example
    USER app
    RUN sudo apt-get update

Use instead
    RUN apt-get update          # before USER app, as root
    USER app
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Severity

if TYPE_CHECKING:
    from readycheck.api import Project


class SudoInDockerfile(Check):
    id = "RC102"
    name = "sudo-in-dockerfile"
    severity = Severity.WARNING
    summary = "A Dockerfile RUN uses sudo or installs it into the image"
    fix = "Run privileged steps before `USER app` (as root) instead of through sudo, and do not install sudo."
    tags = ("security", "dockerfile")
    precision = "very-high"
    references = ("https://github.com/hadolint/hadolint/wiki/DL3004",)
    examples = (
        Example({"Dockerfile": """
            FROM python:3.12-slim
            RUN useradd app
            USER app
            RUN sudo pip install flask
            """}, expect=['Dockerfile:4:5 RUN uses sudo: `sudo pip install flask`'], title="sudo in RUN"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            RUN apt-get update && apt-get install -y --no-install-recommends sudo && rm -rf /var/lib/apt/lists/*
            USER app
            """}, expect=["Dockerfile:2"], title="sudo installed in the final image"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            # no sudo: privileged steps run before USER
            RUN apt-get update && apt-get install -y --no-install-recommends curl && echo sudo-less
            USER app
            """}, title="no sudo (the word in a comment or argument is not a command)"),
    )

    def run(self, project: Project):
        for dockerfile in project.dockerfiles:
            shipped = {s.index for s in dockerfile.shipped_stages()}
            for stage in dockerfile.stages:
                environment = dockerfile.stage_environment(stage)  # a developer's stage: info
                for inst in stage.all("RUN"):
                    for words in dockerfile.commands(inst):
                        texts = [w.text for w in words]
                        if texts and texts[0].rsplit("/", 1)[-1] == "sudo":
                            yield self.finding(dockerfile.path, dockerfile.word_span(words[0]),
                                               f"RUN uses sudo: `{' '.join(texts[:4])}`{environment.note}",
                                               severity=None if environment.production else Severity.INFO)
                        elif stage.index in shipped and any(t in ("install", "add") for t in texts[1:3]) \
                                and "sudo" in texts and texts[0].rsplit("/", 1)[-1] in ("apt-get", "apt", "apk", "yum", "dnf"):
                            word = words[texts.index("sudo")]
                            yield self.finding(dockerfile.path, dockerfile.word_span(word),
                                               "the final image installs sudo")
