"""RC711 constraint-without-not-valid: a foreign key or CHECK constraint is added and validated at once.

What it does
    Flags ``op.create_foreign_key(...)``, ``op.create_check_constraint(...)``
    (without ``postgresql_not_valid=True``), ``op.add_column`` of a column with a
    ``ForeignKey``, and ``ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY``/``CHECK``
    or ``ADD COLUMN ... REFERENCES``/``CHECK`` without ``NOT VALID``, on a table
    the migration did not create. PostgreSQL only (NOT VALID for CHECK needs 9.2+).

Why is this bad
    Adding the constraint validates every existing row while holding a lock:
    SHARE ROW EXCLUSIVE on both tables for a foreign key, ACCESS EXCLUSIVE for
    a CHECK. Writes (and for CHECK, reads) wait for the full scan.

Example
    op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"])

Use instead
    op.execute("ALTER TABLE orders ADD CONSTRAINT fk_orders_user FOREIGN KEY (user_id) "
               "REFERENCES users (id) NOT VALID")
    # in a later migration; VALIDATE takes only a SHARE UPDATE EXCLUSIVE lock:
    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_user")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import ALEMBIC_BODY_LINE as L
from readycheck.api import ALEMBIC_HEAD as HEAD
from readycheck.api import Check, Example, Severity, alembic_repo, sql_repo

if TYPE_CHECKING:
    from readycheck.api import Project

_KINDS = {"foreign_key": "foreign key", "check": "CHECK constraint"}


class ConstraintWithoutNotValid(Check):
    id = "RC711"
    name = "constraint-without-not-valid"
    severity = Severity.WARNING
    summary = "A foreign key or CHECK constraint is added without NOT VALID, validating every row under a lock"
    fix = ("Add it NOT VALID (new rows are checked at once), then VALIDATE CONSTRAINT in a later migration, which "
           "takes only a SHARE UPDATE EXCLUSIVE lock.")
    tags = ("migrations", "database", "postgresql")
    examples = (
        Example(alembic_repo('op.create_foreign_key("fk_users_org", "users", "orgs", ["org_id"], ["id"])'),
                expect=[f"{HEAD}:{L}"], title="create_foreign_key"),
        Example(alembic_repo('op.create_check_constraint("ck_email", "users", "email <> \'\'")'),
                expect=[f"{HEAD}:{L}"], title="create_check_constraint"),
        Example(alembic_repo('op.execute("ALTER TABLE users ADD CONSTRAINT fk_users_org FOREIGN KEY (org_id) '
                             'REFERENCES orgs (id) NOT VALID")'), title="NOT VALID, in op.execute"),
        Example(alembic_repo('op.create_table("orders", sa.Column("id", sa.Integer(), primary_key=True), '
                             'sa.Column("user_id", sa.Integer()))\n'
                             'op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"])'),
                title="a new table"),
        Example(alembic_repo('op.add_column("users", sa.Column("org_id", sa.Integer(), sa.ForeignKey("orgs.id")))'),
                expect=[f"{HEAD}:{L}"], title="a new column's foreign key is validated by a scan too"),
        Example(sql_repo("ALTER TABLE users ADD COLUMN org_id bigint REFERENCES orgs (id);\n"),
                expect=['db/migration/V2__change.sql:1:1 adds foreign key to users without NOT VALID: every row is checked while writes to users wait'], title="SQL, ADD COLUMN ... REFERENCES"),
        Example(sql_repo("ALTER TABLE users ADD CONSTRAINT ck_email CHECK (email <> '');\n"),
                expect=["db/migration/V2__change.sql:1"], title="SQL"),
        Example(sql_repo("ALTER TABLE users ADD CONSTRAINT ck_email CHECK (email <> '') NOT VALID;\n"
                         "ALTER TABLE users VALIDATE CONSTRAINT ck_email;\n"), title="SQL, NOT VALID"),
    )

    def run(self, project: Project):
        for migration, op in project.migrations.changes("add_constraint", postgres_only=True, existing_table=True):
            what = _KINDS.get(op.constraint or "")
            if what and not op.not_valid:
                name = f" {op.name}" if op.name else ""
                yield self.finding(migration.path, op.span,
                                   f"adds {what}{name} to {op.table} without NOT VALID: every row is checked while "
                                   f"writes to {op.table} wait")
