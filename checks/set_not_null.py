"""RC708 set-not-null: a migration makes an existing column NOT NULL directly.

What it does
    Flags ``op.alter_column(..., nullable=False)`` (unless ``existing_nullable=False``
    says it already was) and ``ALTER TABLE ... ALTER COLUMN ... SET NOT NULL``
    on an existing table. Not flagged when the same migration validates a
    constraint on that table first (the CHECK-then-SET-NOT-NULL recipe).
    PostgreSQL only; the recipe needs PostgreSQL 12+.

Why is this bad
    ``SET NOT NULL`` scans the whole table to prove there is no NULL while it
    holds an ACCESS EXCLUSIVE lock: on a big table every read and write waits
    for the scan. The old release may also still insert rows without the column.

Example
    op.alter_column("users", "email", existing_type=sa.String(), nullable=False)

Use instead
    op.execute("ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID")
    # next migration (VALIDATE takes only a SHARE UPDATE EXCLUSIVE lock):
    op.execute("ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null")
    op.alter_column("users", "email", nullable=False)  # PG 12+: uses the valid CHECK, no scan
    op.drop_constraint("users_email_not_null", "users")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import ALEMBIC_BODY_LINE as L
from readycheck.api import ALEMBIC_HEAD as HEAD
from readycheck.api import Check, Example, Severity, alembic_repo, sql_repo

if TYPE_CHECKING:
    from readycheck.api import Project


class SetNotNull(Check):
    id = "RC708"
    name = "set-not-null"
    severity = Severity.WARNING
    summary = "A migration sets NOT NULL on an existing column, scanning the table under an exclusive lock"
    fix = ("Add CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT it (a weaker lock), then SET NOT NULL, which "
           "PostgreSQL 12+ proves from the valid constraint without a scan.")
    tags = ("migrations", "database", "postgresql")
    examples = (
        Example(alembic_repo('op.alter_column("users", "email", existing_type=sa.String(200), nullable=False)'),
                expect=[f"{HEAD}:{L}"], title="alter_column(nullable=False)"),
        Example(alembic_repo('op.alter_column("users", "email", existing_type=sa.String(200), nullable=True)'),
                title="dropping NOT NULL is instant"),
        Example(alembic_repo('op.alter_column("users", "email", nullable=False, existing_nullable=False, '
                             'server_default="")'), title="it already was NOT NULL"),
        Example(alembic_repo('op.execute("ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null")\n'
                             'op.alter_column("users", "email", nullable=False)'),
                title="after validating a CHECK constraint"),
        Example(sql_repo("ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n"),
                expect=['db/migration/V2__change.sql:1:1 sets NOT NULL on users.email: a full scan of users under an ACCESS EXCLUSIVE lock'], title="SQL"),
        Example(sql_repo("ALTER TABLE users ALTER COLUMN email DROP NOT NULL;\n"), title="SQL, DROP NOT NULL"),
    )

    def run(self, project: Project):
        for migration, op in project.migrations.changes("set_not_null", postgres_only=True, existing_table=True):
            validated = any(o.kind == "validate_constraint" and o.table == op.table for o in migration.operations)
            if not validated:
                yield self.finding(migration.path, op.span,
                                   f"sets NOT NULL on {op.table}.{op.column}: a full scan of {op.table} under an "
                                   f"ACCESS EXCLUSIVE lock")
