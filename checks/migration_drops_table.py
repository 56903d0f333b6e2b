"""RC702 migration-drops-table: a migration the next deploy applies drops a table.

What it does
    Flags ``op.drop_table(...)`` and ``DROP TABLE`` (in ``op.execute(...)`` or a
    SQL migration file) in the ``upgrade`` of a judged migration. An **error**
    when a SQLAlchemy/SQLModel model in the same tree still maps that table
    (``__tablename__``, a SQLModel ``table=True`` class, or ``Table("name", ...)``);
    a warning otherwise.

Why is this bad
    The release still running during a rolling deploy queries the table and
    fails on every such request until it is replaced; a model that still maps
    it breaks the new release as well. ``DROP TABLE`` takes an ACCESS EXCLUSIVE
    lock on the table (and on tables with foreign keys to it), on every
    PostgreSQL version.

Example
    def upgrade():
        op.drop_table("legacy_events")

Use instead
    # release 1: remove every use of the table (model, queries, foreign keys to it)
    # release 2, once no running code queries it:
    def upgrade():
        op.drop_table("legacy_events")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import ALEMBIC_BODY_LINE as L
from readycheck.api import ALEMBIC_HEAD as HEAD
from readycheck.api import Check, Example, Severity, alembic_repo, removal_findings, sql_repo

if TYPE_CHECKING:
    from readycheck.api import Project


class MigrationDropsTable(Check):
    id = "RC702"
    name = "migration-drops-table"
    severity = Severity.WARNING
    summary = "A migration drops a table the running release may still use"
    fix = "Expand/contract: stop using the table in one release, drop it in a later release."
    tags = ("migrations", "database")
    examples = (
        Example(alembic_repo('op.drop_table("users")'), expect=[f"{HEAD}:{L}:warning"],
                title="the head revision drops a table no model maps"),
        Example(alembic_repo('op.drop_table("hero")', models="""
            from sqlmodel import Field, SQLModel


            class Hero(SQLModel, table=True):
                id: int | None = Field(default=None, primary_key=True)
            """), expect=[f"{HEAD}:{L}:error"], title="a SQLModel table class still maps it"),
        Example(alembic_repo('op.create_table("tags", sa.Column("id", sa.Integer(), primary_key=True))',
                             downgrade='op.drop_table("tags")'), title="downgrade() drops what upgrade() created"),
        Example(sql_repo("DROP TABLE users;\n", "prisma"),
                expect=['prisma/migrations/20240202000000_change/migration.sql:1:1 drops table users while the release still running during the deploy may query it'], title="Prisma migration"),
        Example(sql_repo("CREATE TABLE tags (id bigint);\n"), title="creating a table"),
    )

    def run(self, project: Project):
        return removal_findings(
            self, project, "drop_table",
            warning=lambda op, where: f"drops {where} while the release still running during the deploy may query it",
            error=lambda op, where, model: f"drops {where}, which the model at {model} still maps: the new "
                                           f"release's queries through that model fail")
