"""Bad input never crashes a scan and never loses the other files' findings."""

from __future__ import annotations

from helpers import found, scan_tree, write_tree

GOOD_FINDING = {"requirements.txt": "fastapi\n"}


def _scan(tmp_path, files):
    write_tree(tmp_path, {**GOOD_FINDING, **files}, dedent=False)
    result = scan_tree(tmp_path)
    assert ("RC301", "requirements.txt", 1) in found(result), "a bad file must not lose other findings"
    assert not [d for d in result.diagnostics if d.kind == "internal"], result.diagnostics
    return result


def diag(result, path):
    return [d.message for d in result.diagnostics if d.path == path]


def test_python_syntax_error_and_python2(tmp_path):
    result = _scan(tmp_path, {"app/broken.py": "from fastapi import FastAPI\ndef f(:\n",
                              "app/legacy.py": "import fastapi\nprint 'hello'\n"})
    assert "syntax error at line 2" in diag(result, "app/broken.py")[0]
    assert "Python 2" in diag(result, "app/legacy.py")[0]


def test_binary_and_undecodable_files(tmp_path):
    result = _scan(tmp_path, {"Dockerfile": b"\x7fELF\x00\x01\x02", "api/requirements.txt": b"caf\xe9==1\n",
                              "app/null.py": b"import fastapi\x00\n"})
    assert "binary" in diag(result, "Dockerfile")[0]
    assert "UTF-8" in diag(result, "api/requirements.txt")[0]
    assert diag(result, "app/null.py")


def test_malformed_yaml_toml_and_alias_bomb(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9))
    result = _scan(tmp_path, {"docker-compose.yml": "services: [unclosed\n", "compose.prod.yaml": bomb,
                              "pyproject.toml": "[project\nname=", "Procfile": "\x01\x02 garbage ::: \n"})
    assert "YAML" in diag(result, "docker-compose.yml")[0]
    assert "nodes" in diag(result, "compose.prod.yaml")[0]
    assert "pyproject" in diag(result, "pyproject.toml")[0]


def test_empty_bom_crlf_and_odd_dockerfiles(tmp_path):
    result = _scan(tmp_path, {
        "empty/Dockerfile": "", "app/empty.py": "", "Procfile": "",
        "crlf/Dockerfile": "FROM python:3.12-slim\r\nCMD [\"uvicorn\", \"a:b\", \"--reload\"]\r\n",
        "bom/requirements.txt": "\ufefffastapi==1.0\n",
        "heredoc/Dockerfile": "FROM python:3.12-slim\nRUN <<EOF\nuvicorn x --reload\nUSER root\nEOF\nUSER app\n",
        "deep/main.py": "import fastapi\nx = " + "(" * 500 + "1" + ")" * 500 + "\n",
    })
    assert ("RC201", "crlf/Dockerfile", 2) in found(result)
    assert not any(f.path.startswith("bom/") for f in result.findings)
    # The heredoc body is not instructions: USER app (line 6) is the last USER.
    assert not any(f.path == "heredoc/Dockerfile" for f in result.findings)


def test_utf16_requirements_from_powershell_are_read(tmp_path):
    data = "\ufefffastapi>=0.1\r\nuvicorn==0.34.0\r\n".encode("utf-16-le")
    result = _scan(tmp_path, {"svc/requirements.txt": data})
    assert ("RC301", "svc/requirements.txt", 1) in found(result)
    assert not diag(result, "svc/requirements.txt")


def test_huge_file_is_skipped_with_a_diagnostic(tmp_path):
    result = _scan(tmp_path, {"app/huge.py": "import fastapi\n" + "x = 1\n" * 1_000_000})
    assert "limit" in diag(result, "app/huge.py")[0]


def test_scanned_code_is_never_imported_or_run(tmp_path):
    marker = tmp_path / "pwned"
    payload = f"open({str(marker)!r}, 'w').write('x')\n"
    _scan(tmp_path, {"gunicorn.conf.py": payload, "setup.py": payload, "conftest.py": payload,
                     "app/main.py": "from fastapi import FastAPI\n" + payload + "app = FastAPI()\n",
                     "checks.py": payload})
    assert not marker.exists()


def test_python_312_type_parameters_lose_no_finding_on_an_older_python(tmp_path):
    """PEP 695 syntax is rewritten for the running parser (see parsers.newer_syntax)."""
    result = _scan(tmp_path, {"app/main.py": (
        "import time\nfrom fastapi import FastAPI\n\napp = FastAPI()\ntype Id = int\n\n\n"
        "class Page[T]:\n    items: list[T]\n\n\n"
        "@app.get('/items')\nasync def items[T](page: Page[T]):\n    time.sleep(1)\n")})
    assert ("RC401", "app/main.py", 14) in found(result)
    assert not diag(result, "app/main.py")


def test_deeply_nested_toml_and_json_are_parse_diagnostics(tmp_path, capsys):
    # json and tomllib recurse once per nested array: 100,000 of them exhaust the stack.
    # Each such file is a "not judged" diagnostic, never an internal error (exit 2) or a
    # crash, and the Dockerfile beside them is still judged. pyproject.toml is also read
    # before the scan, to look for [tool.readycheck]: that read must not crash either.
    import json

    from readycheck.cli import main

    deep = "[" * 100_000
    result = _scan(tmp_path, {"fly.toml": "app = " + deep + "\n", "railway.json": deep,
                              "svc/railway.toml": "a = " + deep + "\n",
                              "pyproject.toml": '[project]\nname = "x"\ndependencies = ' + deep + "\n",
                              "Dockerfile": 'FROM python:3.12-slim\nCMD ["uvicorn", "app:app", "--reload"]\n'})
    assert ("RC201", "Dockerfile", 2) in found(result)
    for path in ("fly.toml", "railway.json", "svc/railway.toml", "pyproject.toml"):
        assert [m for m in diag(result, path) if "nesting too deep" in m], (path, result.diagnostics)
    code = main([str(tmp_path), "--no-cache", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and {d["kind"] for d in report["diagnostics"]} == {"parse"}


def test_a_huge_run_line_still_gives_its_findings(tmp_path):
    # A 2 MB RUN line (under the 5 MB limit) is lexed in runs of plain characters (13.7 s -> 0.6 s,
    # measured, not asserted here): the words around it must still be found and located.
    result = _scan(tmp_path, {"Dockerfile": "FROM python:3.12-slim\nRUN echo " + "a" * 2_000_000
                              + " && pip install flask\nCMD uvicorn app:app\n"})
    assert ("RC305", "Dockerfile", 2) in found(result)
    assert ("RC204", "Dockerfile", 3) in found(result)


def test_file_names_that_are_not_utf8_or_hold_line_breaks(tmp_path, capsys):
    # os gives a non-UTF-8 name's bytes as lone surrogates, which no UTF-8 report can hold:
    # the path is shown with those bytes escaped, the file is still read (also from the
    # discovery cache), and no line-per-finding format is split by a newline in a name.
    import json
    import os
    import time

    from readycheck.cli import main

    bad = os.fsencode(tmp_path) + b"/bad\xff"
    os.makedirs(bad)
    with open(bad + b"/Dockerfile", "w") as out:
        out.write('FROM python:3.12-slim\nCMD ["uvicorn", "app:app", "--reload"]\n')
    (tmp_path / "nl\ndir").mkdir()
    (tmp_path / "nl\ndir" / "Dockerfile").write_text('FROM python:3.12-slim\nCMD ["uvicorn", "app:app", "--reload"]\n')
    time.sleep(2.1)  # past the file-list cache's racy window: the second run reads the stored list
    for _ in range(2):
        report_path = tmp_path.parent / f"{tmp_path.name}-report.sarif"
        assert main([str(tmp_path), "--format", "sarif", "-o", str(report_path), "--select", "RC201"]) == 1
        sarif = json.loads(report_path.read_text(encoding="utf-8"))
        uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"])
        assert len(uris) == 2 and uris[0].startswith("bad") and "xff" in uris[0], uris
    assert main([str(tmp_path), "--format", "gnu", "--select", "RC201", "--no-cache"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(": RC201 [error]" in line for line in lines), lines
    assert any("nl\\ndir/Dockerfile:2:" in line for line in lines), lines


def test_a_file_swapped_for_a_named_pipe_is_not_read(tmp_path):
    # Discovery lists only regular files, but a file can become a FIFO before it is read:
    # opening one for reading would wait for a writer forever.
    import os
    import subprocess
    import sys

    os.mkfifo(tmp_path / "Dockerfile")
    code = ("import sys\nfrom readycheck.core.sourcefile import SourceFile, UnreadableFile, FileKind\n"
            "try:\n    SourceFile('Dockerfile', sys.argv[1], FileKind.DOCKERFILE).data\n"
            "except UnreadableFile as exc:\n    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "Dockerfile")], capture_output=True, text=True,
                          timeout=60)
    assert "not a regular file" in done.stdout, done


def test_config_values_of_the_wrong_type_cost_nothing_but_themselves(tmp_path):
    # A number where a path belongs, a table where a list belongs: no check may crash on
    # them (four health checks once did on railway's healthcheckPath = 5), and the
    # other declarations in the same files are still read.
    result = _scan(tmp_path, {
        "railway.json": '{"deploy": {"startCommand": ["x"], "healthcheckPath": 5}, "build": null}',
        "fly.toml": 'app = 5\n[http_service]\ninternal_port = 8080\nchecks = {a = 1}\n'
                    '[[services]]\ninternal_port = "eighty"\nhttp_checks = [{path = 7}]\n[checks]\nx = {path = 8}\n',
        "render.yaml": "services:\n  - type: web\n    startCommand: 12345\n    healthCheckPath: [a]\n  - 5\n",
        "app.yaml": "runtime: python312\nliveness_check: {path: 9}\n",
        "k8s/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  replicas: three\n"
                           "  template:\n    spec:\n      containers:\n      - name: api\n        image: app\n"
                           "        command: [uvicorn, app:app, --reload]\n"
                           "        livenessProbe: {httpGet: {path: 5, port: http}}\n"
                           "        resources: {limits: {cpu: abc}}\n",
    })
    assert ("RC201", "k8s/deploy.yaml", 11) in found(result)


def test_a_library_scan_leaves_the_garbage_collector_as_it_found_it(tmp_path):
    import gc

    from helpers import scan_tree, write_tree

    write_tree(tmp_path, {"app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n"})
    assert gc.isenabled()
    scan_tree(tmp_path)
    assert gc.isenabled()
