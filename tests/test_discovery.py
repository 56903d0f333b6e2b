"""Which files are scanned: .gitignore, skipped folders, symlinks, classification."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings, strategies as st

from helpers import scan_tree, write_tree
from readycheck.engine.discovery import discover
from readycheck.core.sourcefile import FileKind, classify


def paths(root):
    return [f.path for f in discover(root)]


def test_gitignore_nested_and_negated_outside_git(tmp_path):
    write_tree(tmp_path, {
        ".gitignore": "generated/\n*.log\n",
        "generated/Dockerfile": "FROM x\n",
        "a.log": "",
        "svc/.gitignore": "local-*.txt\n!local-keep.txt\n",
        "svc/local-1.txt": "", "svc/local-keep.txt": "", "svc/Dockerfile": "FROM x\n",
    })
    assert paths(tmp_path) == [".gitignore", "svc/.gitignore", "svc/Dockerfile", "svc/local-keep.txt"]


def test_skips_virtualenvs_node_modules_and_caches(tmp_path):
    write_tree(tmp_path, {
        "env/pyvenv.cfg": "home = /usr\n", "env/lib/x.py": "",
        ".venv/lib/y.py": "", "node_modules/z/Dockerfile": "", "build/lib/a.py": "",
        "pkg.egg-info/PKG-INFO": "", "__pycache__/m.pyc": "", "app/main.py": "",
    })
    assert paths(tmp_path) == ["app/main.py"]


def test_extend_exclude(tmp_path):
    write_tree(tmp_path, {"legacy/Dockerfile": "", "app/Dockerfile": ""})
    assert [f.path for f in discover(tmp_path, ["legacy/"])] == ["app/Dockerfile"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinks_are_never_followed(tmp_path):
    write_tree(tmp_path, {"app/Dockerfile": "FROM python:3.12-slim\nUSER app\n"})
    (tmp_path / "passwd-requirements.txt").symlink_to("/etc/passwd")
    (tmp_path / "Dockerfile").symlink_to("/etc/passwd")
    (tmp_path / "loop").symlink_to(tmp_path)
    (tmp_path / "app" / "up").symlink_to("..")
    assert paths(tmp_path) == ["app/Dockerfile"]
    result = scan_tree(tmp_path)
    assert result.findings == [] and result.diagnostics == []


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_a_linked_gitignore_is_not_read(tmp_path):
    outside = tmp_path / "outside"
    write_tree(outside, {"rules": "*\n"})
    root = write_tree(tmp_path / "repo", {"app/Dockerfile": "FROM python:3.12-slim\n"})
    (root / ".gitignore").symlink_to(outside / "rules")  # would ignore everything if followed
    assert paths(root) == ["app/Dockerfile"]


@pytest.mark.parametrize("path,kind", [
    ("Dockerfile", FileKind.DOCKERFILE), ("docker/Dockerfile.prod", FileKind.DOCKERFILE),
    ("readycheck/parsers/dockerfile.py", FileKind.PYTHON), ("docs/Dockerfile.md", FileKind.OTHER),
    ("Dockerfile.dockerignore", FileKind.DOCKERIGNORE), ("Procfile.dev", FileKind.PROCFILE),
    ("Procfile.sh", FileKind.SHELL),
    ("api.dockerfile", FileKind.DOCKERFILE), ("Containerfile", FileKind.DOCKERFILE),
    ("docker-compose.yml", FileKind.COMPOSE), ("compose.override.yaml", FileKind.COMPOSE),
    ("docker-compose.dev.yml", FileKind.COMPOSE), ("Procfile", FileKind.PROCFILE), ("fly.toml", FileKind.FLY),
    ("render.yaml", FileKind.RENDER), ("railway.json", FileKind.RAILWAY), ("app.yaml", FileKind.APP_YAML),
    ("k8s/deployment.yaml", FileKind.YAML), ("gunicorn.conf.py", FileKind.GUNICORN_CONF),
    ("gunicorn_conf.py", FileKind.GUNICORN_CONF), ("scripts/start.sh", FileKind.SHELL),
    ("requirements.txt", FileKind.REQUIREMENTS), ("requirements-dev.txt", FileKind.REQUIREMENTS),
    ("requirements/prod.txt", FileKind.REQUIREMENTS), ("requirements.in", FileKind.REQUIREMENTS),
    ("pyproject.toml", FileKind.PYPROJECT), ("uv.lock", FileKind.LOCKFILE), ("poetry.lock", FileKind.LOCKFILE),
    ("pdm.lock", FileKind.LOCKFILE), ("Pipfile.lock", FileKind.LOCKFILE), ("Pipfile", FileKind.PIPFILE),
    ("app/main.py", FileKind.PYTHON), ("README.md", FileKind.OTHER), (".dockerignore", FileKind.DOCKERIGNORE),
])
def test_classification(path, kind):
    assert classify(path) is kind


@given(st.lists(st.sampled_from(["a", "b", "build", "x.pyc", "keep.pyc", "docs", "node", "Dockerfile", "c.py"]),
                min_size=1, max_size=4), st.booleans())
@settings(max_examples=300, deadline=None)
def test_one_regex_prefilter_decides_as_pathspec_does(parts, is_dir):
    import pathspec

    from readycheck.engine.discovery import _Ignore, _ignored

    lines = ["*.pyc", "!keep.pyc", "build/", "/docs/**/b", "a/**/c.py", "node*", "!b/node", "# comment", "x.pyc/"]
    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    rule = _Ignore.of("", spec)
    assert rule.any_pattern is not None
    path = "/".join(parts)
    expected = spec.check_file(path + "/" if is_dir else path).include
    assert _ignored(path, is_dir, [rule]) == (expected if expected is not None else False)


@pytest.mark.skipif(not hasattr(os, "O_NOFOLLOW"), reason="needs O_NOFOLLOW")
def test_a_file_swapped_for_a_symlink_after_discovery_is_not_read_through(tmp_path):
    from readycheck.core.sourcefile import UnreadableFile

    root = write_tree(tmp_path, {"requirements.txt": "fastapi==0.115.0\n"})
    [source] = discover(root)
    (root / "requirements.txt").unlink()
    (root / "requirements.txt").symlink_to("/etc/passwd")
    with pytest.raises(UnreadableFile):
        source.data


def test_a_gitignore_pattern_git_cannot_read_matches_nothing(tmp_path):
    # "[z-a]" is not a range and "!" negates nothing: git ignores such lines and keeps the
    # others. pathspec raises on them, which once ended the scan before it began.
    write_tree(tmp_path, {".gitignore": "[z-a]\n!\n\\\nskip/\n*.log\n", "keep/Dockerfile": "FROM python:3.12\n",
                          "skip/Dockerfile": "FROM python:3.12\n", "app.log": "x\n",
                          "sub/.gitignore": "[\n[b-a]*\nlocal.txt\n", "sub/local.txt": "x\n", "sub/kept.txt": "x\n"})
    assert [f.path for f in discover(tmp_path)] == [".gitignore", "keep/Dockerfile", "sub/.gitignore", "sub/kept.txt"]
