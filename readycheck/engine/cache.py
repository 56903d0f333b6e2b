"""A content-hash cache under ``.readycheck_cache/`` in the scanned root.

Three layers:

* The file list, kept while no folder or ``.gitignore`` it was made from changed
  (see ``readycheck.engine.discovery``).
* Python facts, keyed by the file's path and the SHA-256 of its bytes: an edit
  re-parses only the edited files.
* The whole scan result, keyed by readycheck's version, the configuration, the
  registered checks and every scanned file's path, size and modification time:
  an unchanged repository is answered without reading or parsing anything.
* What that result was made from (``dependencies.bin``, see readycheck.engine.incremental):
  after an edit, the last result is reused when the edited files answer the questions
  the last scan asked of them as they did.

The cache lives inside the scanned repository, which may be hostile. Its files
are pickles (fast: JSON of the same facts took longer to write than a cold
scan), and each one is authenticated with an HMAC-SHA256 whose key lives
outside every repository, in the user's cache folder (``$XDG_CACHE_HOME/readycheck``
or ``~/.cache/readycheck``, mode 0600). A file whose MAC does not verify, such
as one committed to the repository, is never unpickled. A cache that cannot be
read or written (corrupt, read-only folder, no home) is ignored: caching never
changes a result and never fails a scan.

Nothing in the cache folder is followed through a link: the folder is created by
readycheck, or used only when it is a real folder owned by the user (a committed
``.readycheck_cache -> /anywhere`` is refused, and so the cache is off), and every
file in it is opened relative to the folder's descriptor with ``O_NOFOLLOW`` (a
committed ``.gitignore -> /anywhere`` or ``discovery.bin -> /dev/zero`` is never
written or read). A cache file is read only up to ``MAX_CACHE_BYTES``. Temporary
files left by a scan that was killed while writing are removed by the next one.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING, AbstractSet, Any

from readycheck import __version__
from readycheck.core.safefs import RootDir

if TYPE_CHECKING:
    from readycheck.parsers.python import ModuleFacts

CACHE_DIR = ".readycheck_cache"
FORMAT = b"readycheck-cache-30\n"
#: A cache file larger than this is not read (a committed one may be anything).
MAX_CACHE_BYTES = 256 * 1024 * 1024
#: A ``.tmp-*`` file older than this is left by a scan that died while writing it.
STALE_TMP_SECONDS = 60.0


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def facts_blob(facts: ModuleFacts) -> bytes:
    from readycheck.parsers.python_codec import to_bytes

    return to_bytes(facts)


def _key_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "readycheck" / "cache-key"


def signing_key(create: bool = True) -> bytes | None:
    """This user's secret cache key, created on first use (unless ``create`` is False); None where it
    cannot be kept."""
    path = _key_file()
    try:
        key = path.read_bytes()
        if len(key) >= 32:
            return key
    except OSError:
        pass
    if not create:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = os.urandom(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key)
        return key
    except OSError:
        return None


class Cache:
    """The cache of one scanned root. ``None`` paths (``--no-cache``) make every method a no-op.
    A ``read_only`` cache (standard input: nothing is written) is read and never written."""

    def __init__(self, directory: Path | None, key: bytes | None = None, read_only: bool = False) -> None:
        key = key if key is not None else (signing_key(create=not read_only) if directory is not None else None)
        self.directory = directory if key is not None else None
        self.read_only = read_only
        self._key = key or b""
        self._facts: dict[str, bytes] | None = None
        self._facts_dirty = False
        #: Facts parsed in this process, encoded when the table is written (``store_facts_later``).
        self._unencoded: dict[str, ModuleFacts] = {}
        self._folder: RootDir | None = None  # the cache folder, once checked

    def _checked_folder(self, create: bool) -> RootDir | None:
        """The cache folder as a RootDir, or None (caching off) when it is missing and not
        ``create``, or is a link, not a folder, or owned by someone else."""
        if self._folder is not None or self.directory is None:
            return self._folder
        path = str(self.directory)
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            if not create:
                return None
            try:
                os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
                os.mkdir(path, 0o755)
                st = os.lstat(path)
            except OSError:
                return None
        except OSError:
            return None
        folder = RootDir(path)
        try:
            if not stat.S_ISDIR(st.st_mode):
                raise NotADirectoryError(path)
            # Opened with O_NOFOLLOW | O_DIRECTORY, and kept: every later open is relative to
            # this descriptor, so a swap for a link after this check changes nothing.
            opened = folder.fstat()
        except OSError:
            opened = None
        if opened is None or not stat.S_ISDIR(opened.st_mode) or \
                (hasattr(os, "geteuid") and opened.st_uid != os.geteuid()):
            folder.close()
            self.directory = None  # a link, a file, or someone else's folder: no cache at all
            return None
        self._folder = folder
        return folder

    @property
    def enabled(self) -> bool:
        return self.directory is not None

    def _read(self, name: str) -> Any:
        folder = self._checked_folder(create=False)
        if folder is None:
            return None
        try:
            blob = folder.read(name, MAX_CACHE_BYTES)
        except OSError:
            return None
        if not blob.startswith(FORMAT) or len(blob) < len(FORMAT) + 32:
            return None
        mac, body = blob[len(FORMAT):len(FORMAT) + 32], blob[len(FORMAT) + 32:]
        if not hmac.compare_digest(mac, hmac.new(self._key, body, hashlib.sha256).digest()):
            return None  # not written by this user's readycheck: never unpickled
        try:
            payload = pickle.loads(body)
        except Exception:
            return None
        if not isinstance(payload, dict) or payload.get("version") != __version__:
            return None
        return payload

    def prepare(self) -> None:
        """Create the cache folder (with a .gitignore inside) if it is missing. Done before
        the file list is made: creating it later would change the scanned root's
        modification time, and the next scan could not reuse the file list."""
        if self.read_only:
            return
        folder = self._checked_folder(create=True)
        if folder is None:
            return
        try:
            folder.lstat(".gitignore")
        except FileNotFoundError:
            folder.write_new(".gitignore", b"# Created by readycheck: a cache, never commit it.\n*\n")
        self._remove_stale_temporaries(folder)

    @staticmethod
    def _remove_stale_temporaries(folder: RootDir) -> None:
        """``.tmp-*`` files of a scan killed while writing (a live scan's are younger)."""
        try:
            names = [n for n in folder.listdir() if n.startswith(".tmp-")]
        except OSError:
            return
        limit = time.time() - STALE_TMP_SECONDS
        for name in names:
            try:
                st = folder.lstat(name)
                if stat.S_ISREG(st.st_mode) and st.st_mtime < limit:
                    folder.unlink(name)
            except OSError:
                continue

    def _write(self, name: str, payload: dict) -> None:
        if self.directory is None or self.read_only:
            return
        try:
            self.prepare()
            folder = self._checked_folder(create=False)
            if folder is None:
                return
            body = pickle.dumps({"version": __version__, **payload}, protocol=pickle.HIGHEST_PROTOCOL)
            mac = hmac.new(self._key, body, hashlib.sha256).digest()
            folder.write_new(name, FORMAT + mac + body)
        except (OSError, pickle.PicklingError):
            pass  # a read-only checkout or a refused folder: no cache, same results

    # -- per-file Python facts --------------------------------------------------

    def _facts_table(self) -> dict[str, bytes]:
        if self._facts is None:
            raw = self._read("python-facts.bin")
            table = raw.get("facts") if raw else None
            self._facts = table if isinstance(table, dict) else {}
        return self._facts

    def facts(self, path: str, sha: str) -> ModuleFacts | None:
        """A module's cached facts. Entries are kept as bytes and decoded on demand:
        a scan that needs ten modules out of five thousand decodes ten."""
        blob = self._facts_table().get(f"{path}\0{sha}") if self.enabled else None
        if not isinstance(blob, bytes):
            return None
        from readycheck.parsers.python_codec import from_bytes

        try:
            return from_bytes(blob)  # written by this user's readycheck (the file's HMAC was checked)
        except Exception:
            return None

    def fact_keys(self) -> frozenset[str]:
        """The keys (``path\0sha``) of the facts stored as bytes: those ``facts`` can answer."""
        return frozenset(self._facts_table()) if self.enabled else frozenset()

    def store_facts(self, path: str, sha: str, blob: bytes) -> None:
        """Store a module's facts as bytes (``facts_blob``), as the parse workers send them."""
        if self.enabled:
            self._facts_table()[f"{path}\0{sha}"] = blob
            self._facts_dirty = True

    def store_facts_later(self, path: str, sha: str, facts: ModuleFacts) -> None:
        """Store a module's facts, parsed in this process, encoded only when the table is written or
        ``encode_pending`` is called: not on the way from the parse to the checks (a third of a cold scan's
        parsing in this process was encoding for the cache), but at the end, or while a forked copy runs
        the event-loop checks (engine.forkedchecks) and this process would wait."""
        if self.enabled:
            self._unencoded[f"{path}\0{sha}"] = facts
            self._facts_dirty = True

    def encode_pending(self) -> None:
        """Encode the facts stored by ``store_facts_later`` into the table."""
        if self._unencoded:
            table = self._facts_table()
            for key, facts in self._unencoded.items():
                table[key] = facts_blob(facts)
            self._unencoded = {}

    def flush(self, live_keys: set[str] | None = None, unread_paths: AbstractSet[str] = frozenset()) -> None:
        """Write the facts table, keeping only entries of files that still exist as they are (``live_keys``),
        and those of the files the scan did not read (``unread_paths``: not known to be stale)."""
        if not self.enabled or not self._facts_dirty:
            return
        self.encode_pending()
        table = self._facts_table()
        if live_keys is not None:
            table = {k: v for k, v in table.items() if k in live_keys or k.partition("\0")[0] in unread_paths}
        self._write("python-facts.bin", {"facts": table})
        self._facts_dirty = False

    def replace_facts(self, stale: set[str], fresh: list[tuple[str, str, bytes]]) -> None:
        """Write the facts table with the ``stale`` entries (``path\0sha``) left out and ``fresh``
        ones (path, sha, facts as bytes) in: an incremental rescan knows what changed."""
        if not self.enabled or not (stale or fresh):
            return
        self.encode_pending()
        table = self._facts_table()
        for key in stale:
            table.pop(key, None)
        for path, sha, blob in fresh:
            table[f"{path}\0{sha}"] = blob
        self._facts_dirty = True
        self.flush()

    # -- the file list -------------------------------------------------------------

    def discovery(self, key: list) -> tuple[Any, list] | None:
        """(inputs, [(path, kind)]) stored for this root and exclude list (see discovery.discover)."""
        raw = self._read("discovery.bin")
        if not raw or raw.get("key") != key or "inputs" not in raw or not isinstance(raw.get("files"), list):
            return None
        return raw["inputs"], raw["files"]

    def store_discovery(self, key: list, inputs: Any, files: list) -> None:
        self._write("discovery.bin", {"key": key, "inputs": inputs, "files": files})

    # -- whole results ----------------------------------------------------------

    def result(self, key: str) -> dict | None:
        raw = self._read("result.bin")
        if not raw or raw.get("key") != key:
            return None
        return {name: raw[name] for name in ("findings", "suppressed", "diagnostics") if name in raw} \
            if all(name in raw for name in ("findings", "suppressed", "diagnostics")) else None

    def store_result(self, key: str, findings: list, suppressed: list, diagnostics: list) -> None:
        self._write("result.bin", {"key": key, "findings": findings, "suppressed": suppressed,
                                   "diagnostics": diagnostics})

    # -- what the result was made from -----------------------------------------------

    def dependencies(self) -> dict | None:
        raw = self._read("dependencies.bin")
        deps = raw.get("deps") if raw else None
        names = ("static", "files", "result", "stats", "content", "modules", "failed", "prefilters")
        return deps if isinstance(deps, dict) and all(name in deps for name in names) else None

    def store_dependencies(self, deps: dict) -> None:
        self._write("dependencies.bin", {"deps": deps})
