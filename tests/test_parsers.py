"""Front ends: each turns text into facts with exact positions."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import write_tree
from readycheck.engine.discovery import discover
from readycheck.parsers.dependencies import parse_requirements
from readycheck.parsers.python import PythonSyntaxError, parse_python
from readycheck.parsers.shell import parse_commands
from readycheck.model.project import Project
from readycheck.core.sourcefile import FileKind, SourceFile


def project_of(tmp_path: Path, files: dict) -> Project:
    write_tree(tmp_path, files)
    return Project(tmp_path, discover(tmp_path))


# ------------------------------------------------------------------ shell


def test_shell_operators_quotes_and_positions():
    src = "FOO=1 alembic upgrade head && \\\n  exec gunicorn -k 'uvicorn_worker.UvicornWorker' \"$@\" 2>&1 | tee log > /dev/null"
    commands = parse_commands(src)
    assert [c.argv for c in commands] == [
        ["alembic", "upgrade", "head"],
        ["exec", "gunicorn", "-k", "uvicorn_worker.UvicornWorker", "$@"],
        ["tee", "log"],  # the redirect target /dev/null is not an argument
    ]
    assert commands[0].env == {"FOO": "1"}
    assert [c.joined_by for c in commands] == ["", "&&", "|"]
    worker = commands[1].words[3]
    assert src[worker.start:worker.end] == "'uvicorn_worker.UvicornWorker'"


def test_shell_control_flow_heredoc_case_and_comments():
    src = """#!/bin/sh
# uvicorn --reload  (a comment, not a command)
if [ "$ENV" = prod ]; then
  exec gunicorn app:app
else
  exec uvicorn app:app --reload
fi
cat <<EOF > /tmp/x
uvicorn not-a-command --reload
EOF
case "$1" in
  web) exec hypercorn app:app ;;
  *) exec "$@" ;;
esac
"""
    argvs = [c.argv for c in parse_commands(src)]
    assert ["exec", "gunicorn", "app:app"] in argvs
    assert ["exec", "uvicorn", "app:app", "--reload"] in argvs
    assert ["exec", "hypercorn", "app:app"] in argvs
    assert ["exec", "$@"] in argvs
    assert not any("not-a-command" in a for a in argvs)
    assert not any(a and a[0] in ("case", "fi", "esac", "web", "*") for a in argvs)


@pytest.mark.parametrize("src", ["'unterminated", "\"open $(", "$(((", "a && && b", "\\", "<<", "`x"])
def test_shell_never_raises_on_broken_input(src):
    parse_commands(src)


# ------------------------------------------------------------------ start commands


def test_entrypoint_script_with_exec_args_and_cmd(tmp_path):
    project = project_of(tmp_path, {
        "Dockerfile": """
            FROM python:3.12-slim
            WORKDIR /srv
            COPY docker/ ./docker/
            ENTRYPOINT ["./docker/entrypoint.sh"]
            CMD ["gunicorn", "app.main:app", "--workers", "4", "-k", "uvicorn_worker.UvicornWorker"]
            """,
        "docker/entrypoint.sh": """
            #!/bin/sh
            set -e
            python wait_for_db.py
            exec "$@"
            """,
    })
    (start,) = project.start_commands
    # `python script.py` runs the script: that is the program (as `python manage.py runserver` is manage.py).
    assert [c.program for c in start.chain] == ["set", "wait_for_db.py", "gunicorn"]
    assert start.chain[1].via == "docker/entrypoint.sh"
    server = start.server
    assert server.name == "gunicorn" and server.target.text == "app.main:app"
    assert server.options["--workers"].text == "4" and server.options["-k"].text == "uvicorn_worker.UvicornWorker"
    assert server.target.path == "Dockerfile" and server.target.span.line == 5


def test_shell_form_entrypoint_ignores_cmd_and_sh_c_args(tmp_path):
    project = project_of(tmp_path, {"Dockerfile": """
        FROM python:3.12-slim
        ENTRYPOINT ["sh", "-c", "alembic upgrade head && exec \\"$@\\"", "--"]
        CMD ["uvicorn", "app:app", "--port", "80"]
        """})
    (start,) = project.start_commands
    assert [c.words for c in start.chain] == [["alembic", "upgrade", "head"], ["uvicorn", "app:app", "--port", "80"]]
    assert start.chain[0].argv[0].span.line == 2  # inside the sh -c string, on the ENTRYPOINT line


def test_wrappers_runners_and_python_m(tmp_path):
    project = project_of(tmp_path, {"Procfile": """
        web: exec dumb-init -- poetry run python -m uvicorn app:app --host 0.0.0.0 --port $PORT
        release: python manage.py migrate
        worker: celery -A app worker
        """})
    web, release, worker = project.start_commands
    assert web.server.name == "uvicorn" and web.server.options["--port"].text == "$PORT"
    assert release.role == "release" and release.server is None
    assert worker.server is None


def test_compose_roles_profiles_and_dev_files(tmp_path):
    project = project_of(tmp_path, {
        "docker-compose.yml": """
            services:
              migrate:
                build: .
                command: alembic upgrade head
              api:
                build: .
                command: ["gunicorn", "app:app"]
                depends_on:
                  migrate: {condition: service_completed_successfully}
              debug:
                command: uvicorn app:app --reload
                profiles: [debug]
            """,
        "docker-compose.override.yml": "services:\n  api:\n    command: uvicorn app:app --reload\n",
    })
    starts = {(s.path, s.process): s for s in project.start_commands}
    assert starts[("docker-compose.yml", "migrate")].role == "oneshot"
    assert starts[("docker-compose.yml", "api")].role == "boot"
    assert not starts[("docker-compose.yml", "api")].development
    assert starts[("docker-compose.yml", "debug")].development
    assert starts[("docker-compose.override.yml", "api")].development


# ------------------------------------------------------------------ requirements


def _req_file(tmp_path, text):
    path = tmp_path / "requirements.txt"
    path.write_text(text)
    return parse_requirements(SourceFile("requirements.txt", path, FileKind.REQUIREMENTS, path.stat().st_size))


def test_requirement_pins(tmp_path):
    reqs = _req_file(tmp_path, "\n".join([
        "fastapi==0.115.6",
        "uvicorn[standard]==0.34.0 ; python_version >= '3.10'",
        "pydantic==2.*",
        "httpx>=0.27,<1",
        "requests",
        "lib @ git+https://github.com/x/lib.git@0123456789abcdef0123456789abcdef01234567",
        "lib2 @ git+https://github.com/x/lib2.git@v1.2",
        "https://files.example.com/pkg-1.0.tar.gz#sha256=" + "a" * 64,
        "--index-url https://pypi.example.com/simple",
        "-e .",
        "   # only a comment",
    ])).requirements
    pinned = {r.text.split()[0]: r.pinned for r in reqs}
    assert pinned == {
        "fastapi==0.115.6": True, "uvicorn[standard]==0.34.0": True, "pydantic==2.*": False,
        "httpx>=0.27,<1": False, "requests": False, "lib": True, "lib2": False,
        "https://files.example.com/pkg-1.0.tar.gz#sha256=" + "a" * 64: True, ".": True,
    }
    marker = reqs[1]
    assert marker.extras == {"standard"}
    assert (marker.span.line, marker.span.column, marker.span.end_column) == (2, 1, 26)


def test_requirement_continuation_and_hashes(tmp_path):
    (req,) = _req_file(tmp_path, "django>=4 \\\n    --hash=sha256:abc \\\n    --hash=sha256:def\n").requirements
    assert req.hashed and req.pinned and req.span.line == 1


def test_unparseable_requirement_is_reported_not_raised(tmp_path):
    req_file = _req_file(tmp_path, "fastapi==1\nthis is ((( not a requirement\n")
    assert len(req_file.requirements) == 1
    assert req_file.errors and req_file.errors[0][0] == 2


# ------------------------------------------------------------------ python


def test_python_names_resolve_through_imports_not_spelling():
    facts = parse_python("pkg/api/routes.py", b"""
import time as t
from ..db import session_scope
from sqlalchemy.orm import Session

def handler(time, db: "Session"):
    t.sleep(1)
    time.sleep(2)
    session_scope()
""")
    calls = {c.text: c.callee for c in facts.functions["handler"].calls}
    assert calls == {"t.sleep": "time.sleep", "time.sleep": None, "session_scope": "pkg.db.session_scope"}
    assert facts.functions["handler"].params[1].annotation == "sqlalchemy.orm.Session"


PEP_695_MODULE = b"""import time
from fastapi import APIRouter

router = APIRouter()
type UserId = int
type Pair[A, B] = tuple[A, B]
type = "a variable named type"


class Repository[T: (int, str)](Base):
    def get[K](self, key: K) -> T:
        return time.sleep(1)


class Spread[
    T,
    U,
](object):
    pass


@router.get("/items/{item_id}")
async def read_item[T](item_id: T):
    time.sleep(1); x = type(3)
"""


def test_python_312_type_parameters_parse_with_every_position_kept():
    facts = parse_python("app/routes.py", PEP_695_MODULE)
    handler = facts.functions["read_item"]
    assert handler.is_async and [d.text for d in handler.decorators] == ["router.get"]
    sleep = next(c for c in handler.calls if c.text == "time.sleep")
    assert (sleep.callee, sleep.span.line, sleep.span.column) == ("time.sleep", 24, 5)
    assert (handler.span.line, handler.span.column) == (23, 11)
    assert {"Repository", "Spread"} <= facts.classes and "Repository.get" in facts.functions
    assert facts.functions["Repository.get"].calls[0].span.line == 12
    # A `type` statement binds no name (as in Python 3.12's ast); `type` the variable is one.
    assert [(a.name, a.span.line) for a in facts.assignments if not a.scope] == [("router", 4), ("type", 7)]


def test_python_312_rewrite_keeps_line_count_and_leaves_other_errors_alone():
    from readycheck.parsers.newer_syntax import downgrade

    rewritten = downgrade(PEP_695_MODULE)
    assert rewritten is not None and rewritten.count(b"\n") == PEP_695_MODULE.count(b"\n")
    assert len(rewritten.splitlines()[23]) == len(PEP_695_MODULE.splitlines()[23])
    assert downgrade(b"import time\ntype = 1\nx = type(2)\n") is None  # nothing to rewrite
    assert downgrade(b'class A[T]:\n    s = """unterminated\n') is None  # strings cannot be scanned
    with pytest.raises(PythonSyntaxError, match="newer Python syntax"):
        parse_python("m.py", b"class A[T]:\n    def f(:\n")  # still broken once rewritten


def test_newer_syntax_rules_see_code_only_never_strings_or_comments():
    from readycheck.parsers.newer_syntax import downgrade

    source = b"""import time  # class Fake[T]: except A, B:
s = "def g[T](): pass; except A, B:"


def f():
    try:
        time.sleep(1)
    except KeyError, \\
            TypeError:  # a comment, with a comma
        pass
    x = 1; type Alias[T: ("]", int)] = list[T]


class Box[T: (str, "]")](object):
    pass
"""
    rewritten = downgrade(source)
    assert rewritten is not None
    assert rewritten.splitlines() == [
        b"import time  # class Fake[T]: except A, B:",
        b's = "def g[T](): pass; except A, B:"',
        b"", b"",
        b"def f():",
        b"    try:",
        b"        time.sleep(1)",
        b"    except KeyError" + b" " * len(b", ") + b"\\",
        b"                     :  # a comment, with a comma",
        b"        pass",
        b"    x = 1; 0;" + b" " * (len(b'type Alias[T: ("]", int)] =') - len(b"0;")) + b" list[T]",
        b"", b"",
        b"class Box" + b" " * len(b'[T: (str, "]")]') + b"(object):",
        b"    pass",
    ]
    facts = parse_python("app/f.py", source)
    assert [c.span.line for c in facts.functions["f"].calls] == [7]


def test_python_314_exception_lists_and_template_strings_parse_with_positions_kept():
    facts = parse_python("app/jobs.py", b"""import time


def work(name):
    try:
        time.sleep(1)
    except KeyError, TypeError:
        time.sleep(2)
    return t"done {name.upper()}", rt"\\d{name}"
""")
    calls = [(c.text, c.span.line, c.span.column) for c in facts.functions["work"].calls]
    assert calls == [("time.sleep", 6, 9), ("time.sleep", 8, 9), ("name.upper", 9, 20)]


def test_python_312_f_strings_cost_only_their_own_calls():
    facts = parse_python("app/report.py", b"""import time
row = {"id": 1}


def report():
    title = f"{row["id"]:>{width()}} {{braces}}"
    body = f"-{
        time.time()
    }"
    time.sleep(1); return f"{row['id']}"
""")
    calls = [(c.text, c.span.line, c.span.column) for c in facts.functions["report"].calls]
    assert calls == [("time.sleep", 10, 5)]  # width() and time.time() were inside 3.12-only f-strings


def test_backslash_before_a_brace_does_not_hide_the_end_of_an_f_string():
    # In fr'\{{' the backslash is text and {{ a brace (3.12), so the string ends at its
    # quote: the 3.12-only f-string on the next line is blanked, and no call is lost.
    facts = parse_python("app/braces.py", b"""import time
row = {"id": 1}


def report():
    time.sleep(fr'\\{{')
    time.sleep(f"{row["id"]}")
    time.sleep(rf'\\{{{1 + 1}')
""")
    calls = [(c.text, c.span.line) for c in facts.functions["report"].calls]
    assert calls == [("time.sleep", 6), ("time.sleep", 7), ("time.sleep", 8)]


def test_python_non_ascii_columns_are_characters():
    facts = parse_python("m.py", "import time\ndef f():\n    x = 'héllo'; time.sleep(1)\n".encode())
    (call,) = facts.functions["f"].calls
    assert (call.span.line, call.span.column) == (3, 18)


def test_pyproject_pep621_groups_and_poetry(tmp_path):
    from readycheck.parsers.dependencies import parse_pyproject

    path = tmp_path / "pyproject.toml"
    path.write_text("""
[project]
name = "svc"
dependencies = ["fastapi==0.115.6", "httpx>=0.27"]

[project.optional-dependencies]
prod = ["gunicorn"]

[dependency-groups]
dev = ["pytest==8.3.4"]

[tool.poetry.dependencies]
python = "^3.12"
uvicorn = { version = "0.34.0", extras = ["standard"] }
redis = "^5.0"

[tool.poetry.group.test.dependencies]
pytest-asyncio = "*"
""")
    project = parse_pyproject(SourceFile("pyproject.toml", path, FileKind.PYPROJECT, path.stat().st_size))
    main = {r.name: r for r in project.dependencies}
    assert main["fastapi"].pinned and not main["httpx"].pinned
    assert main["uvicorn"].pinned and main["uvicorn"].extras == {"standard"}  # a bare Poetry version is exact
    assert not main["redis"].pinned and "python" not in main
    assert set(project.groups) == {"optional:prod", "group:dev", "poetry:test"}
    assert main["httpx"].span.line == 4 and project.dependencies_span.line == 4


def test_project_names_compare_as_packaging_compares_them():
    from hypothesis import given, settings, strategies as st
    from packaging.utils import canonicalize_name as packaging_canonical

    from readycheck.knowledge.packages import canonicalize_name

    names = st.text(alphabet="aAzZ09-_.", min_size=1, max_size=20)

    @settings(max_examples=300, deadline=None)
    @given(names)
    def same(name):
        assert canonicalize_name(name) == packaging_canonical(name)

    same()
    assert canonicalize_name("Flask_SQLAlchemy") == "flask-sqlalchemy"


def test_a_tiny_repository_loads_no_start_command_or_yaml_reader(tmp_path):
    import subprocess
    import sys

    write_tree(tmp_path, {"app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n"})
    code = ("import sys\nfrom readycheck.cli import main\n"
            f"main([{str(tmp_path)!r}, '--no-cache', '--format', 'json', '-o', {str(tmp_path / 'out.json')!r}])\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('yaml', 'packaging', 'dockerfile_parse') "
            "or m in ('readycheck.model.startcommands', 'readycheck.model.deployments.common')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_image_references_split_as_docker_does():
    from readycheck.api import parse_image_ref

    ref = parse_image_ref("docker.io/library/python:3.12-slim@sha256:" + "a" * 64)
    assert (ref.registry, ref.name, ref.tag, ref.digest) == ("docker.io", "python", "3.12-slim", "sha256:" + "a" * 64)
    ref = parse_image_ref("localhost:5000/team/app")  # a registry's port is not a tag
    assert (ref.registry, ref.name, ref.tag, ref.namespace_and_repo) == ("localhost:5000", "localhost:5000/team/app",
                                                                         None, "team/app")
    ref = parse_image_ref("GHCR.io/Astral-SH/uv:Latest")
    assert (ref.registry, ref.name, ref.tag) == ("ghcr.io", "ghcr.io/astral-sh/uv", "Latest")
    assert parse_image_ref("pgvector/pgvector:pg16").name == "pgvector/pgvector"
    assert parse_image_ref("python").tag is None and parse_image_ref("python").registry == ""


def test_a_stage_knows_its_ancestry_and_image_ref(tmp_path):
    from readycheck.parsers.dockerfile import parse_dockerfile
    from readycheck.core.sourcefile import FileKind, SourceFile

    text = ("ARG BASE=base\nFROM python:3.12-slim AS base\nUSER app\nFROM node:22 AS web\n"
            "FROM ${BASE} AS final\nCOPY --from=web /x /x\n")
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    dockerfile = parse_dockerfile(SourceFile("Dockerfile", path, FileKind.DOCKERFILE, path.stat().st_size))
    final = dockerfile.final_stage
    assert [s.name for s in dockerfile.ancestry(final)] == ["base", "final"]
    assert [s.name for s in dockerfile.shipped_stages()] == ["base", "final"]
    assert dockerfile.stages[0].image_ref.tag == "3.12-slim"


def test_call_chains_are_summarised_from_their_root_and_bounded():
    facts = parse_python("app/m.py", b"""
from sqlalchemy import inspect

def f(engine, rows):
    User.select(1).where(2).dicts().get()
    inspect(engine).get_schema_names()
    rows.first().save()
    a.b(1).c.d()
""")
    chains = {(c.method, c.chain) for c in facts.functions["f"].calls if c.chain}
    assert ("get", ("User.select", "", "where", "dicts")) in chains
    assert ("get_schema_names", ("inspect", "sqlalchemy.inspect")) in chains
    assert ("save", ("rows.first", "", )) in chains
    assert not any(c.chain for c in facts.functions["f"].calls if c.method == "d")  # an attribute in between
    long = "x()" + ".m()" * 300
    calls = parse_python("app/long.py", f"def g():\n    {long}\n".encode()).functions["g"].calls
    assert len(calls) == 301 and max(len(c.chain) for c in calls) <= 18


_TRAP = "#!/bin/bash\ntrap 'kill -TERM $PID' TERM\nuvicorn app:app &\nPID=$!\n"


@pytest.mark.parametrize("src, line, forwards", [
    (_TRAP + "wait $PID\n", 3, True),
    (_TRAP + "echo started\nwait -n\n", 3, True),
    (_TRAP + "tail -f /dev/null\n", 3, False),  # bash runs the trap once tail ends, after SIGKILL
    (_TRAP + "sleep infinity\n", 3, False),
    (_TRAP + "nginx -g 'daemon off;'\nwait\n", 3, False),
    (_TRAP, 3, False),  # no wait: the script ends
    (_TRAP + "wait\n", 2, False),  # the line given is not the background server's
    ("trap 'kill -- -$$' TERM\nuvicorn app:app &\nwait\n", 2, True),  # the whole process group
    ("trap '' TERM\nuvicorn app:app &\nwait\n", 2, False),  # ignored
    ("trap - TERM\nuvicorn app:app &\nwait\n", 2, False),  # reset to the default
    ("trap 'echo bye' TERM\nuvicorn app:app &\nkill -0 $!\nwait\n", 2, False),  # a kill elsewhere is no handler
    ("trap 'kill -0 $c' TERM\nuvicorn app:app &\nc=$!\nwait\n", 2, False),  # a probe signals nothing
    ("trap 'kill -l' TERM\nuvicorn app:app &\nwait\n", 2, False),
    ("uvicorn app:app &\nc=$!\nwait\ntrap 'kill $c' TERM\n", 1, False),  # set after the wait: too late
    ("stop() { kill -TERM \"$1\"; }\nterm() { stop $c; }\ntrap term TERM\nuvicorn app:app &\nc=$!\nwait\n", 4, True),
    ("term() { term; }\ntrap term TERM\nuvicorn app:app &\nwait\n", 3, False),  # calls itself, kills nothing
    ("uvicorn app:app &\nc=$!\nfunction term {\n  kill \"$c\"\n  wait\n}\ntrap term SIGTERM\nwait \"$c\"\n", 1, True),
    ("P=()\ntrap 'kill ${P[@]}' 15\nuvicorn app:app &\nP+=($!)\nA=(x y)\nwait\n", 3, True),
    # the server started by one of the script's functions, which it calls before parking in wait (SurfSense)
    ("cleanup() {\n  for p in \"${P[@]}\"; do kill -TERM \"$p\"; done\n}\ntrap cleanup TERM\nstart_api() {\n"
     "  uvicorn app:app &\n  P+=($!)\n}\nstart_api\nsleep 5\necho up\nwait -n\nexit $?\n", 6, True),
    ("trap 'kill $c' TERM\nuvicorn app:app &\nc=$!\nwhile kill -0 $c; do sleep 2; done\n", 2, True),  # soon enough
    ("trap 'kill $c' TERM\nuvicorn app:app &\nc=$!\nwhile true; do sleep 60; done\n", 2, False),
    ("trap 'kill $c' TERM\nuvicorn app:app &\nc=$!\nexec nginx -g 'daemon off;'\n", 2, False),
    # what follows the wait does not change where the script waits (a loop, a clean-up call)
    (_TRAP + "wait \"$PID\"\nfor i in 1 2; do echo $i; done\n", 3, True),
    (_TRAP + "for pid in $PID; do wait \"$pid\"; done\n", 3, True),
    ("cleanup() { kill -TERM \"$PID\"; }\ntrap cleanup TERM\nuvicorn app:app &\nPID=$!\nwait $PID\ncleanup\n", 3, True),
    ("main() {\n  trap 'kill -TERM $PID' TERM\n  uvicorn app:app &\n  PID=$!\n  wait \"$PID\"\n}\nmain \"$@\"\n", 3, True),
    (_TRAP + "until curl -sf http://localhost:8000/health; do sleep 1; done\nwait $PID\n", 3, True),  # a probe
    # trap syntax bash takes
    ("trap -- 'kill -TERM $PID' TERM\nuvicorn app:app &\nPID=$!\nwait\n", 2, True),  # as trap -p prints it
    ("trap 'kill -TERM $PID' term\nuvicorn app:app &\nPID=$!\nwait\n", 2, True),
    ("trap 'kill $PID' TERM\ntrap '' TERM\nuvicorn app:app &\nPID=$!\nwait\n", 3, False),  # the last trap counts
    # double quotes: bash expands the handler when the trap is set
    ("trap \"kill -TERM $PID\" TERM\nuvicorn app:app &\nPID=$!\nwait\n", 2, False),
    ("uvicorn app:app &\nPID=$!\ntrap \"kill -TERM $PID\" TERM\nwait\n", 1, True),
    ("uvicorn app:app &\ntrap \"kill -TERM $!\" TERM\nwait\n", 1, True),
    # quoted braces are arguments, not the end of a function's body
    ("cleanup() { echo \"}\"; kill -TERM \"$PID\"; }\ntrap cleanup TERM\nuvicorn app:app &\nPID=$!\nwait\n", 3, True),
    ("log() { echo \"{\"; }\ncleanup() { kill \"$PID\"; }\ntrap cleanup TERM\nuvicorn app:app &\nPID=$!\nwait\n", 4,
     True),
    # a kill at any depth of the functions the handler calls; other ways to signal
    ("a() { b; }\nb() { c; }\nc() { d; }\nd() { e; }\ne() { k; }\nk() { kill \"$PID\"; }\ntrap 'a; e' TERM\n"
     "uvicorn app:app &\nPID=$!\nwait\n", 8, True),
    ("trap '/bin/kill -TERM $PID' TERM\nuvicorn app:app &\nPID=$!\nwait\n", 2, True),
    ("trap 'command kill $PID' TERM\nuvicorn app:app &\nPID=$!\nwait\n", 2, True),
    ("trap 'pkill -TERM uvicorn' TERM\nuvicorn app:app &\nwait\n", 2, True),
    ("trap 'kill -s 0 $PID' TERM\nuvicorn app:app &\nPID=$!\nwait\n", 2, False),  # a probe
    ("trap 'kill -n 0 $PID' TERM\nuvicorn app:app &\nPID=$!\nwait\n", 2, False),
    # the trap in force while the script waits: a reset after the first wait (the double-wait idiom) or in
    # the handler's own body does not count
    ("trap 'kill -TERM $PID' TERM INT\nuvicorn app:app &\nPID=$!\nwait $PID\ntrap - TERM INT\nwait $PID\n", 2, True),
    ("trap shutdown TERM\nshutdown() {\n  trap '' TERM\n  kill -TERM \"$PID\"\n  wait \"$PID\"\n}\n"
     "uvicorn app:app &\nPID=$!\nwait \"$PID\"\n", 7, True),
    # a foreground program between the server's start and the wait: the trap waits for it
    ("trap 'kill -TERM $PID; wait $PID' TERM\nuvicorn app:app &\nPID=$!\npython3 worker.py\nwait $PID\n", 2, False),
    ("start_nginx() {\n  nginx -g 'daemon off;'\n}\ntrap 'kill -TERM $PID' TERM\nuvicorn app:app &\nPID=$!\n"
     "start_nginx\nwait\n", 5, False),  # through a function it calls
    ("trap 'kill -TERM $PID' TERM\nuvicorn app:app &\nPID=$!\nexec -a sidecar python3 side.py\nwait $PID\n", 2, False),
    # the wait in the handler's body is not where the script waits (a loop of long sleeps is)
    ("trap cleanup TERM\nuvicorn app:app &\nPID=$!\ncleanup() { kill -TERM \"$PID\"; wait \"$PID\"; exit; }\n"
     "while true; do sleep 20; done\n", 2, False),
    ("trap \"kill -TERM \\$PID; wait \\$PID\" TERM\nuvicorn app:app &\nPID=$!\nwait $PID\n", 2, True),  # escaped
    ("trap 'kill -TERM $PID' TERM\nuvicorn app:app &\nPID=$!\ntrap -p TERM\nwait $PID\n", 2, True),  # only prints
    ("trap 'exit 0' TERM\ntrap 'kill $(jobs -p); wait' EXIT\nuvicorn app:app &\nwait\n", 3, True),  # via EXIT
    ("trap 'exit 0' TERM\nuvicorn app:app &\nwait\n", 2, False),  # exits, and the server with it
])
def test_forwards_term(src, line, forwards):
    """A supervisor script passes SIGTERM on only when its TERM trap's handler signals a process with kill
    and the script then waits on the wait builtin, which the signal cuts short."""
    from readycheck.parsers.sigterm import forwards_term

    assert forwards_term(src, line) is forwards


@pytest.mark.parametrize("first", ["# plain", "# café"])  # the ASCII and the non-ASCII paths alike
def test_positions_of_a_module_with_lone_carriage_returns(first):
    """Python's tokenizer ends a line at a lone CR too: every position must be the one the same module
    with LF line ends gets (columns were byte offsets past the first line of a non-ASCII module, and a
    function's name was looked for on the wrong line)."""
    lines = [first, "import requests", "async def  handler():", "    x = 1; requests.get('http://a')"]
    with_lf = parse_python("app/main.py", "\n".join(lines).encode())
    with_cr = parse_python("app/main.py", "\r".join(lines).encode())
    lf, cr = with_lf.functions["handler"], with_cr.functions["handler"]
    assert cr.span == lf.span and cr.span.column == 12
    assert [c.span for c in cr.calls] == [c.span for c in lf.calls]
    assert lf.calls[0].span.line == 4


@pytest.mark.parametrize("src, line, waits", [
    (_TRAP + "wait $PID\n", 3, False),  # the signal cuts the one wait short: the script ends, PID 1 with it
    (_TRAP + "wait $PID\ntrap - TERM\nwait $PID\n", 3, True),  # the double-wait idiom
    ("trap 'kill -TERM $PID; wait $PID' TERM\nuvicorn app:app &\nPID=$!\nwait $PID\n", 2, True),  # the handler waits
    ("stop() { kill -TERM \"$PID\"; wait \"$PID\"; }\ntrap stop TERM\nuvicorn app:app &\nPID=$!\nwait\n", 3, True),
    (_TRAP + "for pid in $PID; do wait \"$pid\"; done\n", 3, True),  # in a loop
    (_TRAP + "while kill -0 $PID; do sleep 2; done\n", 3, True),
    ("trap 'kill -TERM $PID; exit 0' TERM\nuvicorn app:app &\nPID=$!\nwait $PID\n", 2, False),  # exits at once
])
def test_forwarding_waits_or_ends(src, line, waits):
    """A script that passes SIGTERM on must then wait for the server to end: the signal cuts its wait short,
    and a script that ends there ends PID 1, and the server with it, mid-shutdown."""
    from readycheck.parsers.sigterm import forwarding

    assert forwarding(src, line) == ("waits" if waits else "ends")
