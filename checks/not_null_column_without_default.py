"""RC705 not-null-column-without-default: a migration adds a NOT NULL column with no server default.

What it does
    Flags ``op.add_column("t", sa.Column("c", ..., nullable=False))`` without a
    ``server_default`` (a Python-side ``default=`` never reaches the database),
    and ``ALTER TABLE ... ADD COLUMN c ... NOT NULL`` without ``DEFAULT``, on a
    table the migration did not create itself.

    Since PostgreSQL 11 a constant server default is kept in the catalog: no
    table rewrite, and the ACCESS EXCLUSIVE lock of ADD COLUMN is brief.

Why is this bad
    On a table that has rows the statement fails outright ("column contains
    null values") and the deploy stops half way. Where it succeeds (an empty
    table), every insert of the release still running during the deploy, which
    does not know the column, fails on the NOT NULL.

Example
    op.add_column("users", sa.Column("plan", sa.String(), nullable=False))

Use instead
    op.add_column("users", sa.Column("plan", sa.String(), nullable=False, server_default="free"))
    # or: add it nullable, backfill, then SET NOT NULL via a validated CHECK (see RC708)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import ALEMBIC_BODY_LINE as L
from readycheck.api import ALEMBIC_HEAD as HEAD
from readycheck.api import Check, Example, Severity, alembic_repo, sql_repo

if TYPE_CHECKING:
    from readycheck.api import Project


class NotNullColumnWithoutDefault(Check):
    id = "RC705"
    name = "not-null-column-without-default"
    severity = Severity.WARNING
    summary = "A migration adds a NOT NULL column without a server default"
    fix = ("Give the column a server_default (a constant is free since PostgreSQL 11), or add it nullable, backfill, "
           "and set NOT NULL in a later migration.")
    tags = ("migrations", "database")
    examples = (
        Example(alembic_repo('op.add_column("users", sa.Column("plan", sa.String(), nullable=False))'),
                expect=[f"{HEAD}:{L}"], title="nullable=False, no server_default"),
        Example(alembic_repo('op.add_column("users", sa.Column("plan", sa.String(), nullable=False, default="free"))'),
                expect=[f"{HEAD}:{L}"], title="a Python-side default does not reach the database"),
        Example(alembic_repo('op.add_column("users", sa.Column("plan", sa.String(), nullable=False, '
                             'server_default="free"))'), title="a server default"),
        Example(alembic_repo('op.add_column("users", sa.Column("plan", sa.String()))'), title="a nullable column"),
        Example(alembic_repo('op.create_table("plans", sa.Column("id", sa.Integer(), primary_key=True))\n'
                             'op.add_column("plans", sa.Column("name", sa.String(), nullable=False))'),
                title="a column of a table created in the same migration"),
        Example(alembic_repo('op.add_column("users", sa.Column("plan", sa.String(), nullable=False))', postgres=False),
                expect=[f"{HEAD}:{L}"], title="any database: the inserts fail everywhere"),
        Example(sql_repo("ALTER TABLE users ADD COLUMN plan text NOT NULL;\n"), expect=["db/migration/V2__change.sql:1:1 adds NOT NULL column users.plan without a server default: it fails on a table with rows, and the running release's inserts do not set it"],
                title="SQL"),
        Example(sql_repo("ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';\n"), title="SQL with a default"),
    )

    def run(self, project: Project):
        for migration, op in project.migrations.changes("add_column", existing_table=True):
            if op.not_null and not op.has_default:
                yield self.finding(migration.path, op.span,
                                   f"adds NOT NULL column {op.table}.{op.column} without a server default: it fails on "
                                   f"a table with rows, and the running release's inserts do not set it")
