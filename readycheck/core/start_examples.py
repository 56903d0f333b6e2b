"""Mini-repositories for the start-command rules' examples: a console script whose Click command
starts uvicorn, so that RC201 (its ``--reload``) and RC205 (its ``--host`` default) show the same
command line once; and a FastAPI app on tiangolo's uvicorn-gunicorn image (``tiangolo_repo``), whose
inherited /start.sh the bind, port, worker, reload and migration rules judge; and a Helm chart whose
probes come from its values.yaml (``helm_chart_repo``), for the probe rules; an image whose supervisord
runs two web programs (``supervisord_repo``), each judged on its own.

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


_CHART_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "api.fullname" . }}
spec:
  template:
    spec:
      containers:
        - name: api
          command: ["gunicorn", "app.main:app", "-k", "uvicorn_worker.UvicornWorker", "--bind", "0.0.0.0:8000"]
          livenessProbe:
            {{- toYaml .Values.livenessProbe | nindent 12 }}
          {{- with .Values.readinessProbe }}
          readinessProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
"""


def helm_chart_repo(values: str) -> dict[str, str]:
    """A Helm chart whose Deployment renders its probes from ``values`` (chart/values.yaml): the
    liveness probe by ``toYaml .Values.livenessProbe`` after the key, the readiness probe inside
    ``with .Values.readinessProbe``; the app serves GET /health."""
    return {"chart/Chart.yaml": "apiVersion: v2\nname: api\nversion: 0.1.0\n", "chart/values.yaml": values,
            "chart/templates/deployment.yaml": _CHART_DEPLOYMENT, "app/__init__.py": "",
            "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/health')\ndef health():\n"
                           "    return {}\n"}


def supervisord_repo(api: str, admin: str) -> dict[str, str]:
    """An image whose CMD is supervisord running two programs (supervisord.conf: ``[program:api]``
    with ``command=`` ``api`` on line 5, ``[program:admin]`` with ``command=`` ``admin`` on line 8)."""
    conf = f"[supervisord]\nnodaemon=true\n\n[program:api]\ncommand={api}\n\n[program:admin]\ncommand={admin}\n"
    return {"Dockerfile": "FROM python:3.12-slim\nCOPY supervisord.conf /etc/supervisor/conf.d/app.conf\n"
                          "COPY . /app\nWORKDIR /app\n"
                          'CMD ["supervisord", "-c", "/etc/supervisor/conf.d/app.conf"]\n',
            "supervisord.conf": conf, "app/__init__.py": "",
            "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
            "app/admin.py": "from fastapi import FastAPI\napp = FastAPI()\n"}


def python_m_app_repo(main: str) -> dict[str, str]:
    """A Dockerfile whose CMD is ``python -m app``, and ``app/__main__.py`` being ``main``."""
    return {"Dockerfile": 'FROM python:3.12-slim\nCMD ["python", "-m", "app"]\n', "app/__init__.py": "",
            "app/__main__.py": main}


#: An ECS service's CloudFormation template (infra/api-service.yaml) whose container runs
#: ``sh -c "alembic upgrade head && uvicorn ..."`` (line 19: alembic at column 15, uvicorn at 39).
ECS_CLOUDFORMATION_REPO = {"infra/api-service.yaml": """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Service:
    Type: AWS::ECS::Service
    Properties:
      TaskDefinition: !Ref TaskDefinition
      DesiredCount: 3
  TaskDefinition:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: !Sub ${Environment}-api
      ContainerDefinitions:
        - Name: api
          Image: example/api:latest
          Command:
            - "/bin/sh"
            - "-c"
            - |
              alembic upgrade head && uvicorn app.main:app --host 0.0.0.0 --port 8080
"""}

#: An ECS task definition file (.aws/task-definition.json) whose migration container the app container
#: waits for (``dependsOn`` condition SUCCESS), and whose app ``sh -c`` execs uvicorn.
ECS_TASK_DEFINITION_REPO = {".aws/task-definition.json": """\
{
  "family": "api",
  "containerDefinitions": [
    {"name": "migrate", "image": "example/api:latest", "essential": false,
     "command": ["alembic", "upgrade", "head"]},
    {"name": "api", "image": "example/api:latest", "essential": true,
     "dependsOn": [{"containerName": "migrate", "condition": "SUCCESS"}],
     "command": ["/bin/sh", "-c", "exec uvicorn app.main:app --host 0.0.0.0 --port 8080"]}
  ]
}
"""}
