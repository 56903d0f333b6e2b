from fastapi import FastAPI
from sqlalchemy import text

from app.api import users
from app.db import SessionLocal

app = FastAPI(title="Users")
app.include_router(users.router, prefix="/api/v1")


@app.get("/healthz")
async def healthz():
    """Liveness: no I/O, so a database blip never restarts the pod."""
    return {"status": "ok"}


@app.get("/readyz")
async def readyz():
    """Readiness: stop routing traffic here while the database is unreachable."""
    async with SessionLocal() as session:
        await session.execute(text("SELECT 1"))
    return {"status": "ready"}
