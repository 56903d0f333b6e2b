"""Finding the files of a repository that can matter.

Rules:
- ``.gitignore`` files are honoured at every level, in or outside a git checkout,
  and so are the user's ``extend-exclude`` patterns (gitignore syntax).
- Version-control folders, virtualenvs (any folder holding ``pyvenv.cfg``),
  ``node_modules``, ``site-packages``, build output and tool caches are skipped.
- Symlinks are never followed: a linked folder or file may point outside the
  scanned root (``/etc``) or into a loop, and what it points at inside the root
  is scanned under its real path anyway.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from readycheck.sourcefile import FileKind, SourceFile, classify

if TYPE_CHECKING:
    import pathspec

SKIPPED_DIRS = frozenset({
    ".git", ".hg", ".svn", ".bzr", "node_modules", "site-packages", "__pycache__",
    ".venv", "venv", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    ".readycheck_cache", ".eggs", "build", "dist", ".idea", ".vscode", ".terraform",
    "htmlcov", ".cache", ".hypothesis",
})


@dataclass
class _Ignore:
    base: str  # repo-relative directory of the .gitignore, '' for root
    spec: pathspec.PathSpec
    #: One regex that matches when any pattern of the file matches: most paths match
    #: none, and one search beats pathspec's loop over every pattern. None: always ask.
    any_pattern: re.Pattern | None = None

    @classmethod
    def of(cls, base: str, spec: pathspec.PathSpec) -> "_Ignore":
        sources = [getattr(p, "regex", None) for p in spec.patterns if getattr(p, "include", None) is not None]
        combined = None
        # Every gitignore regex is anchored at the start ("^..."), so the combined one is
        # tried at position 0 only (match, not search: 10x faster on long pattern lists).
        if sources and all(isinstance(r, re.Pattern) and r.pattern.startswith("^") for r in sources):
            # Most patterns match at any depth ("^(?:.+/)?name..."): that prefix is written
            # once, so the path is split at each "/" once, not once per pattern.
            any_depth, anchored = [], []
            for regex in sources:
                body = _NAMED_GROUP.sub("(?:", regex.pattern)  # names repeat across patterns
                if body.startswith(_ANY_DEPTH):
                    any_depth.append(f"(?:{body[len(_ANY_DEPTH):]})")
                else:
                    anchored.append(f"(?:{body[1:]})")
            parts = ([f"(?:.+/)?(?:{'|'.join(any_depth)})"] if any_depth else []) + anchored
            try:
                combined = re.compile("^(?:" + "|".join(parts) + ")")
            except re.error:
                combined = None
        return cls(base, spec, combined)


_NAMED_GROUP = re.compile(r"\(\?P<\w+>")
_ANY_DEPTH = "^(?:.+/)?"


def _read_ignore(path: Path) -> pathspec.PathSpec | None:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return _gitignore_spec(lines)


def _gitignore_spec(lines: list[str]) -> pathspec.PathSpec | None:
    """A compiled gitignore spec, or None for no patterns. pathspec (20 ms to import)
    is loaded only when there is a pattern to match."""
    if not any(line.strip() and not line.lstrip().startswith("#") for line in lines):
        return None
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _ignored(relpath: str, is_dir: bool, rules: list[_Ignore]) -> bool:
    """Git semantics: the deepest .gitignore with a matching pattern decides."""
    for rule in reversed(rules):
        sub = relpath[len(rule.base) + 1:] if rule.base else relpath
        if is_dir:
            sub += "/"
        if rule.any_pattern is not None and rule.any_pattern.match(sub) is None:
            continue
        result = rule.spec.check_file(sub)
        if result.include is not None:
            return result.include
    return False


def discover(root: Path, extend_exclude: Iterable[str] = ()) -> list[SourceFile]:
    """Every regular, non-ignored file below ``root``, sorted by path."""
    root = root.resolve()
    excludes = _gitignore_spec(list(extend_exclude))
    files: list[SourceFile] = []
    # An explicit stack, not recursive generators: a file found six folders deep
    # would otherwise be handed up through six generator frames.
    stack: list[tuple[str, str, list[_Ignore]]] = [(str(root), "", [])]
    while stack:
        directory, rel, rules = stack.pop()
        _list_directory(directory, rel, rules, excludes, files, stack)
    files.sort(key=lambda f: f.path)
    return files


def _list_directory(directory: str, rel: str, rules: list[_Ignore], excludes: pathspec.PathSpec | None,
                    files: list[SourceFile], stack: list[tuple[str, str, list[_Ignore]]]) -> None:
    own = _read_ignore(Path(directory, ".gitignore"))
    if own is not None:
        rules = rules + [_Ignore.of(rel, own)]
    check = bool(rules) or excludes is not None
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        name = entry.name
        relpath = f"{rel}/{name}" if rel else name
        try:
            # DirEntry caches the file type from the directory listing: no stat per file.
            if entry.is_symlink():
                continue
            is_dir = entry.is_dir(follow_symlinks=False)
            is_file = not is_dir and entry.is_file(follow_symlinks=False)
        except OSError:
            continue
        if is_dir:
            if name in SKIPPED_DIRS or name.endswith(".egg-info"):
                continue
            if check and ((excludes is not None and excludes.match_file(relpath + "/")) or _ignored(relpath, True, rules)):
                continue
            if os.path.isfile(os.path.join(entry.path, "pyvenv.cfg")):
                continue
            stack.append((entry.path, relpath, rules))
        elif is_file:
            if check and ((excludes is not None and excludes.match_file(relpath)) or _ignored(relpath, False, rules)):
                continue
            files.append(SourceFile(relpath, entry.path, classify(relpath)))


def single_file(root: Path, path: Path) -> SourceFile | None:
    """A file named on the command line: scanned even when ignored, never through a link."""
    try:
        st = path.lstat()
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    relpath = path.resolve().relative_to(root.resolve()).as_posix()
    return SourceFile(relpath, path, classify(relpath), st.st_size)


__all__ = ["discover", "single_file", "FileKind", "SKIPPED_DIRS"]
