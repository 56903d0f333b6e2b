"""The tables and columns that SQLAlchemy, Flask-SQLAlchemy and SQLModel models declare.

A migration that drops or renames a table or column the models still declare
breaks the new release itself, not only the old one. Read with ``ast`` from
the modules that can declare a model (they mention ``__tablename__``,
``table=True`` or ``Table(``); nothing is imported or run.

Recognised:

* a class with ``__tablename__ = "name"`` (or, for ``class X(SQLModel, table=True)``
  without one, SQLModel's default: the class name in lower case); its columns are
  the class attributes assigned ``Column(...)``/``mapped_column(...)``/``Field(...)``
  or annotated ``Mapped[...]`` (and, in SQLModel table classes, every annotated
  field that is not a ``Relationship``/``ClassVar``), named by the attribute or by
  the column's own name argument; columns of base classes declared in the tree
  (mixins) are inherited;
* ``Table("name", metadata, Column("col", ...), ...)``.
"""

from __future__ import annotations

import ast

from readycheck.core.findings import Span

MARKERS = (b"__tablename__", b"table=True", b"Table(")
_COLUMN_CALLS = {"Column", "mapped_column", "Field", "column_property", "deferred", "composite"}
_NOT_COLUMNS = {"relationship", "Relationship", "association_proxy", "hybrid_property", "synonym", "backref",
                "dynamic_loader", "query_expression"}


class ModelClass:
    """One model class (or ``Table(...)``) as read from its module."""

    __slots__ = ("path", "name", "span", "bases", "table", "columns", "fields", "sqlmodel_table")

    def __init__(self, path: str, name: str, span: Span, bases: tuple[str, ...], table: str | None,
                 sqlmodel_table: bool = False) -> None:
        self.path = path
        self.name = name
        self.span = span
        self.bases = bases
        self.table = table
        #: Column name -> span of its declaration.
        self.columns: dict[str, Span] = {}
        #: Annotated attributes without a column call (``name: str``): columns of a SQLModel table.
        self.fields: dict[str, Span] = {}
        #: SQLModel ``table=True``: the table name defaults to the class name in lower case.
        self.sqlmodel_table = sqlmodel_table


def _string(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _last(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Subscript):
        return _last(node.value)
    if isinstance(node, ast.Call):
        return _last(node.func)
    return ""


def _span(node: ast.AST) -> Span:
    return Span(node.lineno, node.col_offset + 1, node.end_lineno or node.lineno, (node.end_col_offset or 0) + 1)


def _column_name(attribute: str, value: ast.AST | None) -> str | None:
    """The database name of a column attribute, or None when the value is not a column."""
    if value is None:
        return attribute
    if not isinstance(value, ast.Call):
        return attribute if _last(value) not in _NOT_COLUMNS else None
    callee = _last(value.func)
    if callee in _NOT_COLUMNS:
        return None
    if callee not in _COLUMN_CALLS:
        return None
    if callee == "Field":
        inner = next((k.value for k in value.keywords if k.arg == "sa_column"), None)
        if isinstance(inner, ast.Call):
            return _column_name(attribute, inner)
        kwargs = next((k.value for k in value.keywords if k.arg == "sa_column_kwargs"), None)
        if isinstance(kwargs, ast.Dict):
            for key, item in zip(kwargs.keys, kwargs.values):
                if _string(key) == "name" and _string(item):
                    return _string(item)
        return attribute
    first = _string(value.args[0]) if value.args else None
    named = next((_string(k.value) for k in value.keywords if k.arg == "name"), None)
    return named or first or attribute


def read_models(path: str, tree: ast.Module) -> list[ModelClass]:
    out: list[ModelClass] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.ClassDef):
            out.append(_class(path, stmt))
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and isinstance(stmt.value, ast.Call) and \
                _last(stmt.value.func) == "Table" and stmt.value.args and _string(stmt.value.args[0]):
            table = _string(stmt.value.args[0])
            model = ModelClass(path, table or "", _span(stmt.value), (), table)
            for argument in stmt.value.args[1:]:
                if isinstance(argument, ast.Call) and _last(argument.func) == "Column" and argument.args:
                    name = _string(argument.args[0])
                    if name:
                        model.columns.setdefault(name, _span(argument))
            out.append(model)
    return out


def _class(path: str, node: ast.ClassDef) -> ModelClass:
    bases = tuple(_last(b) for b in node.bases)
    sqlmodel_table = any(k.arg == "table" and isinstance(k.value, ast.Constant) and k.value.value is True
                         for k in node.keywords)
    model = ModelClass(path, node.name, Span(node.lineno, node.col_offset + 1), bases, None,
                       sqlmodel_table=sqlmodel_table)
    for stmt in node.body:
        if isinstance(stmt, ast.Assign):
            targets = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
            value, annotation = stmt.value, None
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            targets, value, annotation = [stmt.target.id], stmt.value, stmt.annotation
        else:
            continue
        for attribute in targets:
            if attribute == "__tablename__":
                model.table = _string(value)
                continue
            if attribute.startswith("__"):
                continue
            kind = _last(annotation) if annotation is not None else ""
            if kind == "ClassVar":
                continue
            if isinstance(value, ast.Call) or kind == "Mapped":
                name = _column_name(attribute, value)  # Column(...), mapped_column(...), Mapped[...]
                if name:
                    model.columns.setdefault(name, _span(stmt))
            elif annotation is not None:  # a pydantic-style field: a column of a SQLModel table
                model.fields.setdefault(attribute, _span(stmt))
    return model


class ModelIndex:
    """Tables and their columns across every model of the tree, with mixins' columns inherited."""

    def __init__(self, classes: list[ModelClass]) -> None:
        by_name: dict[str, list[ModelClass]] = {}
        for model in classes:
            by_name.setdefault(model.name, []).append(model)
        #: table -> (column -> (path, span)), and table -> (path, span) of its model.
        self.tables: dict[str, tuple[str, Span]] = {}
        self.columns: dict[str, dict[str, tuple[str, Span]]] = {}
        for model in classes:
            table = model.table or (model.name.lower() if model.sqlmodel_table else None)
            if not table:
                continue
            self.tables.setdefault(table, (model.path, model.span))
            columns = self.columns.setdefault(table, {})
            for owner in self._lineage(model, by_name):
                for column, span in owner.columns.items():
                    columns.setdefault(column, (owner.path, span))
                for column, span in owner.fields.items() if model.sqlmodel_table else ():
                    columns.setdefault(column, (owner.path, span))

    @staticmethod
    def _lineage(model: ModelClass, by_name: dict[str, list[ModelClass]]) -> list[ModelClass]:
        out, todo, seen = [], [model], set()
        while todo and len(out) < 50:
            current = todo.pop(0)
            if id(current) in seen:
                continue
            seen.add(id(current))
            out.append(current)
            for base in current.bases:
                candidates = by_name.get(base, [])
                if len(candidates) == 1 and candidates[0].table in (None, current.table):
                    todo.append(candidates[0])
        return out

    def table(self, name: str | None) -> tuple[str, Span] | None:
        return self.tables.get(name) if name else None

    def column(self, table: str | None, column: str | None) -> tuple[str, Span] | None:
        if not table or not column:
            return None
        return self.columns.get(table, {}).get(column)
