"""An Alembic revision file into its revision ids and the operations its ``upgrade()`` performs.

Read with the standard library's ``ast``; nothing is imported or run. Only
``upgrade()`` (and the module's own functions it calls) is read: ``downgrade()``
runs when someone rolls back by hand, not on deploy. Recognised:

* ``op.<operation>(...)`` for the operations listed in ``_OPS``, with the table
  taken from ``with op.batch_alter_table("t") as batch_op:`` for ``batch_op.*``;
* ``op.execute("SQL")`` and ``op.execute(sa.text("SQL"))`` (also
  ``op.get_bind().execute(...)`` and ``conn.execute(...)`` on a connection from
  ``op.get_bind()``), parsed as SQL;
* ``with op.get_context().autocommit_block():``: what runs inside is outside the
  migration's transaction.
"""

from __future__ import annotations

import ast
import re
from typing import Iterator, NamedTuple

from readycheck.core.findings import Span
from readycheck.parsers.migration_ops import SERIAL_TYPES, VOLATILE_FUNCTIONS, Operation


class AlembicRevision:
    """One revision file: its ids, and (for files that are judged) what it does."""

    __slots__ = ("path", "revision", "down_revisions", "span", "operations", "problems")

    def __init__(self, path: str, revision: str | None, down_revisions: tuple[str, ...], span: Span) -> None:
        self.path = path
        self.revision = revision
        self.down_revisions = down_revisions
        self.span = span  # of the ``revision = ...`` assignment
        self.operations: list[Operation] = []
        #: (line, message) for SQL in op.execute() that could not be parsed.
        self.problems: list[tuple[int, str]] = []


def _string(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _ids(node: ast.AST | None) -> tuple[str, ...]:
    """``down_revision``: None, a string, or a tuple/list of strings (a merge)."""
    text = _string(node)
    if text is not None:
        return (text,)
    if isinstance(node, (ast.Tuple, ast.List)):
        return tuple(s for s in map(_string, node.elts) if s)
    return ()


def read_ids(path: str, tree: ast.Module) -> AlembicRevision | None:
    """The revision ids of a revision file; None when it declares no ``revision``."""
    revision = down = None
    span = Span(1)
    has_revision = has_down = False
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name, value = stmt.targets[0].id, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            name, value = stmt.target.id, stmt.value
        else:
            continue
        if name == "revision" and _string(value):
            revision, has_revision = _string(value), True
            span = Span(stmt.lineno, stmt.col_offset + 1, stmt.lineno, stmt.col_offset + 1 + len("revision"))
        elif name == "down_revision":
            down, has_down = value, True
    if not has_revision or not has_down:
        return None
    return AlembicRevision(path, revision, _ids(down), span)


_ASSIGNMENT = re.compile(r"^(revision|down_revision)[ \t]*(?::[^=\n]*)?=(?!=)", re.MULTILINE)
_SIMPLE_ASSIGNMENT = re.compile(r"^(revision|down_revision)[ \t]*(?::[^=\n]*)?=[ \t]*"
                                r"(?:None|'([^'\\\n]*)'|\"([^\"\\\n]*)\")[ \t]*(?:#[^\n]*)?$", re.MULTILINE)


def read_ids_quickly(path: str, text: str) -> AlembicRevision | None:
    """``read_ids`` without parsing the whole module: each top-level ``revision = ...`` and
    ``down_revision = ...`` statement is cut out (to its last line, brackets balanced) and parsed
    alone. A history of 500 revisions is read in milliseconds instead of a parse per file; judged
    revisions are parsed in full anyway. None when the quick read is not sure (then parse)."""
    body = text.find("\ndef ")  # the ids come before the functions: search only the header
    stop = len(text) if body < 0 else body + 1
    simple: dict[str, tuple[tuple[str, ...], int]] = {}
    for name in ("revision", "down_revision"):  # one line each, a string or None: most files
        at = text.find(f"\n{name}", 0, stop)
        match = _SIMPLE_ASSIGNMENT.match(text, at + 1, stop) if at >= 0 else None
        if match is not None and text.find(f"\n{name}", at + 1, stop) < 0:
            value = match.group(2) if match.group(2) is not None else match.group(3)
            simple[name] = ((value,) if value is not None else (), match.start())
    if len(simple) == 2 and len(simple["revision"][0]) == 1:
        line = text.count("\n", 0, simple["revision"][1]) + 1
        return AlembicRevision(path, simple["revision"][0][0], simple["down_revision"][0],
                               Span(line, 1, line, 1 + len("revision")))
    found: dict[str, tuple[tuple[str, ...], int]] = {}
    for match in _ASSIGNMENT.finditer(text, 0, stop):
        name = match.group(1)
        if name in found:
            return None  # assigned twice: let the full parse decide
        start = match.end()
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        value = text[start:end]
        depth = _depth(value)
        lines = 0
        while depth > 0 and end < len(text) and lines < 50:
            nxt = text.find("\n", end + 1)
            nxt = len(text) if nxt < 0 else nxt
            chunk = text[end:nxt]
            depth += _depth(chunk)
            value += chunk
            end = nxt
            lines += 1
        ids = _literal_ids(value)
        if ids is None:
            return None
        found[name] = (ids, text.count("\n", 0, match.start()) + 1)
    if "revision" not in found or "down_revision" not in found or len(found["revision"][0]) != 1:
        return None
    line = found["revision"][1]
    return AlembicRevision(path, found["revision"][0][0], found["down_revision"][0],
                           Span(line, 1, line, 1 + len("revision")))


def _depth(text: str) -> int:
    return text.count("(") + text.count("[") + text.count("{") - text.count(")") - text.count("]") - text.count("}")


_QUOTED_ID = re.compile(r"""\s*(?:'([^'\\\n]*)'|"([^"\\\n]*)")\s*""")


def _literal_ids(value: str) -> tuple[str, ...] | None:
    """The ids a ``revision``/``down_revision`` value spells: ``None``, ``"abc"``, or a tuple or list of
    such strings, with an optional trailing comment; None for anything else (then the file is parsed).
    ast.parse on each tiny value costs more than reading the rest of the file."""
    text = value.strip()
    if "#" in text:
        head = text.split("#", 1)[0]
        if head.count('"') % 2 or head.count("'") % 2:
            return None
        text = head.strip()
    if text == "None":
        return ()
    if text[:1] in "([" and text[-1:] in ")]":
        text = text[1:-1]
        parts = [p for p in text.split(",")]
        if parts and not parts[-1].strip():
            parts = parts[:-1]
    else:
        parts = [text]
    out = []
    for part in parts:
        match = _QUOTED_ID.fullmatch(part)
        if match is None:
            return None
        out.append(match.group(1) if match.group(1) is not None else match.group(2))
    return tuple(out) if parts else ()


def read_operations(revision: AlembicRevision, tree: ast.Module, text: str) -> None:
    """Fill ``revision.operations`` from the file's ``upgrade()``."""
    functions = {stmt.name: stmt for stmt in tree.body if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))}
    upgrade = functions.get("upgrade")
    if upgrade is None:
        return
    constants = _string_constants(tree)
    if constants:  # INDEX_NAME = "ix_..." at module level, used as op.create_index(INDEX_NAME, ...)
        inline = _InlineConstants(constants)
        functions = {name: inline.visit(function) for name, function in functions.items()}
        upgrade = functions["upgrade"]
    reader = _Reader(revision, functions, text)
    reader.block(upgrade.body, _Context(), {"upgrade", "downgrade"})


def _string_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level names assigned a string once (``TABLE = "users"``)."""
    out: dict[str, str] = {}
    twice: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name, value = stmt.targets[0].id, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            name, value = stmt.target.id, stmt.value
        else:
            continue
        if name in out:
            twice.add(name)
        if isinstance(value, ast.Constant) and isinstance(value.value, str) and name not in _IDS:
            out[name] = value.value
    return {name: value for name, value in out.items() if name not in twice}


_IDS = {"revision", "down_revision", "branch_labels", "depends_on"}


class _InlineConstants(ast.NodeTransformer):
    """Reads of a module-level string constant replaced by the string, so ``op.drop_table(TABLE)`` names it."""

    def __init__(self, constants: dict[str, str]) -> None:
        self.constants = constants

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if isinstance(node.ctx, ast.Load) and node.id in self.constants:
            return ast.copy_location(ast.Constant(self.constants[node.id]), node)
        return node


class _Context(NamedTuple):
    """Where a statement of ``upgrade()`` runs: in an autocommit block, in batch_alter_table blocks."""

    autocommit: bool = False
    #: Local name of a ``batch_alter_table`` operations object -> its table.
    batches: tuple[tuple[str, str | None], ...] = ()

    def batch_table(self, name: str) -> tuple[bool, str | None]:
        for local, table in reversed(self.batches):
            if local == name:
                return True, table
        return False, None


def _receiver(func: ast.AST) -> tuple[str | None, str | None]:
    """(receiver name, method) of ``receiver.method(...)``."""
    if isinstance(func, ast.Attribute):
        value = func.value
        if isinstance(value, ast.Name):
            return value.id, func.attr
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and \
                isinstance(value.func.value, ast.Name) and value.func.value.id == "op" and value.func.attr == "get_bind":
            return "op.get_bind()", func.attr
    return None, None


def _kw(call: ast.Call, name: str) -> ast.AST | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _arg(call: ast.Call, position: int, name: str) -> ast.AST | None:
    found = _kw(call, name)
    if found is not None:
        return found
    return call.args[position] if position < len(call.args) else None


def _callee(node: ast.AST | None) -> str:
    """The last name of a call's callee: ``sa.Column(...)`` -> "Column"."""
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute):
            return func.attr
        if isinstance(func, ast.Name):
            return func.id
    return ""


def _name_of(node: ast.AST | None) -> str | None:
    """A name argument: a string, or ``op.f("ix_...")``."""
    text = _string(node)
    if text is None and isinstance(node, ast.Call) and _callee(node) in ("f", "conv") and node.args:
        text = _string(node.args[0])
    return text


def _true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _span(node: ast.AST) -> Span:
    line = getattr(node, "lineno", 1)
    return Span(line, getattr(node, "col_offset", 0) + 1, getattr(node, "end_lineno", line) or line,
                (getattr(node, "end_col_offset", 0) or 0) + 1)


class _Reader:
    def __init__(self, revision: AlembicRevision, functions: dict[str, ast.AST], text: str) -> None:
        self.revision = revision
        self.functions = functions
        self.text = text
        self.ops = revision.operations
        #: Local names bound to ``op.get_bind()``: a connection whose ``execute`` runs SQL.
        self.connections: set[str] = set()
        #: Names that stand for the dialect's name or a test of it (``is_postgres()``, ``is_sqlite``).
        self.dialect_names: dict[str, tuple | str | None] = {
            name: _dialect_reading(function.body[-1].value, {}) for name, function in functions.items()
            if function.body and isinstance(function.body[-1], ast.Return) and function.body[-1].value is not None}

    def block(self, body: list[ast.stmt], context: _Context, visited: set[str]) -> None:
        for stmt in body:
            self.statement(stmt, context, visited)

    def statement(self, stmt: ast.stmt, context: _Context, visited: set[str]) -> None:
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            inner = context
            for item in stmt.items:
                expr = item.context_expr
                method = _callee(expr)
                if method == "autocommit_block":
                    inner = _Context(True, inner.batches)
                elif method == "batch_alter_table" and isinstance(expr, ast.Call):
                    table = _string(_arg(expr, 0, "table_name"))
                    if isinstance(item.optional_vars, ast.Name):
                        inner = _Context(inner.autocommit, inner.batches + ((item.optional_vars.id, table),))
                else:
                    self.expression(expr, context, visited)
            self.block(stmt.body, inner, visited)
            return
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call) and \
                _receiver(stmt.value.func) == ("op", "get_bind"):
            self.connections.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
            return
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    self.dialect_names[target.id] = _dialect_reading(stmt.value, self.dialect_names)
        if isinstance(stmt, ast.If):
            on_postgres = _runs_on_postgresql(stmt.test, self.dialect_names)
            self.expression(stmt.test, context, visited)
            if on_postgres is not False:  # a branch only another database takes is not what PostgreSQL runs
                self.block(stmt.body, context, visited)
            if on_postgres is not True:
                self.block(stmt.orelse, context, visited)
            return
        for child in ast.iter_child_nodes(stmt):
            if isinstance(child, ast.stmt):
                self.statement(child, context, visited)
            elif isinstance(child, ast.expr):
                self.expression(child, context, visited)
            elif isinstance(child, ast.excepthandler):
                self.block(child.body, context, visited)

    def expression(self, node: ast.AST, context: _Context, visited: set[str]) -> None:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call):
                self.call(sub, context, visited)

    def call(self, call: ast.Call, context: _Context, visited: set[str]) -> None:
        receiver, method = _receiver(call.func)
        if receiver is None and isinstance(call.func, ast.Name):
            name = call.func.id
            target = self.functions.get(name)
            if target is not None and name not in visited:  # a helper of this file that upgrade() calls
                self.block(target.body, context, visited | {name})
            return
        if method is None:
            return
        is_batch, batch_table = context.batch_table(receiver or "")
        if method == "execute" and (receiver in ("op", "op.get_bind()") or receiver in self.connections):
            self.execute(call, context)
            return
        if receiver != "op" and not is_batch:
            return
        reader = _OPS.get(method)
        if reader is None:
            return
        for op in reader(call, batch_table if is_batch else None, is_batch):
            self.ops.append(op._replace(in_transaction=not context.autocommit))

    def execute(self, call: ast.Call, context: _Context) -> None:
        node = call.args[0] if call.args else _kw(call, "sqltext") or _kw(call, "statement")
        if isinstance(node, ast.Call) and _callee(node) == "text" and node.args:
            node = node.args[0]
        sql = _string(node)
        if sql is None:
            return  # built at run time: nothing to read
        from readycheck.parsers.sql import SqlError, operations

        line = node.lineno
        placement = _literal_placement(self.text, node, sql)
        try:
            found = operations(without_bind_parameters(sql), placement, in_transaction=not context.autocommit)
        except SqlError as exc:
            self.revision.problems.append((line, str(exc)))
            return
        self.ops.extend(found)


#: Compiled on first use (re caches them): only migrations with SQL text need them.
_QUOTED = r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\""
_BIND = r"(?<![:\w]):([A-Za-z_]\w*)"


def without_bind_parameters(sql: str) -> str:
    """SQLAlchemy ``text()`` bind parameters (``:user_id``) as PostgreSQL parameters (``$1``) padded to the
    same length, so pglast reads the statement and every offset still points into the original;
    quoted strings and identifiers and ``::`` casts are left alone."""
    if ":" not in sql:
        return sql
    out, last = [], 0
    for quoted in re.finditer(_QUOTED, sql):
        out.append(re.sub(_BIND, _parameter, sql[last:quoted.start()]))
        out.append(quoted.group(0))
        last = quoted.end()
    out.append(re.sub(_BIND, _parameter, sql[last:]))
    return "".join(out)


def _parameter(match: re.Match) -> str:
    return "$1".ljust(len(match.group(0)))


def _dialect_reading(node: ast.AST | None, names: dict) -> tuple | str | None:
    """What an expression says about the database: "name" for the dialect's name
    (``op.get_bind().dialect.name``), (dialect, equal) for a comparison of it with a string
    (``bind.dialect.name == "sqlite"``), or None."""
    if isinstance(node, ast.Attribute) and node.attr == "name" and isinstance(node.value, ast.Attribute) and \
            node.value.attr == "dialect":
        return "name"
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.args:
        return names.get(node.func.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _dialect_reading(node.operand, names)
        return (inner[0], not inner[1]) if isinstance(inner, tuple) else None
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
        left, right = node.left, node.comparators[0]
        if _string(left) is not None:
            left, right = right, left
        if _dialect_reading(left, names) == "name" and _string(right) is not None:
            return (_string(right), isinstance(node.ops[0], ast.Eq))
    return None


def _runs_on_postgresql(test: ast.AST, names: dict) -> bool | None:
    """True when an ``if`` test holds on PostgreSQL, False when it does not, None when it does not say."""
    reading = _dialect_reading(test, names)
    if not isinstance(reading, tuple):
        return None
    dialect, equal = reading
    is_postgres = dialect.lower() in ("postgresql", "postgres")
    return equal if is_postgres else not equal


def _literal_placement(text: str, node: ast.AST, sql: str):
    """Where a string literal's value starts in the file: after its prefix and opening quotes.
    Exact for literals without escapes before the statement; otherwise the literal's own line."""
    from readycheck.parsers.sql import Placement

    line = node.lineno
    lines = text.split("\n", line)  # only as far as the literal's line
    source_line = lines[line - 1] if line - 1 < len(lines) else ""
    at = node.col_offset
    rest = source_line[at:at + 8]
    skip = 0
    while skip < len(rest) and rest[skip].lower() in "rbuf":
        skip += 1
    quote = rest[skip:skip + 3] if rest[skip:skip + 3] in ('"""', "'''") else rest[skip:skip + 1]
    return Placement(sql, line, at + skip + len(quote) + 1)


# ----------------------------------------------------------------- op.* readers


def _column_ops(table: str | None, column_call: ast.AST | None, span: Span) -> Iterator[Operation]:
    if not isinstance(column_call, ast.Call) or _callee(column_call) != "Column":
        return
    name = _string(column_call.args[0]) if column_call.args else _string(_kw(column_call, "name"))
    nullable = _kw(column_call, "nullable")
    primary = _true(_kw(column_call, "primary_key"))
    not_null = primary or (isinstance(nullable, ast.Constant) and nullable.value is False)
    default = _kw(column_call, "server_default")
    has_default = default is not None and not (isinstance(default, ast.Constant) and default.value is None)
    volatile = _volatile_default(default) if has_default else None
    type_node = column_call.args[1] if len(column_call.args) > 1 else _kw(column_call, "type_")
    type_name = _callee(type_node) if isinstance(type_node, ast.Call) else \
        (type_node.attr if isinstance(type_node, ast.Attribute) else type_node.id if isinstance(type_node, ast.Name)
         else "")
    identity = any(_callee(a) in ("Identity", "Sequence") for a in column_call.args[1:])
    if identity:
        has_default, volatile = True, volatile or "an identity sequence"
    if type_name.lower() in SERIAL_TYPES:
        has_default, volatile = True, volatile or type_name.lower()
    yield Operation("add_column", table, span, column=name, not_null=not_null, has_default=has_default,
                    volatile=volatile, detail=type_name)
    if any(_callee(a) == "ForeignKey" for a in column_call.args[1:]):
        # A new column's foreign key is still validated by a scan of the table, under SHARE ROW EXCLUSIVE
        # locks on both tables.
        yield Operation("add_constraint", table, span, column=name, constraint="foreign_key")


def _volatile_default(node: ast.AST) -> str | None:
    """``server_default=sa.text("gen_random_uuid()")`` or ``sa.func.gen_random_uuid()``."""
    if isinstance(node, ast.Call):
        callee = _callee(node)
        if callee == "text" and node.args and _string(node.args[0]) is not None:
            from readycheck.parsers.sql import expression_volatile

            return expression_volatile(_string(node.args[0]) or "")
        if isinstance(node.func, ast.Attribute) and callee.lower() in VOLATILE_FUNCTIONS:
            return f"{callee.lower()}()"
        if callee == "FetchedValue":
            return None
    return None


def _add_column(call: ast.Call, batch: str | None, is_batch: bool) -> Iterator[Operation]:
    if is_batch:
        yield from _column_ops(batch, _arg(call, 0, "column"), _span(call))
    else:
        yield from _column_ops(_string(_arg(call, 0, "table_name")), _arg(call, 1, "column"), _span(call))


def _drop_column(call: ast.Call, batch: str | None, is_batch: bool) -> Iterator[Operation]:
    if is_batch:
        yield Operation("drop_column", batch, _span(call), column=_string(_arg(call, 0, "column_name")))
    else:
        yield Operation("drop_column", _string(_arg(call, 0, "table_name")), _span(call),
                        column=_string(_arg(call, 1, "column_name")))


def _alter_column(call: ast.Call, batch: str | None, is_batch: bool) -> Iterator[Operation]:
    if is_batch:
        table, column = batch, _string(_arg(call, 0, "column_name"))
    else:
        table, column = _string(_arg(call, 0, "table_name")), _string(_arg(call, 1, "column_name"))
    span = _span(call)
    new_name = _string(_kw(call, "new_column_name"))
    if new_name and new_name != column:
        yield Operation("rename_column", table, span, column=column, new_name=new_name)
    type_node = _kw(call, "type_")
    if type_node is not None and not (isinstance(type_node, ast.Constant) and type_node.value is None) and \
            not _widens_text(_kw(call, "existing_type"), type_node):
        yield Operation("alter_type", table, span, column=column, detail=ast.unparse(type_node)[:80])
    if not new_name and type_node is None and _kw(call, "nullable") is None and \
            any(_kw(call, k) is not None for k in ("server_default", "comment")):
        yield Operation("alter_table", table, span, column=column, detail="alter_column")
    nullable = _kw(call, "nullable")
    existing = _kw(call, "existing_nullable")
    if isinstance(nullable, ast.Constant) and nullable.value is False and \
            not (isinstance(existing, ast.Constant) and existing.value is False):
        yield Operation("set_not_null", table, span, column=column)


_VARCHAR = {"String", "VARCHAR", "Unicode", "NVARCHAR", "CHAR"}
_TEXT = {"Text", "TEXT", "UnicodeText"}


def _length(node: ast.AST) -> int | None:
    if isinstance(node, ast.Call):
        found = _arg(node, 0, "length")
        if isinstance(found, ast.Constant) and type(found.value) is int:
            return found.value
    return None


def _widens_text(existing: ast.AST | None, new: ast.AST) -> bool:
    """A VARCHAR made longer or unbounded, or turned into TEXT: binary-coercible, no rewrite (PG 9.2+)."""
    old_name, new_name = _type_name(existing), _type_name(new)
    if old_name not in _VARCHAR or old_name == "CHAR":
        return False
    if new_name in _TEXT:
        return True
    if new_name in _VARCHAR and new_name != "CHAR":
        old_length, new_length = _length(existing), _length(new)
        return new_length is None or (old_length is not None and new_length >= old_length)
    return False


def _type_name(node: ast.AST | None) -> str:
    if isinstance(node, ast.Call):
        return _callee(node)
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _table_op(kind: str):
    def read(call: ast.Call, batch: str | None, is_batch: bool) -> Iterator[Operation]:
        yield Operation(kind, _string(_arg(call, 0, "table_name")), _span(call))
    return read


def _rename_table(call: ast.Call, batch: str | None, is_batch: bool) -> Iterator[Operation]:
    yield Operation("rename_table", _string(_arg(call, 0, "old_table_name")), _span(call),
                    new_name=_string(_arg(call, 1, "new_table_name")))


def _create_index(call: ast.Call, batch: str | None, is_batch: bool) -> Iterator[Operation]:
    table = batch if is_batch else _string(_arg(call, 1, "table_name"))
    yield Operation("create_index", table, _span(call), name=_name_of(_arg(call, 0, "index_name")),
                    concurrent=_true(_kw(call, "postgresql_concurrently")),
                    detail="unique" if _true(_kw(call, "unique")) else "")


def _drop_index(call: ast.Call, batch: str | None, is_batch: bool) -> Iterator[Operation]:
    table = batch if is_batch else _string(_kw(call, "table_name") or (call.args[1] if len(call.args) > 1 else None))
    yield Operation("drop_index", table, _span(call), name=_name_of(_arg(call, 0, "index_name")),
                    concurrent=_true(_kw(call, "postgresql_concurrently")))


def _constraint(kind: str, table_position: int):
    def read(call: ast.Call, batch: str | None, is_batch: bool) -> Iterator[Operation]:
        table = batch if is_batch else _string(_arg(call, table_position, "table_name" if kind != "foreign_key"
                                                    else "source_table"))
        not_valid = _true(_kw(call, "postgresql_not_valid"))
        yield Operation("add_constraint", table, _span(call), name=_name_of(_arg(call, 0, "constraint_name")),
                        constraint=kind, not_valid=not_valid)
    return read


def _drop_constraint(call: ast.Call, batch: str | None, is_batch: bool) -> Iterator[Operation]:
    table = batch if is_batch else _string(_arg(call, 1, "table_name"))
    yield Operation("alter_table", table, _span(call), name=_name_of(_arg(call, 0, "constraint_name")),
                    detail="drop_constraint")


_OPS = {
    "drop_constraint": _drop_constraint,
    "create_table": _table_op("create_table"),
    "drop_table": _table_op("drop_table"),
    "rename_table": _rename_table,
    "add_column": _add_column,
    "drop_column": _drop_column,
    "alter_column": _alter_column,
    "create_index": _create_index,
    "drop_index": _drop_index,
    "create_foreign_key": _constraint("foreign_key", 1),
    "create_check_constraint": _constraint("check", 1),
    "create_unique_constraint": _constraint("unique", 1),
    "create_primary_key": _constraint("primary_key", 1),
    "create_exclude_constraint": _constraint("exclude", 1),
}
