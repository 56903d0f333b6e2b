"""Mini-repositories for the start-command rules' examples: a console script whose Click command
starts uvicorn, so that RC201 (its ``--reload``) and RC205 (its ``--host`` default) show the same
command line once.

``click_cli_repo()`` gives ``pyproject.toml`` (``[project.scripts] svc = "svc.cli:cli"``) and the
package ``svc``; the ``uvicorn.run`` call is on line 9 of ``svc/cli.py``. ``cli`` replaces that file.

``python_m_app_repo(main)`` gives a Dockerfile running ``python -m app`` and the package ``app`` whose
``app/__main__.py`` is ``main`` (a server started from Python, its options through helpers).
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


def python_m_app_repo(main: str) -> dict[str, str]:
    """A Dockerfile whose CMD is ``python -m app``, and ``app/__main__.py`` being ``main``."""
    return {"Dockerfile": 'FROM python:3.12-slim\nCMD ["python", "-m", "app"]\n', "app/__init__.py": "",
            "app/__main__.py": main}
