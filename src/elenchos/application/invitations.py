"""Invitation use cases for admins and owners: invite, list, resend and revoke."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from elenchos.application.access import authorize
from elenchos.application.account_mail import format_time
from elenchos.application.accounts import ClientInfo
from elenchos.application.audit import record_event
from elenchos.application.mail import MailTemplate, queue_mail
from elenchos.application.pagination import (
    check_limit,
    decode_invitation_cursor,
    encode_invitation_cursor,
)
from elenchos.application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from elenchos.application.rate_limits import RateLimiter
from elenchos.application.read_models import InvitationPosition, InvitationQuery
from elenchos.domain.audit import SecurityEventType
from elenchos.domain.errors import AlreadyMember, DomainError, InvitationNotFound, RateLimited
from elenchos.domain.invitations import Invitation, InvitationState, new_invitation_token
from elenchos.domain.organisations import Membership
from elenchos.domain.roles import Permission, Role, require_can_grant, require_can_manage
from elenchos.domain.users import normalize_email

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class InvitationPage:
    items: list[Invitation]
    next_cursor: str | None


class InvitationMail:
    """Queue the invitation mail in the caller's transaction.

    The context carries the raw token; the template builds the accept link
    from it with LinkBuilder.accept_invitation when the mail is rendered.
    """

    async def queue(
        self, uow: UnitOfWork, invitation: Invitation, token: str, inviter_id: uuid.UUID
    ) -> None:
        organisation = await uow.organisations.get(invitation.organisation_id)
        inviter = await uow.users.get(inviter_id)
        assert organisation is not None and inviter is not None
        context = {
            "token": token,
            "organisation_name": organisation.name,
            "inviter_name": inviter.display_name or inviter.email,
            "role": invitation.role.value,
            "expires_at": invitation.expires_at.isoformat(),
            "expires_at_text": format_time(invitation.expires_at),
        }
        await queue_mail(
            uow, MailTemplate.INVITATION, invitation.email, context, invitation.updated_at
        )


class InvitationSendLimit:
    """The per-organisation limit on invitation mails, which keeps one admin from spamming.

    The limiter is hit outside any unit of work: SQLite allows one writing
    transaction at a time, and the database limiter writes in its own.
    """

    def __init__(self, uow: UnitOfWorkFactory, limiter: RateLimiter | None) -> None:
        self._uow = uow
        self._limiter = limiter

    @asynccontextmanager
    async def sending(
        self, user_id: uuid.UUID, organisation_id: uuid.UUID, permission: Permission
    ) -> AsyncIterator[None]:
        """Count one send, then run the caller's block; a block that raises is not counted.

        Raises RateLimited when the organisation is over its limit, after
        checking the permission so that outsiders see 404 and not 429.
        """
        if self._limiter is None:
            yield
            return
        async with self._uow() as uow:
            await authorize(uow, organisation_id, user_id, permission)
        key = f"invitations:{organisation_id}"
        decision = await self._limiter.hit(key)
        if not decision.allowed:
            raise RateLimited(
                "The organisation sent too many invitations in the last hour; try again later.",
                retry_after_seconds=decision.retry_after_seconds,
            )
        try:
            yield
        except DomainError:
            await self._limiter.undo_hit(key)
            raise


class InviteMember:
    """Invite an email address into an organisation with a role, and mail it the link.

    Inviting an address that has a pending invitation renews that invitation:
    a new token, role and expiry, so the previous link stops working. Raises
    OrganisationNotFound, PermissionDenied, RoleAboveOwn, AlreadyMember,
    InvalidEmail, InvitationPending (a concurrent invitation of the address)
    or RateLimited.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        mail: InvitationMail,
        ttl: timedelta,
        limiter: RateLimiter | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._mail = mail
        self._ttl = ttl
        self._limit = InvitationSendLimit(uow, limiter)

    async def __call__(
        self,
        user_id: uuid.UUID,
        organisation_id: uuid.UUID,
        email: str,
        role: Role,
        client: ClientInfo | None = None,
    ) -> Invitation:
        email_normalized = normalize_email(email)
        async with self._limit.sending(user_id, organisation_id, Permission.INVITE_MEMBERS):
            invitation = await self._invite(
                user_id, organisation_id, email, email_normalized, role, client
            )
        logger.info(
            "member invited: invitation_id=%s organisation_id=%s by user_id=%s",
            invitation.id,
            organisation_id,
            user_id,
        )
        return invitation

    async def _invite(
        self,
        user_id: uuid.UUID,
        organisation_id: uuid.UUID,
        email: str,
        email_normalized: str,
        role: Role,
        client: ClientInfo | None,
    ) -> Invitation:
        now = self._clock.now()
        token, token_hash = new_invitation_token()
        async with self._uow() as uow:
            actor = await authorize(uow, organisation_id, user_id, Permission.INVITE_MEMBERS)
            require_can_grant(actor.role, role)
            await _check_not_member(uow, organisation_id, email_normalized)
            invitation = await uow.invitations.get_pending(organisation_id, email_normalized)
            if invitation is None:
                invitation = Invitation.issue(
                    organisation_id, email, role, user_id, token_hash, now, self._ttl
                )
                await uow.invitations.add(invitation)
            else:
                invitation.renew(role, user_id, token_hash, now, self._ttl)
                await uow.invitations.update(invitation)
            await self._mail.queue(uow, invitation, token, user_id)
            await _record(uow, SecurityEventType.INVITATION_SENT, now, client, invitation, user_id)
            await uow.commit()
        return invitation


class ListInvitations:
    """List an organisation's invitations, newest first, optionally in one state.

    Raises OrganisationNotFound, PermissionDenied, InvalidCursor or ValidationFailed.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(
        self,
        user_id: uuid.UUID,
        organisation_id: uuid.UUID,
        state: InvitationState | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> InvitationPage:
        page_size = check_limit(limit)
        query = InvitationQuery(
            organisation_id=organisation_id,
            now=self._clock.now(),
            limit=page_size + 1,
            state=state,
            after=decode_invitation_cursor(cursor) if cursor else None,
        )
        async with self._uow() as uow:
            await authorize(uow, organisation_id, user_id, Permission.MANAGE_INVITATIONS)
            rows = await uow.invitations.list_page(query)
        items = rows[:page_size]
        next_cursor = None
        if len(rows) > page_size:
            last = items[-1]
            next_cursor = encode_invitation_cursor(InvitationPosition(last.created_at, last.id))
        return InvitationPage(items=items, next_cursor=next_cursor)


class ResendInvitation:
    """Renew a pending or expired invitation with a new token and expiry, and mail it again.

    Raises OrganisationNotFound, InvitationNotFound, PermissionDenied,
    InvitationRevoked, InvitationAlreadyUsed or RateLimited.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        mail: InvitationMail,
        ttl: timedelta,
        limiter: RateLimiter | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._mail = mail
        self._ttl = ttl
        self._limit = InvitationSendLimit(uow, limiter)

    async def __call__(
        self,
        user_id: uuid.UUID,
        organisation_id: uuid.UUID,
        invitation_id: uuid.UUID,
        client: ClientInfo | None = None,
    ) -> Invitation:
        async with self._limit.sending(user_id, organisation_id, Permission.MANAGE_INVITATIONS):
            invitation = await self._resend(user_id, organisation_id, invitation_id, client)
        logger.info(
            "invitation resent: invitation_id=%s organisation_id=%s by user_id=%s",
            invitation_id,
            organisation_id,
            user_id,
        )
        return invitation

    async def _resend(
        self,
        user_id: uuid.UUID,
        organisation_id: uuid.UUID,
        invitation_id: uuid.UUID,
        client: ClientInfo | None,
    ) -> Invitation:
        now = self._clock.now()
        token, token_hash = new_invitation_token()
        async with self._uow() as uow:
            actor = await authorize(uow, organisation_id, user_id, Permission.MANAGE_INVITATIONS)
            invitation = await _invitation(uow, organisation_id, invitation_id)
            require_can_manage(actor.role, invitation.role)
            invitation.check_renewable()
            invitation.renew(invitation.role, user_id, token_hash, now, self._ttl)
            await uow.invitations.update(invitation)
            await self._mail.queue(uow, invitation, token, user_id)
            await _record(
                uow, SecurityEventType.INVITATION_SENT, now, client, invitation, user_id, True
            )
            await uow.commit()
        return invitation


class RevokeInvitation:
    """Revoke an invitation so its link stops working.

    Raises OrganisationNotFound, InvitationNotFound, PermissionDenied or
    InvitationAlreadyUsed.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(
        self,
        user_id: uuid.UUID,
        organisation_id: uuid.UUID,
        invitation_id: uuid.UUID,
        client: ClientInfo | None = None,
    ) -> None:
        now = self._clock.now()
        async with self._uow() as uow:
            actor = await authorize(uow, organisation_id, user_id, Permission.MANAGE_INVITATIONS)
            invitation = await _invitation(uow, organisation_id, invitation_id)
            require_can_manage(actor.role, invitation.role)
            invitation.revoke(now)
            await uow.invitations.update(invitation)
            await _record(
                uow, SecurityEventType.INVITATION_REVOKED, now, client, invitation, user_id
            )
            await uow.commit()
        logger.info(
            "invitation revoked: invitation_id=%s organisation_id=%s by user_id=%s",
            invitation_id,
            organisation_id,
            user_id,
        )


async def _record(
    uow: UnitOfWork,
    type: SecurityEventType,
    now: datetime,
    client: ClientInfo | None,
    invitation: Invitation,
    actor_id: uuid.UUID,
    resent: bool = False,
) -> None:
    details: dict[str, Any] = {
        "invitation_id": str(invitation.id),
        "email": invitation.email,
        "role": invitation.role.value,
    }
    if resent:
        details["resent"] = True
    await record_event(
        uow,
        type,
        now,
        client,
        actor_user_id=actor_id,
        organisation_id=invitation.organisation_id,
        details=details,
    )


async def _invitation(
    uow: UnitOfWork, organisation_id: uuid.UUID, invitation_id: uuid.UUID
) -> Invitation:
    invitation = await uow.invitations.get(organisation_id, invitation_id)
    if invitation is None:
        raise InvitationNotFound("No invitation with this id in the organisation.")
    return invitation


async def _check_not_member(
    uow: UnitOfWork, organisation_id: uuid.UUID, email_normalized: str
) -> None:
    user = await uow.users.get_by_email(email_normalized)
    if user is None:
        return
    membership: Membership | None = await uow.memberships.get(organisation_id, user.id)
    if membership is not None:
        raise AlreadyMember("The address belongs to a member of the organisation already.")
