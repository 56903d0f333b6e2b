"""RC103 unpinned-base-image: FROM an image without a tag, or with ``latest``.

What it does
    Resolves ``ARG`` defaults in ``FROM`` (``FROM python:${PY}``) and flags a
    base image with no tag or the ``latest`` tag, in every stage (a builder
    stage builds the shipped files). ``FROM scratch``, ``FROM <earlier stage>``
    and references the build cannot resolve (an ARG with no default) are not
    judged. With the option ``require-digest = true`` (strict mode) every base
    image must also be pinned by ``@sha256:`` digest.

Why is this bad
    ``latest`` (or no tag, which means latest) changes under you: the next
    build can bring a new Python major version or a new Debian release, and
    the image that passed tests is not the image that ships.

Example
    FROM python
    FROM python:latest

Use instead
    FROM python:3.12-slim-bookworm
    FROM python:3.12-slim-bookworm@sha256:...   # strict mode
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Severity, parse_image_ref

if TYPE_CHECKING:
    from readycheck.api import Project


class UnpinnedBaseImage(Check):
    id = "RC103"
    name = "unpinned-base-image"
    severity = Severity.WARNING
    summary = "A base image has no tag or the latest tag"
    fix = "Pin the base image to a specific tag (python:3.12-slim-bookworm), and by digest where builds must be reproducible."
    tags = ("dockerfile", "reproducibility")
    precision = "very-high"
    default_options = {"require-digest": False}
    references = ("https://github.com/hadolint/hadolint/wiki/DL3006", "https://github.com/hadolint/hadolint/wiki/DL3007")
    examples = (
        Example({"Dockerfile": """
            FROM python AS builder
            RUN pip wheel -w /w fastapi
            FROM python:latest
            COPY --from=builder /w /w
            COPY --from=ghcr.io/astral-sh/uv:latest /uv /uvx /bin/
            """}, expect=['Dockerfile:1:6 FROM python uses no tag (latest): every build may get a different image', "Dockerfile:3", "Dockerfile:5"], title="no tag, latest, COPY --from an image at latest"),
        Example({"Dockerfile": """
            ARG BASE=python:latest
            FROM ${BASE}
            """}, expect=["Dockerfile:2"], title="latest through an ARG default"),
        Example({"Dockerfile": """
            ARG PY=3.12
            FROM python:${PY}-slim AS base
            FROM base
            FROM scratch
            FROM ghcr.io/astral-sh/uv:0.5.11
            COPY --from=ghcr.io/astral-sh/uv:0.5.11 /uv /bin/
            COPY --from=base /app /app
            """}, title="tags, an ARG default, an earlier stage, scratch, COPY --from a tagged image"),
        Example({"Dockerfile": "FROM python:3.12-slim\n"}, options={"require-digest": True},
                expect=["Dockerfile:1"], title="strict mode wants a digest"),
        Example({"Dockerfile": "FROM python:3.12-slim@sha256:" + "a" * 64 + "\n"},
                options={"require-digest": True}, title="strict mode with a digest"),
    )

    def run(self, project: Project):
        for dockerfile in project.dockerfiles:
            names = set()
            for stage in dockerfile.stages:
                environment = dockerfile.stage_environment(stage)  # a developer's stage: info
                severity = None if environment.production else Severity.INFO
                image = stage.resolved_image
                if stage.name:
                    names.add(stage.name)
                if not image or image == "scratch" or stage.image in names or image in names or "$" in image:
                    continue
                ref = stage.image_ref
                tag, digest = ref.tag, ref.digest
                span = dockerfile.span_of(stage.from_instruction, stage.image)
                if digest is None and (tag is None or tag == "latest"):
                    what = "no tag (latest)" if tag is None else "the latest tag"
                    yield self.finding(dockerfile.path, span, f"FROM {image} uses {what}: every build may get a different "
                                                              f"image{environment.note}", severity=severity)
                elif digest is None and self.options["require-digest"]:
                    yield self.finding(dockerfile.path, span, f"FROM {image} is not pinned by digest (require-digest)"
                                                              f"{environment.note}", severity=severity)
            # COPY --from=<image> pulls that image at build time just like FROM does.
            for stage in dockerfile.stages:
                for inst in stage.all("COPY"):
                    image = inst.flags().get("from", "")
                    if not image or image in names or image.isdigit() or "$" in image or "/" not in image and \
                            ":" not in image:
                        continue
                    ref = parse_image_ref(image)
                    tag, digest = ref.tag, ref.digest
                    if digest is None and (tag is None or tag == "latest"):
                        what = "no tag (latest)" if tag is None else "the latest tag"
                        yield self.finding(dockerfile.path, dockerfile.span_of(inst, image),
                                           f"COPY --from={image} uses {what}: every build may copy different files")
