"""What a migration does to the schema, as plain records shared by Alembic and SQL front ends.

An Alembic ``op.drop_column("users", "legacy")`` and a Flyway
``ALTER TABLE users DROP COLUMN legacy;`` become the same ``Operation``, so a
migration-safety rule is written once and judges both.
"""

from __future__ import annotations

from typing import NamedTuple

from readycheck.core.findings import Span

#: Functions PostgreSQL marks VOLATILE that migrations use as column defaults: a default that calls
#: one is evaluated per row, so ``ADD COLUMN ... DEFAULT`` rewrites the table even on PG 11+.
#: ``now()``/``CURRENT_TIMESTAMP`` are STABLE (evaluated once per statement) and are not here.
VOLATILE_FUNCTIONS = frozenset({
    "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4", "uuidv4", "uuidv7",
    "random", "clock_timestamp", "timeofday", "nextval", "txid_current", "random_normal",
})
#: Column types whose implicit default is ``nextval(...)``: adding such a column fills every row.
SERIAL_TYPES = frozenset({"serial", "bigserial", "smallserial", "serial4", "serial8", "serial2"})


class Operation(NamedTuple):
    """One schema change of a migration's upgrade.

    kind: ``create_table``, ``drop_table``, ``rename_table``, ``add_column``, ``drop_column``,
    ``rename_column``, ``alter_type``, ``set_not_null``, ``create_index``, ``drop_index``,
    ``add_constraint``, ``lock_timeout`` (a ``SET lock_timeout``).
    """

    kind: str
    table: str | None
    span: Span
    column: str | None = None
    #: Renames: the new name.
    new_name: str | None = None
    #: Index or constraint name.
    name: str | None = None
    #: Index built or dropped CONCURRENTLY.
    concurrent: bool = False
    #: add_column: declared NOT NULL (or a primary key).
    not_null: bool = False
    #: add_column: a server-side default is given.
    has_default: bool = False
    #: add_column: the volatile function the default calls (or the serial type).
    volatile: str | None = None
    #: add_constraint: "foreign_key", "check", "unique", "primary_key", "exclude".
    constraint: str | None = None
    #: add_constraint: NOT VALID (validated later); unique: USING INDEX.
    not_valid: bool = False
    using_index: bool = False
    #: The statement runs inside the migration's transaction (False in an autocommit block).
    in_transaction: bool = True
    #: Free text for messages: the new type of alter_type, the unique index's columns.
    detail: str = ""
    #: Where it was written: "alembic" (an op.* call) or "sql" (SQL text, in a file or op.execute).
    origin: str = "alembic"
