"""RC701 migration-drops-column: a migration the next deploy applies drops a column.

What it does
    Flags ``op.drop_column(...)`` (also ``batch_op.drop_column`` in
    ``op.batch_alter_table``) and ``ALTER TABLE ... DROP COLUMN`` (in
    ``op.execute(...)`` or a SQL migration file) in the ``upgrade`` of a judged
    migration. An **error** when the SQLAlchemy/SQLModel models in the same
    tree still declare that column; a warning otherwise. ``downgrade()`` is
    never read.

Why is this bad
    During a rolling deploy the old release keeps running against the new
    schema: its ORM selects and inserts name every mapped column, so every
    request that touches the table fails until the last old pod is gone. When
    the models still declare the column, the new release fails too.
    ``DROP COLUMN`` takes an ACCESS EXCLUSIVE lock (brief: it only marks the
    column dropped, on every PostgreSQL version), so it also queues behind any
    long transaction.

Example
    def upgrade():
        op.drop_column("users", "legacy")

Use instead
    # release 1: stop using the column (drop it from the model, or defer it so no query names it)
    # release 2, once no running code reads it:
    def upgrade():
        op.drop_column("users", "legacy")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import ALEMBIC_BODY_LINE as L
from readycheck.api import ALEMBIC_HEAD as HEAD
from readycheck.api import Check, Example, Severity, alembic_repo, removal_findings, sql_repo

if TYPE_CHECKING:
    from readycheck.api import Project

_MODEL = """
from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    legacy = Column(String)
"""


class MigrationDropsColumn(Check):
    id = "RC701"
    name = "migration-drops-column"
    severity = Severity.WARNING
    summary = "A migration drops a column the running release may still use"
    fix = ("Expand/contract: stop using the column in one release (remove it from the model), drop it in a later "
           "release once nothing running reads it.")
    tags = ("migrations", "database")
    references = ("https://alembic.sqlalchemy.org/en/latest/ops.html#alembic.operations.Operations.drop_column",)
    examples = (
        Example(alembic_repo('op.drop_column("users", "legacy")'), expect=[f"{HEAD}:{L}:warning"],
                title="the head revision drops a column the models no longer declare"),
        Example(alembic_repo('op.drop_column("users", "legacy")', models=_MODEL), expect=[f"{HEAD}:{L}:error"],
                title="the models still declare the dropped column: the new release breaks too"),
        Example(alembic_repo('with op.batch_alter_table("users") as batch_op:\n    batch_op.drop_column("legacy")'),
                expect=[f"{HEAD}:{L + 1}"], title="batch_alter_table"),
        Example(alembic_repo('op.add_column("users", sa.Column("nick", sa.String(), nullable=True))',
                             downgrade='op.drop_column("users", "nick")'),
                title="a drop in downgrade() is not deployed"),
        Example(sql_repo("ALTER TABLE users DROP COLUMN legacy;\n"), expect=['db/migration/V2__change.sql:1:1 drops users.legacy while the release still running during the deploy may read and write it'],
                title="Flyway SQL"),
        Example({**sql_repo("ALTER TABLE users ADD COLUMN nick text;\n", "golang-migrate"),
                 "migrations/000002_change.down.sql": "ALTER TABLE users DROP COLUMN nick;\n"},
                title="golang-migrate: the drop is in the down migration"),
        Example({**sql_repo("ALTER TABLE users ADD COLUMN nick text;\n"),
                 "db/migration/V1__init.sql": "CREATE TABLE users (id bigint, old text);\n"
                                              "ALTER TABLE users DROP COLUMN old;\n"},
                title="a drop in an older, deployed migration is not judged"),
    )

    def run(self, project: Project):
        return removal_findings(
            self, project, "drop_column",
            warning=lambda op, where: f"drops {where} while the release still running during the deploy may read "
                                      f"and write it",
            error=lambda op, where, model: f"drops {where}, which the model at {model} still declares: the new "
                                           f"release's queries of that model fail")
