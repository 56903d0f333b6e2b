"""The GitHub Action's steps, as one script that can be tested offline.

    python action/ci.py prepare   # where readycheck's environment and caches live; upload or not
    python action/ci.py install   # create the isolated environment (when the cache missed)
    python action/ci.py scan      # run readycheck, record its exit code

Every value comes from the environment (the action's inputs as ``INPUT_*``-like
``RC_*`` variables, and GitHub's ``GITHUB_*`` files); nothing is interpolated
into a shell. Results go to ``$GITHUB_OUTPUT`` (``name=value`` lines) and
notices to stdout as workflow commands.

Why the upload is decided here: GitHub gives a read-only token to pull requests
from forks and to Dependabot's pull requests, so uploading SARIF there fails and,
unguarded, turns the job red for a reason that has nothing to do with the code.
Private repositories without code scanning also refuse the upload; that cannot
be seen in advance, so the action's upload step also continues on error.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

#: The distribution on PyPI. The command, the import package and the docs are ``readycheck``.
DISTRIBUTION = "readycheck-cli"
ACTION_DIR = Path(__file__).resolve().parent.parent


def _output(**values: str) -> None:
    path = os.environ.get("GITHUB_OUTPUT")
    lines = "".join(f"{name}={value}\n" for name, value in values.items())
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(lines)
    else:
        sys.stdout.write(lines)


def _command_text(text: str) -> str:
    """Text made safe as the data of a workflow command (no line break can start another command)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _notice(message: str) -> None:
    print(f"::notice title=readycheck::{_command_text(message)}")


def _event() -> dict:
    path = os.environ.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            event = json.load(handle)
    except (OSError, ValueError, RecursionError):
        return {}
    return event if isinstance(event, dict) else {}


def _get(data: object, *keys: str) -> object:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def upload_decision(event_name: str, event: dict, actor: str) -> tuple[bool, str]:
    """(upload SARIF?, why not) from the event that started the workflow."""
    if event_name in ("pull_request", "pull_request_review", "pull_request_review_comment"):
        head = _get(event, "pull_request", "head", "repo", "full_name")
        base = _get(event, "pull_request", "base", "repo", "full_name")
        if head is None or head != base:
            return False, ("this pull request comes from a fork, whose token cannot write code scanning "
                           "alerts; findings are in the annotations and the job summary")
    if actor in ("dependabot[bot]", "dependabot-preview[bot]") and event_name.startswith("pull_request"):
        return False, ("Dependabot's pull requests get a read-only token; findings are in the annotations "
                       "and the job summary")
    return True, ""


def pull_request_base(event_name: str, event: dict) -> str:
    """The commit a pull request is merged into: what changed since it is what the pull request adds."""
    if not event_name.startswith("pull_request"):
        return ""
    sha = _get(event, "pull_request", "base", "sha")
    return sha if isinstance(sha, str) and all(c in "0123456789abcdef" for c in sha) and len(sha) == 40 else ""


def install_spec(version: str) -> str:
    version = version.strip()
    if version:
        if not all(c.isalnum() or c in ".-+!" for c in version):
            raise SystemExit(f"readycheck: the version input {version!r} is not a version number")
        return f"{DISTRIBUTION}=={version}"
    return str(ACTION_DIR)


def _action_fingerprint() -> str:
    """A digest of the action's own copy of readycheck, so an edited copy gets a new environment."""
    digest = hashlib.sha256()
    for path in sorted([ACTION_DIR / "pyproject.toml", *(ACTION_DIR / "readycheck").rglob("*.py"),
                        *(ACTION_DIR / "checks").glob("*.py")]):
        if path.is_file():
            digest.update(path.relative_to(ACTION_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def prepare() -> int:
    temp = Path(os.environ.get("RUNNER_TEMP") or "/tmp")
    version = os.environ.get("RC_VERSION", "")
    spec = install_spec(version)
    python_version = os.environ.get("RC_PYTHON_VERSION", "")
    runner_os = os.environ.get("RUNNER_OS", "Linux")
    flavour = version.strip() or _action_fingerprint()
    event_name = os.environ.get("GITHUB_EVENT_NAME", "")
    event = _event()
    upload, why = upload_decision(event_name, event, os.environ.get("GITHUB_ACTOR", ""))
    wanted = os.environ.get("RC_UPLOAD", "true").strip().lower() == "true"
    if wanted and not upload:
        _notice(f"SARIF is not uploaded: {why}.")
    _output(**{
        "venv": str(temp / "readycheck-venv"),
        "venv-key": f"readycheck-venv-{runner_os}-py{python_version}-{flavour}",
        "home": str(temp / "readycheck-home"),
        "cache-dir": str(temp / "readycheck-cache"),
        "cache-key": f"readycheck-scan-{runner_os}-{flavour}-{os.environ.get('GITHUB_SHA', 'none')}",
        "cache-restore-key": f"readycheck-scan-{runner_os}-{flavour}-",
        "spec": spec,
        "upload": "true" if wanted and upload else "false",
        "base": pull_request_base(event_name, event),
    })
    return 0


def install() -> int:
    """A virtual environment of readycheck's own, outside the user's interpreter and PATH."""
    python = os.environ.get("RC_PYTHON") or sys.executable
    venv = Path(os.environ["RC_VENV"])
    spec = os.environ["RC_SPEC"]
    # -I: the current folder is the checkout, and "python -m venv"/"-m pip" would import a committed
    # venv/ or pip/ package from it before the real one (see README, Robustness and security).
    subprocess.run([python, "-I", "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-I", "-m", "pip", "install", "--disable-pip-version-check",
                    "--quiet", spec], check=True)
    return 0


def scan_command() -> list[str]:
    """readycheck's command line. ``args`` is split as a shell splits words, but never globbed or expanded:
    a ``*`` in it stays a ``*`` whatever files the checkout holds. The console script runs, never
    ``python -m readycheck``, which would import a ``readycheck/`` folder of the checkout."""
    venv = Path(os.environ["RC_VENV"])
    command = [str(venv / "bin" / "readycheck"), os.environ.get("RC_PATH") or ".", "--format", "sarif",
               "--output", os.environ.get("RC_SARIF") or "readycheck.sarif", "--github-annotations",
               "--category", os.environ.get("RC_CATEGORY", ""), "--fail-on", os.environ.get("RC_FAIL_ON") or "warning",
               "--cache-dir", os.environ["RC_CACHE_DIR"]]
    since = os.environ.get("RC_SINCE") or os.environ.get("RC_BASE")  # the migration rules judge what changed
    if since:
        command += ["--since", since]
    try:
        command += shlex.split(os.environ.get("RC_ARGS", ""))
    except ValueError as exc:
        raise SystemExit(f"readycheck: the args input cannot be split into words: {exc}") from None
    return command


def scan() -> int:
    env = dict(os.environ)
    env["XDG_CACHE_HOME"] = os.environ["RC_HOME"]  # the cache's signing key, kept with the cached scan
    try:
        command = scan_command()
    except SystemExit as exc:
        print(f"::error title=readycheck::{_command_text(str(exc))}")
        _output(**{"exit-code": "2"})
        return 0
    code = subprocess.run(command, env=env).returncode
    _output(**{"exit-code": str(code)})
    return 0


def main(argv: list[str]) -> int:
    steps = {"prepare": prepare, "install": install, "scan": scan}
    if len(argv) != 1 or argv[0] not in steps:
        print(f"usage: ci.py {'|'.join(steps)}", file=sys.stderr)
        return 2
    return steps[argv[0]]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
