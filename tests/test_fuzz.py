"""Property-based and fuzz tests: no input crashes a front end or a scan.

The number of generated inputs per property comes from READYCHECK_FUZZ_EXAMPLES:
a small sample in the normal test run, and the fuzz job in .ci/run sets it so that
more than 10,000 inputs are tried across the front ends.
"""

from __future__ import annotations

import json
import os
import string
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readycheck.parsers.dependencies import parse_requirements
from readycheck.parsers.dockerfile import parse_dockerfile
from readycheck.parsers.python import PythonSyntaxError, parse_python
from readycheck.parsers.shell import parse_commands
from readycheck.core.sourcefile import FileKind, SourceFile, UnreadableFile

EXAMPLES = int(os.environ.get("READYCHECK_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

SHELL_ALPHABET = string.ascii_letters + string.digits + " \t\n\\'\"$(){}[]|&;<>#=-_./:*`!~"
shell_text = st.text(alphabet=SHELL_ALPHABET, max_size=300)
INSTRUCTIONS = ["FROM", "RUN", "CMD", "ENTRYPOINT", "COPY", "ADD", "ENV", "ARG", "USER", "WORKDIR", "EXPOSE",
                "HEALTHCHECK", "LABEL", "SHELL", "STOPSIGNAL", "ONBUILD", "# comment", "# escape=`"]
dockerfile_text = st.lists(
    st.tuples(st.sampled_from(INSTRUCTIONS),
              st.one_of(shell_text, st.sampled_from(["<<EOF\necho hi\nEOF", '["a", "b"]', "[\"unclosed", "\\",
                                                     "python:3.12 AS b", "--mount=type=cache,target=/x pip install x",
                                                     "--from=b /a /b", "$X", "A=1 B='2 3'"]))),
    max_size=25).map(lambda lines: "\n".join(f"{k} {v}" for k, v in lines))
requirement_line = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["fastapi==0.1", "uvicorn[standard]>=0.30 ; python_version>'3.8'", "-r other.txt", "-e .",
                     "git+https://x/y.git@main#egg=y", "--hash=sha256:abc", "x @ https://a/b.tar.gz", "\\",
                     "--index-url https://x", "# c", "pkg==1.* ", "[", "==1", "name@", "-c"]))
requirements_text = st.lists(requirement_line, max_size=30).map("\n".join)
python_source = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.lists(st.sampled_from([
        "import time", "from fastapi import FastAPI, APIRouter, Depends", "app = FastAPI()",
        "router = APIRouter(prefix='/x')", "@app.get('/h')", "@router.post(path='/p')", "async def f(db: Session):",
        "def g(x=Depends(h)):", "    time.sleep(1)", "    await x()", "    yield 1", "    return requests.get(u)",
        "class C(APIRouter):", "    pass", "if __name__ == '__main__':", "    uvicorn.run(app, reload=True)",
        "app.include_router(router, prefix=f'/{v}')", "x = lambda: time.sleep(2)", "with Session(e) as s:",
        "    s.execute(q)", "print 'py2'", "@@@", "(", "'''", "\t\tbad indent",
        # newer syntax, rewritten for an older parser (parsers.newer_syntax), whole and broken
        "class R[T: (int, str)](Base):", "def first[T](xs: list[T]) -> T:", "type Id = int", "type P[A] = [",
        "class M[", "    T,", "](object):", "try:", "except KeyError, TypeError:", "except* A, B:",
        "x = t'hi {name}'", "type = 1", "type[", "]", "y = f'{d['k']}'", "z = f\"{", "    g(1)", "}\"",
        "w = f'{x!r:>{n}} {{}}'", "# f'{'"]), max_size=25)
    .map(lambda lines: "\n".join(lines).encode()))


def _source(tmp_path: Path, name: str, data: bytes, kind: FileKind) -> SourceFile:
    path = tmp_path / name
    path.write_bytes(data)
    return SourceFile(name, path, kind, len(data))


@FUZZ
@given(shell_text)
def test_shell_lexer_never_raises_and_offsets_are_exact(text):
    for command in parse_commands(text):
        for word in command.words:
            assert 0 <= word.start <= word.end <= len(text)
            assert text[word.start:word.end] == word.raw


@FUZZ
@given(requirements_text)
def test_requirements_parser_never_raises(tmp_path_factory, text):
    tmp = tmp_path_factory.mktemp("req")
    source = _source(tmp, "requirements.txt", text.encode("utf-8", "surrogatepass"), FileKind.REQUIREMENTS)
    try:
        parsed = parse_requirements(source)
    except UnreadableFile:  # invalid UTF-8 (lone surrogates): a diagnostic in a real scan
        return
    lines = text.count("\n") + 1
    assert all(1 <= r.span.line <= lines for r in parsed.requirements)


@FUZZ
@given(dockerfile_text)
def test_dockerfile_parser_never_raises(tmp_path_factory, text):
    tmp = tmp_path_factory.mktemp("df")
    dockerfile = parse_dockerfile(_source(tmp, "Dockerfile", text.encode(), FileKind.DOCKERFILE))
    for stage in dockerfile.stages:
        for inst in stage.instructions:
            dockerfile.commands(inst)
            dockerfile.assignments(inst)
            dockerfile.span_of(inst, "x")


@FUZZ
@given(python_source)
def test_python_front_end_raises_only_its_own_error(data):
    try:
        parse_python("m.py", data)
    except PythonSyntaxError:
        pass


@settings(max_examples=max(10, EXAMPLES // 10), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(dockerfile=dockerfile_text, requirements=requirements_text, python=python_source,
       compose=st.text(max_size=200), procfile=shell_text)
def test_whole_scan_never_crashes_and_json_stays_valid(tmp_path_factory, dockerfile, requirements, python, compose,
                                                       procfile):
    from helpers import scan_tree
    from readycheck.reporters.json_report import report

    root = tmp_path_factory.mktemp("repo")
    (root / "Dockerfile").write_text(dockerfile)
    (root / "requirements.txt").write_bytes(requirements.encode("utf-8", "surrogatepass"))
    (root / "main.py").write_bytes(python)
    (root / "docker-compose.yml").write_bytes(compose.encode("utf-8", "surrogatepass"))
    (root / "Procfile").write_text("web: " + procfile.replace("\n", " "))
    result = scan_tree(root)
    assert not [d for d in result.diagnostics if d.kind == "internal"], result.diagnostics

    class Sink:
        data = ""

        def write(self, text):
            Sink.data += text

    report(result, Sink(), ".")
    json.loads(Sink.data)


# ---------------------------------------------------------------- wrongly typed configs
# Real deployment files, well formed, with values of the wrong type dropped in at random
# places (a number where a command belongs, a table where a list belongs): the text fuzz
# above rarely writes YAML or TOML that parses, so it never reached the readers behind it.

BASE_DOCUMENTS = {
    "docker-compose.yml": {"services": {
        "api": {"build": {"context": ".", "dockerfile": "Dockerfile"}, "image": "app:1",
                "command": ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--reload"],
                "entrypoint": "sh -c 'exec \"$@\"'", "ports": ["8000:8000"],
                "environment": {"DATABASE_URL": "postgresql://u:p@db/app", "WEB_CONCURRENCY": "4"},
                "env_file": [".env"], "profiles": ["prod"],
                "healthcheck": {"test": ["CMD", "curl", "-f", "http://localhost:8000/healthz"], "interval": "10s"},
                "depends_on": {"migrate": {"condition": "service_completed_successfully"}},
                "deploy": {"replicas": 3, "resources": {"limits": {"cpus": "2"}}}},
        "migrate": {"build": ".", "command": "alembic upgrade head"},
        "db": {"image": "postgres:16", "environment": ["POSTGRES_PASSWORD=x"]}}},
    "k8s/deploy.yaml": {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"}, "spec": {
        "replicas": 3, "template": {"spec": {
            "initContainers": [{"name": "migrate", "image": "app:1", "command": ["alembic", "upgrade", "head"]}],
            "containers": [{"name": "api", "image": "app:1", "command": ["gunicorn"],
                            "args": ["app.main:app", "-k", "uvicorn.workers.UvicornWorker", "-w", "4"],
                            "env": [{"name": "PORT", "value": "8000"}], "ports": [{"containerPort": 8000}],
                            "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8000}},
                            "readinessProbe": {"exec": {"command": ["curl", "-f", "http://localhost:8000/ready"]}},
                            "resources": {"limits": {"cpu": "500m", "memory": "512Mi"}},
                            "securityContext": {"runAsNonRoot": True}}]}}}},
    "render.yaml": {"services": [{"type": "web", "name": "api", "env": "python", "startCommand": "gunicorn app:app",
                                  "preDeployCommand": "alembic upgrade head", "healthCheckPath": "/healthz",
                                  "numInstances": 2, "envVars": [{"key": "WEB_CONCURRENCY", "value": 4}]}],
                    "databases": [{"name": "db"}]},
    "app.yaml": {"runtime": "python312", "entrypoint": "gunicorn -b :$PORT main:app",
                 "liveness_check": {"path": "/liveness"}, "readiness_check": {"path": "/readiness"},
                 "automatic_scaling": {"min_instances": 2}, "env_variables": {"WEB_CONCURRENCY": "2"}},
    "railway.json": {"build": {"builder": "NIXPACKS"}, "deploy": {
        "startCommand": "uvicorn app:app --host 0.0.0.0 --port $PORT", "healthcheckPath": "/healthz",
        "numReplicas": 2, "preDeployCommand": ["alembic upgrade head"]}},
    "fly.toml": {"app": "x", "processes": {"web": "gunicorn app:app -w 4", "worker": "python w.py"},
                 "deploy": {"release_command": "alembic upgrade head"}, "env": {"PORT": "8000"},
                 "http_service": {"internal_port": 8000, "checks": [{"path": "/healthz", "interval": "10s"}]},
                 "services": [{"internal_port": 8000, "processes": ["web"], "http_checks": [{"path": "/h"}]}],
                 "vm": [{"cpus": 2}]},
    "pyproject.toml": {"project": {"name": "svc", "version": "1", "dependencies": ["fastapi==0.115.0", "uvicorn>=0.30"],
                                   "optional-dependencies": {"dev": ["pytest"]}},
                       "dependency-groups": {"test": ["pytest==8.3.0"]},
                       "tool": {"poetry": {"dependencies": {"python": "^3.11", "fastapi": "*"}},
                                "setuptools": {"dynamic": {"dependencies": {"file": ["requirements.txt"]}}}}},
}

wrong_value = st.recursive(
    st.none() | st.booleans() | st.integers(-2 ** 70, 2 ** 70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12) | st.sampled_from(["", "0", "-1", "$PORT", "/", "a:b", "${X:-1}", "0.0.0.0:80"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6)


def _node_paths(doc, prefix=()):
    yield prefix
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    for key, value in items:
        yield from _node_paths(value, prefix + (key,))


def _replaced(doc, path, value):
    if not path:
        return value
    copy = dict(doc) if isinstance(doc, dict) else list(doc)
    copy[path[0]] = _replaced(copy[path[0]], path[1:], value)
    return copy


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) and ("." in repr(value) or "e" in repr(value)) else str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value if v is not None) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items() if v is not None) + "}"


def _serialise(name: str, doc) -> str:
    import yaml

    if name.endswith(".json"):
        return json.dumps(doc)
    if name.endswith(".toml"):
        table = doc if isinstance(doc, dict) else {"value": doc}
        return "".join(f"{json.dumps(k)} = {_toml_value(v)}\n" for k, v in table.items() if v is not None)
    return yaml.safe_dump(doc)


@settings(max_examples=max(10, EXAMPLES // 10), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_wrongly_typed_deployment_files_never_crash_a_check(tmp_path_factory, data):
    from helpers import scan_tree

    root = tmp_path_factory.mktemp("repo")
    (root / "Dockerfile").write_text('FROM python:3.12-slim\nCOPY . /app\nCMD ["gunicorn", "app.main:app"]\n')
    (root / "requirements.txt").write_text("fastapi==0.115.0\n")
    (root / "app").mkdir()
    (root / "app" / "main.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n\n\n"
                                          "@app.get('/healthz')\nasync def healthz():\n    return {}\n")
    for name, base in BASE_DOCUMENTS.items():
        doc = base
        paths = list(_node_paths(base))
        for _ in range(data.draw(st.integers(0, 3), label=f"{name} changes")):
            path = paths[data.draw(st.integers(0, len(paths) - 1), label=f"{name} where")]
            doc = _replaced(doc, path, data.draw(wrong_value, label=f"{name} value"))
            paths = list(_node_paths(doc))
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_serialise(name, doc))
    result = scan_tree(root)
    assert not [d for d in result.diagnostics if d.kind == "internal"], result.diagnostics


# ---------------------------------------------------------------- hostile shapes (see tests/test_hostile.py)

HOSTILE_FUZZ = settings(max_examples=max(10, EXAMPLES // 4), deadline=None, derandomize=True,
                        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                               HealthCheck.function_scoped_fixture])
VALID_YAML = {
    "docker-compose.yml": b"services:\n  api:\n    build: .\n    command: uvicorn app.main:app --reload\n"
                          b"    environment:\n      DATABASE_URL: postgresql://u:p@db/x\n",
    "k8s/deploy.yaml": b"apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n"
                       b"        - name: api\n          command: [\"gunicorn\", \"app.main:app\"]\n",
    "chart/templates/deploy.yaml": b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n"
                                   b"spec:\n  replicas: {{ .Values.replicas }}\n  template:\n    spec:\n      containers:\n"
                                   b"        - name: api\n          command: [\"uvicorn\", \"app.main:app\"]\n",
}
bad_bytes = st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from([b"\xff", b"\xc3", b"\x80", b"\xed\xa0\x80",
                                                                        b"\x00", b"\xfe\xff", b"{{", b"}}"])),
                     min_size=1, max_size=4)


def _everything_reports(result) -> None:
    """Every format writes the result to a UTF-8 stream without an error, and the JSON ones parse."""
    import io

    from readycheck.reporters import github, gnu, json_report, junit, sarif, text

    for name, write in (("json", lambda out: json_report.report(result, out, ".")),
                        ("sarif", lambda out: sarif.report(result, out, result.checks)),
                        ("github", lambda out: github.report(result, out, str, {})),
                        ("gnu", lambda out: gnu.report(result, out, str)),
                        ("junit", lambda out: junit.report(result, out, str)),
                        ("text", lambda out: text.report(result, out, color=False, display=str))):
        buffer = io.BytesIO()
        stream = io.TextIOWrapper(buffer, encoding="utf-8", newline="\n")
        write(stream)
        stream.flush()
        if name in ("json", "sarif"):
            json.loads(buffer.getvalue().decode("utf-8"))


@HOSTILE_FUZZ
@given(edits=bad_bytes)
def test_invalid_bytes_inside_valid_yaml_and_helm(tmp_path_factory, edits):
    from helpers import scan_tree

    root = tmp_path_factory.mktemp("repo")
    for name, data in VALID_YAML.items():
        for at, chunk in edits:
            at %= len(data) + 1
            data = data[:at] + chunk + data[at:]
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    (root / "Dockerfile").write_text('FROM python:3.12-slim\nUSER app\nCMD ["gunicorn", "app.main:app"]\n')
    result = scan_tree(root)
    assert not [d for d in result.diagnostics if d.kind == "internal"], result.diagnostics
    _everything_reports(result)


surrogate_escape = st.integers(0xD800, 0xDFFF).map(lambda c: f"\\u{c:04x}")
path_piece = st.one_of(surrogate_escape, st.sampled_from(["\\n", "\\r", "\\x00", "\\x1b[2J", "\\u202e", "`", "%",
                                                          "::", "/", "a", "{x}"]))


@HOSTILE_FUZZ
@given(pieces=st.lists(path_piece, min_size=1, max_size=6), service=st.lists(path_piece, max_size=4))
def test_lone_surrogates_in_python_string_literals(tmp_path_factory, pieces, service):
    from helpers import scan_tree

    root = tmp_path_factory.mktemp("repo")
    route = "/" + "".join(pieces)
    (root / "app").mkdir()
    (root / "app" / "main.py").write_text(
        "import time\nfrom fastapi import FastAPI, APIRouter\napp = FastAPI()\nrouter = APIRouter(prefix=\"" + route
        + "\")\n@router.get(\"" + route + "\")\nasync def h():\n    time.sleep(1)\n"
        "app.include_router(router)\nURL = \"postgresql://u:" + "".join(pieces).replace("/", "") + "@h/db\"\n")
    name = "".join(service).replace("\\", "").replace("/", "") or "api"
    (root / "docker-compose.yml").write_text(f"services:\n  {json.dumps(name)}:\n    command: uvicorn app.main:app\n")
    result = scan_tree(root)
    assert not [d for d in result.diagnostics if d.kind == "internal"], result.diagnostics
    _everything_reports(result)


ignore_line = st.text(alphabet="ab*?[]!\\/# .", max_size=12).map(lambda line: line + "\\" * (len(line) % 3))


@HOSTILE_FUZZ
@given(gitignore=st.lists(ignore_line, max_size=6), dockerignore=st.lists(ignore_line, max_size=6))
def test_ignore_files_with_trailing_escapes(tmp_path_factory, gitignore, dockerignore):
    from helpers import scan_tree

    root = tmp_path_factory.mktemp("repo")
    (root / ".gitignore").write_text("\n".join(gitignore) + "\n")
    (root / ".dockerignore").write_text("\n".join(dockerignore) + "\n")
    (root / "Dockerfile").write_text('FROM python:3.12-slim\nUSER app\nCOPY . .\nCMD ["gunicorn", "app:app"]\n')
    (root / "a").mkdir()
    (root / "a" / "b.py").write_text("x = 1\n")
    result = scan_tree(root)
    assert not [d for d in result.diagnostics if d.kind == "internal"], result.diagnostics


@HOSTILE_FUZZ
@given(depth=st.sampled_from([50, 1_000, 100_000]), opener=st.sampled_from(["[", '{"a":']))
def test_deeply_nested_json_in_every_json_readycheck_reads(tmp_path_factory, depth, opener):
    from helpers import scan_tree

    from readycheck.engine.baseline import BaselineError, read

    closer = "]" if opener == "[" else "}"
    deep = opener * depth + "1" + closer * depth
    root = tmp_path_factory.mktemp("repo")
    (root / "railway.json").write_text(deep)
    (root / "Pipfile.lock").write_text(deep)
    (root / "Dockerfile").write_text(f"FROM python:3.12-slim\nUSER app\nCMD {deep}\nENTRYPOINT {deep}\n")
    (root / "requirements.txt").write_text("fastapi==1.0\n")
    result = scan_tree(root)
    assert not [d for d in result.diagnostics if d.kind == "internal"], result.diagnostics
    (root / "baseline.json").write_text(deep)
    try:
        read(root / "baseline.json")
    except BaselineError:
        pass


TOML_PIECES = ['a = 1', 'b = "x"', "c = 'lit'", 'd = """\nmulti "q" \n"""', "e = '''\nraw''ok'''", 'f = [1, "two", [3]]',
               'g = {h = "i", j.k = 2}', "[t]", "[t.u]", "[[arr]]", "[[arr.sub]]", 'x.y = "z"', '"q.k" = 1',
               'when = 1979-05-27 07:32:00Z', 'esc = "tab\\tquote\\" \\U0001F600"', "l = [\n  1, # c\n  2,\n]",
               "# comment [x] = 'y'", "", 'p = "a#b"', "m = -1.5e3", "n = true", "o = []", "s = {}", '"" = 0',
               "k-1 = 'x'", "[\"quoted table\".sub]", 'dup = "ok"']
toml_text = st.lists(st.sampled_from(TOML_PIECES), max_size=20).map("\n".join)


def _leaves(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path, value


@FUZZ
@given(toml_text)
def test_located_toml_finds_every_value_tomllib_reads(tmp_path_factory, text):
    """Whatever TOML tomllib accepts, the locator finds every value, and a string written
    without escapes is at its exact offset."""
    import tomllib

    from readycheck.parsers.located import load_located

    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    path = tmp_path_factory.mktemp("toml") / "fly.toml"
    path.write_text(text, encoding="utf-8")
    document = load_located(SourceFile("fly.toml", path, FileKind.FLY, path.stat().st_size))
    for where, value in _leaves(document.data):
        assert document.value_span(*where) is not None, where
        at = document.verbatim_at(*where)
        if isinstance(value, str) and at is not None:
            assert text[at:at + len(value)] == value, where
