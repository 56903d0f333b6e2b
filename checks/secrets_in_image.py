"""RC111 secrets-in-image: a secret is written into the image by ENV or ARG.

What it does
    In the stages that end up in the final image, flags ``ENV`` and ``ARG``
    whose name says secret (``*PASSWORD*``, ``*SECRET*``, ``*TOKEN*``,
    ``*_KEY``, ``*API_KEY*``, ``*CREDENTIALS*``, ``PRIVATE_KEY``) and that
    carry a value (a literal, or ``$OTHER`` copied in), every ``ARG`` with
    such a name (build arguments are recorded in the image history), and any
    ENV/ARG whose value is a URL with a password (``postgres://user:pass@db``).
    Names are read word by word (``PGPASSWORD`` and ``HF_TOKEN`` are secrets;
    ``TOKENIZERS_PARALLELISM``, ``TIKTOKEN_CACHE_DIR`` and ``MAX_TOKENS`` are
    not). Names like ``*_KEY_FILE``/``*_PATH`` and ENV values that are file
    paths (where a secret is, not what it is), ``USERNAME``, and front-end
    variables published on purpose (``VITE_*``, ``NEXT_PUBLIC_*``,
    ``REACT_APP_*``) pass. A password equal to the user or database name set beside it
    (``POSTGRES_USER=app`` ``POSTGRES_PASSWORD=app``) is a template's placeholder that every
    reader of the repository knows, not a secret kept from them: info, since it is weak if
    nothing sets a real one at run time.

Why is this bad
    ENV values are stored in the image config and ARG values in its history:
    anyone who can pull the image (a registry, a CI cache, a laptop) reads them
    with ``docker inspect``/``docker history``. Rotating the secret is the only fix.

Example
    ENV DATABASE_URL=postgresql://app:s3cret@db:5432/app
    ARG GITHUB_TOKEN

Use instead
    # pass at run time: docker run -e DATABASE_URL=... / Kubernetes Secret
    RUN --mount=type=secret,id=github_token pip install -r requirements.txt
"""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Severity

if TYPE_CHECKING:
    from readycheck.api import Project

#: Words of a name (split at ``_``, ``-`` and ``.``) that say it holds a secret. A word, not a
#: substring: ``TOKENIZERS_PARALLELISM``, ``TIKTOKEN_CACHE_DIR`` and ``MAX_TOKENS`` hold none.
SECRET_WORDS = frozenset({"PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "APIKEY", "CREDENTIAL",
                          "CREDENTIALS", "PRIVATEKEY", "ACCESSKEY", "SECRETKEY"})
#: ... or that ends a word glued to its prefix (``PGPASSWORD``, ``CLIENTSECRET``). ``TOKEN`` is not
#: here: glued, it is mostly another word (``TIKTOKEN``).
SECRET_SUFFIXES = ("PASSWORD", "PASSWD", "SECRET", "APIKEY")
#: ``KEY`` is a secret as the last word (``STRIPE_KEY``) or after these (``API_KEY_V2``).
KEY_PREFIXES = frozenset({"API", "PRIVATE", "ACCESS", "SECRET", "SIGNING", "ENCRYPTION", "MASTER"})
_NAME_WORDS = re.compile(r"[_.\-]+")
#: A value that is a file path (two or more segments) says where a secret is, not what it is.
PATH_VALUE = re.compile(r"^/[\w.@+-]+(?:/[\w.@+-]+)+/?$")
NOT_SECRET = re.compile(r"(_FILE|_PATH|_DIR|_NAME|_ID|_URL_ENV|_HEADER|_LENGTH|_EXPIRE\w*|_TTL|_ALGORITHM)$", re.IGNORECASE)
#: Build variables a front-end bundler publishes to every browser on purpose: not secrets.
PUBLIC_PREFIXES = ("VITE_", "NEXT_PUBLIC_", "REACT_APP_", "NUXT_PUBLIC_", "PUBLIC_", "EXPO_PUBLIC_")
CREDENTIAL_URL = re.compile(r"^[a-z][a-z0-9+.-]*://[^/:@\s]+:[^/@\s]+@", re.IGNORECASE)
#: A URL whose query or path carries a token: ``?token=...``, ``&api_key=...``, chat webhooks.
TOKEN_URL = re.compile(r"^https?://\S*(?:[?&](?:token|access_token|api_key|apikey|key|secret|sig)=[^&\s]{8,}|"
                       r"hooks\.slack\.com/services/\S+|discord(?:app)?\.com/api/webhooks/\S+)", re.IGNORECASE)
#: Names whose value is a secret as a whole (a Sentry DSN, a webhook URL).
SECRET_URL_NAME = re.compile(r"(^|_)(DSN|WEBHOOK_URL|WEBHOOK)$", re.IGNORECASE)
_SECRET_PATH = re.compile(r"/run/secrets/[^\s;&|)'\"]*")
_READ_BEFORE = re.compile(r"\bcat\s+\S*$")
_COPY_BEFORE = re.compile(r"\b(?:cp|mv|install)\s+(?:-\S+\s+)*\S*$")


def secret_written_to_file(raw: str) -> bool:
    """A BuildKit secret read into a file of the layer: ``cat /run/secrets/x > f``,
    ``cp /run/secrets/x f``, ``... /run/secrets/x | tee f``. Each secret path is looked at with
    a bounded window around it, so a long RUN costs one pass."""
    for match in _SECRET_PATH.finditer(raw):
        before = raw[max(0, match.start() - 60):match.start()]
        after = raw[match.end():match.end() + 60].lstrip("'\" ")
        if after.startswith(">") and _READ_BEFORE.search(before):
            return True
        if _COPY_BEFORE.search(before) and after and after[0] not in ";&|)\n":
            return True
        if after.startswith("|") and after[1:].lstrip().startswith("tee "):
            return True
    return False


#: Env files that document the variables rather than hold them.
ENV_TEMPLATE_SUFFIXES = (".example", ".sample", ".template", ".dist", ".tpl", "example.env", "sample.env",
                         "template.env")


#: Last words of the names that hold who logs in or which database: a password equal to one of
#: these values (``POSTGRES_USER=app`` ``POSTGRES_PASSWORD=app``) is the placeholder of a template.
_USER_WORDS = frozenset({"USER", "USERNAME", "LOGIN", "DB", "DATABASE", "DBNAME"})


def _user_values(assignments: list[tuple[str, str]]) -> dict[str, str]:
    """value (lower-cased) -> the name of a user/database variable that holds it."""
    out: dict[str, str] = {}
    for name, value in assignments:
        words = [w for w in _NAME_WORDS.split(name.upper()) if w]
        literal = value.strip("\"'")
        if words and words[-1] in _USER_WORDS and literal and "$" not in literal:
            out.setdefault(literal.lower(), name)
    return out


def secret_name(name: str) -> bool:
    """Whether a variable's name says it holds a secret, word by word."""
    if NOT_SECRET.search(name) or name.upper().startswith(PUBLIC_PREFIXES):
        return False
    words = [w for w in _NAME_WORDS.split(name.upper()) if w]
    for i, word in enumerate(words):
        if word in SECRET_WORDS or word.endswith(SECRET_SUFFIXES):
            return True
        if word == "KEY" and (i == len(words) - 1 or (i > 0 and words[i - 1] in KEY_PREFIXES)):
            return True
    return False


def _overlaps(a: str, b: str) -> bool:
    """Two image paths where one is the other or inside it."""
    return a == b or a == "/" or b == "/" or a.startswith(b.rstrip("/") + "/") or b.startswith(a.rstrip("/") + "/")


class SecretsInImage(Check):
    id = "RC111"
    name = "secrets-in-image"
    severity = Severity.ERROR
    summary = "A secret is baked into the image through ENV or ARG"
    fix = ("Give secrets to the container at run time (environment from the platform, a Kubernetes Secret), and to "
           "build steps with `RUN --mount=type=secret`.")
    tags = ("security", "dockerfile")
    references = ("https://docs.docker.com/build/building/secrets/",)
    examples = (
        Example({"Dockerfile": """
            FROM python:3.12-slim
            ARG PIP_TOKEN
            ENV DATABASE_URL=postgresql://app:s3cret@db:5432/app \\
                SECRET_KEY=dev-secret-key
            ENV API_KEY=$PIP_TOKEN
            """}, expect=['Dockerfile:2:5 ARG PIP_TOKEN looks like a secret: build arguments are kept in the image history', "Dockerfile:3", "Dockerfile:4", "Dockerfile:5"],
            title="build arg, credential URL, secret values"),
        Example({"Dockerfile": """
            FROM python:3.12 AS builder
            ARG PIP_TOKEN
            RUN pip wheel -w /w private-lib
            FROM python:3.12-slim
            COPY --from=builder /w /w
            ENV SECRET_KEY_FILE=/run/secrets/key \\
                DATABASE_URL=postgresql://db:5432/app \\
                JWT_ALGORITHM=HS256 \\
                API_KEY=
            ARG USERNAME=app
            ARG VITE_MAPS_API_KEY=public-browser-key
            """}, title="builder-stage arg, file paths, URL without password, empty value, public names"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            ENV PGPASSWORD=hunter2
            ENV HF_TOKEN=hf_abc123 \\
                OPENAI_API_KEY=sk-proj-abc
            ARG STRIPE_KEY
            """}, expect=["Dockerfile:2", "Dockerfile:3", "Dockerfile:4", "Dockerfile:5"],
            title="secret words glued to a prefix, or as whole words"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            ENV TOKENIZERS_PARALLELISM=false \\
                TIKTOKEN_CACHE_DIR=/home/worker/app/tiktoken_cache \\
                TIKTOKEN_ENCODINGS_BASE=/home/worker/app/encodings \\
                MAX_TOKENS=4096 \\
                KEY_PREFIX=app
            ENV GOOGLE_APPLICATION_CREDENTIALS=/var/secrets/google/key.json
            """}, title="words that only contain a secret word, and a path to where a secret is"),
        Example({"Dockerfile": """
            FROM pgvector/pgvector:pg16
            ENV POSTGRES_USER=app \\
                POSTGRES_PASSWORD=app \\
                POSTGRES_DB=app
            ENV MYSQL_USER=shop MYSQL_PASSWORD=Shop \\
                REDIS_PASSWORD=q8Zr2vLk9
            """}, expect=["Dockerfile:3:23:info", "Dockerfile:5:36:info ENV MYSQL_PASSWORD repeats MYSQL_USER: a "
                          "placeholder default, not a secret, but weak if nothing sets a real one at run time",
                          "Dockerfile:6:20"],
            title="a password equal to its user name is a template's placeholder (info); another is a secret"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            ENV SENTRY_DSN=https://abc123@o1.ingest.sentry.io/42
            ARG ALERTS_WEBHOOK_URL=https://hooks.slack.com/services/T000/B000/XXXXXXXX
            ENV FEED=https://api.example.com/v1/feed?token=9f8e7d6c5b4a
            RUN --mount=type=secret,id=env cat /run/secrets/env > /app/.env
            WORKDIR /app
            COPY . .
            """, ".env.example": "DATABASE_URL=\n", ".dockerignore": "!.env\n.venv\n"},
            expect=["Dockerfile:2", "Dockerfile:3", "Dockerfile:4", "Dockerfile:5", "Dockerfile:7"],
            title="a DSN, a webhook, a URL with a token, a secret written to a file, .env re-included"),
        Example({"Dockerfile": """
            FROM python:3.12-slim
            ENV SENTRY_DSN= \
                DOCS_URL=https://example.com/docs?page=2
            RUN --mount=type=secret,id=pip,target=/root/.netrc pip install -r requirements.txt
            RUN --mount=type=secret,id=env sh -c '. /run/secrets/env && python manage.py collectstatic'
            COPY . .
            """, ".env.example": "DATABASE_URL=\n", ".dockerignore": "**/.env\n.venv\n",
            "api/Dockerfile": "FROM python:3.12-slim\nCOPY . /app\n", "api/.env": "X=1\n",
            "api/.dockerignore": ".env\n"},
            title="an empty DSN, a plain URL, secrets only read at build time, .env excluded"),
        Example({"Dockerfile": """
            FROM python:3.12-slim AS builder
            COPY . /src
            RUN pip wheel --no-cache-dir -w /wheels /src
            FROM python:3.12-slim
            COPY --from=builder /src /app
            """, "deploy/.env.production": "SECRET_KEY=abc\n", "pyproject.toml": "[project]\nname = 'x'\n",
            ".dockerignore": ".git\n.venv\n"},
            expect=["Dockerfile:2"], title="a builder's COPY . takes a committed deploy/.env.production on into the image"),
        Example({"Dockerfile": """
            FROM python:3.12-slim AS builder
            COPY . /src
            RUN pip wheel --no-cache-dir -w /wheels /src
            FROM python:3.12-slim
            COPY --from=builder /wheels /wheels
            """, "deploy/.env.production": "SECRET_KEY=abc\n", "api/Dockerfile": "FROM python:3.12-slim\nCOPY . /app\n",
            "api/.env.production": "SECRET_KEY=abc\n", "api/.env.example": "SECRET_KEY=\n",
            "api/.dockerignore": "**/.env*\n!**/.env.example\n"},
            title="only wheels reach the final image; env files excluded by the .dockerignore"),
    )

    def run(self, project: Project):
        env_files = [f for f in project.all_files if f.name == ".env" or f.name.startswith(".env.")
                     or f.name.endswith(".env") and f.name[:-4] in ("example", "sample", "template")]
        for dockerfile in project.dockerfiles:
            for stage in dockerfile.shipped_stages():
                users = _user_values([(n, v) for inst in stage.instructions if inst.keyword in ("ENV", "ARG")
                                      for n, v, _ in dockerfile.assignments(inst)])
                for inst in stage.instructions:
                    if inst.keyword == "RUN" and "type=secret" in inst.flags().get("mount", "") and \
                            secret_written_to_file(inst.raw_value):
                        yield self.finding(dockerfile.path, dockerfile.span_of(inst, "/run/secrets/"),
                                           "the BuildKit secret is written into a file of the layer: the image "
                                           "keeps it")
                    if inst.keyword not in ("ENV", "ARG"):
                        continue
                    for name, value, span in dockerfile.assignments(inst):
                        secret = secret_name(name)
                        literal = value.strip("\"'")
                        if CREDENTIAL_URL.match(literal):
                            yield self.finding(dockerfile.path, span,
                                               f"{inst.keyword} {name} holds a URL with a password")
                        elif secret and inst.keyword == "ARG":
                            yield self.finding(dockerfile.path, span,
                                               f"ARG {name} looks like a secret: build arguments are kept in the "
                                               f"image history")
                        elif secret and literal and literal.lower() in users:
                            # user=password (app/app, postgres/postgres): a template's placeholder that every
                            # reader of the repository knows, not a secret someone keeps; weak if used as is.
                            yield self.finding(dockerfile.path, span,
                                               f"ENV {name} repeats {users[literal.lower()]}: a placeholder "
                                               f"default, not a secret, but weak if nothing sets a real one at "
                                               f"run time", severity=Severity.INFO)
                        elif secret and literal and not PATH_VALUE.match(literal):
                            yield self.finding(dockerfile.path, span,
                                               f"ENV {name} puts a secret value into the image configuration")
                        elif TOKEN_URL.match(literal) or (SECRET_URL_NAME.search(name) and "://" in literal):
                            yield self.finding(dockerfile.path, span,
                                               f"{inst.keyword} {name} holds a URL that is itself a secret")
            yield from self._env_file_copied(project, dockerfile, env_files)

    def _env_file_copied(self, project, dockerfile, env_files):
        """``COPY . .`` (in the final image, or in a stage the final image copies from) of a context
        holding a committed env file (``.env``, ``deploy/.env.docker``) or the ``.env`` an
        ``.env.example`` says to create, that no .dockerignore keeps out: the secrets go into the image."""
        shipped = dockerfile.shipped_stages()
        # (stage, path) the final image copies from other stages: a builder's COPY . reaches the image
        # only when what it copied lies on such a path.
        taken = [(inst.flags()["from"], (inst.exec_form() or inst.arguments())[:-1])
                 for stage in shipped for inst in stage.all("COPY") if inst.flags().get("from")]
        copy = None
        for stage in dockerfile.stages:
            workdir = "/"
            for inst in stage.instructions:
                if inst.keyword == "WORKDIR" and inst.arguments():
                    workdir = posixpath.join(workdir, inst.arguments()[0])
                parts = inst.exec_form() or inst.arguments()
                if inst.keyword not in ("COPY", "ADD") or "from" in inst.flags() or len(parts) < 2 or \
                        not any(p in (".", "./", "*") for p in parts[:-1]):
                    continue
                dest = posixpath.normpath(posixpath.join(workdir, parts[-1]))
                if stage in shipped or any(
                        source in (stage.name, str(stage.index)) and any(
                            _overlaps(posixpath.normpath(posixpath.join("/", src)), dest) for src in sources)
                        for source, sources in taken):
                    copy = inst
                    break
            if copy is not None:
                break
        if copy is None:
            return
        context = project.build_contexts(dockerfile)[0]
        prefix = f"{context}/" if context else ""
        inside = [f for f in env_files if f.path.startswith(prefix)]
        committed = [f for f in inside if not f.name.endswith(ENV_TEMPLATE_SUFFIXES)]
        created = {(f"{f.directory}/.env" if f.directory else ".env"): f.path for f in inside
                   if f.name.endswith(ENV_TEMPLATE_SUFFIXES) and f.name.startswith(".env")}
        candidates = [(f.path, f"the committed {f.path}") for f in committed] + \
            [(path, f"{path} (which {template} says to create)") for path, template in created.items()
             if project.file(path) is None]
        if not candidates:
            return
        spec = None
        ignore = project.dockerignore(dockerfile, context)
        if ignore is not None:
            try:
                import pathspec

                spec = pathspec.GitIgnoreSpec.from_lines(ignore.text.splitlines())
            except Exception:
                return  # unreadable .dockerignore: RC116 and the diagnostics say so
        kept = [why for path, why in candidates if spec is None or not spec.match_file(path[len(prefix):])]
        if not kept:
            return
        shown = kept[0] + (f" and {len(kept) - 1} more" if len(kept) > 1 else "")
        excluded = f"{ignore.path} does not exclude it" if ignore is not None else "no .dockerignore excludes it"
        yield self.finding(dockerfile.path, dockerfile.span_of(copy),
                           f"{copy.keyword} copies the whole context, {shown} included: {excluded}")
