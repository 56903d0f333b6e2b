"""hadolint parity: each Python-relevant hadolint rule has a readycheck rule that catches the
same mistake, and the cases where readycheck deliberately judges differently are pinned here.
The table in docs/hadolint.md is the user-facing version of this file."""

from __future__ import annotations

import pytest

from helpers import found, scan_tree, write_tree

# hadolint rule -> (Dockerfile violating it, readycheck rule, line readycheck must flag)
PARITY = {
    "DL3002": ("FROM python:3.12-slim\nUSER app\nUSER root\nCMD [\"gunicorn\", \"app:app\"]\n", "RC101", 3),
    "DL3004": ("FROM python:3.12-slim\nRUN sudo apt-get update\n", "RC102", 2),
    "DL3006": ("FROM python\nCMD [\"python\"]\n", "RC103", 1),
    "DL3007": ("FROM python:latest\nCMD [\"python\"]\n", "RC103", 1),
    "DL3013": ("FROM python:3.12-slim\nRUN pip install --no-cache-dir fastapi\n", "RC305", 2),
    "DL3020": ("FROM python:3.12-slim\nADD app.py /app/\n", "RC108", 2),
    "DL3025": ("FROM python:3.12-slim\nCMD gunicorn app:app --bind 0.0.0.0:8000\n", "RC204", 2),
    "DL3042": ("FROM python:3.12-slim\nRUN pip install gunicorn==23.0.0\n", "RC105", 2),
    "DL3057": ("FROM python:3.12-slim\nCMD [\"gunicorn\", \"app:app\"]\n", "RC113", 2),
    "DL3064": ("FROM python:3.12-slim\nENV API_TOKEN=abc123\n", "RC111", 2),
    "DL4003": ("FROM python:3.12-slim\nCMD [\"a\"]\nCMD [\"gunicorn\", \"app:app\"]\n", "RC110", 2),
    "DL4004": ("FROM python:3.12-slim\nENTRYPOINT [\"a\"]\nENTRYPOINT [\"b\"]\n", "RC110", 2),
}


@pytest.mark.parametrize("hadolint_rule", sorted(PARITY))
def test_readycheck_covers_hadolint_rule(tmp_path, hadolint_rule):
    dockerfile, rule, line = PARITY[hadolint_rule]
    write_tree(tmp_path, {"Dockerfile": dockerfile}, dedent=False)
    assert (rule, "Dockerfile", line) in found(scan_tree(tmp_path, select=[rule]))


def test_parity_table_is_documented():
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "hadolint.md").read_text()
    for hadolint_rule, (_, rule, _) in PARITY.items():
        assert f"| {hadolint_rule} " in doc and rule in doc, hadolint_rule


# ------------------------------------------------------------------ deliberate differences


def test_image_without_any_user_is_flagged(tmp_path):
    """DL3002 only fires on an explicit `USER root`; an image with no USER at all runs as root too."""
    write_tree(tmp_path, {"Dockerfile": "FROM python:3.12-slim\nCMD [\"gunicorn\", \"app:app\"]\n"})
    assert ("RC101", "Dockerfile", 1) in found(scan_tree(tmp_path, select=["RC101"]))


def test_builder_stages_are_not_judged_for_root_cache_or_secrets(tmp_path):
    """hadolint flags every stage; a builder stage's user, pip cache and build args never ship."""
    write_tree(tmp_path, {"Dockerfile": """
        FROM python:3.12 AS builder
        USER root
        ARG PIP_TOKEN
        RUN pip wheel -w /wheels -r requirements.txt && pip install build
        FROM python:3.12-slim
        COPY --from=builder /wheels /wheels
        RUN pip install --no-cache-dir /wheels/*.whl
        USER 10001
        """})
    assert not found(scan_tree(tmp_path, select=["RC101", "RC105", "RC111"]))


def test_a_range_is_not_a_pin(tmp_path):
    """hadolint's DL3013 accepts `fastapi>=0.100` as pinned."""
    write_tree(tmp_path, {"Dockerfile": "FROM python:3.12-slim\nRUN pip install --no-cache-dir \"fastapi>=0.100\"\n"})
    assert ("RC305", "Dockerfile", 2) in found(scan_tree(tmp_path, select=["RC305"]))


def test_healthcheck_elsewhere_counts(tmp_path):
    """DL3057 wants a HEALTHCHECK in every Dockerfile; a Kubernetes probe does the same job."""
    write_tree(tmp_path, {"Dockerfile": "FROM python:3.12-slim\nCMD [\"gunicorn\", \"app:app\"]\n", "k8s.yaml": """
        apiVersion: v1
        kind: Pod
        spec:
          containers:
            - name: api
              readinessProbe: {httpGet: {path: /readyz, port: 8000}}
        """})
    assert not found(scan_tree(tmp_path, select=["RC113"]))


def test_heredoc_does_not_stop_the_file(tmp_path):
    """A heredoc RUN is parsed; the instructions after it are still judged."""
    write_tree(tmp_path, {"Dockerfile": "FROM python:3.12-slim\nRUN <<EOF\npip install flask\nEOF\nUSER root\n"})
    assert found(scan_tree(tmp_path, select=["RC101", "RC105", "RC305"])) == {
        ("RC105", "Dockerfile", 3), ("RC305", "Dockerfile", 3), ("RC101", "Dockerfile", 5)}


def test_run_flags_are_not_words_of_the_command(tmp_path):
    """``RUN --mount=... --network=...`` flags are the instruction's options: the command starts after them,
    a heredoc after them is still a heredoc, and a message quotes the command, not the flags."""
    write_tree(tmp_path, {"Dockerfile": (
        "FROM python:3.12-slim\nCOPY . .\n"
        "RUN --mount=type=secret,id=token \\\n    --network=default pip install -r requirements.txt\n"
        "RUN --mount=type=secret,id=token <<EOF\npip install flask\nEOF\nUSER app\n")})
    result = scan_tree(tmp_path, select=["RC105", "RC106", "RC305"])
    assert found(result) == {("RC105", "Dockerfile", 4), ("RC106", "Dockerfile", 2), ("RC105", "Dockerfile", 6),
                             ("RC305", "Dockerfile", 6)}
    (copy_first,) = [f for f in result.findings if f.rule_id == "RC106"]
    assert "`pip install -r requirements.txt` (line 4)" in copy_first.message
