"""RC402 cpu-bound-work-in-async-route: an ``async def`` route or dependency burns CPU on the event loop.

What it does
    For the same code on the event loop as RC401 (async routes, websocket
    handlers, async dependencies at every level, middleware, lifespan and
    startup hooks, async background tasks), flags work that holds the CPU for
    a noticeable time, written there or reached through the repo's functions
    and methods (the path is in the message): password hashing and checking
    (bcrypt ``hashpw``/``checkpw``, passlib ``CryptContext.hash``/``verify``
    and ``passlib.hash.*``, argon2 ``PasswordHasher.hash``/``verify``,
    pwdlib, ``hashlib.pbkdf2_hmac``/``scrypt``, cryptography's ``PBKDF2HMAC`` and
    ``Scrypt`` ``derive``/``verify``), PDF parsing and rendering
    (pypdf, PyPDF2, PyMuPDF, pdfplumber, pdfminer, pdf2image), Word and Excel
    parsing, fpdf2's ``write_html``, LangChain's ``BM25Retriever.from_texts``
    (it builds the whole index in the call), and Pillow image processing
    (``resize``, ``thumbnail``, ``save``..., also on an image a helper
    returns from ``img.crop(...)``). The names live in the shared table ``readycheck.knowledge.blocking``.
    Work handed to ``run_in_threadpool``/``asyncio.to_thread``/
    ``run_in_executor`` is not flagged, nor is a sync ``def`` route (FastAPI
    runs it in the thread pool). Each CPU-bound call is reported once, with
    the path from the first code on the loop that reaches it (every such call
    a helper makes, not only its first); a call that only fills a cache
    (``if self._key is None: self._key = hashpw(...)``) runs once per
    process or key and is info.

Why is this bad
    A coroutine only gives the loop back at an ``await``. bcrypt at its usual
    cost takes about 100 ms: a login route that verifies a password on the
    loop stalls every other request of that worker for as long, and a burst
    of logins queues them all behind each other.

Example
    @router.post("/login")
    async def login(form: LoginForm, db: AsyncSession = Depends(get_db)):
        user = await users.get(db, form.email)
        if not pwd_context.verify(form.password, user.hashed_password):
            raise HTTPException(401)

Use instead
    @router.post("/login")
    async def login(form: LoginForm, db: AsyncSession = Depends(get_db)):
        user = await users.get(db, form.email)
        if not await run_in_threadpool(pwd_context.verify, form.password, user.hashed_password):
            raise HTTPException(401)
    # or make the route a plain `def` when everything it calls is sync
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from readycheck.api import Check, Example, Rule, Severity, cpu_bound_function, cpu_bound_method, hit_places

if TYPE_CHECKING:
    from readycheck.api import Edge, Project


class CpuBoundRule(Rule):
    key = "cpu-bound"
    skip_run_once = True
    every_site = True

    def hit(self, edge: "Edge") -> str | None:
        call = edge.call
        if call.awaited:
            return None
        receiver = edge.receiver_type
        return cpu_bound_function(call.callee) or (cpu_bound_method(receiver, call.method)
                                                   if isinstance(receiver, str) else None)


class CpuBoundWorkInAsyncRoute(Check):
    id = "RC402"
    name = "cpu-bound-work-in-async-route"
    severity = Severity.WARNING
    summary = "An async route or dependency does CPU-bound work (password hashing, PDF or image parsing) on the loop"
    fix = ("Hand the work to a thread (`await run_in_threadpool(pwd_context.verify, ...)`, "
           "`await asyncio.to_thread(...)`) or a process pool, or make the route a plain `def`.")
    tags = ("event-loop", "performance", "python")
    references = ("https://fastapi.tiangolo.com/async/#path-operation-functions",)
    examples = (
        Example({"app/main.py": """
            from cryptography.hazmat.primitives import hashes
            from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
            from fastapi import FastAPI

            app = FastAPI()

            def derive(secret: bytes, salt: bytes) -> bytes:
                kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=100000)
                return kdf.derive(secret)

            @app.post("/decrypt")
            async def decrypt(secret: str):
                return derive(secret.encode(), b"salt").hex()
            """}, expect=["app/main.py:13:12 async route `decrypt` (POST /decrypt) runs `decrypt -> derive -> "
                          "kdf.derive()` on the event loop, which derives a key with PBKDF2 (CPU-bound by design)"],
            title="cryptography's PBKDF2HMAC.derive (Skyvern derives its AES key so on every decrypt)"),
        Example({"app/security.py": """
            import bcrypt
            from passlib.context import CryptContext

            pwd_context = CryptContext(schemes=["bcrypt"])

            def verify_password(plain, hashed):
                return pwd_context.verify(plain, hashed)

            def hash_password(plain):
                return bcrypt.hashpw(plain.encode(), bcrypt.gensalt())
            """, "app/auth.py": """
            import hashlib
            from argon2 import PasswordHasher
            from fastapi import APIRouter, Depends, UploadFile
            from pypdf import PdfReader
            from PIL import Image
            from app.security import hash_password, verify_password

            router = APIRouter()
            hasher = PasswordHasher()

            async def current_user(token: str):
                return hashlib.pbkdf2_hmac("sha256", token.encode(), b"salt", 600_000)

            @router.post("/login")
            async def login(email: str, password: str):
                return verify_password(password, "hash")

            @router.post("/signup")
            def signup(password: str, user=Depends(current_user)):
                return hash_password(password)

            @router.post("/argon")
            async def argon(password: str):
                return hasher.hash(password)

            @router.post("/pdf")
            async def pdf(upload: UploadFile):
                reader = PdfReader(upload.file)
                image = Image.open(upload.file)
                image.thumbnail((128, 128))
                return len(reader.pages)
            """}, expect=['app/auth.py:12:12 async dependency `current_user` (runs for 1 route) calls `hashlib.pbkdf2_hmac()`, which derives a key with PBKDF2 (CPU-bound by design), on the event loop', "app/auth.py:16", "app/auth.py:24", "app/auth.py:28",
                          "app/auth.py:30"],
            title="password hashing through a helper, an async dependency of a sync route, argon2, PDF, Pillow"),
        Example({"app/security.py": """
            from passlib.context import CryptContext

            pwd_context = CryptContext(schemes=["bcrypt"])
            """, "app/auth.py": """
            import asyncio
            from fastapi import APIRouter
            from fastapi.concurrency import run_in_threadpool
            from app.security import pwd_context

            router = APIRouter()

            class Hasher:
                def verify(self, a, b):
                    return a == b

            hasher = Hasher()

            @router.post("/login")
            async def login(password: str):
                ok = await run_in_threadpool(pwd_context.verify, password, "hash")
                same = hasher.verify(password, "x")
                return ok and await asyncio.to_thread(pwd_context.hash, password)

            @router.post("/sync-login")
            def sync_login(password: str):
                return pwd_context.verify(password, "hash")
            """}, title="offloaded hashing, a sync route, a repo class's own verify"),
        Example({"app/media.py": """
            import bcrypt
            from PIL import Image

            class Thumbs:
                def __init__(self):
                    self._salted = None

                def salt(self):
                    if self._salted is None:
                        self._salted = bcrypt.hashpw(b"pepper", bcrypt.gensalt())
                    return self._salted

                def make(self, path):
                    image = Image.open(path)
                    image.thumbnail((128, 128))
                    image.save(path + ".webp")

            thumbs = Thumbs()
            """, "app/main.py": """
            from fastapi import FastAPI
            from app.media import thumbs

            app = FastAPI()

            @app.post("/avatar")
            async def avatar(path: str):
                thumbs.make(path)
                return thumbs.salt()

            @app.post("/cover")
            async def cover(path: str):
                return thumbs.make(path)
            """}, expect=["app/main.py:8:5 async route `avatar` (POST /avatar) runs `avatar -> Thumbs.make -> "
                          "image.thumbnail()` on the event loop, which processes an image",
                          "app/main.py:8:5 async route `avatar` (POST /avatar) runs `avatar -> Thumbs.make -> "
                          "image.save()` on the event loop, which processes an image",
                          "app/main.py:9:12:info async route `avatar` (POST /avatar) runs `avatar -> Thumbs.salt -> "
                          "bcrypt.hashpw()` on the event loop, which hashes a password with bcrypt (~100 ms of CPU); "
                          "once per process or cache key (it fills a cache), not on every request"],
            title="every CPU-bound call a helper makes, each once however many routes reach it; a hash that fills "
                  "a cache is info"),
        Example({"app/main.py": """
            from fastapi import FastAPI
            from fpdf import FPDF
            from langchain_community.retrievers import BM25Retriever

            app = FastAPI()

            @app.post("/search")
            async def search(texts: list[str], query: str):
                return BM25Retriever.from_texts(texts).invoke(query)

            @app.post("/pdf")
            async def pdf(html: str):
                doc = FPDF()
                doc.add_page()
                doc.write_html(html)
                return bytes(doc.output())

            @app.post("/sync-pdf")
            def sync_pdf(html: str):
                doc = FPDF()
                doc.write_html(html)
                return bytes(doc.output())
            """}, expect=["app/main.py:9:12", "app/main.py:15:5"],
            title="a BM25 index built per request, an fpdf2 HTML render; not in a sync def route"),
        Example({"app/images.py": """
            from PIL import Image

            class Minifier:
                @staticmethod
                def crop_center(img: Image, size: int = 300):
                    return img.crop((0, 0, size, size))

                @staticmethod
                def bands(img: Image):
                    return img.getbands()

                def tiny(self, path: str, dest: str) -> None:
                    tiny = Minifier.crop_center(Image.open(path))
                    tiny.save(dest, "WEBP", quality=70)

                def names(self, path: str) -> list:
                    names = Minifier.bands(Image.open(path))
                    return names.count("R")
            """, "app/main.py": """
            from fastapi import FastAPI
            from app.images import Minifier

            app = FastAPI()

            @app.post("/images")
            async def images(path: str):
                Minifier().tiny(path, "tiny.webp")
                return Minifier().names(path)

            @app.post("/sync-images")
            def sync_images(path: str):
                Minifier().tiny(path, "tiny.webp")
            """}, expect=["app/main.py:8:5 async route `images` (POST /images) runs `images -> Minifier.tiny -> "
                          "tiny.save()` on the event loop, which processes an image"],
            title="an image a helper returns from a method of Pillow's Image (`img.crop(...)`, the `Image` module "
                  "named as the type); not what another method returns, nor in a sync def route"),
    )

    def run(self, project: Project):
        rule = CpuBoundRule()
        model = project.reachability
        seen: set[tuple[str, str]] = set()
        sites: dict = {}  # each CPU-bound call once, with the path from the first code on the loop reaching it
        for entry in project.code_on_the_loop:
            key = (entry.module.path, entry.function.qualname)
            if key in seen:
                continue
            seen.add(key)
            for hit in model.hits(entry.function, entry.module, rule):
                if hit.site not in sites:
                    sites[hit.site] = (entry, hit)
        places = hit_places(sites.values())  # the same path to two sites: each says where it is
        for entry, hit in sites.values():
            first = hit.steps[0]
            what, served = entry.describe()
            if len(hit.steps) == 1:
                message = f"{what} calls `{first.label}()`, which {hit.reason}, on the event loop"
            else:
                where = f" ({places[hit.site]})" if hit.site in places else ""
                message = f"{what} runs `{hit.chain(entry.function.name)}`{where} on the event loop, which {hit.reason}"
            severity = None
            if hit.fills_cache:
                severity = Severity.INFO
                message += "; once per process or cache key (it fills a cache), not on every request"
            yield self.finding(first.module.path, first.call.span, message, related=hit.related() + served,
                               severity=severity)
