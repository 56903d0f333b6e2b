"""RC108 add-instead-of-copy: ADD used to copy plain local files.

What it does
    Flags ``ADD`` whose sources are all local files or folders that are not
    archives. ``ADD`` of a URL, a git repository, or a local tar archive (which
    ADD unpacks) is what ADD is for, and is not flagged.

Why is this bad
    ADD does more than copy: it unpacks local archives and fetches URLs. Used
    for plain files it hides that behaviour from readers, and a file renamed
    to ``.tar.gz`` later is silently extracted into the image.

Example
    ADD . /app

Use instead
    COPY . /app
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Severity

if TYPE_CHECKING:
    from readycheck.api import Project

ARCHIVES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst")


class AddInsteadOfCopy(Check):
    id = "RC108"
    name = "add-instead-of-copy"
    severity = Severity.INFO
    summary = "ADD is used where COPY would do"
    fix = "Use COPY for local files and folders; keep ADD for archives to unpack and remote sources."
    tags = ("dockerfile",)
    precision = "very-high"
    references = ("https://github.com/hadolint/hadolint/wiki/DL3020",)
    examples = (
        Example({"Dockerfile": "FROM python:3.12-slim\nADD requirements.txt app/ /srv/\n"}, expect=['Dockerfile:2:1 ADD requirements.txt app/ copies plain local files: use COPY'],
                title="plain files"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            ADD https://example.com/tool.tar.gz /opt/
            ADD vendor/wheels.tar.gz /wheels/
            ADD git@github.com:example/repo.git /src
            COPY . /app
            """}, title="URL, local archive, git, COPY"),
    )

    def run(self, project: Project):
        for dockerfile in project.dockerfiles:
            for stage in dockerfile.stages:
                environment = dockerfile.stage_environment(stage)  # a developer's stage: info
                for inst in stage.all("ADD"):
                    parts = inst.exec_form() or inst.arguments()
                    sources = parts[:-1]
                    if not sources or any("://" in s or s.startswith("git@") or s.endswith(ARCHIVES) for s in sources):
                        continue
                    yield self.finding(dockerfile.path, dockerfile.span_of(inst),
                                       f"ADD {' '.join(sources)} copies plain local files: use COPY{environment.note}",
                                       severity=None if environment.production else Severity.INFO)
