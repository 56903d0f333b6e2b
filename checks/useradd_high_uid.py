"""RC114 useradd-high-uid: ``useradd`` with a high UID and without ``-l``.

What it does
    Flags ``useradd -u N`` (``--uid N``) with N above 99999 when neither ``-l``
    nor ``--no-log-init`` is given.

Why is this bad
    useradd records the user in /var/log/lastlog and faillog, sparse files sized
    by the UID. Image layers store sparse files in full, so a UID of 1,000,000
    adds hundreds of MB (and can exhaust the build disk).

Example
    RUN useradd -u 1000000 app

Use instead
    RUN useradd --no-log-init -u 1000000 app     # or a UID below 100000
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Severity

if TYPE_CHECKING:
    from readycheck.api import Project


class UseraddHighUid(Check):
    id = "RC114"
    name = "useradd-high-uid"
    severity = Severity.WARNING
    summary = "useradd with a high UID and without -l bloats the image"
    fix = "Pass `-l`/`--no-log-init` to useradd, or use a UID below 100000."
    tags = ("dockerfile", "performance")
    precision = "very-high"
    references = ("https://github.com/hadolint/hadolint/wiki/DL3046",)
    examples = (
        Example({"Dockerfile": "FROM python:3.12-slim\nRUN useradd --uid 1000000 -m app\n"}, expect=['Dockerfile:2:5 useradd with UID 1000000 and without -l writes a lastlog sized by the UID into the layer'],
                title="high UID"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            RUN useradd -l -u 1000000 app && useradd --no-log-init --uid=2000000 other && useradd -u 10001 web
            """}, title="-l, --no-log-init, a normal UID"),
    )

    def run(self, project: Project):
        for dockerfile in project.dockerfiles:
            for stage in dockerfile.stages:
                environment = dockerfile.stage_environment(stage)  # a developer's stage: info
                for inst in stage.all("RUN"):
                    for words in dockerfile.commands(inst):
                        texts = [w.text for w in words]
                        if not texts or texts[0].rsplit("/", 1)[-1] != "useradd":
                            continue
                        if "-l" in texts or "--no-log-init" in texts or any(
                                t.startswith("-") and not t.startswith("--") and "l" in t[1:] and len(t) <= 5 and
                                t[1:].isalpha() for t in texts[1:]):
                            continue
                        uid = None
                        for i, text in enumerate(texts):
                            if text in ("-u", "--uid") and i + 1 < len(texts):
                                uid = texts[i + 1]
                            elif text.startswith("--uid="):
                                uid = text.split("=", 1)[1]
                        if uid is not None and uid.isdigit() and int(uid) > 99999:
                            yield self.finding(dockerfile.path, dockerfile.word_span(words[0]),
                                               f"useradd with UID {uid} and without -l writes a lastlog sized by the UID "
                                               f"into the layer{environment.note}",
                                               severity=None if environment.production else Severity.INFO)
