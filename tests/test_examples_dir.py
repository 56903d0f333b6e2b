"""The shipped example services: the bad one shows every headline concern at its
exact line, the production-ready twin shows nothing."""

from pathlib import Path

from helpers import found, scan_tree

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_bad_service_has_every_concern_at_its_line():
    result = scan_tree(EXAMPLES / "fastapi-bad")
    assert not result.diagnostics
    assert found(result) == {
        ("RC101", "Dockerfile", 1),
        ("RC201", "Dockerfile", 8), ("RC201", "Procfile", 1), ("RC201", "docker-compose.yml", 4),
        ("RC601", "Dockerfile", 8), ("RC601", "app/main.py", 10),
        ("RC301", "requirements.txt", 1), ("RC301", "requirements.txt", 2), ("RC301", "requirements.txt", 4),
        ("RC301", "requirements.txt", 5), ("RC301", "requirements.txt", 6),
        ("RC401", "app/main.py", 17), ("RC401", "app/main.py", 18), ("RC401", "app/main.py", 24),
        ("RC401", "app/main.py", 27),
        ("RC501", "app/main.py", 12),
        ("RC204", "Dockerfile", 8),
        ("RC207", "Dockerfile", 8), ("RC207", "Procfile", 1), ("RC207", "docker-compose.yml", 4),
        ("RC209", "Dockerfile", 8), ("RC209", "Procfile", 1), ("RC209", "docker-compose.yml", 4),
        ("RC104", "Dockerfile", 1), ("RC107", "Dockerfile", 1), ("RC106", "Dockerfile", 4),
        ("RC116", "Dockerfile", 4), ("RC105", "Dockerfile", 5), ("RC113", "docker-compose.yml", 2),
        ("RC303", "requirements.txt", 2), ("RC602", "app/database.py", 6),
        ("RC603", "docker-compose.yml", 8), ("RC506", "app/main.py", 12),
    }


def test_bad_service_columns_point_at_the_token():
    result = scan_tree(EXAMPLES / "fastapi-bad")
    reload = next(f for f in result.findings if f.rule_id == "RC201" and f.path == "Dockerfile")
    line = (EXAMPLES / "fastapi-bad" / "Dockerfile").read_text().splitlines()[reload.span.line - 1]
    assert line[reload.span.column - 1:reload.span.end_column - 1] == "--reload"
    sleep = next(f for f in result.findings if f.rule_id == "RC401" and f.span.line == 24)
    line = (EXAMPLES / "fastapi-bad" / "app" / "main.py").read_text().splitlines()[23]
    assert line[sleep.span.column - 1:sleep.span.end_column - 1] == "time.sleep"


def test_good_service_is_clean():
    result = scan_tree(EXAMPLES / "fastapi-good")
    assert result.findings == []
    assert result.diagnostics == []
    assert result.files_scanned >= 10
