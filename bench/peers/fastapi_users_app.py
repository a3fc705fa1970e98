"""A minimal fastapi-users application, the peer that Elenchos is compared with.

It uses fastapi-users' SQLAlchemy adapter on PostgreSQL (asyncpg), its JWT
strategy with EdDSA like Elenchos, and argon2id through its password helper
with the parameters Elenchos uses: the ELENCHOS_ARGON2_* variables when set,
else argon2-cffi's defaults. Routes:

    POST /auth/register   create an account (JSON email and password)
    POST /auth/jwt/login  sign in with the OAuth2 password form
    GET  /users/me        the signed-in user
    GET  /healthz         liveness, for the runner

Settings come from the environment:

    PEER_DATABASE_URL          postgresql+asyncpg://... (required)
    PEER_JWT_PRIVATE_KEY_FILE  PEM file of an Ed25519 private key (required)
    PEER_ACCESS_TOKEN_TTL_SECONDS  token lifetime, default 900

The runner creates the table with create_tables() before it starts the server,
and serves create_app with the same uvicorn settings as Elenchos.
"""

# No "from __future__ import annotations": FastAPI reads the annotations of
# the dependencies defined inside create_app(), which must be evaluated there.
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Self

import argon2
from cryptography.hazmat.primitives import serialization
from fastapi import Depends, FastAPI
from fastapi_users import BaseUserManager, FastAPIUsers, UUIDIDMixin, schemas
from fastapi_users.authentication import AuthenticationBackend, BearerTransport, JWTStrategy
from fastapi_users.password import PasswordHelper
from fastapi_users_db_sqlalchemy import SQLAlchemyBaseUserTableUUID, SQLAlchemyUserDatabase
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 900


class Base(DeclarativeBase):
    pass


class User(SQLAlchemyBaseUserTableUUID, Base):
    pass


class UserRead(schemas.BaseUser[uuid.UUID]):
    pass


class UserCreate(schemas.BaseUserCreate):
    pass


class UserUpdate(schemas.BaseUserUpdate):
    pass


@dataclass(frozen=True)
class PeerSettings:
    database_url: str
    private_key_pem: bytes
    public_key_pem: bytes
    access_token_ttl_seconds: int

    @classmethod
    def from_environment(cls) -> Self:
        try:
            database_url = os.environ["PEER_DATABASE_URL"]
            key_file = Path(os.environ["PEER_JWT_PRIVATE_KEY_FILE"])
        except KeyError as missing:
            raise RuntimeError(f"the peer application needs {missing.args[0]} to be set") from None
        private_key_pem = key_file.read_bytes()
        private_key = serialization.load_pem_private_key(private_key_pem, password=None)
        public_key_pem = private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        ttl = int(os.environ.get("PEER_ACCESS_TOKEN_TTL_SECONDS", DEFAULT_ACCESS_TOKEN_TTL_SECONDS))
        return cls(database_url, private_key_pem, public_key_pem, ttl)


def build_password_helper() -> PasswordHelper:
    """Return argon2id with the parameters Elenchos reads from ELENCHOS_ARGON2_*."""
    defaults = argon2.PasswordHasher()
    hasher = Argon2Hasher(
        time_cost=_int_from_environment("ELENCHOS_ARGON2_TIME_COST", defaults.time_cost),
        memory_cost=_int_from_environment("ELENCHOS_ARGON2_MEMORY_COST_KIB", defaults.memory_cost),
        parallelism=_int_from_environment("ELENCHOS_ARGON2_PARALLELISM", defaults.parallelism),
    )
    return PasswordHelper(PasswordHash((hasher,)))


async def create_tables(database_url: str) -> None:
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
    finally:
        await engine.dispose()


def create_app() -> FastAPI:
    settings = PeerSettings.from_environment()
    engine: AsyncEngine = create_async_engine(settings.database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    password_helper = build_password_helper()

    class UserManager(UUIDIDMixin, BaseUserManager[User, uuid.UUID]):
        reset_password_token_secret = settings.private_key_pem.decode()
        verification_token_secret = settings.private_key_pem.decode()

    async def get_session() -> AsyncIterator[AsyncSession]:
        async with sessions() as session:
            yield session

    async def get_user_db(
        session: Annotated[AsyncSession, Depends(get_session)],
    ) -> AsyncIterator[SQLAlchemyUserDatabase[User, uuid.UUID]]:
        yield SQLAlchemyUserDatabase(session, User)

    async def get_user_manager(
        user_db: Annotated[SQLAlchemyUserDatabase[User, uuid.UUID], Depends(get_user_db)],
    ) -> AsyncIterator[UserManager]:
        yield UserManager(user_db, password_helper)

    def get_jwt_strategy() -> JWTStrategy[User, uuid.UUID]:
        return JWTStrategy(
            secret=settings.private_key_pem.decode(),
            public_key=settings.public_key_pem.decode(),
            algorithm="EdDSA",
            lifetime_seconds=settings.access_token_ttl_seconds,
        )

    backend = AuthenticationBackend(
        name="jwt",
        transport=BearerTransport(tokenUrl="auth/jwt/login"),
        get_strategy=get_jwt_strategy,
    )
    users = FastAPIUsers[User, uuid.UUID](get_user_manager, [backend])

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    app = FastAPI(title="fastapi-users peer", lifespan=lifespan)
    app.include_router(users.get_auth_router(backend), prefix="/auth/jwt", tags=["auth"])
    app.include_router(users.get_register_router(UserRead, UserCreate), prefix="/auth")
    app.include_router(users.get_users_router(UserRead, UserUpdate), prefix="/users")

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok"}

    return app


def _int_from_environment(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default
