"""SQL migration text into ``Operation`` records, with pglast (PostgreSQL's own parser).

Only the statements that change a schema in a way a migration-safety rule
judges become operations; everything else is skipped. Positions are those of
each statement's first token (comments and blank lines before it skipped),
mapped into the file the SQL was written in (a ``.sql`` file, or the string
literal of an ``op.execute(...)``).
"""

from __future__ import annotations

from typing import Any, Iterator

from readycheck.core.findings import Span
from readycheck.parsers.migration_ops import SERIAL_TYPES, VOLATILE_FUNCTIONS, Operation

#: SQL longer than this is not parsed (a diagnostic says so): the parser is linear, but a
#: multi-megabyte data dump is not a schema migration.
MAX_SQL_CHARS = 2_000_000


class SqlError(ValueError):
    """SQL the parser rejects; the message is for the user."""


class Placement:
    """Where SQL text sits in its file: the line and column of its first character, so an offset in
    the SQL maps to a file position (exact for ``.sql`` files and plain string literals)."""

    def __init__(self, text: str, line: int = 1, column: int = 1) -> None:
        self.text = text
        self.line = line
        self.column = column
        self._newlines: list[int] | None = None

    def span(self, offset: int) -> Span:
        import bisect

        if self._newlines is None:
            self._newlines = [i for i, ch in enumerate(self.text) if ch == "\n"]
        before = bisect.bisect_left(self._newlines, offset)
        if before == 0:
            return Span(self.line, self.column + offset)
        return Span(self.line + before, offset - self._newlines[before - 1])


def operations(text: str, placement: Placement | None = None, *, in_transaction: bool = True,
               origin: str = "sql") -> list[Operation]:
    """The operations of some SQL. Raises SqlError when pglast cannot parse it."""
    if len(text) > MAX_SQL_CHARS:
        raise SqlError(f"SQL of {len(text):,} characters is over the {MAX_SQL_CHARS:,} limit; not read")
    from pglast import parse_sql
    from pglast.parser import ParseError

    placement = placement or Placement(text)
    try:
        statements = parse_sql(text)
    except ParseError as exc:
        raise SqlError(f"cannot parse SQL: {exc}") from None
    except RecursionError:
        raise SqlError("cannot parse SQL: nesting too deep") from None
    out: list[Operation] = []
    explicit = False  # inside BEGIN ... COMMIT written in the SQL itself
    for raw in statements:
        stmt = raw.stmt
        span = placement.span(_first_token(text, raw.stmt_location or 0))
        name = type(stmt).__name__
        if name == "TransactionStmt":
            kind = stmt.kind.name
            if kind in ("TRANS_STMT_BEGIN", "TRANS_STMT_START"):
                explicit = True
            elif kind in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK"):
                explicit = False
            continue
        transaction = in_transaction or explicit
        for op in _statement(stmt, span):
            out.append(op._replace(in_transaction=transaction, origin=origin))
    return out


def statement_count(text: str) -> int:
    from pglast import parse_sql

    return len(parse_sql(text))


def _first_token(text: str, offset: int) -> int:
    """The offset of the first token at or after ``offset``: whitespace and comments skipped."""
    n = len(text)
    i = offset
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        else:
            break
    return min(i, n)


def _name(node: Any) -> str | None:
    """``relname`` of a RangeVar, without its schema (models name tables without one)."""
    return getattr(node, "relname", None) if node is not None else None


def _strings(items: Any) -> list[str]:
    return [getattr(s, "sval", "") for s in items or ()]


def _statement(stmt: Any, span: Span) -> Iterator[Operation]:
    kind = type(stmt).__name__
    if kind == "CreateStmt":
        yield Operation("create_table", _name(stmt.relation), span)
    elif kind == "DropStmt":
        removed = stmt.removeType.name
        for obj in stmt.objects or ():
            names = _strings(obj) if isinstance(obj, tuple) else [getattr(obj, "sval", "")]
            if removed == "OBJECT_TABLE":
                yield Operation("drop_table", names[-1] if names else None, span)
            elif removed == "OBJECT_INDEX":
                yield Operation("drop_index", None, span, name=names[-1] if names else None,
                                concurrent=bool(stmt.concurrent))
    elif kind == "RenameStmt":
        rename = stmt.renameType.name
        if rename == "OBJECT_TABLE":
            yield Operation("rename_table", _name(stmt.relation), span, new_name=stmt.newname)
        elif rename == "OBJECT_COLUMN" and stmt.relationType.name == "OBJECT_TABLE":
            yield Operation("rename_column", _name(stmt.relation), span, column=stmt.subname, new_name=stmt.newname)
    elif kind == "IndexStmt":
        yield Operation("create_index", _name(stmt.relation), span, name=stmt.idxname,
                        concurrent=bool(stmt.concurrent), detail="unique" if stmt.unique else "")
    elif kind == "AlterTableStmt" and stmt.objtype.name == "OBJECT_TABLE":
        table = _name(stmt.relation)
        for cmd in stmt.cmds or ():
            yield from _alter(table, cmd, span)
    elif kind == "VariableSetStmt" and (stmt.name or "").lower() == "lock_timeout":
        yield Operation("lock_timeout", None, span)


def _alter(table: str | None, cmd: Any, span: Span) -> Iterator[Operation]:
    subtype = cmd.subtype.name
    if subtype == "AT_AddColumn":
        yield _add_column(table, cmd.def_, span)
        for constraint in cmd.def_.constraints or ():
            kind = _CONSTRAINT_KINDS.get(constraint.contype.name)
            if kind in ("foreign_key", "check", "unique", "primary_key"):  # inline on a new column: still a scan
                yield Operation("add_constraint", table, span, name=constraint.conname, column=cmd.def_.colname,
                                constraint=kind, not_valid=bool(constraint.skip_validation))
    elif subtype == "AT_DropColumn":
        yield Operation("drop_column", table, span, column=cmd.name)
    elif subtype == "AT_AlterColumnType":
        type_name = cmd.def_.typeName if cmd.def_ is not None else None
        yield Operation("alter_type", table, span, column=cmd.name, detail=_type_text(type_name))
    elif subtype == "AT_SetNotNull":
        yield Operation("set_not_null", table, span, column=cmd.name)
    elif subtype not in _HANDLED:  # any other ALTER TABLE still takes a lock (RC713)
        yield Operation("alter_table", table, span, column=getattr(cmd, "name", None), detail=subtype)
    if subtype == "AT_ValidateConstraint":
        yield Operation("validate_constraint", table, span, name=cmd.name)
    elif subtype == "AT_AddConstraint":
        constraint = cmd.def_
        kind = _CONSTRAINT_KINDS.get(constraint.contype.name)
        if kind is not None:
            yield Operation("add_constraint", table, span, name=constraint.conname, constraint=kind,
                            not_valid=bool(constraint.skip_validation),
                            using_index=bool(getattr(constraint, "indexname", None)),
                            detail=", ".join(_strings(getattr(constraint, "keys", None))))


_HANDLED = {"AT_AddColumn", "AT_DropColumn", "AT_AlterColumnType", "AT_SetNotNull", "AT_AddConstraint",
            "AT_ValidateConstraint"}
_CONSTRAINT_KINDS = {"CONSTR_FOREIGN": "foreign_key", "CONSTR_CHECK": "check", "CONSTR_UNIQUE": "unique",
                     "CONSTR_PRIMARY": "primary_key", "CONSTR_EXCLUSION": "exclude"}


def _type_text(type_name: Any) -> str:
    names = [n for n in _strings(getattr(type_name, "names", None)) if n != "pg_catalog"]
    return ".".join(names)


def _add_column(table: str | None, column: Any, span: Span) -> Operation:
    not_null = bool(column.is_not_null)
    has_default = False
    volatile = None
    type_text = _type_text(column.typeName).lower()
    if type_text in SERIAL_TYPES:
        volatile = type_text
        has_default = True
    for constraint in column.constraints or ():
        contype = constraint.contype.name
        if contype in ("CONSTR_NOTNULL", "CONSTR_PRIMARY"):
            not_null = True
        elif contype == "CONSTR_DEFAULT":
            has_default = True
            volatile = volatile or volatile_call(constraint.raw_expr)
        elif contype == "CONSTR_IDENTITY":
            has_default = True
            volatile = volatile or "an identity sequence"
        elif contype == "CONSTR_GENERATED":
            has_default = True
            volatile = volatile or "a stored generated expression"
    return Operation("add_column", table, span, column=column.colname, not_null=not_null, has_default=has_default,
                     volatile=volatile, detail=type_text)


def volatile_call(expr: Any) -> str | None:
    """The first volatile function an expression calls, as ``name()``; None when it calls none."""
    stack = [expr]
    seen = 0
    while stack and seen < 10_000:
        node = stack.pop()
        seen += 1
        if node is None:
            continue
        if isinstance(node, tuple):
            stack.extend(node)
            continue
        if type(node).__name__ == "FuncCall":
            name = (_strings(node.funcname) or [""])[-1].lower()
            if name in VOLATILE_FUNCTIONS:
                return f"{name}()"
        fields = getattr(node, "__slots__", None)
        if not fields:
            continue
        for field in fields:
            child = getattr(node, field, None)
            if isinstance(child, tuple) or type(child).__module__.startswith("pglast.ast"):
                stack.append(child)
    return None


def expression_volatile(text: str) -> str | None:
    """The volatile function a default expression written as SQL text (``server_default=sa.text("...")``)
    calls; None when it calls none or is not SQL pglast can read."""
    from pglast import parse_sql
    from pglast.parser import ParseError

    if len(text) > 10_000:
        return None
    try:
        statements = parse_sql(f"SELECT {text}")
    except (ParseError, RecursionError):
        return None
    if len(statements) != 1:
        return None
    return volatile_call(statements[0].stmt)
