"""RC706 volatile-default-column: a migration adds a column whose default is volatile.

What it does
    Flags a column added to an existing table with a default PostgreSQL marks
    VOLATILE: ``gen_random_uuid()``, ``uuid_generate_v4()`` (and v1),
    ``random()``, ``clock_timestamp()``, ``nextval(...)`` (which ``serial`` and
    ``bigserial`` columns and identity columns imply), a stored generated
    column; in ``server_default=sa.text("...")``, ``server_default=sa.func.x()``
    or SQL ``ADD COLUMN ... DEFAULT``. PostgreSQL only.

    Not flagged: ``now()``, ``CURRENT_TIMESTAMP`` and constants. Since PostgreSQL
    11 a non-volatile default (``now()`` is STABLE: evaluated once for the
    statement) is kept in the catalog and the table is not rewritten. On
    PostgreSQL 10 and older every default rewrote the table; this rule assumes 11+.

Why is this bad
    A volatile default must be computed for every existing row: PostgreSQL
    rewrites the whole table while holding an ACCESS EXCLUSIVE lock, and every
    read and write of the table waits for the rewrite.

Example
    op.add_column("users", sa.Column("token", sa.UUID(), server_default=sa.text("gen_random_uuid()")))

Use instead
    op.add_column("users", sa.Column("token", sa.UUID()))  # no default: no rewrite
    op.execute("ALTER TABLE users ALTER COLUMN token SET DEFAULT gen_random_uuid()")  # new rows only
    # then backfill the existing rows in batches
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import ALEMBIC_BODY_LINE as L
from readycheck.api import ALEMBIC_HEAD as HEAD
from readycheck.api import Check, Example, Severity, alembic_repo, sql_repo

if TYPE_CHECKING:
    from readycheck.api import Project


class VolatileDefaultColumn(Check):
    id = "RC706"
    name = "volatile-default-column"
    severity = Severity.WARNING
    summary = "A migration adds a column with a volatile default, rewriting the whole table"
    fix = ("Add the column without that default, then ALTER COLUMN ... SET DEFAULT (affects new rows only, no "
           "rewrite) and backfill existing rows in batches.")
    tags = ("migrations", "database", "postgresql")
    examples = (
        Example(alembic_repo('op.add_column("users", sa.Column("token", sa.UUID(), '
                             'server_default=sa.text("gen_random_uuid()")))'), expect=[f"{HEAD}:{L}"],
                title="gen_random_uuid()"),
        Example(alembic_repo('op.add_column("users", sa.Column("seq", sa.BigInteger(), sa.Identity()))'),
                expect=[f"{HEAD}:{L}"], title="an identity column fills every row"),
        Example(alembic_repo('op.add_column("users", sa.Column("created_at", sa.DateTime(), '
                             'server_default=sa.text("now()"), nullable=False))'),
                title="now() is STABLE: no rewrite since PostgreSQL 11"),
        Example(alembic_repo('op.add_column("users", sa.Column("created_at", sa.DateTime(), '
                             'server_default=sa.func.now()))'), title="sa.func.now()"),
        Example(alembic_repo('op.add_column("users", sa.Column("token", sa.UUID(), '
                             'server_default=sa.text("gen_random_uuid()")))', postgres=False),
                title="not a PostgreSQL service"),
        Example(sql_repo("ALTER TABLE users ADD COLUMN token uuid DEFAULT uuid_generate_v4();\n"
                         "ALTER TABLE users ADD COLUMN n bigserial;\n"),
                expect=['db/migration/V2__change.sql:1:1 adds users.token with a volatile default (uuid_generate_v4()): PostgreSQL rewrites the whole table under an ACCESS EXCLUSIVE lock', "db/migration/V2__change.sql:2"], title="SQL"),
        Example(sql_repo("ALTER TABLE users ADD COLUMN created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP;\n"
                         "CREATE TABLE tokens (id uuid DEFAULT gen_random_uuid());\n"),
                title="a stable default; a volatile default in a new table"),
    )

    def run(self, project: Project):
        for migration, op in project.migrations.changes("add_column", postgres_only=True, existing_table=True):
            if op.volatile:
                how = f"filled row by row from {op.volatile}" if op.volatile.startswith("a") else \
                    f"with a volatile default ({op.volatile})"
                yield self.finding(migration.path, op.span,
                                   f"adds {op.table}.{op.column} {how}: PostgreSQL rewrites the whole table under an "
                                   f"ACCESS EXCLUSIVE lock")
