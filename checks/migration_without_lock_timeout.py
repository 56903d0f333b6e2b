"""RC713 migration-without-lock-timeout: a migration takes table locks with no lock_timeout.

What it does
    Reports (info) a judged migration that changes an existing table (any
    ALTER TABLE, drops, renames, builds or drops an index without CONCURRENTLY,
    adds or drops a constraint) without setting ``lock_timeout`` first: no ``SET lock_timeout``
    (or ``SET LOCAL``) in the migration, and none in the Alembic ``env.py`` that
    runs it. Migrations that only create tables are left alone. PostgreSQL only.

Why is this bad
    ALTER TABLE waits for its lock behind any long-running query or idle
    transaction, and while it waits every new query on the table queues
    behind it: a migration that would take milliseconds takes the service down
    for as long as the slowest transaction runs.

Example
    def upgrade():
        op.add_column("users", sa.Column("nick", sa.String()))

Use instead
    def upgrade():
        op.execute("SET lock_timeout = '5s'")
        op.add_column("users", sa.Column("nick", sa.String()))
    # or once for every migration, in env.py:
    #     connection.execute(text("SET lock_timeout = '5s'"))
    # and retry the deploy when it times out
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import ALEMBIC_BODY_LINE as L
from readycheck.api import ALEMBIC_HEAD as HEAD
from readycheck.api import Check, Example, Severity, alembic_repo, sql_repo

if TYPE_CHECKING:
    from readycheck.api import Project

LOCKING = ("add_column", "drop_column", "rename_column", "rename_table", "drop_table", "alter_type", "set_not_null",
           "create_index", "drop_index", "add_constraint", "validate_constraint", "alter_table")


class MigrationWithoutLockTimeout(Check):
    id = "RC713"
    name = "migration-without-lock-timeout"
    severity = Severity.INFO
    summary = "A migration locks existing tables without setting lock_timeout"
    fix = "SET lock_timeout (e.g. '5s') at the start of the migration or once in env.py, and retry when it times out."
    tags = ("migrations", "database", "postgresql")
    examples = (
        Example(alembic_repo('op.add_column("users", sa.Column("nick", sa.String()))'), expect=[f"{HEAD}:{L}:info"],
                title="alters a table without lock_timeout"),
        Example(alembic_repo('op.execute("SET lock_timeout = \'5s\'")\n'
                             'op.add_column("users", sa.Column("nick", sa.String()))'), title="sets lock_timeout"),
        Example(alembic_repo('op.add_column("users", sa.Column("nick", sa.String()))',
                             env="from alembic import context\nfrom sqlalchemy import text\n\n\n"
                                 "def run_migrations_online(connection):\n"
                                 "    connection.execute(text(\"SET lock_timeout = '5s'\"))\n"),
                title="env.py sets it for every migration"),
        Example(alembic_repo('op.create_table("tags", sa.Column("id", sa.Integer(), primary_key=True))'),
                title="only creates a table"),
        Example(sql_repo("ALTER TABLE users ADD COLUMN nick text;\n"), expect=['db/migration/V2__change.sql:1:1:info locks users (1 change to existing tables) without setting lock_timeout: while it waits for the lock, every query on the table queues behind it'],
                title="SQL"),
        Example(alembic_repo('op.drop_constraint("uq_users_email", "users", type_="unique")'),
                expect=[f"{HEAD}:{L}:info"], title="dropping a constraint locks the table too"),
        Example(sql_repo("SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN nick text;\n"),
                title="SQL, with lock_timeout"),
    )

    def run(self, project: Project):
        model = project.migrations
        if not model.postgres:
            return
        for migration in model.judged:
            if migration.sets_lock_timeout or migration.folder in model.lock_timeout_folders:
                continue
            risky = [op for op in migration.operations if op.kind in LOCKING and migration.on_existing_table(op)
                     and not (op.kind in ("create_index", "drop_index") and op.concurrent)]
            if risky:
                first = risky[0]
                yield self.finding(migration.path, first.span,
                                   f"locks {first.table or 'a table'} ({len(risky)} change{'s' if len(risky) > 1 else ''} "
                                   f"to existing tables) without setting lock_timeout: while it waits for the lock, "
                                   f"every query on the table queues behind it")
