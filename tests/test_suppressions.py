"""Inline suppressions in every file type with # comments."""

from __future__ import annotations

import json

from helpers import found, scan_tree, write_tree
from readycheck.cli import main


def test_suppressions_in_each_file_type(tmp_path):
    write_tree(tmp_path, {
        "Dockerfile": """
            # readycheck: ignore[RC101]
            FROM python:3.12-slim
            # Dockerfiles have no trailing comments: suppress on the lines above.
            # readycheck: ignore[RC2]
            CMD ["uvicorn", "app:app", "--reload"]
            """,
        "requirements.txt": "fastapi  # readycheck: ignore[RC301]\nuvicorn\n",
        "Procfile": "web: uvicorn app:app --reload # readycheck: ignore[RC201]\n",
        "docker-compose.yml": """
            services:
              api:
                # readycheck: ignore[RC201]
                command: uvicorn app:app --reload
            """,
        "Procfile.worker": "",
        "start.sh": "#!/bin/sh\n# readycheck: ignore[RC201]\nexec uvicorn app:app --reload\n",
        "docker/Dockerfile": "FROM python:3.12-slim\nUSER app\nCOPY start.sh /start.sh\nCMD [\"/start.sh\"]\n",
        "pyproject.toml": """
            [project]
            name = "svc"
            version = "1"
            dependencies = ["fastapi>=0.1"]  # readycheck: ignore[RC302]
            """,
        "app/main.py": """
            import time
            from fastapi import FastAPI
            app = FastAPI()  # readycheck: ignore[RC501]

            @app.get("/")
            async def index():
                # a comment block
                # readycheck: ignore[RC401]
                time.sleep(1)
                time.sleep(2)
            """,
    })
    result = scan_tree(tmp_path, select=["RC101", "RC201", "RC301", "RC302", "RC401", "RC501"])
    assert found(result) == {("RC301", "requirements.txt", 2), ("RC401", "app/main.py", 10)}
    assert {(f.rule_id, f.path) for f in result.suppressed} == {
        ("RC101", "Dockerfile"), ("RC201", "Dockerfile"), ("RC301", "requirements.txt"), ("RC201", "Procfile"),
        ("RC201", "docker-compose.yml"), ("RC501", "app/main.py"), ("RC401", "app/main.py"),
        ("RC201", "start.sh"), ("RC302", "pyproject.toml")}


def test_wrong_id_does_not_suppress_and_trailing_comment_above_does_not_leak(tmp_path):
    write_tree(tmp_path, {"requirements.txt": "fastapi  # readycheck: ignore[RC101]\nflask  # readycheck: ignore\nuvicorn\n"})
    result = scan_tree(tmp_path)
    # RC101 does not cover RC301; the bare ignore on line 2 covers only line 2.
    assert found(result) == {("RC301", "requirements.txt", 1), ("RC301", "requirements.txt", 3)}


def test_bare_ignore_is_listed_with_show_suppressed(tmp_path, capsys):
    write_tree(tmp_path, {"requirements.txt": "flask  # readycheck: ignore\n"})
    assert main([str(tmp_path)]) == 0
    assert "No findings" in capsys.readouterr().out
    main([str(tmp_path), "--show-suppressed"])
    out = capsys.readouterr().out
    assert "suppressed by # readycheck: ignore" in out
    main([str(tmp_path), "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert document["suppressed"][0]["suppressed_by"] == "# readycheck: ignore"
    assert document["summary"]["suppressed"] == 1


def test_a_python_module_with_lone_carriage_returns_honours_its_comments(tmp_path):
    """A lone CR ends a line of Python (the parser counts it): a suppression comment on the line of a
    finding in such a module silences it, and the report shows that line, as with LF line ends."""
    lines = ["import time", "from fastapi import FastAPI", "", "app = FastAPI()", "", "",
             '@app.get("/a")', "async def a():", "    time.sleep(1)  # readycheck: ignore[RC401]", "", "",
             '@app.get("/b")', "async def b():", "    time.sleep(2)", ""]
    write_tree(tmp_path, {"app/main.py": "\r".join(lines).encode()})
    result = scan_tree(tmp_path, select=["RC401"])
    assert [(f.path, f.span.line) for f in result.findings] == [("app/main.py", 14)]
    assert [(f.path, f.span.line) for f in result.suppressed] == [("app/main.py", 9)]
    source = result.project.file("app/main.py")
    assert source.index.line_text(14) == "    time.sleep(2)"
    assert len(source.line_text) == len(source.text)  # the same offsets
