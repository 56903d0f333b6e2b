"""Reading and writing inside a hostile checkout without following links.

A scanned repository is attacker-controlled: any folder or file in it may be a
symbolic link to somewhere else (``.readycheck_cache -> ~/.ssh``, ``readycheck.sarif
-> ~/.bashrc``), and a folder may be swapped for a link while a scan runs.
``O_NOFOLLOW`` alone guards only the last component of a path, so every file is
opened here relative to an open directory, one component at a time, each folder
with ``O_DIRECTORY | O_NOFOLLOW`` (``openat``): a link anywhere on the path fails
the open (``ELOOP``/``ENOTDIR``) instead of leading outside.

Where the platform has no ``dir_fd`` support (Windows), each component is checked
with ``lstat`` before the open: the same refusal, without the guarantee against a
swap between the check and the open.
"""

from __future__ import annotations

import errno
import os
import stat
import weakref

NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
DIRECTORY = getattr(os, "O_DIRECTORY", 0)
NONBLOCK = getattr(os, "O_NONBLOCK", 0)
CLOEXEC = getattr(os, "O_CLOEXEC", 0)
BINARY = getattr(os, "O_BINARY", 0)
#: openat() and friends: os.open, os.stat, os.unlink... relative to a directory fd.
HAVE_DIR_FD = os.open in os.supports_dir_fd and os.stat in os.supports_dir_fd and DIRECTORY != 0
_DIR_FLAGS = os.O_RDONLY | DIRECTORY | NOFOLLOW | CLOEXEC
#: How many folder descriptors a RootDir keeps open for the next file in the same folder.
_KEPT_DIRS = 256


class LinkRefused(OSError):
    """A path component is a symbolic link (or not a folder where one is needed)."""

    def __init__(self, path: str) -> None:
        super().__init__(errno.ELOOP, "a symbolic link on the path (not followed)", path)


def _parts(relpath: str) -> list[str]:
    parts = [p for p in relpath.replace(os.sep, "/").split("/") if p and p != "."]
    if not parts or ".." in parts:
        raise OSError(errno.EINVAL, "not a path inside the folder", relpath)
    return parts


def open_dir(path: str | os.PathLike) -> int:
    """A descriptor of the folder ``path`` itself, refused when ``path`` is a link."""
    if HAVE_DIR_FD:
        try:
            return os.open(path, _DIR_FLAGS)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR) and os.path.islink(path):
                raise LinkRefused(str(path)) from None
            raise
    if os.path.islink(path) or not os.path.isdir(path):
        raise LinkRefused(str(path))
    return -1  # no descriptors: callers fall back to checked paths


def _close_all(fds: dict[str, int]) -> None:
    for fd in fds.values():
        try:
            os.close(fd)
        except OSError:
            pass
    fds.clear()


class RootDir:
    """A folder every path is resolved beneath, without following any link.

    Folder descriptors are kept for the next file of the same folder (files are
    read in path order), at most ``_KEPT_DIRS`` of them, and closed when the
    RootDir goes away.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = os.fspath(path)
        self._dirs: dict[str, int] = {}
        self._finalizer = weakref.finalize(self, _close_all, self._dirs)

    def close(self) -> None:
        _close_all(self._dirs)

    def _dir_fd(self, parts: list[str]) -> int:
        """A descriptor of the folder ``parts`` below the root, opened component by component."""
        key = "/".join(parts)
        fd = self._dirs.get(key)
        if fd is not None:
            return fd
        if len(self._dirs) >= _KEPT_DIRS:
            _close_all(self._dirs)
        if parts:
            parent = self._dir_fd(parts[:-1])
            try:
                fd = os.open(parts[-1], _DIR_FLAGS, dir_fd=parent)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise LinkRefused(key) from None
                raise
        else:
            fd = open_dir(self.path)
        self._dirs[key] = fd
        return fd

    def _checked_path(self, parts: list[str], last_may_be_missing: bool = False) -> str:
        """The fallback without descriptors: refuse a link on any component."""
        path = self.path
        if os.path.islink(path):
            raise LinkRefused(path)
        for i, part in enumerate(parts):
            path = os.path.join(path, part)
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                if last_may_be_missing and i == len(parts) - 1:
                    return path
                raise
            if stat.S_ISLNK(st.st_mode) or (i < len(parts) - 1 and not stat.S_ISDIR(st.st_mode)):
                raise LinkRefused(path)
        return path

    def open(self, relpath: str, flags: int = os.O_RDONLY, mode: int = 0o644) -> int:
        """``os.open`` of a path below the root; no component may be a link."""
        flags |= NOFOLLOW | CLOEXEC | BINARY
        if HAVE_DIR_FD:
            head, _, name = relpath.rpartition("/")
            fd = self._dirs.get(head)
            if fd is not None and name not in ("", ".", ".."):
                try:
                    return os.open(name, flags, mode, dir_fd=fd)
                except OSError as exc:
                    if exc.errno == errno.ELOOP:
                        raise LinkRefused(relpath) from None
                    raise
        parts = _parts(relpath)
        if HAVE_DIR_FD:
            parent = self._dir_fd(parts[:-1])
            try:
                return os.open(parts[-1], flags, mode, dir_fd=parent)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise LinkRefused(relpath) from None
                raise
        return os.open(self._checked_path(parts, bool(flags & os.O_CREAT)), flags, mode)

    def opendir(self, relpath: str) -> int:
        """A new descriptor of a folder below the root (the caller closes it), for listing."""
        parts = _parts(relpath) if relpath not in ("", ".") else []
        if HAVE_DIR_FD:
            return os.dup(self._dir_fd(parts))
        self._checked_path(parts)
        return -1

    def fstat(self) -> os.stat_result:
        """The root folder's own status, from its descriptor (opened without following a link)."""
        if HAVE_DIR_FD:
            return os.fstat(self._dir_fd([]))
        self._checked_path([])
        return os.lstat(self.path)

    def lstat(self, relpath: str) -> os.stat_result:
        if HAVE_DIR_FD:
            # The hot path (a stat of every file for the result cache's key): the folder's
            # descriptor straight from the table when it is there (its key was checked then).
            head, _, name = relpath.rpartition("/")
            fd = self._dirs.get(head)
            if fd is not None and name not in ("", ".", ".."):
                return os.stat(name, dir_fd=fd, follow_symlinks=False)
        parts = _parts(relpath)
        if HAVE_DIR_FD:
            return os.stat(parts[-1], dir_fd=self._dir_fd(parts[:-1]), follow_symlinks=False)
        return os.lstat(os.path.join(self._checked_path(parts[:-1]) if parts[:-1] else self.path, parts[-1]))

    def lstat_all(self, relpaths: list[str]) -> list[os.stat_result | None]:
        """``lstat`` of many paths below the root, None for each that cannot be stat'ed: one
        call for the stat of every scanned file that keys the result cache."""
        out: list[os.stat_result | None] = []
        append, dirs, stat_at = out.append, self._dirs, os.stat
        for relpath in relpaths:
            try:
                head, _, name = relpath.rpartition("/")
                fd = dirs.get(head) if HAVE_DIR_FD else None
                if fd is not None and name not in ("", ".", ".."):
                    append(stat_at(name, dir_fd=fd, follow_symlinks=False))
                else:
                    append(self.lstat(relpath))
            except OSError:
                append(None)
        return out

    def read(self, relpath: str, limit: int) -> bytes:
        """The bytes of a regular file below the root; OSError when it is not one, a link is
        on its path, or it is over ``limit`` bytes (EFBIG)."""
        fd = self.open(relpath, os.O_RDONLY | NONBLOCK)
        with os.fdopen(fd, "rb") as handle:
            return read_regular(handle, limit, relpath)

    def write_new(self, relpath: str, data: bytes) -> None:
        """Replace a file below the root with ``data``: written to a new temporary file in
        the same folder (never through a link), then renamed over the old one."""
        parts = _parts(relpath)
        tmp = "/".join(parts[:-1] + [f".tmp-{os.getpid()}-{os.urandom(4).hex()}.bin"])
        fd = self.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            self.rename(tmp, relpath)
        except BaseException:
            try:
                self.unlink(tmp)
            except OSError:
                pass
            raise

    def rename(self, old: str, new: str) -> None:
        a, b = _parts(old), _parts(new)
        if HAVE_DIR_FD and os.rename in os.supports_dir_fd:
            os.rename(a[-1], b[-1], src_dir_fd=self._dir_fd(a[:-1]), dst_dir_fd=self._dir_fd(b[:-1]))
        else:
            os.replace(self._checked_path(a), self._checked_path(b, True))

    def unlink(self, relpath: str) -> None:
        parts = _parts(relpath)
        if HAVE_DIR_FD and os.unlink in os.supports_dir_fd:
            os.unlink(parts[-1], dir_fd=self._dir_fd(parts[:-1]))
        else:
            os.unlink(self._checked_path(parts))

    def mkdir(self, relpath: str, mode: int = 0o700) -> None:
        parts = _parts(relpath)
        if HAVE_DIR_FD and os.mkdir in os.supports_dir_fd:
            os.mkdir(parts[-1], mode, dir_fd=self._dir_fd(parts[:-1]))
        else:
            os.mkdir(self._checked_path(parts, True), mode)

    def listdir(self, relpath: str = "") -> list[str]:
        if HAVE_DIR_FD:
            fd = self.opendir(relpath)
            try:
                return os.listdir(fd)
            finally:
                os.close(fd)
        return os.listdir(self._checked_path(_parts(relpath)) if relpath else self.path)


def read_regular(handle, limit: int, name: str = "") -> bytes:
    """Read an open file that must be a regular file of at most ``limit`` bytes."""
    st = os.fstat(handle.fileno())
    if not stat.S_ISREG(st.st_mode):
        raise OSError(errno.EINVAL, "not a regular file", name)
    if st.st_size > limit:
        raise OSError(errno.EFBIG, f"over the {limit:,} byte limit", name)
    data = handle.read(limit + 1)  # the size can grow after the fstat
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"over the {limit:,} byte limit", name)
    return data


def read_file_nofollow(path: str | os.PathLike, limit: int) -> bytes:
    """A user-named file (a configuration file, a baseline), never read through a final
    link (a checkout's ``readycheck.toml -> /etc/passwd``) and never more than ``limit`` bytes."""
    fd = os.open(path, os.O_RDONLY | NOFOLLOW | NONBLOCK | CLOEXEC | BINARY)
    with os.fdopen(fd, "rb") as handle:
        return read_regular(handle, limit, os.fspath(path))


def open_output(path: str | os.PathLike):
    """A report or baseline the user asked for (``-o readycheck.sarif``), opened for writing.

    Inside a checkout it may be a committed link (``readycheck.sarif -> ~/.bashrc``): an
    existing link as the last component is refused, and a link on a folder of the path
    too when the path is relative (the folders of an absolute path are the user's). An
    existing regular file is truncated; a new one is created. Character devices
    (``/dev/stdout``, ``/dev/null``) are written as they are.
    """
    text = os.fspath(path)
    try:
        st = os.lstat(text)
    except FileNotFoundError:
        st = None
    if st is not None and stat.S_ISCHR(st.st_mode):
        return open(text, "w", encoding="utf-8", newline="\n")
    if st is not None and stat.S_ISLNK(st.st_mode):
        raise LinkRefused(text)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | NOFOLLOW | CLOEXEC | BINARY
    if not os.path.isabs(text) and HAVE_DIR_FD and ".." not in text.replace(os.sep, "/").split("/"):
        root = RootDir(os.getcwd())
        try:
            fd = root.open(text, flags, 0o644)
        finally:
            root.close()
    else:
        fd = os.open(text, flags, 0o644)
    return os.fdopen(fd, "w", encoding="utf-8", newline="\n")
