"""The migration model: the repository's schema migrations, their revision graph, and which are judged.

Found without reading anything on a repository that has none (a pass over
file paths):

* Alembic revision files: ``<script_location>/versions/**/*.py`` for each
  ``script_location`` (and ``version_locations``) of an ``alembic.ini``, and the
  conventional layout, a ``versions/`` folder beside an ``env.py``;
* SQL migration files: Flyway ``V<version>__<name>.sql``, golang-migrate
  ``<version>_<name>.up.sql``, dbmate ``<version>_<name>.sql`` with a
  ``-- migrate:up`` section, Prisma ``migrations/<stamp>_<name>/migration.sql``,
  yoyo ``*.sql`` beside its ``*.rollback.sql`` or with a ``-- depends:`` header.

Which migrations are judged: a history is full of drops that were deployed
long ago, so by default only what the next deploy applies, the heads of each
Alembic revision graph (``revision``/``down_revision``, merges included) and
the highest version of each SQL migration folder. ``--since REF`` judges the
migration files added or changed since a git ref (read-only git that the
repository's own configuration cannot make run anything), and
``migrations = "all"`` in ``[tool.readycheck]`` judges every migration.

SQL is read only where the service's database is PostgreSQL: pglast is
PostgreSQL's own parser, and the locking advice is PostgreSQL's.
"""

from __future__ import annotations

import ast
import os
import posixpath
import re
from functools import cached_property
from typing import TYPE_CHECKING, Iterator

from readycheck.knowledge.drivers import POSTGRES_DRIVERS  # a service that installs one talks to PostgreSQL
from readycheck.core.findings import Span
from readycheck.parsers.migration_ops import Operation
from readycheck.knowledge.environments import is_auxiliary_path
from readycheck.core.sourcefile import FileKind, SourceFile, UnreadableFile

if TYPE_CHECKING:
    from readycheck.parsers.sqlalchemy_models import ModelIndex
    from readycheck.model.project import Project

MODES = ("heads", "all")

_FLYWAY = r"^V(\d+(?:[._]\d+)*)__.+\.sql$"
_GOLANG_MIGRATE = r"^(\d+)_.+\.up\.sql$"
_NUMBERED_SQL = r"^(\d+)[._-].*\.sql$"
_PRISMA_DIR = r"^(\d+)_"
_POSTGRES_URL = r"\b(?:postgres|postgresql)(?:\+\w+)?://|jdbc:postgresql:|provider\s*=\s*\"postgresql\""
# (Patterns as strings: re compiles and caches each on first use, on repositories that need it.)


class Migration:
    """One migration file and, when it is judged, what its upgrade does.

    (A plain class, as are the other records of this module: a dataclass costs a millisecond to
    create at import, and this module is imported on every scan of a repository with migrations.)
    """

    __slots__ = ("path", "tool", "folder", "revision", "down_revisions", "span", "version", "judged", "reason",
                 "operations")

    def __init__(self, path: str, tool: str, folder: str, revision: str | None,
                 down_revisions: tuple[str, ...] = (), span: Span = Span(1), version: tuple[int, ...] = ()) -> None:
        self.path = path
        #: "alembic", "flyway", "golang-migrate", "dbmate", "prisma", "yoyo"
        self.tool = tool
        #: The script location (Alembic) or folder (SQL) whose history it belongs to.
        self.folder = folder
        self.revision = revision
        self.down_revisions = down_revisions
        self.span = span  # of the ``revision = ...`` assignment
        #: Sort key of a SQL migration's version.
        self.version = version
        self.judged = False
        #: Why it is judged: "head", "latest version", "changed since REF", "all".
        self.reason = ""
        self.operations: list[Operation] = []

    def __repr__(self) -> str:
        return f"Migration({self.path!r}, {self.tool!r}, revision={self.revision!r}, judged={self.judged})"

    @property
    def created_tables(self) -> set[str]:
        return {op.table for op in self.operations if op.kind == "create_table" and op.table}

    def on_existing_table(self, op: Operation) -> bool:
        """True when an operation changes a table this migration did not create itself."""
        return op.table is None or op.table not in self.created_tables

    @property
    def sets_lock_timeout(self) -> bool:
        return any(op.kind == "lock_timeout" for op in self.operations)


class MigrationModel:
    """Every migration of the repository, in path order, and which of them the rules judge."""

    def __init__(self, project: "Project | None" = None) -> None:
        self.project = project
        self.migrations: list[Migration] = []
        #: How migrations were chosen: "heads", "all" or "since REF".
        self.selection = "heads"
        self.postgres = False
        #: What says the database is PostgreSQL ("asyncpg in the dependencies").
        self.postgres_evidence = ""
        #: Script locations whose env.py sets lock_timeout for every migration.
        self.lock_timeout_folders: set[str] = set()

    @property
    def judged(self) -> list[Migration]:
        return [m for m in self.migrations if m.judged]

    def operations(self, *kinds: str) -> Iterator[tuple[Migration, Operation]]:
        """(migration, operation) for every operation of these kinds in a judged migration's upgrade."""
        for migration in self.judged:
            for op in migration.operations:
                if op.kind in kinds:
                    yield migration, op

    def changes(self, *kinds: str, postgres_only: bool = False, existing_table: bool = False
                ) -> Iterator[tuple[Migration, Operation]]:
        """``operations`` narrowed for a rule: nothing unless the database is PostgreSQL
        (``postgres_only``), and only changes to tables the migration did not create (``existing_table``)."""
        if postgres_only and not self.postgres:
            return
        for migration, op in self.operations(*kinds):
            if not existing_table or migration.on_existing_table(op):
                yield migration, op

    def still_declared(self, migration: Migration, op: Operation) -> tuple[str, Span] | None:
        """Where the models declare the table or column a drop or rename takes away, when they do and
        nothing after it (later in the migration, or a later migration of the same history) gives the
        name back: ``drop_column("user", "id")`` then ``alter_column("user", "new_id",
        new_column_name="id")`` swaps a column, and the models' ``id`` is the new one."""
        table_only = op.kind in ("drop_table", "rename_table")
        declared = self.models.table(op.table) if table_only else self.models.column(op.table, op.column)
        if declared is None:
            return None
        later = migration.operations[migration.operations.index(op) + 1:] if op in migration.operations else []
        for other in self._descendants(migration):
            later = later + other.operations
        for step in later:
            if table_only and ((step.kind == "create_table" and step.table == op.table) or
                               (step.kind == "rename_table" and step.new_name == op.table)):
                return None
            if not table_only and step.table == op.table and (
                    (step.kind == "add_column" and step.column == op.column) or
                    (step.kind == "rename_column" and step.new_name == op.column)):
                return None
        return declared

    def _descendants(self, migration: Migration) -> list[Migration]:
        """The migrations of the same history applied after this one (read ones only)."""
        history = [m for m in self.migrations if m.folder == migration.folder and m.tool == migration.tool]
        if migration.tool != "alembic":
            return [m for m in history if m.version > migration.version]
        children: dict[str, list[Migration]] = {}
        for m in history:
            for parent in m.down_revisions:
                children.setdefault(parent, []).append(m)
        out, todo, seen = [], [migration.revision], set()
        while todo:
            for child in children.get(todo.pop(), []):
                if child.revision not in seen:
                    seen.add(child.revision)
                    out.append(child)
                    todo.append(child.revision)
        return out

    def heads(self, folder: str) -> list[str]:
        return sorted(m.revision or "" for m in self.migrations if m.folder == folder and m.tool == "alembic"
                      and m.revision not in self._parents(folder))

    def _parents(self, folder: str) -> set[str]:
        return {p for m in self.migrations if m.folder == folder for p in m.down_revisions}

    @cached_property
    def models(self) -> "ModelIndex":
        """The tables and columns the SQLAlchemy/SQLModel models of the tree declare, for the tables a
        judged migration drops or renames (read on first use, so only when one does): the modules that
        name such a table, and the modules that define their base classes (mixins)."""
        import re

        from readycheck.parsers.sqlalchemy_models import MARKERS, ModelIndex, read_models

        wanted = sorted({op.table for migration in self.judged for op in migration.operations
                         if op.kind in ("drop_table", "rename_table", "drop_column", "rename_column") and op.table})
        project = self.project
        if not wanted or project is None:
            return ModelIndex([])
        skip = {m.path for m in self.migrations}
        sources = [s for s in project.files(FileKind.PYTHON) if s.path not in skip and not is_auxiliary_path(s.path)]
        names = re.compile(b"|".join(re.escape(name.encode("utf-8", "surrogateescape")) for name in wanted),
                           re.IGNORECASE)  # SQLModel's default table name is the class name in lower case
        classes: list = []
        parsed: set[str] = set()

        def read(test) -> None:
            for source in sources:
                if source.path in parsed:
                    continue
                try:
                    data = source.data
                except UnreadableFile:
                    continue
                if not test(data):
                    continue
                parsed.add(source.path)
                try:
                    tree = ast.parse(data, filename=source.path)
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    continue  # the Python facts report the file; models are best effort
                classes.extend(read_models(source.path, tree))

        read(lambda data: any(marker in data for marker in MARKERS) and names.search(data) is not None)
        for _ in range(3):  # mixins: the modules defining base classes not read yet
            known = {c.name for c in classes}
            missing = sorted({b for c in classes for b in c.bases} - known - _LIBRARY_BASES)
            if not missing:
                break
            pattern = re.compile(b"^class (?:" + b"|".join(re.escape(b.encode()) for b in missing) + rb")\b",
                                 re.MULTILINE)
            before = len(parsed)
            read(lambda data: pattern.search(data) is not None)
            if len(parsed) == before:
                break
        return ModelIndex(classes)


#: Base classes that come from libraries, never from the tree.
_LIBRARY_BASES = frozenset({"DeclarativeBase", "SQLModel", "object", "AsyncAttrs", "DeclarativeBaseNoMeta",
                            "MappedAsDataclass", "BaseModel", "Generic"})


def removal_findings(check, project: "Project", kind: str, warning, error):
    """The findings of a rule about a drop or a rename (RC701-RC704), on tables the migration did not create:
    an error where the models still declare what the change takes away (``error(op, where, model)``, with the
    model's place as a related location), a warning otherwise (``warning(op, where)``). ``where`` names the
    table or column ("users.legacy", "table users"); ``model`` is "path:line" of the declaration."""
    from readycheck.core.findings import Related, Severity

    model = project.migrations
    for migration, op in model.changes(kind, existing_table=True):
        if kind in ("drop_table", "rename_table"):
            if not op.table:
                continue
            where = f"table {op.table}"
        else:
            where = f"{op.table}.{op.column}" if op.table else f"column {op.column}"
        declared = model.still_declared(migration, op)
        if declared is None:
            yield check.finding(migration.path, op.span, warning(op, where))
        else:
            path, span = declared
            yield check.finding(migration.path, op.span, error(op, where, f"{path}:{span.line}"),
                                severity=Severity.ERROR, related=[Related(path, span, f"the model still maps {where}")])


# ----------------------------------------------------------------------- finding the files


def _alembic_folders(project: "Project") -> dict[str, str]:
    """Folder holding revision files -> its script location. A script location always holds env.py
    (Alembic runs it), so the ``versions/`` beside each env.py is found without reading alembic.ini;
    the ini file is read (configparser) only for the extra folders of ``version_locations``."""
    folders: dict[str, str] = {}
    for env in project.files_named("env.py"):
        versions = posixpath.join(env.directory, "versions") if env.directory else "versions"
        if project.exists(versions):
            folders.setdefault(versions, env.directory)
    for ini in project.files_named("alembic.ini"):
        try:
            text = ini.text
        except UnreadableFile as exc:
            project.diagnose(ini.path, str(exc))
            continue
        if "version_locations" in text or not folders:
            _read_alembic_ini(project, ini, text, folders)
    # tests/, docs/, examples/: fixtures and tutorials, not the service's history.
    return {folder: location for folder, location in folders.items() if not is_auxiliary_path(folder + "/")}


def _read_alembic_ini(project: "Project", ini: SourceFile, text: str, folders: dict[str, str]) -> None:
    import configparser

    try:
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.read_string(text)
    except configparser.Error as exc:
        project.diagnose(ini.path, f"cannot read alembic.ini: {str(exc).splitlines()[0]}")
        return
    section = parser["alembic"] if parser.has_section("alembic") else None
    if section is None:
        return
    location = _ini_path(ini.directory, section.get("script_location", ""))
    if location is None:
        return
    folders.setdefault(posixpath.join(location, "versions") if location else "versions", location)
    for extra in re.split(r"[\s,;:]+", section.get("version_locations", "")):
        path = _ini_path(ini.directory, extra) if extra and "%(" not in extra.replace("%(here)s", "") else None
        if path is not None:
            folders.setdefault(path, location)


def _ini_path(directory: str, value: str) -> str | None:
    """A path written in alembic.ini as a repository path; None when it leaves the repository."""
    value = value.strip().replace("%(here)s", directory or ".")
    if not value or "%(" in value:
        return None
    if ":" in value and not value.startswith("/"):  # "myapp:migrations": a package resource
        package, _, resource = value.partition(":")
        value = posixpath.join(package.replace(".", "/"), resource)
    if value.startswith("/"):
        return None
    joined = posixpath.normpath(posixpath.join(directory, value)) if directory else posixpath.normpath(value)
    if joined == ".":
        return ""
    if joined.startswith("../") or joined == "..":
        return None
    return joined


def _sql_migration(source: SourceFile, project: "Project") -> tuple[str, str, tuple[int, ...]] | None:
    """(tool, folder, version) of a SQL migration file, or None."""
    name = source.name
    lower = name.lower()
    if not lower.endswith(".sql"):
        return None
    match = re.match(_FLYWAY, name, re.IGNORECASE)
    if match:
        return "flyway", source.directory, tuple(int(p) for p in re.split(r"[._]", match.group(1)))
    match = re.match(_GOLANG_MIGRATE, name, re.IGNORECASE)
    if match:
        return "golang-migrate", source.directory, (int(match.group(1)),)
    if lower == "migration.sql" and "/" in source.directory:
        parent, stamp = source.directory.rsplit("/", 1)
        if parent.rsplit("/", 1)[-1] == "migrations" and re.match(_PRISMA_DIR, stamp):
            return "prisma", parent, (int(re.match(_PRISMA_DIR, stamp).group(1)),)
        return None
    if lower.endswith((".down.sql", ".rollback.sql")):
        return None
    # yoyo and dbmate files are told by their own markers (a rollback file beside, a depends or
    # migrate:up header), in whatever folder they are kept.
    match = re.match(_NUMBERED_SQL, name, re.IGNORECASE)
    stem = name[:-4]
    sibling = f"{source.directory}/{stem}.rollback.sql" if source.directory else f"{stem}.rollback.sql"
    if project.file(sibling) is not None:
        return "yoyo", source.directory, (int(match.group(1)),) if match else ()
    if match is None:  # yoyo and dbmate name their files from a number or timestamp: nothing to read
        return None
    try:
        head = source.text[:4096]
    except UnreadableFile:
        return None
    if "-- migrate:up" in head:
        return ("dbmate", source.directory, (int(match.group(1)),)) if match else None
    if head.lstrip().startswith("-- depends:"):
        return "yoyo", source.directory, (int(match.group(1)),) if match else ()
    return None


# ------------------------------------------------------------------------------- building


def build(project: "Project", mode: str = "heads", since: str | None = None) -> MigrationModel:
    model = MigrationModel(project=project)
    folders = _alembic_folders(project) if project.files_named("alembic.ini") or project.files_named("env.py") else {}
    alembic: list[tuple[Migration, str]] = []
    sql: list[tuple[Migration, SourceFile]] = []
    for source in project.all_files:
        if source.kind is FileKind.PYTHON and folders and source.name != "__init__.py":
            folder = _folder_of(source.directory, folders)
            if folder is not None:
                parsed = _read_revision(project, source, folders[folder])
                if parsed is not None:
                    alembic.append(parsed)
        elif source.kind is FileKind.OTHER and source.name[-4:].lower() == ".sql":
            found = _sql_migration(source, project)
            if found is not None and not is_auxiliary_path(found[1] + "/"):
                tool, folder, version = found
                sql.append((Migration(source.path, tool, folder, None, version=version), source))
    if not alembic and not sql:
        return model
    model.migrations = [m for m, _ in alembic] + [m for m, _ in sql]
    model.postgres, model.postgres_evidence = _postgres(project, alembic)
    model.selection = f"since {since}" if since else mode
    _choose(project, model, mode, since)
    for migration, text in alembic:
        if migration.judged:
            tree = _parse(text, migration.path)
            if tree is not None:
                _alembic_operations(project, migration, tree, text)
    if model.postgres:
        for migration, source in sql:
            if migration.judged:
                _sql_operations(project, migration, source)
    model.lock_timeout_folders = _lock_timeout_folders(project, alembic)
    model.migrations.sort(key=lambda m: m.path)
    return model


def _folder_of(directory: str, folders: dict[str, str]) -> str | None:
    """The revision folder a file sits in (or below: recursive version locations)."""
    probe = directory
    while True:
        if probe in folders:
            return probe
        if not probe:
            return None
        probe = probe.rsplit("/", 1)[0] if "/" in probe else ""


def _read_revision(project: "Project", source: SourceFile, location: str) -> tuple[Migration, str] | None:
    """A revision file's ids, read quickly (its two assignments), or from a full parse when unsure."""
    from readycheck.parsers.alembic import read_ids, read_ids_quickly

    try:
        text = source.text
    except UnreadableFile as exc:
        project.diagnose(source.path, str(exc))
        return None
    ids = read_ids_quickly(source.path, text) if "revision" in text else None
    if ids is None and "revision" in text:
        tree = _parse(text, source.path)
        ids = read_ids(source.path, tree) if tree is not None else None
    if ids is None:
        return None
    return Migration(source.path, "alembic", location, ids.revision, ids.down_revisions, ids.span), text


def _parse(text: str, path: str) -> ast.Module | None:
    try:
        return ast.parse(text, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None  # the Python facts report syntax errors


def _choose(project: "Project", model: MigrationModel, mode: str, since: str | None) -> None:
    if mode == "all" and not since:
        for migration in model.migrations:
            migration.judged, migration.reason = True, "all"
        return
    if since:
        changed = changed_since(project, since)
        if changed is not None:
            for migration in model.migrations:
                if migration.path in changed:
                    migration.judged, migration.reason = True, f"changed since {since}"
            return
        model.selection = "heads"
    for folder in sorted({m.folder for m in model.migrations if m.tool == "alembic"}):
        parents = model._parents(folder)
        for migration in model.migrations:
            if migration.tool == "alembic" and migration.folder == folder and migration.revision not in parents:
                migration.judged, migration.reason = True, "head"
    latest: dict[tuple[str, str], Migration] = {}
    for migration in model.migrations:
        if migration.tool != "alembic":
            key = (migration.tool, migration.folder)
            best = latest.get(key)
            if best is None or (migration.version, migration.path) > (best.version, best.path):
                latest[key] = migration
    for migration in latest.values():
        migration.judged, migration.reason = True, "latest version"


def _alembic_operations(project: "Project", migration: Migration, tree: ast.Module, text: str) -> None:
    from readycheck.parsers.alembic import AlembicRevision, read_operations

    revision = AlembicRevision(migration.path, migration.revision, migration.down_revisions, migration.span)
    try:
        read_operations(revision, tree, text)
    except RecursionError:
        project.diagnose(migration.path, "cannot read the migration: nesting too deep")
        return
    for line, message in revision.problems:
        project.diagnose(migration.path, message, line)
    migration.operations = revision.operations


def _sql_operations(project: "Project", migration: Migration, source: SourceFile) -> None:
    from readycheck.parsers.sql import Placement, SqlError, operations, statement_count

    try:
        text = source.text
    except UnreadableFile as exc:
        project.diagnose(source.path, str(exc))
        return
    start = 0
    if migration.tool == "dbmate":  # only the up section
        up = text.find("-- migrate:up")
        down = text.find("-- migrate:down")
        start = up if up >= 0 else 0
        text_up = text[:down] if down > start else text
        text = text_up
    header = text[start:start + 200]
    sql_text = text[start:]
    in_transaction = True
    try:
        if migration.tool == "flyway":
            in_transaction = False  # Flyway runs a script of CONCURRENTLY statements outside a transaction
        elif migration.tool == "dbmate":
            in_transaction = "transaction:false" not in header.replace(" ", "")
        elif migration.tool == "yoyo":
            in_transaction = "-- transactional: false" not in text[:4096].lower()
        else:  # golang-migrate and Prisma send the file as one multi-statement query: one implicit transaction
            in_transaction = statement_count(sql_text) > 1
        prefix = text[:start]
        line = prefix.count("\n") + 1
        column = start - (prefix.rfind("\n") + 1) + 1
        migration.operations = operations(sql_text, Placement(sql_text, line, column), in_transaction=in_transaction)
    except SqlError as exc:
        project.diagnose(source.path, str(exc))
    except Exception as exc:  # pglast on input it rejects in a way we did not foresee
        project.diagnose(source.path, f"cannot parse SQL: {type(exc).__name__}: {exc}")


def _lock_timeout_folders(project: "Project", alembic: list[tuple[Migration, str]]) -> set[str]:
    """Script locations whose env.py sets lock_timeout for every migration it runs."""
    out = set()
    for location in {m.folder for m, _ in alembic}:
        env = project.file(posixpath.join(location, "env.py") if location else "env.py")
        try:
            if env is not None and "lock_timeout" in env.text:
                out.add(location)
        except UnreadableFile:
            continue
    return out


def _postgres(project: "Project", alembic: list[tuple[Migration, str]]) -> tuple[bool, str]:
    """Whether the service's database is PostgreSQL, and what says so."""
    packages = project.declared_packages or {}
    for name in sorted(POSTGRES_DRIVERS & set(packages)):
        return True, f"{name} in the dependencies"
    for ini in project.files_named("alembic.ini") + project.files_named("migration_lock.toml") + \
            project.files_named("flyway.conf") + project.files_named("flyway.toml"):
        try:
            if re.search(_POSTGRES_URL, ini.text):
                return True, f"a PostgreSQL URL in {ini.path}"
        except UnreadableFile:
            continue
    for migration, text in alembic:
        if "dialects.postgresql" in text or "dialects import postgresql" in text or "postgresql_" in text:
            return True, f"PostgreSQL-specific code in {migration.path}"
    return False, ""


# ----------------------------------------------------------------------------------- git


class GitError(Exception):
    pass


def changed_since(project: "Project", ref: str) -> set[str] | None:
    """Repository paths of the files added or changed since ``ref`` (committed on HEAD since the
    merge base, and untracked files); None, with a diagnostic, when git cannot tell."""
    try:
        return _git_changed(str(project.root), ref)
    except GitError as exc:
        project.diagnose("<git>", f"--since {ref}: {exc}; judged the heads of the revision graphs instead")
        return None


def _git_changed(root: str, ref: str) -> set[str]:
    import subprocess

    if not ref or ref.startswith("-") or any(ch in ref for ch in "\0\n\r") or len(ref) > 256:
        raise GitError("not a git revision")
    toplevel = _toplevel(root)
    # The repository's own configuration must not be able to run anything: no fsmonitor, no hooks,
    # no external diff or textconv program, no pager, no system config; nothing compares the work
    # tree (which would run clean filters): commits against commits, and untracked names.
    base = ["git", "-c", "core.fsmonitor=", "-c", "core.hooksPath=/dev/null", "-c", "diff.external=",
            "-c", "core.pager=cat", "-c", f"safe.directory={toplevel}", "--no-pager", "-C", root]
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0",
                "GIT_PAGER": "cat", "GIT_EXTERNAL_DIFF": "", "LC_ALL": "C"})
    commands = ([*base, "diff", "--name-only", "-z", "--relative", "--no-ext-diff", "--no-textconv",
                 "--no-renames", "--diff-filter=AMR", f"{ref}...HEAD", "--"],
                [*base, "ls-files", "-z", "--others", "--exclude-standard"])
    out: set[str] = set()
    for command in commands:
        try:
            done = subprocess.run(command, capture_output=True, env=env, timeout=60, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError) as exc:
            raise GitError(f"cannot run git ({type(exc).__name__})") from None
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise GitError(message[-1][:200] if message else f"git exited with {done.returncode}")
        out.update(p for p in done.stdout.decode("utf-8", "surrogateescape").split("\0") if p)
    return out


def _toplevel(root: str) -> str:
    """The folder holding ``.git``, from ``root`` up (for ``safe.directory``)."""
    path = os.path.abspath(root)
    while True:
        if os.path.lexists(os.path.join(path, ".git")):
            return path
        parent = os.path.dirname(path)
        if parent == path:
            raise GitError("not a git repository")
        path = parent
