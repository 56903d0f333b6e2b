"""One file of the scanned repository, read at most once and decoded at most once."""

from __future__ import annotations

import codecs
import enum
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from readycheck.core.safefs import RootDir
from readycheck.core.text import TextIndex

#: A CR that no LF follows: a line end in a Python module (``SourceFile.line_text``).
_LONE_CR = re.compile(r"\r(?!\n)")

#: Files larger than this are not read; a diagnostic says so.
MAX_FILE_BYTES = 5 * 1024 * 1024

#: While a scan records what its result depends on (readycheck.engine.incremental), the paths of
#: the files whose content (``data``, ``text``, ``index``) was read; None otherwise. Readers that see
#: a file's content only through a narrower question (the project model's byte prefilters and fact
#: cache, which record their own answers) read ``raw_data()`` instead.
CONTENT_READS: set[str] | None = None


class FileKind(enum.Enum):
    DOCKERFILE = "dockerfile"
    DOCKERIGNORE = "dockerignore"
    COMPOSE = "compose"
    PROCFILE = "procfile"
    FLY = "fly"
    RENDER = "render"
    RAILWAY = "railway"
    APP_YAML = "app-yaml"
    YAML = "yaml"  # any other YAML: Kubernetes manifests, Helm templates, CI files
    GUNICORN_CONF = "gunicorn-conf"
    SHELL = "shell"
    REQUIREMENTS = "requirements"
    PYPROJECT = "pyproject"
    LOCKFILE = "lockfile"
    PIPFILE = "pipfile"
    PYTHON = "python"
    MAKEFILE = "makefile"
    SYSTEMD = "systemd"  # a systemd unit (``myapp.service``)
    ECS = "ecs"  # an Amazon ECS task definition file (``task-definition.json``)
    OTHER = "other"


_LOCKFILES = {"uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock"}
_COMPOSE = re.compile(r"^(docker-)?compose([._-][\w.-]+)?\.ya?ml$", re.IGNORECASE)
_REQUIREMENTS = re.compile(r"(^|[._-])(requirements|constraints|reqs)([._-][\w.-]*)?\.(txt|in)$", re.IGNORECASE)


#: Words in the name of an ECS task definition file (``task-definition.json``, ``taskdef.prod.json``, the names
#: the AWS docs and the ``amazon-ecs-render-task-definition`` action use).
_ECS_TASK_WORDS = ("task-definition", "task_definition", "taskdefinition", "taskdef")
_NOT_PLAIN_PYTHON = ("gunicorn.conf.py", "gunicorn_conf.py", "gunicorn_config.py", "gunicorn.config.py")
#: Extensions of code and documents: ``dockerfile.py`` (a parser module) and ``Dockerfile.md`` are not
#: Dockerfiles, and ``Procfile.sh`` is not a Procfile, whatever their names start with.
_OTHER_LANGUAGES = (".py", ".pyi", ".md", ".rst", ".txt", ".sh", ".bash", ".json", ".toml", ".yml", ".yaml",
                    ".go", ".js", ".ts", ".rs", ".java", ".html", ".cfg", ".ini", ".lock", ".ps1", ".bat")


def classify(relpath: str) -> FileKind:
    """The kind of a file, from its repo-relative posix path alone."""
    name = relpath.rsplit("/", 1)[-1]
    lower = name.lower()
    if lower.endswith(".py") and not lower.startswith(_NOT_PLAIN_PYTHON):
        return FileKind.PYTHON  # the common case, decided early (every later rule gives the same answer)
    parent = relpath.rsplit("/", 2)[-2].lower() if "/" in relpath else ""
    if lower == ".dockerignore" or lower.endswith(".dockerignore"):  # Dockerfile.dockerignore too
        return FileKind.DOCKERIGNORE
    if lower in ("dockerfile", "containerfile") or lower.endswith((".dockerfile", ".containerfile")) or \
            (lower.startswith(("dockerfile.", "containerfile.")) and not lower.endswith(_OTHER_LANGUAGES)):
        return FileKind.DOCKERFILE
    if _COMPOSE.match(name):
        return FileKind.COMPOSE
    if name == "Procfile" or (name.startswith("Procfile.") and not lower.endswith(_OTHER_LANGUAGES)):
        return FileKind.PROCFILE
    if lower == "fly.toml" or (lower.startswith("fly.") and lower.endswith(".toml")):
        return FileKind.FLY
    if lower in ("render.yaml", "render.yml"):
        return FileKind.RENDER
    if lower in ("railway.json", "railway.toml"):
        return FileKind.RAILWAY
    if lower in ("app.yaml", "app.yml"):
        return FileKind.APP_YAML
    if lower in ("gunicorn.conf.py", "gunicorn_conf.py", "gunicorn_config.py", "gunicorn.config.py"):
        return FileKind.GUNICORN_CONF
    if name in _LOCKFILES:
        return FileKind.LOCKFILE
    if name == "Pipfile":
        return FileKind.PIPFILE
    if lower == "pyproject.toml":
        return FileKind.PYPROJECT
    if _REQUIREMENTS.search(name) or (parent == "requirements" and lower.endswith((".txt", ".in"))):
        return FileKind.REQUIREMENTS
    if lower.endswith(".py"):
        return FileKind.PYTHON
    if lower.endswith(".json") and any(word in lower for word in _ECS_TASK_WORDS):
        return FileKind.ECS
    if lower.endswith((".sh", ".bash")):
        return FileKind.SHELL
    if lower.endswith((".yml", ".yaml")):
        return FileKind.YAML
    if lower in ("makefile", "gnumakefile"):
        return FileKind.MAKEFILE
    if lower.endswith(".service"):
        return FileKind.SYSTEMD
    return FileKind.OTHER


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


class UnreadableFile(Exception):
    """Raised when a file's bytes cannot be turned into text; the message is
    the user-facing reason."""



def common_prefix(a: str, b: str) -> int:
    """How many leading path components two repository paths have in common."""
    n = 0
    for x, y in zip(a.split("/"), b.split("/")):
        if x != y:
            break
        n += 1
    return n


def display_path(relpath: str) -> str:
    """A repo-relative path as reports can carry it. A file name that is not UTF-8 (``os``
    gives its bytes as lone surrogates) is shown with those bytes escaped (``bad\\xff/Dockerfile``):
    JSON and SARIF must stay valid UTF-8, and writing a surrogate is an error."""
    if relpath.isascii():
        return relpath
    try:
        relpath.encode("utf-8")
        return relpath
    except UnicodeEncodeError:
        return relpath.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass(eq=False)
class SourceFile:
    """A scanned file. ``data``, ``text`` and ``index`` are computed once and cached."""

    path: str  # repo-relative, posix
    abspath: Path | str
    kind: FileKind
    #: Bytes on disk; -1 until known (discovery does not stat every file).
    size: int = -1
    _data: bytes | None = field(default=None, repr=False)
    #: The scanned root and the file's real path below it: the file is opened relative to
    #: the root's descriptor, no component followed through a link (see readycheck.core.safefs).
    base: RootDir | None = field(default=None, repr=False)
    rel: str = field(default="", repr=False)

    @property
    def data(self) -> bytes:
        reads = CONTENT_READS
        if reads is not None:
            reads.add(self.path)
        return self.raw_data()

    def raw_data(self) -> bytes:
        """``data`` without telling a recording scan that the content was read (see ``CONTENT_READS``)."""
        cached = self.__dict__.get("_read")
        if cached is None:
            cached = self.__dict__["_read"] = self._load()
        return cached

    def _load(self) -> bytes:
        if self._data is not None:  # given in memory (standard input): the same size limit as a file
            if len(self._data) > MAX_FILE_BYTES:
                raise UnreadableFile(f"file is {len(self._data):,} bytes, over the {MAX_FILE_BYTES:,} byte limit; "
                                     f"skipped")
            return self._data
        if self.base is not None:
            return self._read_beneath(self.base)
        try:
            # O_NOFOLLOW: if the file became a symlink since discovery, fail rather than
            # read whatever it points at (possibly outside the scanned root).
            # O_NONBLOCK: a file swapped for a named pipe would otherwise block the scan forever.
            with os.fdopen(os.open(self.abspath, os.O_RDONLY | _NOFOLLOW | _NONBLOCK), "rb") as handle:
                st = os.fstat(handle.fileno())
                if not stat.S_ISREG(st.st_mode):
                    raise UnreadableFile("not a regular file; skipped")
                size = st.st_size
                self.size = size
                if size > MAX_FILE_BYTES:
                    raise UnreadableFile(f"file is {size:,} bytes, over the {MAX_FILE_BYTES:,} byte limit; skipped")
                return handle.read()
        except OSError as exc:
            raise UnreadableFile(f"cannot read file: {exc.strerror or exc}") from None

    def _read_beneath(self, base: RootDir) -> bytes:
        try:
            # O_NONBLOCK: a file swapped for a named pipe would otherwise block the scan forever.
            fd = base.open(self.rel, os.O_RDONLY | _NONBLOCK)
        except OSError as exc:
            raise UnreadableFile(f"cannot read file: {exc.strerror or exc}") from None
        with os.fdopen(fd, "rb") as handle:
            try:
                st = os.fstat(handle.fileno())
                if not stat.S_ISREG(st.st_mode):
                    raise UnreadableFile("not a regular file; skipped")
                self.size = st.st_size
                if st.st_size > MAX_FILE_BYTES:
                    raise UnreadableFile(f"file is {st.st_size:,} bytes, over the {MAX_FILE_BYTES:,} byte limit; "
                                         f"skipped")
                data = handle.read(MAX_FILE_BYTES + 1)
            except OSError as exc:
                raise UnreadableFile(f"cannot read file: {exc.strerror or exc}") from None
        if len(data) > MAX_FILE_BYTES:  # grew after the fstat
            raise UnreadableFile(f"file is over the {MAX_FILE_BYTES:,} byte limit; skipped")
        return data

    def stat(self) -> os.stat_result:
        """The file's status, never through a link."""
        if self.base is not None:
            return self.base.lstat(self.rel)
        return os.lstat(self.abspath)

    @property
    def text(self) -> str:
        """The file as text: UTF-8 (a BOM is dropped), CRLF kept as is.

        Raises UnreadableFile for binary files and undecodable bytes.
        """
        reads = CONTENT_READS
        if reads is not None:
            reads.add(self.path)
        cached = self.__dict__.get("_text")
        if cached is None:
            cached = self.__dict__["_text"] = self._decode()
        return cached

    def _decode(self) -> str:
        data = self.raw_data()
        for bom, encoding in _BOMS:  # `pip freeze > requirements.txt` in PowerShell writes UTF-16
            if data.startswith(bom):
                try:
                    return data[len(bom):].decode(encoding)
                except UnicodeDecodeError as exc:
                    raise UnreadableFile(f"starts with a {encoding} byte-order mark but byte {exc.start + len(bom)} "
                                         f"is not {encoding} (pip cannot read it either); skipped") from None
        if b"\x00" in data:
            raise UnreadableFile("binary file (contains NUL bytes); skipped")
        # The UTF-8 BOM is dropped by hand: the "utf-8-sig" codec is written in Python,
        # plain "utf-8" decodes in C (it showed in profiles of reports over many files).
        skip = 3 if data.startswith(codecs.BOM_UTF8) else 0
        try:
            return data[skip:].decode("utf-8") if skip else data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"not valid UTF-8 (byte {exc.start + skip}); skipped") from None

    @property
    def line_text(self) -> str:
        """``text`` as its lines are counted: for Python, a lone CR ends a line too (Python's tokenizer
        counts it, and the facts' line numbers with it), so it reads as LF here. The same length, the
        same offsets: only which character ends those lines differs."""
        text = self.text
        if self.kind is FileKind.PYTHON and "\r" in text:
            return _LONE_CR.sub("\n", text)
        return text

    @property
    def index(self) -> TextIndex:
        cached = self.__dict__.get("_index")
        if cached is None:
            cached = self.__dict__["_index"] = TextIndex(self.line_text)  # text tells a recording scan
        elif CONTENT_READS is not None:
            CONTENT_READS.add(self.path)
        return cached

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def directory(self) -> str:
        """Repo-relative posix directory, '' for the root."""
        return self.path.rsplit("/", 1)[0] if "/" in self.path else ""
