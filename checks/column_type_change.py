"""RC707 column-type-change: a migration changes a column's type.

What it does
    Flags ``op.alter_column(..., type_=...)`` and ``ALTER TABLE ... ALTER COLUMN
    ... TYPE`` on an existing table. Not flagged: in Alembic, widening a
    ``String``/``VARCHAR`` (a longer length, or to ``Text``) when
    ``existing_type`` says what it was, which PostgreSQL does without a rewrite
    (since 9.2). PostgreSQL only.

Why is this bad
    Most type changes rewrite the table and rebuild its indexes under an ACCESS
    EXCLUSIVE lock: reads and writes wait for the whole rewrite. The old release,
    still running during the deploy, may also write values the new type rejects
    or read values in a shape it does not expect.

Example
    op.alter_column("users", "score", type_=sa.BigInteger())

Use instead
    # expand/contract: a new column of the new type, filled in batches
    op.add_column("users", sa.Column("score_big", sa.BigInteger()))
    # write both, backfill, switch reads; drop "score" in a later release
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import ALEMBIC_BODY_LINE as L
from readycheck.api import ALEMBIC_HEAD as HEAD
from readycheck.api import Check, Example, Severity, alembic_repo, sql_repo

if TYPE_CHECKING:
    from readycheck.api import Project


class ColumnTypeChange(Check):
    id = "RC707"
    name = "column-type-change"
    severity = Severity.WARNING
    summary = "A migration changes a column's type, rewriting the table under an exclusive lock"
    fix = "Add a new column of the new type, backfill it in batches, switch the code, drop the old column later."
    tags = ("migrations", "database", "postgresql")
    examples = (
        Example(alembic_repo('op.alter_column("users", "id", existing_type=sa.Integer(), type_=sa.BigInteger())'),
                expect=[f"{HEAD}:{L}"], title="int to bigint rewrites the table"),
        Example(alembic_repo('op.alter_column("users", "email", existing_type=sa.String(200), '
                             'type_=sa.String(500))'), title="a longer VARCHAR: no rewrite"),
        Example(alembic_repo('op.alter_column("users", "email", existing_type=sa.String(200), type_=sa.Text())'),
                title="VARCHAR to TEXT: no rewrite"),
        Example(alembic_repo('op.alter_column("users", "email", existing_type=sa.String(200), nullable=True)'),
                title="no type_ given"),
        Example(sql_repo("ALTER TABLE users ALTER COLUMN id TYPE bigint;\n"), expect=['db/migration/V2__change.sql:1:1 changes the type of users.id to int8: the table is rewritten under an ACCESS EXCLUSIVE lock unless the change is binary-coercible'],
                title="SQL"),
        Example(sql_repo("CREATE TABLE t (a int);\nALTER TABLE t ALTER COLUMN a TYPE bigint;\n"),
                title="a table created in the same migration"),
    )

    def run(self, project: Project):
        for migration, op in project.migrations.changes("alter_type", postgres_only=True, existing_table=True):
            to = f" to {op.detail}" if op.detail else ""
            yield self.finding(migration.path, op.span,
                               f"changes the type of {op.table}.{op.column}{to}: the table is rewritten under an "
                               f"ACCESS EXCLUSIVE lock unless the change is binary-coercible")
