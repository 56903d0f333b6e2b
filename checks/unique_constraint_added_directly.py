"""RC712 unique-constraint-added-directly: a UNIQUE or PRIMARY KEY constraint is added by building its index under lock.

What it does
    Flags ``op.create_unique_constraint(...)``, ``op.create_primary_key(...)``
    and ``ALTER TABLE ... ADD CONSTRAINT ... UNIQUE``/``PRIMARY KEY`` (without
    ``USING INDEX``) on a table the migration did not create. PostgreSQL only.

Why is this bad
    The constraint builds its unique index inside the ALTER TABLE, holding an
    ACCESS EXCLUSIVE lock for the whole build: every read and write of the
    table waits.

Example
    op.create_unique_constraint("uq_users_email", "users", ["email"])

Use instead
    with op.get_context().autocommit_block():
        op.create_index("uq_users_email", "users", ["email"], unique=True, postgresql_concurrently=True)
    op.execute("ALTER TABLE users ADD CONSTRAINT uq_users_email UNIQUE USING INDEX uq_users_email")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import ALEMBIC_BODY_LINE as L
from readycheck.api import ALEMBIC_HEAD as HEAD
from readycheck.api import Check, Example, Severity, alembic_repo, sql_repo

if TYPE_CHECKING:
    from readycheck.api import Project

_KINDS = {"unique": "UNIQUE constraint", "primary_key": "primary key", "exclude": "EXCLUDE constraint"}


class UniqueConstraintAddedDirectly(Check):
    id = "RC712"
    name = "unique-constraint-added-directly"
    severity = Severity.WARNING
    summary = "A UNIQUE or PRIMARY KEY constraint is added directly, building its index under an exclusive lock"
    fix = ("Build a unique index CONCURRENTLY (in an autocommit block), then ADD CONSTRAINT ... UNIQUE USING INDEX, "
           "which only attaches it.")
    tags = ("migrations", "database", "postgresql")
    examples = (
        Example(alembic_repo('op.create_unique_constraint("uq_users_email", "users", ["email"])'),
                expect=[f"{HEAD}:{L}"], title="create_unique_constraint"),
        Example(alembic_repo('with op.batch_alter_table("users") as batch_op:\n'
                             '    batch_op.create_unique_constraint("uq_users_email", ["email"])'),
                expect=[f"{HEAD}:{L + 1}"], title="in batch_alter_table"),
        Example(alembic_repo('with op.get_context().autocommit_block():\n'
                             '    op.create_index("uq_users_email", "users", ["email"], unique=True, '
                             'postgresql_concurrently=True)\n'
                             'op.execute("ALTER TABLE users ADD CONSTRAINT uq_users_email UNIQUE USING INDEX '
                             'uq_users_email")'), title="USING INDEX after a concurrent build"),
        Example(alembic_repo('op.create_table("tags", sa.Column("id", sa.Integer()), sa.Column("name", sa.String()))\n'
                             'op.create_unique_constraint("uq_tags_name", "tags", ["name"])'), title="a new table"),
        Example(sql_repo("ALTER TABLE users ADD CONSTRAINT uq_users_email UNIQUE (email);\n"),
                expect=['db/migration/V2__change.sql:1:1 adds UNIQUE constraint uq_users_email to users directly: its index is built under an ACCESS EXCLUSIVE lock'], title="SQL"),
        Example(sql_repo("ALTER TABLE users ADD COLUMN n bigserial PRIMARY KEY;\n"),
                expect=["db/migration/V2__change.sql:1"], title="SQL, a new primary key column"),
        Example(sql_repo("ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_id_idx;\n"),
                title="SQL, USING INDEX"),
    )

    def run(self, project: Project):
        for migration, op in project.migrations.changes("add_constraint", postgres_only=True, existing_table=True):
            what = _KINDS.get(op.constraint or "")
            if what and not op.using_index:
                name = f" {op.name}" if op.name else ""
                yield self.finding(migration.path, op.span,
                                   f"adds {what}{name} to {op.table} directly: its index is built under an ACCESS "
                                   f"EXCLUSIVE lock")
