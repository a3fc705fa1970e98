"""The composition root: the one place where adapters are wired into use cases.

The HTTP app, the CLI and tests all call build(). Tests and applications
embedding Elenchos pass their own adapters (for example those of
elenchos.adapters.memory) in place of the defaults.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from elenchos.adapters.argon2 import Argon2PasswordHasher
from elenchos.adapters.jwt import JwtTokenIssuer, KeyRing
from elenchos.adapters.sqlalchemy.engine import create_engine, create_session_factory
from elenchos.adapters.sqlalchemy.unit_of_work import SqlUnitOfWorkFactory
from elenchos.adapters.system.clock import SystemClock
from elenchos.application.accounts import GetCurrentUser, SignIn, SignUp, UpdateProfile
from elenchos.application.ports import Clock, PasswordHasher, UnitOfWorkFactory
from elenchos.config import Settings

logger = logging.getLogger(__name__)


@dataclass
class UseCases:
    sign_up: SignUp
    sign_in: SignIn
    get_current_user: GetCurrentUser
    update_profile: UpdateProfile


@dataclass
class Container:
    """Everything the entry points need, built once per process or per test."""

    settings: Settings
    uow: UnitOfWorkFactory
    hasher: PasswordHasher
    clock: Clock
    keys: KeyRing
    tokens: JwtTokenIssuer
    use_cases: UseCases
    engine: AsyncEngine | None = None

    async def close(self) -> None:
        if self.engine is not None:
            await self.engine.dispose()
            logger.info("database engine disposed")


def load_keys(settings: Settings) -> KeyRing:
    if settings.jwt_private_key_file is not None:
        return KeyRing.from_file(settings.jwt_private_key_file)
    return KeyRing.from_directory(settings.data_dir / "keys", settings.jwt_algorithm)


def build_hasher(settings: Settings) -> Argon2PasswordHasher:
    return Argon2PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_cost_kib,
        parallelism=settings.argon2_parallelism,
        max_concurrency=settings.hashing_concurrency or os.cpu_count() or 1,
    )


async def build(
    settings: Settings,
    *,
    uow: UnitOfWorkFactory | None = None,
    hasher: PasswordHasher | None = None,
    clock: Clock | None = None,
    keys: KeyRing | None = None,
) -> Container:
    """Wire the service; every adapter not given is built from the settings."""
    settings.check_production_ready()
    engine = None
    if uow is None:
        engine = create_engine(settings.resolved_database_url)
        uow = SqlUnitOfWorkFactory(create_session_factory(engine))
    hasher = hasher or build_hasher(settings)
    clock = clock or SystemClock()
    keys = keys or load_keys(settings)
    tokens = JwtTokenIssuer(
        keys,
        issuer=settings.resolved_issuer,
        audience=settings.jwt_audience,
        access_token_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
        clock=clock,
    )
    # A hash of a random password, verified when the email is unknown so that
    # sign-in takes the same time whether or not the account exists.
    dummy_password_hash = await hasher.hash(os.urandom(16).hex())
    use_cases = UseCases(
        sign_up=SignUp(uow, hasher, clock),
        sign_in=SignIn(
            uow,
            hasher,
            tokens,
            clock,
            dummy_password_hash=dummy_password_hash,
            require_verified_email=settings.require_verified_email,
        ),
        get_current_user=GetCurrentUser(uow),
        update_profile=UpdateProfile(uow, clock),
    )
    return Container(
        settings=settings,
        uow=uow,
        hasher=hasher,
        clock=clock,
        keys=keys,
        tokens=tokens,
        use_cases=use_cases,
        engine=engine,
    )
