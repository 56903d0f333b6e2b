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
    ``REACT_APP_*``) pass.

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


class SecretsInImage(Check):
    id = "RC111"
    name = "secrets-in-image"
    severity = Severity.ERROR
    summary = "A secret is baked into the image through ENV or ARG"
    why = ("ENV values live in the image configuration and ARG values in its history: anyone who can pull the image "
           "can read them, and only rotating the secret undoes it.")
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
            """}, expect=["Dockerfile:2", "Dockerfile:3", "Dockerfile:4", "Dockerfile:5"],
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
    )

    def run(self, project: Project):
        for dockerfile in project.dockerfiles:
            for stage in dockerfile.shipped_stages():
                for inst in stage.instructions:
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
                        elif secret and literal and not PATH_VALUE.match(literal):
                            yield self.finding(dockerfile.path, span,
                                               f"ENV {name} puts a secret value into the image configuration")
