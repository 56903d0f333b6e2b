"""RC001 unused-suppression: a ``# readycheck: ignore[...]`` comment that silences nothing.

What it does
    Reports each code of a suppression comment (a rule id, a family such as
    ``RC2``, a rule name, or a bare ``# readycheck: ignore``) that silenced no
    finding in this scan, like ruff's RUF100. Only codes of rules that ran are
    judged: a comment for a rule left out by ``--select``/``ignore`` is not
    reported. Opt-in: it runs only when selected by id, family or name
    (``--select RC001`` or ``select = ["ALL", "RC001"]``); "ALL" alone does not
    select it.

Why is this bad
    A suppression outlives the finding it was written for: the ``--reload``
    was removed, the Dockerfile got a ``USER``. The stale comment then hides
    the next real finding on that line, silently, and readers believe a
    problem is still there. Removing unused suppressions keeps every one of
    them meaningful.

Example
    FROM python:3.12-slim
    RUN useradd --create-home app
    USER app
    # readycheck: ignore[RC101]
    CMD ["gunicorn", "app:app"]

Use instead
    FROM python:3.12-slim
    RUN useradd --create-home app
    USER app
    CMD ["gunicorn", "app:app"]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Severity

if TYPE_CHECKING:
    from readycheck.api import Project


class UnusedSuppression(Check):
    id = "RC001"
    name = "unused-suppression"
    severity = Severity.INFO
    precision = "very-high"  # a comment that matched no finding of a rule that ran is a plain fact
    opt_in = True
    judges_suppressions = True
    development_files_are_info = False
    summary = "A `# readycheck: ignore` comment (or one of its codes) silences no finding"
    fix = "Remove the comment, or the codes of it that no longer silence anything."
    tags = ("suppressions",)
    examples = (
        Example({"Dockerfile": """
            FROM python:3.12-slim
            RUN useradd --create-home app
            USER app
            # readycheck: ignore[RC101]
            CMD ["gunicorn", "app:app"]
            """}, expect=["Dockerfile:4"], also_select=["RC101"],
            title="the image got a USER; the suppression stayed"),
        Example({"Dockerfile": """
            # readycheck: ignore[root-user, RC201]
            FROM python:3.12-slim
            CMD ["gunicorn", "app:app"]
            """}, expect=["Dockerfile:1:1 # readycheck: ignore[root-user, RC201] silences nothing here (`RC201` "
                          "matches no finding on its line)"], also_select=["RC101", "RC201"],
            title="one of two codes (RC201) silences nothing; a rule name works as a code"),
        Example({"Procfile": "web: gunicorn app:app  # readycheck: ignore\n",
                 "requirements.txt": "gunicorn==22.0.0\n"},
                expect=["Procfile:1"], also_select=["RC201"], title="a bare ignore that silences nothing"),
        Example({"Dockerfile": """
            # readycheck: ignore[RC101]
            FROM python:3.12-slim
            CMD ["gunicorn", "app:app"]
            """, "app.py": "x = 1  # readycheck: ignore[RC401]\n"}, also_select=["RC101"],
            title="a used suppression; a code of a rule that did not run (RC401) is not judged"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            RUN useradd --create-home app
            USER app
            # readycheck: ignore[RC101, RC001]
            CMD ["gunicorn", "app:app"]
            """}, also_select=["RC101"], title="RC001 itself suppressed on the comment"),
    )

    def run(self, project: Project):
        for unused in project.unused_suppressions:
            what = f"`{unused.code}`" if unused.code else "a bare ignore"
            yield self.finding(unused.path, unused.span,
                               f"{unused.comment} silences nothing here ({what} matches no finding on its line)")
