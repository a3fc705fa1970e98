"""Concurrent refreshes of one token on PostgreSQL: one rotation, one successor, two responses."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from elenchos.adapters.jwt.keys import KeyRing
from elenchos.adapters.sqlalchemy import tables
from elenchos.adapters.sqlalchemy.engine import create_engine
from elenchos.application.sessions import SessionTokens
from elenchos.bootstrap import Container, build
from elenchos.domain.users import User
from tests.conftest import cheap_hasher, empty_tables, make_settings

pytestmark = pytest.mark.postgres

ROUNDS = 5
PASSWORD = "correct horse battery staple"


@pytest.fixture
async def replicas(
    postgres_url: str, tmp_path: Path, signing_keys: KeyRing
) -> AsyncIterator[list[Container]]:
    """Two containers with their own engines on one database, as two replicas would have."""
    await empty_tables(postgres_url)
    settings = make_settings(tmp_path / "data", postgres_url)
    built = [await build(settings, hasher=cheap_hasher(), keys=signing_keys) for _ in range(2)]
    yield built
    for container in built:
        await container.close()


async def live_tokens(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            count = await connection.scalar(
                sa.select(sa.func.count())
                .select_from(tables.refresh_tokens)
                .where(tables.refresh_tokens.c.retired_at.is_(None))
            )
    finally:
        await engine.dispose()
    return int(count or 0)


async def test_two_refreshes_of_one_token_share_one_successor(
    replicas: list[Container], postgres_url: str
) -> None:
    first, second = replicas
    password_hash = await first.hasher.hash(PASSWORD)
    user = User.register("ada@example.com", password_hash, first.clock.now(), verified=True)
    async with first.uow() as uow:
        await uow.users.add(user)
        await uow.commit()
    signed_in = await first.use_cases.sign_in(user.email, PASSWORD)
    token = signed_in.refresh_token

    for _ in range(ROUNDS):
        results = await asyncio.gather(
            first.use_cases.sessions.refresh(token),
            second.use_cases.sessions.refresh(token),
            return_exceptions=True,
        )

        answers = [result for result in results if isinstance(result, SessionTokens)]
        assert len(answers) == 2, results
        assert answers[0].refresh_token == answers[1].refresh_token
        assert await live_tokens(postgres_url) == 1
        token = answers[0].refresh_token

    await first.use_cases.sessions.check(user.id, signed_in.session_id)
