"""What well-known base images bring with them: their ``/bin/sh``, the ENTRYPOINT and CMD
an image built FROM them inherits, whether they are a database, whether they already run as
a non-root user; and how an image reference splits into registry, name, tag and digest.

One table for every reader and check: the start-command model uses the inherited
commands when a Dockerfile declares none, RC112 knows a database image from it, and
RC204 asks which shell a ``sh -c`` or shell-form CMD really runs (see SHELL_EXECS).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Images that are a database or cache server: an image built FROM one is that server.
DATABASE_IMAGES = ("postgres", "pgvector/pgvector", "ankane/pgvector", "postgis/postgis", "timescale/timescaledb",
                   "mysql", "mariadb", "mongo", "redis", "redis/redis-stack", "valkey/valkey", "bitnami/postgresql",
                   "bitnami/mysql", "bitnami/mongodb", "bitnami/redis", "bitnami/mariadb", "supabase/postgres")


@dataclass(frozen=True)
class ImageVariable:
    """A variable a base image's start script or config file sets when the environment does not:
    ``default`` (other variables written ``$NAME``), or the value of the first of ``files`` the
    image has (``[ -f /app/app/main.py ]``), else ``default``."""

    name: str
    default: str = ""
    files: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ImageSetting:
    """A server setting (readycheck.knowledge.serverconfig's vocabulary) that a base image's config
    file takes from ``env``, else ``default`` (``$NAME`` of the config's variables; "": not set);
    ``per_core``: the
    default scales with the CPU count (at most ``cap``'s value, when set)."""

    setting: str
    env: str
    default: str
    per_core: bool = False
    #: For a per-core default: the variable holding the factor, the floor, and the variable that caps
    #: it when the environment sets it.
    factor: str = ""
    minimum: int = 0
    cap: str = ""
    #: Settings this one replaces when it is set (gunicorn_conf.py's BIND wins over HOST and PORT).
    replaces: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImageScript:
    """A start script a base image ships: what it sets, the app's script it sources first (the
    variable naming it), and the server command it then execs (``$NAME`` words are its variables)."""

    path: str
    variables: tuple[ImageVariable, ...]
    argv: tuple[str, ...]
    prestart: str = ""


@dataclass(frozen=True)
class ImageConfig:
    """A server config file a base image ships, as the settings it computes from the environment."""

    path: str
    variables: tuple[ImageVariable, ...]
    settings: tuple[ImageSetting, ...]


@dataclass(frozen=True)
class BaseImage:
    """What an image built FROM this one runs when its Dockerfile declares no ENTRYPOINT/CMD."""

    entrypoint: tuple[str, ...]
    cmd: tuple[str, ...]
    #: What the inherited command does, for ``readycheck inspect`` and messages.
    does: str
    #: The image's WORKDIR, where a relative COPY destination lands ("" for /).
    workdir: str = ""
    #: The start scripts the image ships (tiangolo's ``/start.sh``, ``/start-reload.sh``), which its
    #: CMD or the app's CMD names, and the server config files they use.
    scripts: tuple[ImageScript, ...] = ()
    configs: tuple[ImageConfig, ...] = ()
    #: The entrypoint runs any other command it is given as is (``exec "$@"``): the official
    #: database images' docker-entrypoint.sh starts the server only when given its name or flags.
    passes_through: bool = False

    def runs_as_given(self, program: str, first_arg: str) -> bool:
        """True when this image's entrypoint ``program`` just execs ``first_arg`` and what follows."""
        names = {e.rsplit("/", 1)[-1] for e in self.entrypoint}
        return self.passes_through and program.rsplit("/", 1)[-1] in names and bool(first_arg) and \
            not first_arg.startswith("-") and first_arg not in self.cmd

    def script(self, path: str) -> ImageScript | None:
        """The image's own start script at ``path`` (a path in the image), if it ships one."""
        return next((s for s in self.scripts if s.path == path), None)

    def config(self, path: str) -> ImageConfig | None:
        """The image's own server config file at ``path``, if it ships one."""
        return next((c for c in self.configs if c.path == path), None)


#: tiangolo/uvicorn-gunicorn(-fastapi, -starlette), as the image's docker-images/start.sh,
#: start-reload.sh and gunicorn_conf.py say (https://github.com/tiangolo/uvicorn-gunicorn-docker):
#: start.sh serves $APP_MODULE (else $MODULE_NAME:$VARIABLE_NAME: app.main when /app/app/main.py
#: exists, else main, and app) with gunicorn and $WORKER_CLASS (the uvicorn worker), reading
#: $GUNICORN_CONF (else /app/gunicorn_conf.py, /app/app/gunicorn_conf.py or the image's own
#: /gunicorn_conf.py), after sourcing $PRE_START_PATH (/app/prestart.sh) when it exists;
#: start-reload.sh (the README's development script) runs uvicorn --reload alone on $HOST:$PORT.
#: The image's gunicorn_conf.py binds $BIND, else $HOST:$PORT (0.0.0.0:80), runs $WEB_CONCURRENCY
#: workers, else max(2, $WORKERS_PER_CORE (1) x cores) capped by $MAX_WORKERS, with a 120 s timeout
#: and graceful timeout, 5 s keep-alive and $LOG_LEVEL (info).
_TIANGOLO_APP = (ImageVariable("MODULE_NAME", "", (("/app/app/main.py", "app.main"), ("/app/main.py", "main"))),
                 ImageVariable("VARIABLE_NAME", "app"), ImageVariable("APP_MODULE", "$MODULE_NAME:$VARIABLE_NAME"),
                 ImageVariable("PRE_START_PATH", "/app/prestart.sh"))
_TIANGOLO_START = ImageScript(
    "/start.sh",
    _TIANGOLO_APP + (ImageVariable("GUNICORN_CONF", "/gunicorn_conf.py",
                                   (("/app/gunicorn_conf.py", "/app/gunicorn_conf.py"),
                                    ("/app/app/gunicorn_conf.py", "/app/app/gunicorn_conf.py"))),
                     ImageVariable("WORKER_CLASS", "uvicorn.workers.UvicornWorker")),
    ("gunicorn", "-k", "$WORKER_CLASS", "-c", "$GUNICORN_CONF", "$APP_MODULE"), prestart="PRE_START_PATH")
_TIANGOLO_RELOAD = ImageScript(
    "/start-reload.sh",
    _TIANGOLO_APP + (ImageVariable("HOST", "0.0.0.0"), ImageVariable("PORT", "80"), ImageVariable("LOG_LEVEL", "info")),
    ("uvicorn", "--reload", "--host", "$HOST", "--port", "$PORT", "--log-level", "$LOG_LEVEL", "$APP_MODULE"),
    prestart="PRE_START_PATH")
_TIANGOLO_CONF = ImageConfig(
    "/gunicorn_conf.py",
    (ImageVariable("WORKERS_PER_CORE", "1"),),
    (ImageSetting("bind", "BIND", "", replaces=("host", "port")), ImageSetting("host", "HOST", "0.0.0.0"),
     ImageSetting("port", "PORT", "80"),
     ImageSetting("workers", "WEB_CONCURRENCY", "max(2, $WORKERS_PER_CORE x cores)", per_core=True,
                  factor="WORKERS_PER_CORE", minimum=2, cap="MAX_WORKERS"),
     ImageSetting("timeout", "TIMEOUT", "120"), ImageSetting("graceful_timeout", "GRACEFUL_TIMEOUT", "120"),
     ImageSetting("keepalive", "KEEP_ALIVE", "5"), ImageSetting("loglevel", "LOG_LEVEL", "info")))
_TIANGOLO = BaseImage((), ("/start.sh",),
                      "runs /app/prestart.sh if present, then exec gunicorn -k uvicorn.workers.UvicornWorker "
                      "-c /gunicorn_conf.py $APP_MODULE (0.0.0.0:80; WEB_CONCURRENCY, else 1 worker per core)",
                      workdir="/app", scripts=(_TIANGOLO_START, _TIANGOLO_RELOAD), configs=(_TIANGOLO_CONF,))
_POSTGRES = BaseImage(("docker-entrypoint.sh",), ("postgres",),
                      "docker-entrypoint.sh initialises the data directory, runs /docker-entrypoint-initdb.d/*, "
                      "then exec postgres; any other command it execs as given", passes_through=True)

#: Image name (registry and tag left out) -> what it runs.
BASE_IMAGES: dict[str, BaseImage] = {
    "tiangolo/uvicorn-gunicorn-fastapi": _TIANGOLO,
    "tiangolo/uvicorn-gunicorn": _TIANGOLO,
    "tiangolo/uvicorn-gunicorn-starlette": _TIANGOLO,
    "postgres": _POSTGRES, "pgvector/pgvector": _POSTGRES, "ankane/pgvector": _POSTGRES,
    "postgis/postgis": _POSTGRES, "timescale/timescaledb": _POSTGRES,
    "mysql": BaseImage(("docker-entrypoint.sh",), ("mysqld",), "docker-entrypoint.sh, then exec mysqld",
                       passes_through=True),
    "mariadb": BaseImage(("docker-entrypoint.sh",), ("mariadbd",), "docker-entrypoint.sh, then exec mariadbd",
                       passes_through=True),
    "mongo": BaseImage(("docker-entrypoint.sh",), ("mongod",), "docker-entrypoint.sh, then exec mongod",
                       passes_through=True),
    "redis": BaseImage(("docker-entrypoint.sh",), ("redis-server",), "docker-entrypoint.sh, then exec redis-server",
                       passes_through=True),
}

#: Images that already run as a non-root user, matched as substrings of the lower-cased reference:
#: distroless ``:nonroot`` tags, Chainguard's and Bitnami's images (non-root by policy), AWS Lambda's
#: base images (the function runs as an unprivileged sandbox user whatever USER says), and images
#: whose own Dockerfile ends with a non-root ``USER`` (read in each project's published Dockerfile).
NON_ROOT_IMAGE_HINTS = ("nonroot", "non-root", "cgr.dev/chainguard/", "chainguard/", "bitnami/",
                        "public.ecr.aws/lambda/", "amazon/aws-lambda-",
                        "keycloak", "grafana/grafana", "prom/", "jenkins/jenkins", "sonarqube",
                        "nginx-unprivileged", "temporalio/", "docker.elastic.co/", "apache/airflow",
                        "jupyter/", "selenium/", "confluentinc/")

#: Official images whose own entrypoint drops to an unprivileged user (gosu/su-exec in their
#: docker-entrypoint.sh, https://github.com/docker-library): they run as root only until the server
#: starts, as long as their ENTRYPOINT is kept.
SELF_DROPPING_IMAGES = frozenset({
    "postgres", "mysql", "mariadb", "redis", "mongo", "rabbitmq", "memcached", "elasticsearch", "cassandra",
    "couchdb", "neo4j", "clickhouse/clickhouse-server", "kibana", "logstash",
    # built FROM the official postgres image, whose docker-entrypoint.sh they keep
    "pgvector/pgvector", "ankane/pgvector", "postgis/postgis", "timescale/timescaledb"})

#: Programs a start command runs to switch to an unprivileged user before exec-ing the server
#: (gosu, su-exec, util-linux setpriv, daemontools/runit/s6 setuidgid).
PRIVILEGE_DROPPERS = frozenset({"gosu", "su-exec", "setpriv", "setuidgid", "chpst", "s6-setuidgid"})

#: Base images that run nothing of their own (a shell or the Python REPL): an image built FROM one
#: with no CMD/ENTRYPOINT is a library's convenience or build image unless something runs it.
GENERIC_BASES = ("python", "debian", "ubuntu", "alpine", "busybox", "buildpack-deps")

#: The shell each image family has as ``/bin/sh``; images not listed here: unknown.
#: Debian and Ubuntu (python:*, python:*-slim, tiangolo/*): dash. Alpine: busybox ash.
#: The Red Hat family (ubi, centos, fedora, rocky, alma, amazonlinux): bash.
_SH_BY_WORD = {"alpine": "busybox", "slim": "dash", "bookworm": "dash", "bullseye": "dash", "buster": "dash",
               "trixie": "dash", "jammy": "dash", "noble": "dash", "focal": "dash"}
_SH_BY_NAME = {"python": "dash", "debian": "dash", "ubuntu": "dash", "buildpack-deps": "dash",
               "tiangolo/uvicorn-gunicorn-fastapi": "dash", "tiangolo/uvicorn-gunicorn": "dash",
               "alpine": "busybox", "busybox": "busybox"}
#: Path components of Red Hat family images (``registry.access.redhat.com/ubi9/python-311``).
_BASH_FAMILIES = {"ubi8", "ubi9", "ubi10", "fedora", "centos", "rockylinux", "almalinux", "amazonlinux",
                  "oraclelinux", "rhel"}

#: Whether a shell execs (replaces itself with) the last simple command it runs, measured by
#: running each one and comparing the last command's PID with the shell's (docs/rules.md, RC204):
#: dash 0.5.12 (Debian 12) never does, not even for a lone command; bash 5.2 does for the last
#: command of a ``-c`` string of plain commands joined by ``;``, ``&&`` or newlines, but not
#: after a ``trap``, for a redirected command, inside ``if``/``{ }``/``( )``, in a pipeline,
#: after a ``&`` or at the end of an ``&&`` list under ``set -e``; busybox 1.35 ash does for the
#: last command of any ``-c`` string but after a ``trap`` or in a pipeline. None of them does
#: for the last command of a script file.
SHELL_EXECS = {
    "dash": set(),
    "bash": {"-c"},
    "busybox": {"-c"},
}
#: What stops each shell from exec-ing the last command of a ``-c`` string (see shell.exec_blockers).
SHELL_EXEC_BLOCKERS = {
    "bash": {"trap", "errexit-list", "redirect", "compound", "background", "pipeline"},
    "busybox": {"trap", "background", "pipeline"},
}


@dataclass(frozen=True)
class ImageRef:
    """An image reference split as Docker's reference grammar does
    (``[registry[:port]/]path[:tag][@digest]``, https://github.com/distribution/reference):
    ``docker.io/library/python:3.12-slim@sha256:ab...`` is registry ``docker.io``, name ``python``,
    tag ``3.12-slim``, digest ``sha256:ab...``. A ``:`` before the last ``/`` is a registry's port,
    not a tag (``localhost:5000/app``)."""

    written: str
    #: The registry host ("" when none is written: Docker Hub), lower case.
    registry: str
    #: The repository, lower case, with Docker Hub's ``docker.io/``, ``index.docker.io/`` and
    #: ``library/`` left out and any other registry kept: ``python``, ``pgvector/pgvector``,
    #: ``ghcr.io/astral-sh/uv``. What the tables of this module are keyed by.
    name: str
    tag: str | None
    digest: str | None

    @property
    def namespace_and_repo(self) -> str:
        """The name without its registry: ``ghcr.io/astral-sh/uv`` -> ``astral-sh/uv``."""
        return self.name.split("/", 1)[1] if self.registry and self.registry not in _HUB_REGISTRIES else self.name


#: Docker Hub's own names, left out of ``ImageRef.name``.
_HUB_REGISTRIES = ("docker.io", "index.docker.io")


def parse_image_ref(image: str) -> ImageRef:
    """Split an image reference (``FROM`` or ``COPY --from`` value, ARGs already substituted)."""
    written = image.strip()
    ref, _, digest = written.partition("@")
    name, _, tag = ref.rpartition(":") if ":" in ref.rsplit("/", 1)[-1] else (ref, "", "")
    name = name.lower()  # repository names are lower case; tags and digests keep their case
    first, slash, _ = name.partition("/")
    registry = first if slash and ("." in first or ":" in first or first == "localhost") else ""
    for prefix in ("docker.io/", "index.docker.io/", "library/"):
        name = name.removeprefix(prefix)
    return ImageRef(written, registry, name.removeprefix("library/"), tag or None, digest or None)


def image_name(image: str) -> tuple[str, str]:
    """(name, tag) of an image reference: ``docker.io/library/python:3.12-slim@sha256:...`` ->
    (``python``, ``3.12-slim``)."""
    ref = parse_image_ref(image)
    return ref.name, (ref.tag or "").lower()


def base_image(image: str) -> BaseImage | None:
    return BASE_IMAGES.get(image_name(image)[0])


def is_database_image(image: str) -> bool:
    name = image_name(image)[0]
    return any(name == db or name.startswith(db + "/") for db in DATABASE_IMAGES) or \
        name.startswith(("bitnami/postgres", "bitnami/mysql", "bitnami/redis", "bitnami/mongo"))


def image_shell(image: str) -> str | None:
    """The shell that is ``/bin/sh`` in an image ("dash", "bash", "busybox"), or None when unknown."""
    name, tag = image_name(image)
    words = set(tag.replace("_", "-").split("-")) | set(name.rsplit("/", 1)[-1].split("-"))
    for word, shell in _SH_BY_WORD.items():
        if word in words:
            return shell
    found = _SH_BY_NAME.get(name)
    if found is None and any(part.split("-")[0] in _BASH_FAMILIES for part in name.split("/")):
        found = "bash"
    return found


def shell_execs_last(shell: str | None, blockers: set[str]) -> bool | None:
    """Whether ``shell -c STRING`` execs the last command of STRING (None: unknown shell)."""
    if shell not in SHELL_EXECS:
        return None
    if "-c" not in SHELL_EXECS[shell]:
        return False
    return not (blockers & SHELL_EXEC_BLOCKERS.get(shell, set()))
