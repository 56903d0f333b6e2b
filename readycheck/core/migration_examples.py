"""Mini-repositories for the migration-safety rules' examples: an Alembic history or a SQL folder.

Each rule carries its own examples; these build the files around them so an example shows only the
migration that matters. In ``alembic_repo`` the judged head is ``alembic/versions/0002_change.py``
and its ``upgrade()`` body starts on line 10 (``ALEMBIC_BODY_LINE``); ``0001_init.py`` is the
already-deployed history, not judged. In ``sql_repo`` the judged file is the highest version
(``db/migration/V2__change.sql`` for Flyway), its first line is line 1.
"""

from __future__ import annotations

import textwrap

ALEMBIC_HEAD = "alembic/versions/0002_change.py"
ALEMBIC_BODY_LINE = 10
_INI = "[alembic]\nscript_location = alembic\nsqlalchemy.url = driver://user:pass@localhost/dbname\n"
_ENV = "from alembic import context\n\n\ndef run_migrations_online():\n    pass\n"
_INIT = '''"""init"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("email", sa.String(200)), sa.Column("legacy", sa.String()))


def downgrade():
    op.drop_table("users")
'''
SQL_FILES = {"flyway": ("db/migration/V1__init.sql", "db/migration/V2__change.sql"),
             "golang-migrate": ("migrations/000001_init.up.sql", "migrations/000002_change.up.sql"),
             "prisma": ("prisma/migrations/20240101000000_init/migration.sql",
                        "prisma/migrations/20240202000000_change/migration.sql")}


def alembic_repo(upgrade: str, *, downgrade: str = "pass", models: str | None = None, postgres: bool = True,
                 env: str | None = None) -> dict[str, str]:
    """An Alembic repository whose head revision's ``upgrade()`` runs ``upgrade`` (dedented)."""
    body = textwrap.indent(textwrap.dedent(upgrade).strip("\n"), "    ")
    back = textwrap.indent(textwrap.dedent(downgrade).strip("\n"), "    ")
    head = (f'"""change"""\nimport sqlalchemy as sa\nfrom alembic import op\n\nrevision = "0002"\n'
            f'down_revision = "0001"\n\n\ndef upgrade():\n{body}\n\n\ndef downgrade():\n{back}\n')
    files = {"alembic.ini": _INI, "alembic/env.py": env or _ENV, "alembic/versions/0001_init.py": _INIT,
             ALEMBIC_HEAD: head,
             "requirements.txt": "sqlalchemy==2.0.36\nalembic==1.14.0\n" + ("psycopg2-binary==2.9.10\n" if postgres else "")}
    if models is not None:
        files["app/models.py"] = textwrap.dedent(models).lstrip("\n")
    return files


def sql_repo(sql: str, tool: str = "flyway") -> dict[str, str]:
    """A SQL migration folder whose latest migration is ``sql`` (dedented), for a PostgreSQL service."""
    first, latest = SQL_FILES[tool]
    return {first: "CREATE TABLE users (id bigint PRIMARY KEY, email text, legacy text);\n",
            latest: textwrap.dedent(sql).lstrip("\n"),
            "requirements.txt": "psycopg[binary]==3.2.3\n"}
