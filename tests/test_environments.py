"""readycheck.knowledge.environments: one answer, with its reason, for where a file or service runs."""

from readycheck.api import classify_environment
from readycheck.knowledge.environments import Environment, is_development_path

from tests.helpers import scan_tree, write_tree


def test_paths():
    assert classify_environment("Dockerfile") == Environment("production")
    assert classify_environment("deploy/docker-compose.yml").production
    assert classify_environment("docker-compose.override.yml") == \
        Environment("development", "file name docker-compose.override.yml")
    assert classify_environment("Procfile.dev").kind == "development"
    assert classify_environment("Dockerfile.backup") == Environment("auxiliary", "old copy Dockerfile.backup")
    assert classify_environment("tests/docker/Dockerfile") == Environment("auxiliary", "under tests/")
    assert classify_environment("svc/.ci/Dockerfile") == Environment("auxiliary", "under svc/.ci/")
    assert classify_environment("Ops/Dev/compose.yml") == Environment("development", "under Ops/Dev/")
    assert classify_environment(".devcontainer/Dockerfile").kind == "development"
    assert classify_environment("backup/Dockerfile").production  # only a file name is an old copy
    assert is_development_path("examples/app/Dockerfile") and not is_development_path("app/Dockerfile")


def test_services_targets_stages():
    assert classify_environment("compose.yml", ["testing"]) == Environment("development", "compose profile testing")
    assert classify_environment("compose.yml", ["worker", "Debug"]).reason == "compose profile Debug"
    assert classify_environment("compose.yml", ["worker"]).production
    assert classify_environment("compose.yml", project_name="shop-local").reason == "compose project shop-local"
    assert classify_environment("compose.yml", target="development").reason == "build target development"
    assert classify_environment("Dockerfile", stage="dev").reason == "stage dev"
    assert classify_environment("Makefile", origin="Makefile").reason == "a Makefile recipe"
    # the path wins: it is the first thing a reader sees
    assert classify_environment("docker-compose.dev.yml", ["testing"]).reason == "file name docker-compose.dev.yml"
    # hostile YAML: numbers, lists and nulls where strings belong
    assert classify_environment("compose.yml", [1, None, ["dev"]], project_name=3, target=[], stage={}).production
    assert classify_environment("compose.yml").note == ""
    assert classify_environment("compose.yml", ["dev"]).note == " (development: compose profile dev)"


def test_issue_example_rc201_and_rc603_agree(tmp_path):
    """One compose service in a testing profile: RC201 and RC603 both info, both naming the profile."""
    write_tree(tmp_path, {"docker-compose.yml": """
        services:
          api:
            build: .
            command: uvicorn app.main:app --host 0.0.0.0 --reload
            profiles: ["testing"]
            environment:
              DATABASE_URL: postgresql://app:s3cret@db.example.com/app
        """, "Dockerfile": "FROM python:3.12-slim\nCMD [\"gunicorn\", \"app.main:app\"]\n"})
    result = scan_tree(tmp_path, select=["RC201", "RC603"])
    found = {f.rule_id: f for f in result.findings}
    assert set(found) == {"RC201", "RC603"}
    assert all(f.severity.name == "INFO" for f in found.values())
    assert all(f.message.endswith("(development: compose profile testing)") for f in found.values())
    assert "development-only file" not in found["RC201"].message
