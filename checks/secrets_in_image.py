"""RC111 secrets-in-image: a secret is written into the image by ENV or ARG.

What it does
    In the stages that end up in the final image, flags ``ENV`` and ``ARG``
    whose name says secret (``*PASSWORD*``, ``*SECRET*``, ``*TOKEN*``,
    ``*_KEY``, ``*API_KEY*``, ``*CREDENTIALS*``, ``PRIVATE_KEY``) and that
    carry a value (a literal, or ``$OTHER`` copied in), every ``ARG`` with
    such a name (build arguments are recorded in the image history), and any
    ENV/ARG whose value is a URL with a password (``postgres://user:pass@db``).
    Names like ``*_KEY_FILE``/``*_PATH`` (where a secret is, not what it is),
    ``USERNAME``, and front-end variables published on purpose (``VITE_*``,
    ``NEXT_PUBLIC_*``, ``REACT_APP_*``) pass.

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

SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|_KEY$|^KEY$|PRIVATE_KEY|ACCESS_KEY|CREDENTIAL)",
                         re.IGNORECASE)
NOT_SECRET = re.compile(r"(_FILE|_PATH|_DIR|_NAME|_ID|_URL_ENV|_HEADER|_LENGTH|_EXPIRE\w*|_TTL|_ALGORITHM)$", re.IGNORECASE)
#: Build variables a front-end bundler publishes to every browser on purpose: not secrets.
PUBLIC_PREFIXES = ("VITE_", "NEXT_PUBLIC_", "REACT_APP_", "NUXT_PUBLIC_", "PUBLIC_", "EXPO_PUBLIC_")
CREDENTIAL_URL = re.compile(r"^[a-z][a-z0-9+.-]*://[^/:@\s]+:[^/@\s]+@", re.IGNORECASE)


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
    )

    def run(self, project: Project):
        for dockerfile in project.dockerfiles:
            for stage in dockerfile.shipped_stages():
                for inst in stage.instructions:
                    if inst.keyword not in ("ENV", "ARG"):
                        continue
                    for name, value, span in dockerfile.assignments(inst):
                        secret_name = bool(SECRET_NAME.search(name)) and not NOT_SECRET.search(name) \
                            and not name.upper().startswith(PUBLIC_PREFIXES)
                        if CREDENTIAL_URL.match(value.strip("\"'")):
                            yield self.finding(dockerfile.path, span,
                                               f"{inst.keyword} {name} holds a URL with a password")
                        elif secret_name and inst.keyword == "ARG":
                            yield self.finding(dockerfile.path, span,
                                               f"ARG {name} looks like a secret: build arguments are kept in the "
                                               f"image history")
                        elif secret_name and value.strip("\"'"):
                            yield self.finding(dockerfile.path, span,
                                               f"ENV {name} puts a secret value into the image configuration")
