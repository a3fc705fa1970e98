"""Helpers for organisation tests: a world of fakes for unit tests, HTTP shortcuts for e2e tests."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import sqlalchemy as sa

from elenchos.adapters.jwt.issuer import JwtTokenIssuer
from elenchos.adapters.jwt.keys import KeyRing, SigningKey, generate_private_key, thumbprint
from elenchos.adapters.memory import FastPasswordHasher, FixedClock, InMemoryUnitOfWorkFactory
from elenchos.adapters.sqlalchemy import tables
from elenchos.application.organisation_use_cases import build_organisation_use_cases
from elenchos.bootstrap import Container
from elenchos.domain.organisations import Membership
from elenchos.domain.outbox import OutboxMessage
from elenchos.domain.roles import Role
from elenchos.domain.users import User, normalize_email
from tests.support.accounts import bearer

INVITATION_TTL = timedelta(days=7)


class OrganisationWorld:
    """The organisation use cases wired to in-memory fakes, with shortcuts to arrange data."""

    def __init__(self) -> None:
        self.uow = InMemoryUnitOfWorkFactory()
        self.clock = FixedClock()
        self.hasher = FastPasswordHasher()
        private_key = generate_private_key("EdDSA")
        keys = KeyRing([SigningKey(thumbprint(private_key.public_key()), "EdDSA", private_key)])
        self.tokens = JwtTokenIssuer(
            keys, "https://issuer", "elenchos", timedelta(minutes=15), self.clock
        )
        self.use = build_organisation_use_cases(
            self.uow, self.hasher, self.clock, self.tokens, INVITATION_TTL
        )

    async def user(
        self, email: str, display_name: str | None = None, verified: bool = True
    ) -> User:
        profile = {"display_name": display_name} if display_name else None
        user = User.register(email, "fast-v1$x", self.clock.now(), profile, verified=verified)
        async with self.uow() as uow:
            await uow.users.add(user)
            await uow.commit()
        return user

    async def organisation(self, owner: User, name: str = "Acme") -> uuid.UUID:
        created = await self.use.create_organisation(owner.id, name)
        return created.organisation.id

    async def join(self, organisation_id: uuid.UUID, user: User, role: Role) -> None:
        """Add a membership directly, skipping the invitation round trip."""
        membership = Membership.start(organisation_id, user.id, role, self.clock.now())
        async with self.uow() as uow:
            await uow.memberships.add(membership)
            await uow.commit()

    async def role_of(self, organisation_id: uuid.UUID, user: User) -> Role | None:
        async with self.uow() as uow:
            membership = await uow.memberships.get(organisation_id, user.id)
        return membership.role if membership else None

    def mails(self, template: str = "invitation") -> list[OutboxMessage]:
        messages = self.uow().outbox.all()  # type: ignore[attr-defined]
        found = [m for m in messages if m.template == template]
        found.sort(key=lambda message: message.created_at)
        return found

    def last_token(self, email: str) -> str:
        """Return the invitation token of the newest invitation mail to the address."""
        mails = [m for m in self.mails() if normalize_email(m.recipient) == normalize_email(email)]
        assert mails, f"no invitation mail to {email}"
        token: str = mails[-1].context["token"]
        return token


async def queued_mails(container: Container, template: str, recipient: str) -> list[dict[str, Any]]:
    """Return the contexts of a template's outbox messages to an address, oldest first.

    Addresses compare in normalized form, as the API stores them as entered.
    """
    assert container.engine is not None
    outbox = tables.outbox
    async with container.engine.connect() as connection:
        result = await connection.execute(
            sa.select(outbox.c.recipient, outbox.c.context)
            .where(outbox.c.template == template)
            .order_by(outbox.c.created_at)
        )
        wanted = normalize_email(recipient)
        rows = result.all()
    return [dict(row.context) for row in rows if normalize_email(row.recipient) == wanted]


async def invitation_token(container: Container, recipient: str) -> str:
    """Return the token of the newest invitation mail queued for the recipient."""
    contexts = await queued_mails(container, "invitation", recipient)
    assert contexts, f"no invitation mail queued for {recipient}"
    token: str = contexts[-1]["token"]
    return token


async def create_organisation(
    client: httpx.AsyncClient, token: str, name: str = "Acme", **extra: object
) -> dict[str, Any]:
    response = await client.post(
        "/v1/organisations", json={"name": name, **extra}, headers=bearer(token)
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def invite(
    client: httpx.AsyncClient, token: str, organisation_id: str, email: str, role: str = "member"
) -> dict[str, Any]:
    response = await client.post(
        f"/v1/organisations/{organisation_id}/invitations",
        json={"email": email, "role": role},
        headers=bearer(token),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def join_directly(
    container: Container, organisation_id: str, email: str, role: str = "member"
) -> str:
    """Make an existing account a member without an invitation; return its user id."""
    async with container.uow() as uow:
        user = await uow.users.get_by_email(normalize_email(email))
        assert user is not None, f"no account for {email}"
        membership = Membership.start(
            uuid.UUID(organisation_id), user.id, Role(role), container.clock.now()
        )
        await uow.memberships.add(membership)
        await uow.commit()
    return str(user.id)
