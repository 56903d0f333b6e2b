"""Generate a large, realistic FastAPI monorepo for benchmarking (deterministic).

    python bench/generate.py OUT_DIR [--scale 1]

At scale 1: 4,000 router modules (each with a prefix and three handlers, async
and sync, some calling blocking functions or sync sessions), 1,000 plain helper
modules, an app module that includes every router, 50 services each with a
Dockerfile and a requirements file, compose and Procfile start commands.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

ROUTER = '''import time
from typing import Annotated

import requests
from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from app.db import get_db
from app.helpers.h{helper} import compute_{helper}

router = APIRouter(prefix="/r{i}", tags=["r{i}"])
SessionDep = Annotated[Session, Depends(get_db)]


@router.get("/items/{{item_id}}")
async def get_item_{i}(item_id: int, db: SessionDep):
    {async_body}
    return {{"id": item_id, "value": compute_{helper}(item_id)}}


@router.post("/items")
def create_item_{i}(payload: dict, db: Session = Depends(get_db)):
    row = db.query(dict).first()
    db.commit()
    return {{"created": row}}


@router.get("/search")
async def search_{i}(q: str = ""):
    results = [x for x in range({n}) if str(x).startswith(q)]
    return {{"results": results[:10]}}
'''
ASYNC_BODIES = ["time.sleep(0.01)", "requests.get('https://example.com', timeout=1)",
                "db.query(dict).all()", "await search_{i}()", "pass"]
HELPER = '''"""Helper module {i}."""
import math


def compute_{i}(value: int) -> float:
    total = 0.0
    for k in range(1, 10):
        total += math.sqrt(value * k + {i})
    return round(total, 3)


class Cache{i}:
    def __init__(self):
        self.data = {{}}

    def get(self, key):
        return self.data.get(key)
'''
DOCKERFILES = [
    'FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n'
    'CMD uvicorn app.main:app --host 0.0.0.0 --reload\n',
    'FROM python:3.12-slim AS builder\nRUN pip wheel -w /w -r requirements.txt\nFROM python:3.12-slim\n'
    'ENV PYTHONUNBUFFERED=1\nCOPY --from=builder /w /w\nRUN pip install --no-cache-dir /w/*.whl\nUSER 10001\n'
    'HEALTHCHECK CMD python -c "print(1)"\n'
    'CMD ["gunicorn", "app.main:app", "-k", "uvicorn_worker.UvicornWorker", "--bind", "0.0.0.0:8000"]\n',
]


def generate(out: Path, scale: int) -> None:
    rng = random.Random(42)
    if out.exists():
        shutil.rmtree(out)
    routers, helpers = 4000 * scale, 1000 * scale
    app = out / "app"
    (app / "routers").mkdir(parents=True)
    (app / "helpers").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "routers" / "__init__.py").write_text("")
    (app / "helpers" / "__init__.py").write_text("")
    (app / "db.py").write_text(
        "import os\nfrom sqlalchemy import create_engine\nfrom sqlalchemy.orm import sessionmaker\n\n"
        "engine = create_engine(os.environ['DATABASE_URL'], pool_pre_ping=True)\nSessionLocal = sessionmaker(engine)\n\n\n"
        "def get_db():\n    db = SessionLocal()\n    try:\n        yield db\n    finally:\n        db.close()\n")
    for i in range(helpers):
        (app / "helpers" / f"h{i}.py").write_text(HELPER.format(i=i))
    imports, includes = [], []
    for i in range(routers):
        body = rng.choice(ASYNC_BODIES).format(i=i)
        (app / "routers" / f"r{i}.py").write_text(
            ROUTER.format(i=i, helper=rng.randrange(helpers), async_body=body, n=rng.randrange(10, 1000)))
        imports.append(f"from app.routers import r{i}")
        includes.append(f"app.include_router(r{i}.router, prefix='/api')")
    (app / "main.py").write_text("from fastapi import FastAPI\n" + "\n".join(imports) + "\n\napp = FastAPI()\n"
                                 + "\n".join(includes) + "\n\n\n@app.get('/healthz')\nasync def healthz():\n"
                                 "    return {'status': 'ok'}\n")
    for j in range(50):
        svc = out / "services" / f"svc{j}"
        svc.mkdir(parents=True)
        (svc / "Dockerfile").write_text(DOCKERFILES[j % 2])
        (svc / "requirements.txt").write_text("fastapi>=0.110\nuvicorn[standard]==0.34.0\ngunicorn\n"
                                              "uvicorn-worker==0.3.0\nsqlalchemy==2.0.36\nrequests\n")
    (out / "requirements.txt").write_text("fastapi==0.115.6\nuvicorn[standard]==0.34.0\nsqlalchemy==2.0.36\n"
                                          "requests==2.32.3\n")
    (out / "Procfile").write_text("web: gunicorn app.main:app -k uvicorn_worker.UvicornWorker --workers 4\n")
    (out / "docker-compose.yml").write_text("services:\n  api:\n    build: services/svc0\n"
                                            "    command: uvicorn app.main:app --host 0.0.0.0 --reload\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--scale", type=int, default=1)
    args = parser.parse_args()
    generate(args.out, args.scale)
    print(f"generated {args.out} at scale {args.scale}")
