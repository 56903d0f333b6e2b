"""RC709 index-without-concurrently: a migration builds or drops an index on an existing table without CONCURRENTLY.

What it does
    Flags ``op.create_index(...)``/``op.drop_index(...)`` without
    ``postgresql_concurrently=True`` and ``CREATE INDEX``/``DROP INDEX``
    without ``CONCURRENTLY``, on a table the migration did not create (an
    index dropped in the migration that created it is left alone). PostgreSQL only.

    ``CONCURRENTLY`` cannot run in a transaction (see RC710). ``DROP INDEX
    CONCURRENTLY`` needs PostgreSQL 9.2+, ``REINDEX CONCURRENTLY`` 12+.

Why is this bad
    ``CREATE INDEX`` holds a SHARE lock for the whole build: every insert,
    update and delete on the table waits, for minutes on a big table.
    ``DROP INDEX`` takes an ACCESS EXCLUSIVE lock and waits behind every
    running query on the table, blocking all queries queued after it.

Example
    op.create_index("ix_users_email", "users", ["email"])

Use instead
    with op.get_context().autocommit_block():
        op.create_index("ix_users_email", "users", ["email"], postgresql_concurrently=True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import ALEMBIC_BODY_LINE as L
from readycheck.api import ALEMBIC_HEAD as HEAD
from readycheck.api import Check, Example, Severity, alembic_repo, sql_repo

if TYPE_CHECKING:
    from readycheck.api import Project


class IndexWithoutConcurrently(Check):
    id = "RC709"
    name = "index-without-concurrently"
    severity = Severity.WARNING
    summary = "A migration builds or drops an index on an existing table without CONCURRENTLY"
    fix = ("Use postgresql_concurrently=True (CREATE/DROP INDEX CONCURRENTLY) inside "
           "op.get_context().autocommit_block().")
    tags = ("migrations", "database", "postgresql")
    examples = (
        Example(alembic_repo('op.create_index("ix_users_email", "users", ["email"])'), expect=[f"{HEAD}:{L}"],
                title="create_index on an existing table"),
        Example(alembic_repo('op.drop_index(op.f("ix_users_email"), table_name="users")'), expect=[f"{HEAD}:{L}"],
                title="drop_index"),
        Example(alembic_repo('with op.get_context().autocommit_block():\n'
                             '    op.create_index("ix_users_email", "users", ["email"], postgresql_concurrently=True)'),
                title="concurrently, in an autocommit block"),
        Example(alembic_repo('op.create_table("tags", sa.Column("id", sa.Integer(), primary_key=True), '
                             'sa.Column("name", sa.String()))\n'
                             'op.create_index("ix_tags_name", "tags", ["name"])'),
                title="an index on a table created in the same migration"),
        Example(alembic_repo('op.create_index("ix_users_email", "users", ["email"])', postgres=False),
                title="not a PostgreSQL service"),
        Example(sql_repo("CREATE INDEX ix_users_email ON users (email);\nDROP INDEX ix_old;\n"),
                expect=['db/migration/V2__change.sql:1:1 builds index ix_users_email on users without CONCURRENTLY: writes to users wait for the whole build', "db/migration/V2__change.sql:2"], title="SQL"),
        Example(sql_repo("CREATE INDEX CONCURRENTLY ix_users_email ON users (email);\n"), title="SQL, concurrently"),
    )

    def run(self, project: Project):
        for migration, op in project.migrations.changes("create_index", "drop_index", postgres_only=True,
                                                        existing_table=True):
            if op.concurrent:
                continue
            name = f" {op.name}" if op.name else ""
            if op.kind == "create_index":
                yield self.finding(migration.path, op.span,
                                   f"builds index{name} on {op.table} without CONCURRENTLY: writes to {op.table} "
                                   f"wait for the whole build")
            elif not any(o.kind == "create_index" and o.name == op.name and op.name for o in migration.operations):
                on = f" on {op.table}" if op.table else ""
                yield self.finding(migration.path, op.span,
                                   f"drops index{name}{on} without CONCURRENTLY: an ACCESS EXCLUSIVE lock that waits "
                                   f"behind every running query on the table")
