"""The migration model: which migrations are found and judged, the revision graph, --since with a
read-only git, and what the migration-safety rules read from Alembic, SQL and the models."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers import CHECKS, found, scan_tree, write_tree
from readycheck.cli import main
from readycheck.engine.config import ConfigError, build_config
from readycheck.engine.discovery import discover
from readycheck.core.migration_examples import ALEMBIC_HEAD, alembic_repo, sql_repo
from readycheck.parsers.alembic import read_ids, read_ids_quickly
from readycheck.model.project import Project

REQUIREMENTS = "sqlalchemy==2.0.36\nalembic==1.14.0\npsycopg2-binary==2.9.10\n"


def revision(rev: str, down, upgrade: str = "pass") -> str:
    body = textwrap.indent(textwrap.dedent(upgrade).strip("\n"), "    ")
    return (f'import sqlalchemy as sa\nfrom alembic import op\n\nrevision = "{rev}"\ndown_revision = {down!r}\n\n\n'
            f"def upgrade():\n{body}\n\n\ndef downgrade():\n    pass\n")


def history(tmp_path: Path, revisions: dict[str, str], **extra: str) -> Path:
    files = {"alembic.ini": "[alembic]\nscript_location = migrations\n", "migrations/env.py": "import alembic\n",
             "requirements.txt": REQUIREMENTS, **extra}
    files.update({f"migrations/versions/{name}.py": text for name, text in revisions.items()})
    return write_tree(tmp_path, files, dedent=False)


def model_of(root: Path, mode: str = "heads", since: str | None = None):
    project = Project(root, discover(root))
    project.migration_mode, project.migration_since = mode, since
    return project, project.migrations


def test_heads_of_a_graph_with_a_branch_and_a_merge_are_judged(tmp_path):
    root = history(tmp_path, {
        "a": revision("a", None, 'op.drop_column("users", "old_a")'),
        "b": revision("b", "a", 'op.drop_column("users", "old_b")'),
        "c": revision("c", "a", 'op.drop_column("users", "old_c")'),
        "m": revision("m", ("b", "c")),  # the merge: the only head
        "x": revision("x", "m", 'op.drop_column("users", "old_x")'),
        "y": revision("y", "m", 'op.drop_column("users", "old_y")'),  # two heads again
    })
    _, model = model_of(root)
    assert model.heads("migrations") == ["x", "y"]
    assert {m.revision for m in model.judged} == {"x", "y"}
    assert {m.reason for m in model.judged} == {"head"}
    result = scan_tree(root, select=["RC701"])
    assert found(result) == {("RC701", "migrations/versions/x.py", 9), ("RC701", "migrations/versions/y.py", 9)}
    _, everything = model_of(root, "all")
    assert len(everything.judged) == 6
    result = scan_tree(root, select=["RC701"], table={"migrations": "all"})
    assert len(found(result)) == 5  # the merge itself drops nothing


def test_the_configuration_chooses_all_or_heads_and_nothing_else():
    assert build_config({"migrations": "all"}, CHECKS).migrations == "all"
    assert build_config({}, CHECKS).migrations == "heads"
    with pytest.raises(ConfigError, match="heads.*all"):
        build_config({"migrations": "latest"}, CHECKS)


def test_the_latest_version_of_each_sql_folder_is_judged(tmp_path):
    write_tree(tmp_path, {
        "db/migration/V1__init.sql": "CREATE TABLE users (id bigint, legacy text);\n",
        "db/migration/V1_10__drop.sql": "ALTER TABLE users DROP COLUMN legacy;\n",  # 1.10 > 1.9 > 1.2
        "db/migration/V1_9__index.sql": "CREATE INDEX ix ON users (id);\n",
        "db/migration/V1_2__more.sql": "ALTER TABLE users DROP COLUMN other;\n",
        "db/migration/R__views.sql": "CREATE VIEW v AS SELECT 1;\n",  # repeatable: not a versioned migration
        "requirements.txt": "asyncpg==0.30.0\n",
    })
    _, model = model_of(tmp_path)
    assert [m.path for m in model.judged] == ["db/migration/V1_10__drop.sql"]
    assert len(model.migrations) == 4


def test_a_repository_without_migrations_reads_no_file_for_them(tmp_path):
    write_tree(tmp_path, {"app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
                          "schema.sql": "DROP TABLE users;\n", "requirements.txt": "fastapi==0.115.5\n"})
    project, model = model_of(tmp_path)
    assert model.migrations == [] and model.judged == []
    assert all("_read" not in source.__dict__ for source in project.all_files)  # not even read
    code = ("import sys\nfrom pathlib import Path\nfrom readycheck.cli import main\n"
            f"main([{str(tmp_path)!r}, '--no-cache', '--exit-zero', '-o', '/dev/null'])\n"
            "print('pglast' in sys.modules, 'readycheck.parsers.alembic' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False False"


def test_quick_revision_ids_agree_with_the_parser():
    texts = [
        'revision = "a1"\ndown_revision = None\n',
        "revision: str = 'a1'\ndown_revision: Union[str, None] = 'b2'  # the parent\n",
        'revision = "m"\ndown_revision = ("b", "c")\n',
        'revision = "m"\ndown_revision = [\n    "b",\n    "c",\n]\n',
        'revision = "m"\ndown_revision = (\n    "b",  # left\n    "c",\n)\n',
        '"""\nrevision = "in-a-docstring"\n"""\nrevision = "real"\ndown_revision = "p"\n',
        'revision = "x"\ndown_revision = "p" if True else "q"\n',  # not a literal: the parser decides
        'revision = "x"\n',  # no down_revision: not a revision file
        '\n\ndef upgrade():\n    pass\nrevision = "late"\ndown_revision = None\n',
    ]
    for text in texts:
        parsed = read_ids("f.py", ast.parse(text))
        quick = read_ids_quickly("f.py", text)
        if quick is not None:
            assert parsed is not None and (quick.revision, quick.down_revisions, quick.span.line) == \
                (parsed.revision, parsed.down_revisions, parsed.span.line), text


def test_inspect_shows_the_graph_and_what_was_judged(tmp_path, capsys):
    root = history(tmp_path, {"0001_init": revision("0001", None), "0002_next": revision("0002", "0001")})
    assert main(["inspect", str(root), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)["migrations"]
    assert data["selection"] == "heads" and data["postgresql"] is True
    (graph,) = data["histories"]
    assert graph["heads"] == ["0002"] and graph["folder"] == "migrations"
    by_revision = {m["revision"]: m for m in graph["migrations"]}
    assert by_revision["0002"]["down_revisions"] == ["0001"] and by_revision["0002"]["judged"]
    assert not by_revision["0001"]["judged"]
    assert main(["inspect", str(root)]) == 0
    text = capsys.readouterr().out
    assert "heads: 0002" in text and "0002 <- 0001  migrations/versions/0002_next.py:4  [judged: head" in text
    assert "0001 <- (base)" in text


def test_inspect_of_a_repository_without_migrations_has_no_migration_section(tmp_path, capsys):
    write_tree(tmp_path, {"app/main.py": "x = 1\n"})
    assert main(["inspect", str(tmp_path)]) == 0
    assert "Migrations" not in capsys.readouterr().out


# ------------------------------------------------------------------------------- git


def git(root: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(root.parent)}
    subprocess.run(["git", "-c", "init.defaultBranch=main", *args], cwd=root, check=True, capture_output=True,
                   env=env)


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@needs_git
def test_since_judges_what_changed_since_the_ref(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    history(root, {"0001": revision("0001", None, 'op.drop_column("users", "a")'),
                   "0002": revision("0002", "0001", 'op.drop_column("users", "b")')})
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "tag", "base")
    write_tree(root, {"migrations/versions/0003.py": revision("0003", "0002", 'op.drop_column("users", "c")')},
               dedent=False)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "pr")
    write_tree(root, {"migrations/versions/0004.py": revision("0004", "0003", 'op.drop_column("users", "d")')},
               dedent=False)  # untracked, not committed yet
    _, model = model_of(root, since="base")
    assert model.selection == "since base"
    assert sorted(m.revision for m in model.judged) == ["0003", "0004"]
    assert {m.reason for m in model.judged} == {"changed since base"}
    assert main([str(root), "--since", "base", "--select", "RC701", "--no-cache", "--format", "json",
                 "-o", str(tmp_path / "out.json")]) == 1
    paths = {f["path"] for f in json.loads((tmp_path / "out.json").read_text())["findings"]}
    assert paths == {"migrations/versions/0003.py", "migrations/versions/0004.py"}


@needs_git
def test_since_with_an_unknown_ref_falls_back_to_the_heads_and_says_so(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    history(root, {"0001": revision("0001", None), "0002": revision("0002", "0001")})
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    for ref in ("no-such-ref", "--output=/tmp/x"):
        project, model = model_of(root, since=ref)
        assert [m.revision for m in model.judged] == ["0002"] and model.selection == "heads"
        assert any(d.path == "<git>" and "judged the heads" in d.message for d in project.diagnostics)


@needs_git
def test_the_repository_git_config_cannot_run_anything(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    marker = tmp_path / "ran"
    script = tmp_path / "evil.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\ncat\n")
    script.chmod(0o755)
    history(root, {"0001": revision("0001", None)}, **{".gitattributes": "*.py diff=evil filter=evil\n"})
    git(root, "init", "-q")
    for key, value in (("core.fsmonitor", str(script)), ("diff.external", str(script)),
                       ("diff.evil.textconv", str(script)), ("diff.evil.command", str(script)),
                       ("filter.evil.clean", str(script)), ("filter.evil.smudge", str(script)),
                       ("core.pager", str(script)), ("core.hooksPath", str(tmp_path))):
        git(root, "config", key, value)
    git(root, "add", "-A")
    marker.unlink(missing_ok=True)  # `git add` itself ran the clean filter
    git(root, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "base", "--no-verify")
    marker.unlink(missing_ok=True)
    write_tree(root, {"migrations/versions/0001.py": revision("0001", None, "op.drop_table('t')")}, dedent=False)
    write_tree(root, {"migrations/versions/0002.py": revision("0002", "0001")}, dedent=False)
    _, model = model_of(root, since="HEAD")
    assert [m.revision for m in model.judged] == ["0002"]  # the untracked file; committed files unchanged
    assert not marker.exists()


# ---------------------------------------------------------------------------- reading


def test_a_column_swapped_in_the_same_migration_is_a_warning_not_an_error(tmp_path):
    files = alembic_repo("""
        op.add_column("users", sa.Column("new_id", sa.UUID(), nullable=True))
        op.drop_column("users", "id")
        op.alter_column("users", "new_id", new_column_name="id")
        """, models="""
        from sqlalchemy import Column, UUID
        from app.db import Base


        class User(Base):
            __tablename__ = "users"
            id = Column(UUID, primary_key=True)
        """)
    result = scan_tree(write_tree(tmp_path, files, dedent=False), select=["RC701", "RC703"])
    severities = {(f.rule_id, str(f.severity)) for f in result.findings}
    assert severities == {("RC701", "warning"), ("RC703", "warning")}


def test_a_mixin_column_in_another_module_is_still_declared(tmp_path):
    files = alembic_repo('op.drop_column("users", "created_at")', models="""
        from sqlalchemy.orm import Mapped
        from app.mixins import Timestamped


        class User(Timestamped, Base):
            __tablename__ = "users"
            id: Mapped[int]
        """)
    files["app/mixins.py"] = "from sqlalchemy.orm import Mapped, mapped_column\n\n\nclass Timestamped:\n" \
                             "    created_at: Mapped[datetime] = mapped_column()\n"
    result = scan_tree(write_tree(tmp_path, files, dedent=False), select=["RC701"])
    (finding,) = result.findings
    assert str(finding.severity) == "error" and finding.related[0].path == "app/mixins.py"


def test_sql_with_bind_parameters_in_sa_text_is_read(tmp_path):
    files = alembic_repo('op.execute(sa.text("UPDATE users SET email = :email WHERE id = :id"))\n'
                         'op.execute(sa.text("ALTER TABLE users ALTER COLUMN email SET NOT NULL"))')
    result = scan_tree(write_tree(tmp_path, files, dedent=False), select=["RC7"])
    assert result.diagnostics == []
    assert ("RC708", ALEMBIC_HEAD, 11) in found(result)


def test_unparsable_sql_is_a_diagnostic_and_the_scan_goes_on(tmp_path):
    files = sql_repo("ALTER TABLE users DROP COLUMN;\n")
    files["db/migration/V3__ok.sql"] = "ALTER TABLE users DROP COLUMN legacy;\n"
    result = scan_tree(write_tree(tmp_path, files, dedent=False), select=["RC7"], table={"migrations": "all"})
    assert any(d.path == "db/migration/V2__change.sql" and "syntax error" in d.message for d in result.diagnostics)
    assert ("RC701", "db/migration/V3__ok.sql", 1) in found(result)


def test_sql_is_not_read_for_a_database_that_is_not_postgresql(tmp_path):
    files = sql_repo("ALTER TABLE users MODIFY COLUMN legacy VARCHAR(20) NOT NULL;\n")  # MySQL syntax
    files["requirements.txt"] = "pymysql==1.1.1\n"
    result = scan_tree(write_tree(tmp_path, files, dedent=False), select=["RC7"])
    assert result.findings == [] and result.diagnostics == []


def test_a_sql_comment_suppresses_a_finding(tmp_path):
    files = sql_repo("-- readycheck: ignore[RC701]\nALTER TABLE users DROP COLUMN legacy;\n")
    result = scan_tree(write_tree(tmp_path, files, dedent=False), select=["RC701"])
    assert result.findings == [] and len(result.suppressed) == 1


def test_sql_positions_point_at_the_statement_in_the_python_file(tmp_path):
    files = alembic_repo('op.execute("""\n    -- widen\n    ALTER TABLE users ALTER COLUMN id TYPE bigint;\n""")')
    result = scan_tree(write_tree(tmp_path, files, dedent=False), select=["RC707"])
    (finding,) = result.findings
    assert (finding.span.line, finding.span.column) == (12, 9)  # the body is indented by 4


def test_hostile_migration_files_never_crash_the_scan(tmp_path):
    files = alembic_repo("op.execute('" + "(" * 5000 + "')\nop.drop_column(" + "[" * 200 + "]" * 200 + ")")
    files["alembic/versions/0003_bad.py"] = 'revision = "0003"\ndown_revision = "0002"\ndef upgrade(:\n'
    files["alembic/versions/0004_bin.py"] = "revision = '\x00'\n"
    files["db/migration/V9__x.sql"] = "DROP TABLE \"\x1b[2Jusers\";\n"
    files["db/migration/V8__y.sql"] = "\x1b[31m;\n"
    result = scan_tree(write_tree(tmp_path, files, dedent=False), select=["RC7"], table={"migrations": "all"})
    assert not result.internal_errors
    assert any(f.rule_id == "RC702" and "\x1b" in f.message for f in result.findings)  # escaped by reporters


def test_module_level_name_constants_are_read(tmp_path):
    files = alembic_repo('op.drop_index(INDEX, table_name=TABLE)')
    files[ALEMBIC_HEAD] = files[ALEMBIC_HEAD].replace('revision = "0002"', 'TABLE = "users"\nINDEX = "ix_email"\n'
                                                      'revision = "0002"')
    result = scan_tree(write_tree(tmp_path, files, dedent=False), select=["RC709"])
    (finding,) = result.findings
    assert "ix_email on users" in finding.message


def test_branches_only_another_database_takes_are_not_read(tmp_path):
    files = alembic_repo('''
        if op.get_bind().dialect.name == "postgresql":
            op.alter_column("users", "id", existing_type=sa.Integer(), type_=sa.BigInteger())
        else:
            with op.batch_alter_table("users") as batch_op:
                batch_op.alter_column("id", existing_type=sa.Integer(), type_=sa.BigInteger())
        is_sqlite = op.get_bind().dialect.name == "sqlite"
        if not is_sqlite:
            op.alter_column("users", "email", existing_type=sa.Integer(), type_=sa.BigInteger())
        if is_sqlite:
            op.alter_column("users", "legacy", existing_type=sa.Integer(), type_=sa.BigInteger())
        ''')
    result = scan_tree(write_tree(tmp_path, files, dedent=False), select=["RC707"])
    assert found(result) == {("RC707", ALEMBIC_HEAD, 11), ("RC707", ALEMBIC_HEAD, 17)}


def test_yoyo_dbmate_prisma_and_golang_migrate_folders_are_found(tmp_path):
    write_tree(tmp_path, {
        "yoyo/0001.init.sql": "-- depends:\nCREATE TABLE users (id bigint, legacy text);\n",
        "yoyo/0002.drop.sql": "-- depends: 0001.init\nALTER TABLE users DROP COLUMN legacy;\n",
        "yoyo/0002.drop.rollback.sql": "ALTER TABLE users ADD COLUMN legacy text;\n",
        "db/migrations/20240101000000_init.sql": "-- migrate:up\nCREATE TABLE t (a int);\n-- migrate:down\nDROP TABLE t;\n",
        "prisma/migrations/20240101000000_init/migration.sql": "CREATE TABLE p (a int);\n",
        "prisma/migrations/migration_lock.toml": 'provider = "postgresql"\n',
        "sql/000001_init.up.sql": "CREATE TABLE g (a int);\n",
        "sql/000001_init.down.sql": "DROP TABLE g;\n",
    })
    _, model = model_of(tmp_path)
    assert model.postgres and "migration_lock.toml" in model.postgres_evidence
    assert {(m.tool, m.path) for m in model.judged} == {
        ("yoyo", "yoyo/0002.drop.sql"), ("dbmate", "db/migrations/20240101000000_init.sql"),
        ("prisma", "prisma/migrations/20240101000000_init/migration.sql"),
        ("golang-migrate", "sql/000001_init.up.sql")}
    dbmate = next(m for m in model.judged if m.tool == "dbmate")
    assert [op.kind for op in dbmate.operations] == ["create_table"]  # the down section is not read
    result = scan_tree(tmp_path, select=["RC701", "RC702"])
    assert found(result) == {("RC701", "yoyo/0002.drop.sql", 2)}
