"""RC703 migration-renames-column: a migration the next deploy applies renames a column.

What it does
    Flags ``op.alter_column(..., new_column_name=...)`` (also in
    ``op.batch_alter_table``) and ``ALTER TABLE ... RENAME COLUMN`` in the
    ``upgrade`` of a judged migration. An **error** when the models in the same
    tree still map the old name (the new release uses it too); a warning
    otherwise.

Why is this bad
    A rename is a drop and an add at once for every client: the release still
    running during a rolling deploy reads and writes the old name and fails
    until it is replaced. The rename itself is quick (a catalog change under an
    ACCESS EXCLUSIVE lock, every PostgreSQL version).

Example
    def upgrade():
        op.alter_column("users", "name", new_column_name="full_name")

Use instead
    # keep the database name, rename only the attribute:
    full_name = Column("name", String)
    # or expand/contract: add full_name, write both, backfill, switch reads,
    # and drop name in a later release
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import ALEMBIC_BODY_LINE as L
from readycheck.api import ALEMBIC_HEAD as HEAD
from readycheck.api import Check, Example, Severity, alembic_repo, removal_findings, sql_repo

if TYPE_CHECKING:
    from readycheck.api import Project


class MigrationRenamesColumn(Check):
    id = "RC703"
    name = "migration-renames-column"
    severity = Severity.WARNING
    summary = "A migration renames a column the running release still uses by its old name"
    fix = ("Add the new column, write both, backfill, switch reads, drop the old one in a later release; or keep the "
           "column's name and rename only the model attribute.")
    tags = ("migrations", "database")
    examples = (
        Example(alembic_repo('op.alter_column("users", "email", new_column_name="email_address")'),
                expect=[f"{HEAD}:{L}:warning"], title="alter_column(new_column_name=...)"),
        Example(alembic_repo('op.alter_column("users", "email", new_column_name="email_address")', models="""
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "users"
                id: Mapped[int] = mapped_column(primary_key=True)
                email: Mapped[str]
            """), expect=[f"{HEAD}:{L}:error"], title="the models still use the old name"),
        Example(alembic_repo('op.alter_column("users", "email", existing_type=sa.String(200), nullable=True)'),
                title="alter_column without a new name"),
        Example(alembic_repo("pass", downgrade='op.alter_column("users", "email_address", new_column_name="email")'),
                title="downgrade() is not deployed"),
        Example(sql_repo("ALTER TABLE users RENAME COLUMN email TO email_address;\n"),
                expect=['db/migration/V2__change.sql:1:1 renames users.email to email_address while the release still running during the deploy uses email'], title="SQL"),
        Example(sql_repo("ALTER INDEX ix_users_email RENAME TO ix_email;\n"), title="renaming an index"),
    )

    def run(self, project: Project):
        return removal_findings(
            self, project, "rename_column",
            warning=lambda op, where: f"renames {where} to {op.new_name} while the release still running during "
                                      f"the deploy uses {op.column}",
            error=lambda op, where, model: f"renames {where} to {op.new_name}, but the model at {model} still "
                                           f"uses {op.column}: the new release fails too")
