import time

import requests
from fastapi import Depends, FastAPI
from sqlalchemy.orm import Session

from app.database import Base, engine, get_db
from app.models import User

Base.metadata.create_all(bind=engine)

app = FastAPI(title="Users")


@app.get("/users/{user_id}")
async def get_user(user_id: int, db: Session = Depends(get_db)):
    user = db.query(User).filter(User.id == user_id).first()
    avatar = requests.get(f"https://avatars.example.com/{user_id}", timeout=5)
    return {"id": user.id, "email": user.email, "avatar": avatar.json()}


@app.post("/users")
async def create_user(email: str, db: Session = Depends(get_db)):
    time.sleep(0.5)  # "rate limit"
    user = User(email=email)
    db.add(user)
    db.commit()
    return {"id": user.id}
