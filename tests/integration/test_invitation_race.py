"""Concurrent accepts of one invitation on PostgreSQL: exactly one membership results."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from elenchos.adapters.memory import FastPasswordHasher, FixedClock
from elenchos.adapters.sqlalchemy import tables
from elenchos.adapters.sqlalchemy.engine import create_engine, create_session_factory
from elenchos.adapters.sqlalchemy.unit_of_work import SqlUnitOfWorkFactory
from elenchos.application.invitation_acceptance import AcceptInvitation, SignUpWithInvitation
from elenchos.application.invitations import InvitationMail, InviteMember
from elenchos.application.organisations import CreateOrganisation
from elenchos.application.read_models import MemberQuery
from elenchos.domain.errors import AlreadyMember, InvitationAlreadyUsed
from elenchos.domain.roles import Role
from elenchos.domain.users import User
from tests.conftest import empty_tables

pytestmark = pytest.mark.postgres

ROUNDS = 5


@pytest.fixture
async def factories(postgres_url: str) -> AsyncIterator[list[SqlUnitOfWorkFactory]]:
    """Two unit-of-work factories on separate engines, as two replicas would have."""
    await empty_tables(postgres_url)
    engines = [create_engine(postgres_url), create_engine(postgres_url)]
    yield [SqlUnitOfWorkFactory(create_session_factory(engine)) for engine in engines]
    for engine in engines:
        await engine.dispose()


async def test_two_accepts_make_one_membership(factories: list[SqlUnitOfWorkFactory]) -> None:
    first, second = factories
    clock = FixedClock()
    owner = User.register("owner@example.com", "hash", clock.now(), verified=True)
    async with first() as uow:
        await uow.users.add(owner)
        await uow.commit()
    organisation = await CreateOrganisation(first, clock)(owner.id, "Race")
    invite = InviteMember(first, clock, InvitationMail(), timedelta(days=7))

    for round_number in range(ROUNDS):
        invitee = User.register(f"guest{round_number}@example.com", "h", clock.now(), verified=True)
        async with first() as uow:
            await uow.users.add(invitee)
            await uow.commit()
        await invite(owner.id, organisation.organisation.id, invitee.email, Role.MEMBER)
        token = await _token_for(first, invitee.email)

        results = await asyncio.gather(
            AcceptInvitation(first, clock)(invitee.id, token),
            AcceptInvitation(second, clock)(invitee.id, token),
            return_exceptions=True,
        )

        successes = [r for r in results if not isinstance(r, BaseException)]
        failures = [r for r in results if isinstance(r, BaseException)]
        assert len(successes) == 1, results
        # The loser reads either the accepted invitation or the winner's
        # membership, or, when both passed those reads, hits the unique key.
        assert len(failures) == 1, results
        assert isinstance(failures[0], InvitationAlreadyUsed | AlreadyMember), results

    async with first() as uow:
        members = await uow.memberships.list_members(
            MemberQuery(organisation.organisation.id, limit=100)
        )
        counts = await uow.memberships.count_by_role(organisation.organisation.id)
    assert len(members) == ROUNDS + 1
    assert counts == {Role.OWNER: 1, Role.MEMBER: ROUNDS}


async def test_two_sign_ups_with_one_invitation(factories: list[SqlUnitOfWorkFactory]) -> None:
    first, second = factories
    clock = FixedClock()
    hasher = FastPasswordHasher()
    owner = User.register("owner@example.com", "hash", clock.now(), verified=True)
    async with first() as uow:
        await uow.users.add(owner)
        await uow.commit()
    organisation = await CreateOrganisation(first, clock)(owner.id, "Race")
    invite = InviteMember(first, clock, InvitationMail(), timedelta(days=7))
    await invite(owner.id, organisation.organisation.id, "new@example.com", Role.ADMIN)
    token = await _token_for(first, "new@example.com")

    results = await asyncio.gather(
        SignUpWithInvitation(first, hasher, clock)("new@example.com", "a long password", token),
        SignUpWithInvitation(second, hasher, clock)("new@example.com", "a long password", token),
        return_exceptions=True,
    )

    # The loser either finds the address taken (False, the neutral result) or
    # reads the invitation after the winner committed.
    assert results.count(True) == 1, results
    loser = next(result for result in results if result is not True)
    assert loser is False or isinstance(loser, InvitationAlreadyUsed), results
    async with first() as uow:
        counts = await uow.memberships.count_by_role(organisation.organisation.id)
    assert counts == {Role.OWNER: 1, Role.ADMIN: 1}


async def _token_for(factory: SqlUnitOfWorkFactory, email: str) -> str:
    async with factory() as uow:
        result = await uow.session.execute(
            sa.select(tables.outbox.c.context)
            .where(tables.outbox.c.recipient == email)
            .order_by(tables.outbox.c.created_at.desc())
        )
        row = result.first()
    assert row is not None, f"no mail queued for {email}"
    token: str = row.context["token"]
    return token
