"""RC109 apt-get-hygiene: apt-get installs recommended packages or leaves its lists in the image.

What it does
    In the stages that end up in the final image, flags ``apt-get install``
    without ``--no-install-recommends``, and a RUN that installs with apt-get
    but does not remove ``/var/lib/apt/lists`` in the same RUN. A BuildKit
    cache mount on ``/var/lib/apt`` or ``/var/cache/apt`` counts as clean.

Why is this bad
    Recommended packages pull in tens to hundreds of MB nobody asked for; the
    package lists left in a layer add tens of MB more and go stale. Both ship
    in every pull, and every extra package is more for scanners to report.

Example
    RUN apt-get update && apt-get install -y libpq5

Use instead
    RUN apt-get update \\
        && apt-get install -y --no-install-recommends libpq5 \\
        && rm -rf /var/lib/apt/lists/*
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Severity

if TYPE_CHECKING:
    from readycheck.api import Project


class AptGetHygiene(Check):
    id = "RC109"
    name = "apt-get-hygiene"
    severity = Severity.INFO
    summary = "apt-get installs recommended packages or keeps its package lists in the image"
    fix = ("Use `apt-get install -y --no-install-recommends ...` and end the same RUN with "
           "`rm -rf /var/lib/apt/lists/*`.")
    tags = ("dockerfile", "performance")
    references = ("https://github.com/hadolint/hadolint/wiki/DL3015", "https://github.com/hadolint/hadolint/wiki/DL3009")
    examples = (
        Example({"Dockerfile": """
            FROM python:3.12-slim
            RUN apt-get update && apt-get install -y \\
                libpq5 curl
            """}, expect=['Dockerfile:2:23 apt-get install without --no-install-recommends', "Dockerfile:2"], title="both problems"),
        Example({"Dockerfile": """
            FROM python:3.12 AS builder
            RUN apt-get update && apt-get install -y build-essential
            FROM python:3.12-slim
            RUN apt-get update \\
                && apt-get install -y --no-install-recommends libpq5 \\
                && rm -rf /var/lib/apt/lists/*
            RUN --mount=type=cache,target=/var/lib/apt,sharing=locked apt-get update && \\
                apt-get install -y --no-install-recommends curl
            """}, title="builder stage, clean install, cache mount"),
    )

    def run(self, project: Project):
        for dockerfile in project.dockerfiles:
            for stage in dockerfile.shipped_stages():
                for inst in stage.all("RUN"):
                    commands = dockerfile.commands(inst)
                    installs = [w for w in commands if len(w) > 1 and w[0].text.rsplit("/", 1)[-1] in ("apt-get", "apt")
                                and "install" in [x.text for x in w[1:3]]]
                    if not installs:
                        continue
                    for words in installs:
                        texts = [w.text for w in words]
                        if "--no-install-recommends" not in texts and "--no-install-recommends=true" not in texts:
                            yield self.finding(dockerfile.path, dockerfile.word_span(words[0]),
                                               "apt-get install without --no-install-recommends")
                    mount = inst.flags().get("mount", "")
                    cleaned = any(c and c[0].text == "rm" and any("/var/lib/apt/lists" in w.text for w in c)
                                  for c in commands) or ("type=cache" in mount and "/var/lib/apt" in mount)
                    if not cleaned:
                        yield self.finding(dockerfile.path, dockerfile.word_span(installs[0][0]),
                                           "apt-get install without `rm -rf /var/lib/apt/lists/*` in the same RUN: "
                                           "the package lists stay in the layer")
