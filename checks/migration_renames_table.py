"""RC704 migration-renames-table: a migration the next deploy applies renames a table.

What it does
    Flags ``op.rename_table(...)`` and ``ALTER TABLE ... RENAME TO`` in the
    ``upgrade`` of a judged migration. An **error** when a model in the same
    tree still maps the old name; a warning otherwise.

Why is this bad
    The release still running during a rolling deploy queries the old name and
    fails until it is replaced; a model that still maps the old name breaks the
    new release too. The rename takes an ACCESS EXCLUSIVE lock (brief; every
    PostgreSQL version).

Example
    def upgrade():
        op.rename_table("user", "account")

Use instead
    def upgrade():
        op.rename_table("user", "account")
        # the old name keeps working for the release still running (a simple view is writable):
        op.execute('CREATE VIEW "user" AS SELECT * FROM account')
    # a later release drops the view
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import ALEMBIC_BODY_LINE as L
from readycheck.api import ALEMBIC_HEAD as HEAD
from readycheck.api import Check, Example, Severity, alembic_repo, removal_findings, sql_repo

if TYPE_CHECKING:
    from readycheck.api import Project


class MigrationRenamesTable(Check):
    id = "RC704"
    name = "migration-renames-table"
    severity = Severity.WARNING
    summary = "A migration renames a table the running release still uses by its old name"
    fix = ("Rename and keep a view with the old name until the old release is gone, or create the new table and move "
           "the code over before removing the old one in a later release.")
    tags = ("migrations", "database")
    examples = (
        Example(alembic_repo('op.rename_table("users", "accounts")'), expect=[f"{HEAD}:{L}:warning"],
                title="rename_table"),
        Example(alembic_repo('op.rename_table("users", "accounts")', models="""
            from sqlalchemy import Column, Integer, MetaData, Table

            metadata = MetaData()
            users = Table("users", metadata, Column("id", Integer, primary_key=True))
            """), expect=[f"{HEAD}:{L}:error"], title="a Table() still names the old table"),
        Example(alembic_repo("pass", downgrade='op.rename_table("accounts", "users")'),
                title="downgrade() is not deployed"),
        Example(sql_repo("ALTER TABLE users RENAME TO accounts;\n"), expect=['db/migration/V2__change.sql:1:1 renames table users to accounts while the release still running during the deploy queries users'],
                title="SQL"),
        Example(sql_repo("ALTER TABLE users RENAME COLUMN legacy TO old;\n"), title="a column rename is RC703"),
    )

    def run(self, project: Project):
        return removal_findings(
            self, project, "rename_table",
            warning=lambda op, where: f"renames {where} to {op.new_name} while the release still running during "
                                      f"the deploy queries {op.table}",
            error=lambda op, where, model: f"renames {where} to {op.new_name}, but the model at {model} still "
                                           f"maps {op.table}: the new release fails too")
