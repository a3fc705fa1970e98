"""SQLAlchemy repositories for organisations, memberships and invitations.

Counts are GROUP BY and CASE aggregates over the indexes declared in
tables.py; member and invitation pages use keyset conditions on row values.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from elenchos.adapters.sqlalchemy import tables
from elenchos.adapters.sqlalchemy.repositories import execute_write
from elenchos.application.read_models import (
    InvitationQuery,
    MemberDetails,
    MemberOrder,
    MemberQuery,
    MyOrganisation,
)
from elenchos.domain.invitations import Invitation, InvitationState, InvitationStatus
from elenchos.domain.organisations import Membership, Organisation
from elenchos.domain.roles import Role

LIKE_ESCAPE = "\\"

_organisations = tables.organisations
_memberships = tables.memberships
_invitations = tables.invitations
_users = tables.users


def escape_like(text: str) -> str:
    """Escape LIKE wildcards so that user input matches only literally."""
    return (
        text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )


def _organisation_values(organisation: Organisation) -> dict[str, Any]:
    return {
        "id": organisation.id,
        "name": organisation.name,
        "slug": organisation.slug,
        "settings": organisation.settings,
        "created_at": organisation.created_at,
        "updated_at": organisation.updated_at,
    }


def _organisation_from_row(row: Any) -> Organisation:
    return Organisation(
        id=row.id,
        name=row.name,
        slug=row.slug,
        settings=dict(row.settings or {}),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlOrganisationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, organisation: Organisation) -> None:
        values = _organisation_values(organisation)
        await execute_write(self._session, sa.insert(_organisations).values(values))

    async def get(self, organisation_id: uuid.UUID) -> Organisation | None:
        result = await self._session.execute(
            sa.select(_organisations).where(_organisations.c.id == organisation_id)
        )
        row = result.first()
        return _organisation_from_row(row) if row is not None else None

    async def get_by_slug(self, slug: str) -> Organisation | None:
        result = await self._session.execute(
            sa.select(_organisations).where(_organisations.c.slug == slug)
        )
        row = result.first()
        return _organisation_from_row(row) if row is not None else None

    async def lock(self, organisation_id: uuid.UUID) -> None:
        # FOR NO KEY UPDATE on PostgreSQL: it serializes owner-count checks but
        # lets other transactions insert memberships that reference the row.
        # SQLite has no row locks and serializes every writer instead.
        await self._session.execute(
            sa.select(_organisations.c.id)
            .where(_organisations.c.id == organisation_id)
            .with_for_update(key_share=True)
        )

    async def update(self, organisation: Organisation) -> None:
        values = _organisation_values(organisation)
        del values["id"], values["created_at"]
        await execute_write(
            self._session,
            sa.update(_organisations).where(_organisations.c.id == organisation.id).values(values),
        )

    async def delete(self, organisation_id: uuid.UUID) -> None:
        # Memberships and invitations go with it through ON DELETE CASCADE.
        await self._session.execute(
            sa.delete(_organisations).where(_organisations.c.id == organisation_id)
        )


def _membership_values(membership: Membership) -> dict[str, Any]:
    return {
        "id": membership.id,
        "organisation_id": membership.organisation_id,
        "user_id": membership.user_id,
        "role": membership.role.value,
        "joined_at": membership.joined_at,
        "invited_by": membership.invited_by,
    }


def _membership_from_row(row: Any) -> Membership:
    return Membership(
        id=row.id,
        organisation_id=row.organisation_id,
        user_id=row.user_id,
        role=Role(row.role),
        joined_at=row.joined_at,
        invited_by=row.invited_by,
    )


def _display_name() -> sa.ColumnElement[str]:
    display_name: sa.ColumnElement[str] = _users.c.profile["display_name"].as_string()
    return display_name


class SqlMembershipRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, membership: Membership) -> None:
        values = _membership_values(membership)
        await execute_write(self._session, sa.insert(_memberships).values(values))

    async def get(self, organisation_id: uuid.UUID, user_id: uuid.UUID) -> Membership | None:
        result = await self._session.execute(
            sa.select(_memberships).where(
                _memberships.c.organisation_id == organisation_id,
                _memberships.c.user_id == user_id,
            )
        )
        row = result.first()
        return _membership_from_row(row) if row is not None else None

    async def update(self, membership: Membership) -> None:
        await self._session.execute(
            sa.update(_memberships)
            .where(_memberships.c.id == membership.id)
            .values(role=membership.role.value)
        )

    async def delete(self, membership: Membership) -> None:
        await self._session.execute(
            sa.delete(_memberships).where(_memberships.c.id == membership.id)
        )

    async def count_by_role(self, organisation_id: uuid.UUID) -> dict[Role, int]:
        result = await self._session.execute(
            sa.select(_memberships.c.role, sa.func.count())
            .where(_memberships.c.organisation_id == organisation_id)
            .group_by(_memberships.c.role)
        )
        return {Role(role): count for role, count in result.all()}

    async def count_joined_since(
        self, organisation_id: uuid.UUID, cutoffs: Sequence[datetime]
    ) -> list[int]:
        if not cutoffs:
            return []
        joined_at = _memberships.c.joined_at
        columns = [sa.func.count(sa.case((joined_at >= cutoff, 1))) for cutoff in cutoffs]
        result = await self._session.execute(
            sa.select(*columns).where(
                _memberships.c.organisation_id == organisation_id,
                joined_at >= min(cutoffs),
            )
        )
        return [int(count) for count in result.one()]

    async def list_members(self, query: MemberQuery) -> list[MemberDetails]:
        display_name = _display_name()
        statement = (
            sa.select(
                _memberships.c.user_id,
                _users.c.email,
                _users.c.email_normalized,
                display_name.label("display_name"),
                _memberships.c.role,
                _memberships.c.joined_at,
                _memberships.c.invited_by,
            )
            .join(_users, _users.c.id == _memberships.c.user_id)
            .where(_memberships.c.organisation_id == query.organisation_id)
        )
        if query.role is not None:
            statement = statement.where(_memberships.c.role == query.role.value)
        if query.search is not None:
            pattern = escape_like(query.search) + "%"
            # NOTE: SQLite's lower() folds ASCII letters only, so a display
            # name search there is case-sensitive beyond ASCII.
            statement = statement.where(
                sa.or_(
                    _users.c.email_normalized.like(pattern, escape=LIKE_ESCAPE),
                    sa.func.lower(display_name).like(pattern, escape=LIKE_ESCAPE),
                )
            )
        statement = _member_order(statement, query)
        result = await self._session.execute(statement.limit(query.limit))
        return [
            MemberDetails(
                user_id=row.user_id,
                email=row.email,
                email_normalized=row.email_normalized,
                display_name=row.display_name,
                role=Role(row.role),
                joined_at=row.joined_at,
                invited_by=row.invited_by,
            )
            for row in result.all()
        ]

    async def list_for_user(self, user_id: uuid.UUID) -> list[MyOrganisation]:
        result = await self._session.execute(
            sa.select(_organisations, _memberships.c.role, _memberships.c.joined_at)
            .join(_memberships, _memberships.c.organisation_id == _organisations.c.id)
            .where(_memberships.c.user_id == user_id)
            .order_by(_organisations.c.name, _organisations.c.id)
        )
        return [
            MyOrganisation(_organisation_from_row(row), Role(row.role), row.joined_at)
            for row in result.all()
        ]

    async def count_by_role_for_user(self, user_id: uuid.UUID) -> dict[Role, int]:
        result = await self._session.execute(
            sa.select(_memberships.c.role, sa.func.count())
            .where(_memberships.c.user_id == user_id)
            .group_by(_memberships.c.role)
        )
        return {Role(role): count for role, count in result.all()}


def _member_order(statement: sa.Select[Any], query: MemberQuery) -> sa.Select[Any]:
    position: tuple[Any, ...] | None
    if query.order is MemberOrder.EMAIL:
        key = (_users.c.email_normalized, _memberships.c.user_id)
        position = (
            None if query.after is None else (query.after.email_normalized, query.after.user_id)
        )
    else:
        key = (_memberships.c.joined_at, _memberships.c.user_id)
        position = None if query.after is None else (query.after.joined_at, query.after.user_id)
    if position is not None:
        statement = statement.where(sa.tuple_(*key) > sa.tuple_(*_typed(key, position)))
    return statement.order_by(*key)


def _typed(columns: Sequence[sa.ColumnElement[Any]], values: Sequence[Any]) -> list[Any]:
    """Bind each value with its column's type, so times and UUIDs convert as in a WHERE."""
    return [
        sa.bindparam(None, value, type_=column.type)
        for column, value in zip(columns, values, strict=True)
    ]


def _invitation_values(invitation: Invitation) -> dict[str, Any]:
    return {
        "id": invitation.id,
        "organisation_id": invitation.organisation_id,
        "email": invitation.email,
        "email_normalized": invitation.email_normalized,
        "role": invitation.role.value,
        "token_hash": invitation.token_hash,
        "status": invitation.status.value,
        "invited_by": invitation.invited_by,
        "created_at": invitation.created_at,
        "updated_at": invitation.updated_at,
        "expires_at": invitation.expires_at,
        "accepted_at": invitation.accepted_at,
        "accepted_by": invitation.accepted_by,
        "revoked_at": invitation.revoked_at,
    }


def _invitation_from_row(row: Any) -> Invitation:
    return Invitation(
        id=row.id,
        organisation_id=row.organisation_id,
        email=row.email,
        email_normalized=row.email_normalized,
        role=Role(row.role),
        token_hash=row.token_hash,
        status=InvitationStatus(row.status),
        invited_by=row.invited_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        expires_at=row.expires_at,
        accepted_at=row.accepted_at,
        accepted_by=row.accepted_by,
        revoked_at=row.revoked_at,
    )


def _in_state(state: InvitationState, now: datetime) -> sa.ColumnElement[bool]:
    status, expires_at = _invitations.c.status, _invitations.c.expires_at
    if state is InvitationState.PENDING:
        return sa.and_(status == InvitationStatus.PENDING.value, expires_at > now)
    if state is InvitationState.EXPIRED:
        return sa.and_(status == InvitationStatus.PENDING.value, expires_at <= now)
    return status == state.value


class SqlInvitationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, invitation: Invitation) -> None:
        values = _invitation_values(invitation)
        await execute_write(self._session, sa.insert(_invitations).values(values))

    async def get(self, organisation_id: uuid.UUID, invitation_id: uuid.UUID) -> Invitation | None:
        return await self._first(
            _invitations.c.id == invitation_id,
            _invitations.c.organisation_id == organisation_id,
        )

    async def get_by_token_hash(self, token_hash: str) -> Invitation | None:
        return await self._first(_invitations.c.token_hash == token_hash)

    async def get_pending(
        self, organisation_id: uuid.UUID, email_normalized: str
    ) -> Invitation | None:
        return await self._first(
            _invitations.c.organisation_id == organisation_id,
            _invitations.c.email_normalized == email_normalized,
            _invitations.c.status == InvitationStatus.PENDING.value,
        )

    async def update(self, invitation: Invitation) -> None:
        values = _invitation_values(invitation)
        del values["id"], values["created_at"]
        await execute_write(
            self._session,
            sa.update(_invitations).where(_invitations.c.id == invitation.id).values(values),
        )

    async def list_page(self, query: InvitationQuery) -> list[Invitation]:
        key = (_invitations.c.created_at, _invitations.c.id)
        statement = sa.select(_invitations).where(
            _invitations.c.organisation_id == query.organisation_id
        )
        if query.state is not None:
            statement = statement.where(_in_state(query.state, query.now))
        if query.after is not None:
            position = (query.after.created_at, query.after.invitation_id)
            statement = statement.where(sa.tuple_(*key) < sa.tuple_(*_typed(key, position)))
        statement = statement.order_by(*(column.desc() for column in key)).limit(query.limit)
        result = await self._session.execute(statement)
        return [_invitation_from_row(row) for row in result.all()]

    async def list_pending_for_email(
        self, email_normalized: str, now: datetime
    ) -> list[Invitation]:
        result = await self._session.execute(
            sa.select(_invitations)
            .where(
                _invitations.c.email_normalized == email_normalized,
                _in_state(InvitationState.PENDING, now),
            )
            .order_by(_invitations.c.created_at.desc(), _invitations.c.id.desc())
        )
        return [_invitation_from_row(row) for row in result.all()]

    async def count_pending_by_role(
        self, organisation_id: uuid.UUID, now: datetime
    ) -> dict[Role, int]:
        result = await self._session.execute(
            sa.select(_invitations.c.role, sa.func.count())
            .where(
                _invitations.c.organisation_id == organisation_id,
                _in_state(InvitationState.PENDING, now),
            )
            .group_by(_invitations.c.role)
        )
        return {Role(role): count for role, count in result.all()}

    async def _first(self, *conditions: sa.ColumnElement[bool]) -> Invitation | None:
        result = await self._session.execute(sa.select(_invitations).where(*conditions))
        row = result.first()
        return _invitation_from_row(row) if row is not None else None
