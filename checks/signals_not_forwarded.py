r"""RC204 signals-not-forwarded: the server is not PID 1, so SIGTERM never reaches it.

What it does
    Flags a production server started by a shell that stays in front of it:
    a shell-form ``CMD``/``ENTRYPOINT`` (Docker runs ``/bin/sh -c "..."``), a
    wrapper script (``entrypoint.sh``, ``start.sh``, followed from the CMD or
    Procfile) that starts the server without ``exec``, or an ``sh -c`` string
    that runs other commands before the server without ``exec``. ``exec server``,
    exec-form commands and ``dumb-init``/``tini -g`` in front are fine, and so is a
    supervisor script that traps SIGTERM and passes it on with ``kill`` to the
    server it started in the background (``trap cleanup TERM``, ``server &``,
    ``wait``). A trap does not help when the script then waits on anything but
    the ``wait`` builtin (a server in the foreground, ``tail -f``, ``sleep``):
    bash runs it only once that command has ended. A handler that ignores the
    signal, only prints or probes with ``kill -0`` passes nothing on. A script
    that passes the signal on but then ends (one ``wait``, which the signal cuts
    short) is flagged too: PID 1 ends and the server is killed mid-shutdown. A Procfile
    line that honcho, overmind or hivemind runs in the image is judged by how the
    manager is started: each signals the whole process group of each line. A line
    foreman runs is judged by its own shell: foreman signals only that shell (see
    Details for the sources read).

Why is this bad
    On every deploy the orchestrator sends SIGTERM to PID 1 and waits. When PID 1
    is a shell, it does not forward the signal: the server never starts its
    graceful shutdown, in-flight requests are cut when SIGKILL arrives 10-30
    seconds later, and every deploy is a small outage.

Example
    CMD gunicorn app.main:app -k uvicorn_worker.UvicornWorker
    # start.sh:  alembic upgrade head; uvicorn app.main:app

Use instead
    CMD ["gunicorn", "app.main:app", "-k", "uvicorn_worker.UvicornWorker"]
    # start.sh:  exec uvicorn app.main:app

Details
    Whether `sh -c "alembic upgrade head && uvicorn ..."` leaves the shell as PID 1 depends on
    the shell that `/bin/sh` is in the image, so RC204 reads the image: the Dockerfile's base
    image, a compose service's `image:` or the Dockerfile its `build:` builds, a container's
    `image`. The table was measured by running each shell (Debian 12's dash 0.5.12, bash 5.2.15,
    busybox 1.35 ash) with a `-c` string, and with a script file, whose last command prints its
    own PID (`python3 -c "import os; print(os.getpid())"`), compared with the PID of the shell
    process that was started: the same PID means the shell exec'd the command.

    | last command of ...                      | dash (`/bin/sh` of Debian, Ubuntu, `python:*-slim`) | bash | busybox ash (`/bin/sh` of Alpine) |
    |------------------------------------------|------|------|------|
    | `-c "b"`                                 | fork | exec | exec |
    | `-c "a; b"`, `-c "a && b"`, newlines     | fork | exec | exec |
    | `-c "set -e; a && b"`                    | fork | fork | exec |
    | `-c "b 2>&1"` (a redirection)            | fork | fork | exec |
    | `-c "if x; then b; fi"`, `(b)`, `{ b; }` | fork | fork | exec |
    | `-c "a & b"`                             | fork | fork | exec |
    | `-c "trap ... TERM; b"`, `-c "a \| b"`   | fork | fork | fork |
    | a script file ending in `b`              | fork | fork | fork |

    So a shell-form `CMD` or `sh -c` ending in the server is fine on `python:3.12-alpine` and
    flagged on `python:3.12-slim`, even for a lone command; `bash -c` is fine when it ends in a
    plain command. With an image readycheck does not know, only a string of several commands
    is flagged. Wrapper scripts always need `exec`.

    Procfile runners in the image, read in their sources (readycheck.parsers.processmanagers):

    | runner | stops a line by signalling | so `web: alembic upgrade head && uvicorn ...` without `exec` | read in |
    |--------|------|------|------|
    | honcho 2.0.0 | its process group (SIGTERM) | fine | honcho/process.py, honcho/compat.py `os.killpg`; also measured |
    | overmind v2.5.1 | its process group (SIGINT by default) | fine | start/process.go:153-155 `syscall.Kill(-pid, s)` of the tmux pane pid; start/procfile.go:50 |
    | hivemind v1.1.0 | its process group (SIGINT) | fine | process.go:43-50 `os.FindProcess(-pid)`, output.go:37 `Setsid` |
    | foreman 0.90.0 | its own pid only (SIGTERM) | flagged unless `/bin/sh` execs the last command | lib/foreman/engine.rb:201 `Process.kill signal, *pids` |

    foreman starts a line with Ruby's `Process.spawn(env, line)` (lib/foreman/process.rb:54): a line
    with shell metacharacters runs under `/bin/sh -c`, a line of one plain command is exec'd without
    a shell. readycheck does not judge a foreman line of one command (whether it has a shell depends
    on characters such as `$PORT` that foreman may substitute first).

Fix safety
    Safe for ``CMD``: a shell-form ``CMD`` of one literal command (no variables, quoting,
    operators or globs) rewritten in exec form runs the same program with the same
    arguments, now as PID 1. Unsafe (``--unsafe-fixes``) for ``ENTRYPOINT``: a shell-form
    ENTRYPOINT ignores ``CMD`` and the arguments of ``docker run``, an exec-form one
    appends them to the command.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from readycheck.api import (ECS_CLOUDFORMATION_REPO, ECS_TASK_DEFINITION_REPO, Check, Example, Related, Severity,
                            image_shell, shell_execs_last)

if TYPE_CHECKING:
    from readycheck.api import Fix, Project

FORWARDING_INITS = {"dumb-init", "catatonit"}


#: Shell programs that are one known shell whatever the image ("sh" is the image's /bin/sh).
_NAMED_SHELLS = {"bash": "bash", "dash": "dash", "ash": "busybox"}


def _shell_execs(start, command) -> tuple[bool | None, str]:
    """(whether the shell of a ``-c`` string or shell-form command execs the server, the shell's name)."""
    program = command.shell_program
    shell = _NAMED_SHELLS.get(program) or (image_shell(start.image) if program == "sh" and start.image else None)
    if shell is None:
        return None, ""
    if not command.shell_last:
        return False, shell
    return shell_execs_last(shell, set(command.shell_blockers)), shell


def _forwarding_init(words: list[str]) -> bool:
    for i, word in enumerate(words):
        name = word.rsplit("/", 1)[-1]
        if name in FORWARDING_INITS or (name == "tini" and "-g" in words[i + 1:i + 4]):
            return True
    return False



def _runner_repo(cmd: str, procfile: str = "web: alembic upgrade head && uvicorn app.main:app --host 0.0.0.0\n",
                 **more: str) -> dict[str, str]:
    """A python:3.12-slim image whose exec-form CMD ``cmd`` runs a Procfile runner on ``Procfile.docker``."""
    return {"Dockerfile": f"FROM python:3.12-slim\nCMD {cmd}\n", "Procfile.docker": procfile, **more}


def _helm_script(last_line: str) -> dict[str, str]:
    """A Helm chart whose container runs an ``sh -c`` script with an ``{{- if }}`` block, then ``last_line``."""
    return {"chart/templates/api.yaml": """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {{ include "app.fullname" . }}
        spec:
          template:
            spec:
              containers:
                - name: api
                  image: python:3.12-slim
                  command:
                    - /bin/sh
                    - -c
                    - |
                      {{- if .Values.customCA }}
                      update-ca-certificates &&
                      {{- end }}
                      LAST
        """.replace("LAST", last_line)}


#: An image that runs ``start.sh`` as PID 1 (exec form): the examples' scripts decide what receives SIGTERM.
_RUNS_START_SH = """
            FROM python:3.12-slim
            COPY start.sh /start.sh
            CMD ["/start.sh"]
            """

class SignalsNotForwarded(Check):
    id = "RC204"
    name = "signals-not-forwarded"
    severity = Severity.WARNING
    summary = "A shell stays in front of the server, so SIGTERM never reaches it"
    fix = ("Use the exec form (`CMD [\"gunicorn\", ...]`), start the server with `exec` as the last line of wrapper "
           "scripts (`exec \"$@\"` in entrypoints), or put `dumb-init` in front.")
    tags = ("start-command", "graceful-shutdown", "dockerfile")
    references = ("https://docs.docker.com/reference/dockerfile/#shell-and-exec-form",)
    examples = (
        Example({"docker-compose.yml": """
            services:
              api:
                image: python:3.12-slim
                profiles: ["debug"]
                command: sh -c "alembic upgrade head && uvicorn app.main:app --host 0.0.0.0"
            """}, expect=["docker-compose.yml:5:45:info `sh -c` runs uvicorn without `exec`: the shell stays PID 1 and "
                          "uvicorn never receives SIGTERM (dash is /bin/sh in python:3.12-slim and does not exec it) "
                          "(development: compose profile debug)"],
            title="a service in a debug profile: info, and the message says why"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD gunicorn app.main:app --bind 0.0.0.0:8000
            """}, expect=['Dockerfile:2:1 CMD is in shell form: /bin/sh is PID 1 and gunicorn never receives SIGTERM (dash is /bin/sh in python:3.12-slim and does not exec it)'], title="shell-form CMD"),
        Example({"Dockerfile": _RUNS_START_SH, "start.sh": """
            #!/bin/sh
            alembic upgrade head
            uvicorn app.main:app --host 0.0.0.0
            """}, expect=["start.sh:3"], title="wrapper script without exec"),
        Example({"docker-compose.yml": """
            services:
              api:
                command: sh -c "python wait_for_db.py && uvicorn app.main:app --host 0.0.0.0"
            """}, expect=["docker-compose.yml:3"], title="sh -c running two commands"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD exec gunicorn app.main:app --bind 0.0.0.0:8000
            """, "Procfile": "web: gunicorn app.main:app\n", "start.sh": """
            #!/bin/sh
            set -e
            alembic upgrade head
            exec uvicorn app.main:app --host 0.0.0.0
            """, "docker-compose.yml": """
            services:
              api:
                command: ["/start.sh"]
              worker:
                command: ["dumb-init", "sh", "-c", "sleep 1; uvicorn app.main:app"]
            """}, title="exec, exec in a script, dumb-init, Procfile"),
        Example(_runner_repo('["honcho", "start", "-f", "Procfile.docker"]'),
            title="honcho signals the process group of each line: no exec needed behind it"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD honcho start -f Procfile.docker
            """, "Procfile.docker": "web: exec uvicorn app.main:app --host 0.0.0.0\n"},
            expect=["Dockerfile:2:1 CMD is in shell form: /bin/sh is PID 1 and uvicorn never receives SIGTERM "
                    "(dash is /bin/sh in python:3.12-slim and does not exec it)"],
            title="honcho itself behind a shell-form CMD"),
        Example(_runner_repo('["overmind", "start", "-f", "Procfile.docker"]', **{
            "worker/Dockerfile": 'FROM python:3.12-slim\nCMD ["hivemind", "-l", "web", "Procfile.docker"]\n'}),
            title="overmind and hivemind signal the process group of each line too: no exec needed behind them"),
        Example(_runner_repo('["foreman", "start", "-f", "Procfile.docker"]'),
            expect=["Procfile.docker:1:30 `sh -c` runs uvicorn without `exec`: foreman signals only the shell and "
                    "uvicorn never receives SIGTERM (dash is /bin/sh in python:3.12-slim and does not exec it)"],
            title="foreman signals only the line's shell, which dash does not replace with the server"),
        Example(_runner_repo('["foreman", "start", "-f", "Procfile.docker"]',
                             "web: alembic upgrade head && exec uvicorn app.main:app --host 0.0.0.0\n"
                             "api: uvicorn app.api:app --host 0.0.0.0\n"),
            title="foreman: exec in the line; a line of one plain command, which Ruby's spawn execs with no shell"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            CMD ["sh", "-c", "uvicorn app.main:app --host 0.0.0.0"]
            """}, expect=["Dockerfile:2"], title="sh -c of one command on a Debian image: dash does not exec it"),
        Example({"Dockerfile": """
            FROM python:3.12-alpine
            CMD ["bash", "-c", "set -e; alembic upgrade head && uvicorn app.main:app --host 0.0.0.0"]
            """}, expect=["Dockerfile:2"], title="bash -c ending an && list under set -e: bash does not exec it"),
        Example({"Dockerfile": """
            FROM python:3.12-alpine
            CMD alembic upgrade head && gunicorn app.main:app --bind 0.0.0.0:8000
            """, "worker/Dockerfile": """
            FROM python:3.12-slim
            CMD ["bash", "-c", "alembic upgrade head && exec gunicorn app.main:app"]
            """, "api/Dockerfile": """
            FROM python:3.12-slim
            CMD ["bash", "-c", "python wait_for_db.py && gunicorn app.main:app --bind 0.0.0.0:8000"]
            """}, title="alpine's busybox and bash exec the last command of a -c string"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            COPY web.conf /etc/supervisor/conf.d/web.conf
            CMD ["supervisord", "-n"]
            """, "web.conf": "[program:web]\ncommand=gunicorn app.main:app --bind 0.0.0.0:8000\n",
            "docker-compose.yml": """
            services:
              api:
                build: .
                command: ["bash", "-c", "wait-for-it db:5432\\nexec supervisord -n"]
              admin:
                build: .
                command: ["bash", "-c", "wait-for-it db:5432\\nsupervisord -n\\nsupervisorctl restart"]
            """}, expect=["docker-compose.yml:7"],
            title="supervisord starts the server: exec supervisord is fine, a bash that stays in front of it is not"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            COPY start.sh /start.sh
            CMD ["bash", "/start.sh"]
            """, "start.sh": """
            #!/usr/bin/env bash
            if [ -n "$ADMIN_EMAIL" ]; then
              uvicorn app.main:app --port "$PORT" &
              pid=$!
              python register_admin.py && kill "$pid"
            fi
            PYTHON_CMD=$(command -v python3 || command -v python)
            exec env APP_ENV=prod "$PYTHON_CMD" -m uvicorn app.main:app --host 0.0.0.0 --port "$PORT"
            """}, title="a bootstrap server started in the background and killed; the service is exec'd at the end"),
        Example({"Dockerfile": _RUNS_START_SH, "start.sh": """
            #!/bin/sh
            celery -A app.tasks worker &
            uvicorn app.main:app --host 0.0.0.0 &
            wait
            """}, expect=["start.sh:3:1 start.sh starts uvicorn without `exec`: the script's shell stays PID 1 and "
                          "uvicorn never receives SIGTERM"],
            title="a server only started in the background, the script waiting for it"),
        Example({"Dockerfile": _RUNS_START_SH, "start.sh": """
            #!/bin/bash
            PIDS=()
            cleanup() {
                for pid in "${PIDS[@]}"; do kill -TERM "$pid"; done
                wait
            }
            trap cleanup SIGTERM SIGINT
            celery -A app.tasks worker &
            PIDS+=($!)
            uvicorn app.main:app --host 0.0.0.0 &
            PIDS+=($!)
            wait -n
            """}, title="a supervisor script: it traps SIGTERM and passes it on to what it started in the background"),
        Example({"Dockerfile": _RUNS_START_SH, "start.sh": """
            #!/bin/bash
            uvicorn app.main:app --host 0.0.0.0 &
            child=$!
            on_term() {
                kill -TERM "$child" 2>/dev/null
                wait "$child"
            }
            trap on_term TERM
            wait "$child"
            """}, title="... its handler a function defined after the server is started, the script waiting with wait"),
        Example({"Dockerfile": _RUNS_START_SH, "start.sh": """
            #!/bin/bash
            trap 'kill -TERM $PID' TERM
            uvicorn app.main:app --host 0.0.0.0 &
            PID=$!
            wait $PID
            """}, expect=["start.sh:3:1 start.sh passes SIGTERM on to uvicorn but does not wait for it after: the "
                          "script ends, PID 1 with it, and the container stops before uvicorn's graceful shutdown "
                          "is done"],
            title="... but a handler that only kills, with one wait: the signal cuts the wait short and the "
                  "script ends (wait again: `wait $PID; trap - TERM; wait $PID`, or in the handler)"),
        Example({"Dockerfile": _RUNS_START_SH, "start.sh": """
            #!/bin/bash
            trap 'kill -TERM $PID' TERM INT
            uvicorn app.main:app --host 0.0.0.0 &
            PID=$!
            wait $PID
            trap - TERM INT
            wait $PID
            """}, title="... the double-wait idiom: the second wait lets the server finish its shutdown"),
        Example({"Dockerfile": _RUNS_START_SH, "start.sh": """
            #!/bin/bash
            trap 'kill -TERM $PID' TERM
            uvicorn app.main:app --host 0.0.0.0 &
            PID=$!
            tail -f /dev/null
            """}, expect=["start.sh:3:1 start.sh starts uvicorn without `exec`: the script's shell stays PID 1 and "
                          "uvicorn never receives SIGTERM"],
            title="a trap that would pass SIGTERM on, the script parked on tail -f: bash runs the trap only once "
                  "tail ends, and only the wait builtin is cut short by the signal"),
        Example({"Dockerfile": _RUNS_START_SH, "start.sh": """
            #!/bin/bash
            trap 'echo stopping' TERM
            uvicorn app.main:app --host 0.0.0.0 &
            while kill -0 "$!" 2>/dev/null; do sleep 5; done
            """}, expect=["start.sh:3:1 start.sh starts uvicorn without `exec`: the script's shell stays PID 1 and "
                          "uvicorn never receives SIGTERM"],
            title="a trap whose handler only prints (the kill in the script is a liveness probe, kill -0)"),
        Example({"Dockerfile": _RUNS_START_SH, "start.sh": """
            #!/bin/bash
            trap '' TERM
            uvicorn app.main:app --host 0.0.0.0 &
            wait
            """}, expect=["start.sh:3:1 start.sh starts uvicorn without `exec`: the script's shell stays PID 1 and "
                          "uvicorn never receives SIGTERM"],
            title="a trap that ignores SIGTERM"),
        Example({"Dockerfile": _RUNS_START_SH, "start.sh": """
            #!/bin/bash
            trap 'kill -TERM $child' TERM
            uvicorn app.main:app --host 0.0.0.0
            """}, expect=["start.sh:3:1 start.sh starts uvicorn without `exec`: the script's shell stays PID 1 and "
                          "uvicorn never receives SIGTERM"],
            title="... but a trap does not help a server started in the foreground: bash runs it only once "
                  "the server has exited"),
        Example({"docker-compose.yml": """
            services:
              api:
                image: python:3.12-slim
                command: >
                  /bin/sh -c "alembic upgrade head &&
                  echo \\"Starting\\" &&
                  uvicorn app.main:app --host 0.0.0.0 --port 8080"
              worker:
                image: python:3.12-slim
                command:
                  - /bin/sh
                  - -c
                  - |
                    alembic upgrade head
                    exec uvicorn app.main:app --host 0.0.0.0
            """}, expect=["docker-compose.yml:7:7 `sh -c` runs uvicorn without `exec`: the shell stays PID 1 and uvicorn "
                          "never receives SIGTERM (dash is /bin/sh in python:3.12-slim and does not exec it)"],
            title="a folded YAML command is reported at the server's own line; a literal block that execs it is fine"),
        Example({"Dockerfile": "FROM python:3.12-slim\nENTRYPOINT gunicorn app:app\n"}, expect=["Dockerfile:2"],
                fixed={"Dockerfile": 'FROM python:3.12-slim\nENTRYPOINT ["gunicorn", "app:app"]\n'},
                title="autofix (unsafe): exec-form ENTRYPOINT"),
        Example({"Dockerfile": "FROM python:3.12-slim\nCMD gunicorn app:app --bind 0.0.0.0:8000\n"},
                expect=["Dockerfile:2"],
                fixed={"Dockerfile": 'FROM python:3.12-slim\nCMD ["gunicorn", "app:app", "--bind", "0.0.0.0:8000"]\n'},
                title="autofix: exec-form CMD of a literal command"),
        Example({"Dockerfile": "FROM python:3.12-slim\nCMD gunicorn app:app --bind 0.0.0.0:$PORT\n"},
                expect=["Dockerfile:2"],
                fixed={"Dockerfile": "FROM python:3.12-slim\nCMD gunicorn app:app --bind 0.0.0.0:$PORT\n"},
                title="no autofix: $PORT needs the shell"),
        Example(_helm_script("uvicorn app.main:app --host 0.0.0.0 --port {{ .Values.port }}"),
                expect=["chart/templates/api.yaml:18:15"],
                title="a Helm template: the sh -c script read through its {{- if }} block"),
        Example(_helm_script("exec uvicorn app.main:app --host 0.0.0.0 --port {{ .Values.port }}"),
                title="a Helm template: exec after the {{- if }} block"),
        Example(ECS_CLOUDFORMATION_REPO, expect=["infra/api-service.yaml:19:39"],
            title="ECS: a CloudFormation task definition's sh -c ends with the server without exec"),
        Example(ECS_TASK_DEFINITION_REPO, title="ECS: a task definition file whose sh -c execs the server"),
    )

    def run(self, project: Project):
        # the parsers' tables, imported only when a scan runs
        from readycheck.api import EXECS_PLAIN_LINES, SIGNALS_PROCESS_GROUP

        judged: set[int] = set()
        for start in project.start_commands:
            server = start.server
            if server is None or start.role != "boot":
                continue
            if start.origin == "systemd":  # systemd signals the unit's whole control group, not one PID 1
                continue
            command = server.command
            manager = None
            if command.managed_by:  # supervisord/honcho start the server: judge what starts the manager
                at = next((i for i, c in enumerate(start.chain) if c is command), 0)
                manager = next((c for c in reversed(start.chain[:at]) if c.program == command.managed_by), None)
                # honcho signals the process group of each line it starts: only how honcho is started matters
                if manager is not None and (not command.shell or command.managed_by in SIGNALS_PROCESS_GROUP):
                    command = manager
            if command.exec_ or not command.shell or id(command) in judged:
                continue
            if command.managed_by in EXECS_PLAIN_LINES and command is not manager and command.shell_commands == 1:
                continue  # foreman execs a line of one plain command itself, with no shell in front of it
            judged.add(id(command))  # a manager shared by the start commands of its programs: judged once
            if any(_forwarding_init(c.words) for c in start.chain):
                continue
            severity = Severity.INFO if start.development else None
            note = start.environment.note  # why it is only info: " (development: file name compose.dev.yml)"
            execs, shell = _shell_execs(start, command) if command.shell.startswith(("shell-form", "sh -c")) \
                else (None, "")
            if execs:
                continue  # this image's shell replaces itself with the server (see the table above)
            measured = f" ({shell} is /bin/sh in {start.image} and does not exec it)" \
                if shell and command.shell_program == "sh" else (f" ({shell} does not exec it)" if shell else "")
            if command.shell.startswith("shell-form"):
                keyword = command.shell.split()[-1]
                yield self.finding(start.path, start.span,
                                   f"{keyword} is in shell form: /bin/sh is PID 1 and {server.name} never receives "
                                   f"SIGTERM{measured}{note}", severity=severity,
                                   fix=partial(_exec_form, project, start.path, start.span.line))
            elif command.shell == "sh -c" and (command.shell_commands > 1 or execs is False):
                runs = f"{command.program} (which starts {server.name})" if command is manager else server.name
                token = command.argv[command.program_index()] if command is manager else server.program
                related = [Related(command.shell_word.path, command.shell_word.span, "the shell that stays PID 1")] \
                    if command.shell_word is not None else []
                # a Procfile line of a runner that signals only the line's own process (foreman)
                stays = f"{command.managed_by} signals only the shell" if command.managed_by in EXECS_PLAIN_LINES \
                    and command is not manager else "the shell stays PID 1"
                yield self.finding(token.path, token.span,
                                   f"`{command.shell_program or 'sh'} -c` runs {runs} without `exec`: {stays} "
                                   f"and {server.name} never receives SIGTERM{measured}{note}",
                                   severity=severity, related=related)
            elif command.shell != "sh -c":
                forwards = _forwards_term(project, server.program.path, server.program.span.line) \
                    if command.background else None
                if forwards == "waits":
                    continue  # a supervisor script: it traps SIGTERM and passes it to what it started (``&``)
                if forwards == "ends":
                    yield self.finding(server.program.path, server.program.span,
                                       f"{command.shell} passes SIGTERM on to {server.name} but does not wait for "
                                       f"it after: the script ends, PID 1 with it, and the container stops before "
                                       f"{server.name}'s graceful shutdown is done{note}", severity=severity,
                                       related=[Related(start.path, start.span, f"{start.label} runs the script")])
                    continue
                yield self.finding(server.program.path, server.program.span,
                                   f"{command.shell} starts {server.name} without `exec`: the script's shell stays "
                                   f"PID 1 and {server.name} never receives SIGTERM{note}", severity=severity,
                                   related=[Related(start.path, start.span, f"{start.label} runs the script")])


def _forwards_term(project: Project, path: str, line: int) -> str | None:
    """What the script does with SIGTERM for the server it starts on ``line`` (``api.forwarding``):
    "waits", "ends", or None (passes nothing on, or cannot be read)."""
    from readycheck.api import UnreadableFile, forwarding

    source = project.file(path)
    try:
        return forwarding(source.text, line) if source is not None else None
    except UnreadableFile:
        return None


def _exec_form(project: Project, path: str, line: int) -> Fix | None:
    """The shell-form CMD/ENTRYPOINT at ``line`` of one literal command -> exec form. Anything a shell would
    still have to do (variables, operators, quoting, globs) is not rewritten."""
    import json

    from readycheck.api import Edit, Fix

    dockerfile = next((d for d in project.dockerfiles if d.path == path), None)
    if dockerfile is None:
        return None
    inst = next((i for s in dockerfile.stages for i in s.instructions
                 if i.line == line and i.keyword in ("CMD", "ENTRYPOINT")), None)
    if inst is None or inst.exec_form() is not None:
        return None
    commands = dockerfile.commands(inst)
    raw = inst.raw_value
    if len(commands) != 1 or any(c in raw for c in "$`'\"*?;&|<>(){}\\#~"):
        return None
    words = [w.text for w in commands[0]]
    edit = Edit(dockerfile.path, inst.value_offset, inst.value_offset + len(raw), json.dumps(words))
    # An exec-form ENTRYPOINT receives CMD and `docker run` arguments a shell-form one ignored.
    return Fix.unsafe([edit]) if inst.keyword == "ENTRYPOINT" else Fix.safe([edit])
