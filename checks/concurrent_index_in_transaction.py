"""RC710 concurrent-index-in-transaction: CONCURRENTLY inside the migration's transaction.

What it does
    Flags ``postgresql_concurrently=True`` (or ``CREATE/DROP INDEX
    CONCURRENTLY`` in ``op.execute``) outside ``op.get_context().autocommit_block()``
    in an Alembic migration, which runs in a transaction; and in SQL files
    run in one: dbmate (unless ``-- migrate:up transaction:false``), yoyo
    (unless ``-- transactional: false``), an explicit ``BEGIN ... COMMIT``,
    and golang-migrate or Prisma files with other statements beside it (sent
    as one multi-statement query, an implicit transaction). Flyway runs such a
    script outside a transaction and is not flagged. PostgreSQL only.

Why is this bad
    PostgreSQL refuses: "CREATE INDEX CONCURRENTLY cannot run inside a
    transaction block". The migration fails at deploy time, after the earlier
    statements of the transaction rolled back, and the release is stuck.

Example
    def upgrade():
        op.create_index("ix_users_email", "users", ["email"], postgresql_concurrently=True)

Use instead
    def upgrade():
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


class ConcurrentIndexInTransaction(Check):
    id = "RC710"
    name = "concurrent-index-in-transaction"
    severity = Severity.ERROR
    summary = "CREATE/DROP INDEX CONCURRENTLY runs inside the migration's transaction and will fail"
    fix = "Run it in `with op.get_context().autocommit_block():` (SQL: outside a transaction, in a file of its own)."
    tags = ("migrations", "database", "postgresql")
    examples = (
        Example(alembic_repo('op.create_index("ix_users_email", "users", ["email"], postgresql_concurrently=True)'),
                expect=[f"{HEAD}:{L}"], title="concurrently, in the migration's transaction"),
        Example(alembic_repo('op.execute("DROP INDEX CONCURRENTLY ix_users_email")'), expect=[f"{HEAD}:{L}"],
                title="in op.execute"),
        Example(alembic_repo('with op.get_context().autocommit_block():\n'
                             '    op.drop_index("ix_users_email", table_name="users", postgresql_concurrently=True)'),
                title="in an autocommit block"),
        Example({"db/migrations/20240101000000_init.sql": "-- migrate:up\nCREATE TABLE users (email text);\n",
                 "db/migrations/20240202000000_index.sql":
                     "-- migrate:up\nCREATE INDEX CONCURRENTLY ix ON users (email);\n\n-- migrate:down\nDROP INDEX ix;\n",
                 "requirements.txt": "asyncpg==0.30.0\n"},
                expect=["db/migrations/20240202000000_index.sql:2:1 builds index ix CONCURRENTLY inside the migration's transaction: PostgreSQL refuses and the migration fails"], title="dbmate wraps the file in a transaction"),
        Example({"db/migrations/20240101000000_init.sql": "-- migrate:up\nCREATE TABLE users (email text);\n",
                 "db/migrations/20240202000000_index.sql":
                     "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY ix ON users (email);\n",
                 "requirements.txt": "asyncpg==0.30.0\n"}, title="dbmate, transaction:false"),
        Example(sql_repo("CREATE INDEX CONCURRENTLY ix_users_email ON users (email);\n", "golang-migrate"),
                title="golang-migrate, one statement: no transaction"),
        Example(sql_repo("BEGIN;\nCREATE INDEX CONCURRENTLY ix_users_email ON users (email);\nCOMMIT;\n"),
                expect=["db/migration/V2__change.sql:2"], title="an explicit transaction"),
    )

    def run(self, project: Project):
        for migration, op in project.migrations.changes("create_index", "drop_index", postgres_only=True):
            if op.concurrent and op.in_transaction:
                verb = "builds" if op.kind == "create_index" else "drops"
                name = f" {op.name}" if op.name else ""
                yield self.finding(migration.path, op.span,
                                   f"{verb} index{name} CONCURRENTLY inside the migration's transaction: PostgreSQL "
                                   f"refuses and the migration fails")
