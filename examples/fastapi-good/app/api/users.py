from typing import Annotated

import httpx
from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_session
from app.models import User

router = APIRouter(prefix="/users", tags=["users"])
SessionDep = Annotated[AsyncSession, Depends(get_session)]


@router.get("/{user_id}")
async def get_user(user_id: int, session: SessionDep):
    user = await session.scalar(select(User).where(User.id == user_id))
    async with httpx.AsyncClient(timeout=5) as client:
        avatar = await client.get(f"https://avatars.example.com/{user_id}")
    return {"id": user.id, "email": user.email, "avatar": avatar.json()}


@router.get("/")
def list_users_report():
    # A sync handler runs in FastAPI's thread pool: blocking here is fine.
    import time

    time.sleep(0.01)
    return []
