"""Generate a FastAPI/SQLAlchemy service with a long Alembic history, for benchmarking (deterministic).

    python bench/generate_migrations.py OUT_DIR [--revisions 500] [--tables 60] [--head drop|add]

The service: an app module, SQLAlchemy models for ``--tables`` tables, a
Dockerfile, a requirements file with a PostgreSQL driver, ``alembic.ini`` and
``alembic/env.py``, and ``--revisions`` revision files in one chain with a
merge every 100 revisions (two branches joined by a merge revision). The
revisions do what real histories do: create tables, add and drop columns,
build indexes, add foreign keys, run SQL through ``op.execute``; each has a
``downgrade()``. The head revision (``--head drop``, the default) drops a column
the models still declare and builds an index, so the rules report an error and
read the models; ``--head add`` adds a nullable column, as most heads do.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

HEADER = '''"""{message}

Revision ID: {revision}
Revises: {down}
Create Date: 2024-01-01 00:00:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "{revision}"
down_revision: Union[str, Sequence[str], None] = {down_repr}
branch_labels = None
depends_on = None


def upgrade() -> None:
{upgrade}


def downgrade() -> None:
{downgrade}
'''

MODEL = '''

class Table{i}(Base):
    __tablename__ = "table_{i}"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    created_at: Mapped[datetime] = mapped_column(server_default=sa.func.now())
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("table_{owner}.id"))
    payload = sa.Column(postgresql.JSONB, nullable=True)
'''


def _steps(rng: random.Random, number: int, tables: int) -> tuple[list[str], list[str]]:
    table = f"table_{number % tables}"
    kind = number % 6
    if number < tables:
        up = [f'op.create_table(\n        "{table}",\n        sa.Column("id", sa.Integer(), primary_key=True),\n'
              f'        sa.Column("name", sa.String(200), nullable=False),\n'
              f'        sa.Column("created_at", sa.DateTime(), server_default=sa.text("now()")),\n    )',
              f'op.create_index(op.f("ix_{table}_name"), "{table}", ["name"])']
        return up, [f'op.drop_index(op.f("ix_{table}_name"), table_name="{table}")', f'op.drop_table("{table}")']
    column = f"col_{number}"
    if kind == 0:
        return ([f'op.add_column("{table}", sa.Column("{column}", sa.String(), nullable=True))'],
                [f'op.drop_column("{table}", "{column}")'])
    if kind == 1:
        return ([f'op.add_column("{table}", sa.Column("{column}", sa.Integer(), nullable=False, server_default="0"))',
                 f'op.create_index("ix_{table}_{column}", "{table}", ["{column}"], unique=False)'],
                [f'op.drop_index("ix_{table}_{column}", table_name="{table}")', f'op.drop_column("{table}", "{column}")'])
    if kind == 2:
        return ([f'op.execute("UPDATE {table} SET name = lower(name) WHERE id > :min_id")',
                 f'op.alter_column("{table}", "name", existing_type=sa.String(200), type_=sa.Text())'],
                [f'op.alter_column("{table}", "name", existing_type=sa.Text(), type_=sa.String(200))'])
    if kind == 3:
        other = f"table_{rng.randrange(tables)}"
        return ([f'op.add_column("{table}", sa.Column("{column}", sa.Integer(), nullable=True))',
                 f'op.create_foreign_key("fk_{table}_{column}", "{table}", "{other}", ["{column}"], ["id"])'],
                [f'op.drop_constraint("fk_{table}_{column}", "{table}", type_="foreignkey")',
                 f'op.drop_column("{table}", "{column}")'])
    if kind == 4:
        return ([f'with op.batch_alter_table("{table}") as batch_op:\n'
                 f'        batch_op.add_column(sa.Column("{column}", postgresql.JSONB(), nullable=True))'],
                [f'with op.batch_alter_table("{table}") as batch_op:\n        batch_op.drop_column("{column}")'])
    return ([f'op.execute("""\n        ALTER TABLE {table} ADD COLUMN {column} text;\n'
             f'        CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_{column} ON {table} ({column});\n    """)'],
            [f'op.drop_column("{table}", "{column}")'])


def generate(out: Path, revisions: int, tables: int, head: str = "drop") -> None:
    rng = random.Random(500)
    if out.exists():
        shutil.rmtree(out)
    versions = out / "alembic" / "versions"
    versions.mkdir(parents=True)
    (out / "app").mkdir()
    (out / "alembic.ini").write_text("[alembic]\nscript_location = alembic\n"
                                     "sqlalchemy.url = postgresql://app@db/app\n")
    (out / "alembic" / "env.py").write_text(
        "from alembic import context\nfrom sqlalchemy import engine_from_config, pool\n\n"
        "from app.models import Base\n\ntarget_metadata = Base.metadata\n\n\n"
        "def run_migrations_online():\n    connectable = engine_from_config({}, prefix='sqlalchemy.', "
        "poolclass=pool.NullPool)\n    with connectable.connect() as connection:\n"
        "        context.configure(connection=connection, target_metadata=target_metadata)\n"
        "        with context.begin_transaction():\n            context.run_migrations()\n")
    (out / "requirements.txt").write_text("fastapi==0.115.5\nuvicorn[standard]==0.32.1\nsqlalchemy==2.0.36\n"
                                          "alembic==1.14.0\npsycopg[binary]==3.2.3\n")
    (out / "Dockerfile").write_text("FROM python:3.12-slim\nENV PYTHONUNBUFFERED=1\nWORKDIR /app\n"
                                    "COPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\n"
                                    "COPY . .\nUSER 1000\n"
                                    'CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--workers", "4"]\n')
    (out / "app" / "__init__.py").write_text("")
    (out / "app" / "main.py").write_text(
        "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/healthz')\nasync def health():\n"
        "    return {'status': 'ok'}\n")
    models = ("from datetime import datetime\n\nimport sqlalchemy as sa\nfrom sqlalchemy.dialects import postgresql\n"
              "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n\nclass Base(DeclarativeBase):\n"
              "    pass\n")
    models += "".join(MODEL.format(i=i, owner=(i * 7) % tables) for i in range(tables))
    (out / "app" / "models.py").write_text(models)
    ids = [f"{rng.getrandbits(48):012x}" for _ in range(revisions)]
    branch_from: str | None = None
    for number, revision in enumerate(ids):
        if number and number % 100 == 50:
            branch_from = ids[number - 1]  # this and the next revision both follow ids[number - 1]
        if branch_from is not None and number % 100 == 51:
            down: str | tuple[str, str] | None = branch_from
        elif number and number % 100 == 52 and branch_from is not None:
            down = (ids[number - 2], ids[number - 1])  # the merge
            branch_from = None
        else:
            down = ids[number - 1] if number else None
        if number == revisions - 1 and head == "add":
            up = ['op.add_column("table_1", sa.Column("nickname", sa.String(), nullable=True))']
            back = ['op.drop_column("table_1", "nickname")']
        elif number == revisions - 1:
            up = ['op.drop_column("table_1", "payload")', 'op.create_index("ix_table_2_created", "table_2", '
                  '["created_at"])']
            back = ['op.drop_index("ix_table_2_created", table_name="table_2")',
                    'op.add_column("table_1", sa.Column("payload", postgresql.JSONB(), nullable=True))']
        elif number % 100 == 52:
            up, back = ["pass"], ["pass"]
        else:
            up, back = _steps(rng, number, tables)
        down_text = "None" if down is None else (down if isinstance(down, str) else ", ".join(down))
        down_repr = "None" if down is None else repr(down)
        text = HEADER.format(message=f"change {number}", revision=revision, down=down_text, down_repr=down_repr,
                             upgrade="\n".join(f"    {line}" for line in up),
                             downgrade="\n".join(f"    {line}" for line in back))
        (versions / f"{number:04d}_{revision}_change_{number}.py").write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--revisions", type=int, default=500)
    parser.add_argument("--tables", type=int, default=60)
    parser.add_argument("--head", choices=("drop", "add"), default="drop")
    args = parser.parse_args()
    generate(args.out, args.revisions, args.tables, args.head)


if __name__ == "__main__":
    main()
