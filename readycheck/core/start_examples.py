"""Mini-repositories for the start-command rules' examples: a console script whose Click command
starts uvicorn, so that RC201 (its ``--reload``) and RC205 (its ``--host`` default) show the same
command line once; and a FastAPI app on tiangolo's uvicorn-gunicorn image (``tiangolo_repo``), whose
inherited /start.sh the bind, port, worker, reload and migration rules judge.

``click_cli_repo()`` gives ``pyproject.toml`` (``[project.scripts] svc = "svc.cli:cli"``) and the
package ``svc``; the ``uvicorn.run`` call is on line 9 of ``svc/cli.py``. ``cli`` replaces that file.
"""

from __future__ import annotations

CLICK_CLI = """
    import click
    import uvicorn

    @click.group()
    def cli():
        pass

    @cli.command()
    @click.option("--host", default="127.0.0.1")
    @click.option("--reload/--no-reload", default=False)
    def run(host, reload):
        uvicorn.run("svc.web:app", host=host, port=8000, reload=reload, workers=2)
    """
_PYPROJECT = "[project]\nname = 'svc'\nversion = '1'\n[project.scripts]\nsvc = 'svc.cli:cli'\n"


def click_cli_repo(cli: str = CLICK_CLI) -> dict[str, str]:
    """The files of the console-script repository, ``svc/cli.py`` being ``cli``."""
    return {"pyproject.toml": _PYPROJECT, "svc/__init__.py": "", "svc/cli.py": cli}


#: The FROM line of the tiangolo example repository (line 1 of its Dockerfile).
TIANGOLO_FROM = "FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11"


def tiangolo_repo(*lines: str, prestart: str = "") -> dict[str, str]:
    """A FastAPI app on tiangolo's uvicorn-gunicorn image: a Dockerfile of ``TIANGOLO_FROM`` then
    ``lines`` (line 2 on) then ``COPY ./app /app/app`` (so the image's /start.sh serves app.main:app);
    ``prestart``, when given, is the repo's ``prestart.sh``, which a line may copy to /app/prestart.sh."""
    dockerfile = "\n".join((TIANGOLO_FROM, *lines, "COPY ./app /app/app")) + "\n"
    files = {"Dockerfile": dockerfile, "app/__init__.py": "",
             "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n"}
    if prestart:
        files["prestart.sh"] = prestart
    return files
