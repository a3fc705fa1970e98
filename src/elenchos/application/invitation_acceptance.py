"""Invitation use cases for the invitee: preview, accept, sign up with one, list mine."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from elenchos.application.accounts import ClientInfo
from elenchos.application.audit import record_event
from elenchos.application.organisations import check_document_size
from elenchos.application.ports import Clock, PasswordHasher, UnitOfWork, UnitOfWorkFactory
from elenchos.application.read_models import MyOrganisation
from elenchos.domain.audit import SecurityEventType
from elenchos.domain.errors import (
    AlreadyMember,
    EmailAlreadyRegistered,
    InvitationAlreadyUsed,
    InvitationNotFound,
    OrganisationNotFound,
    UserNotFound,
)
from elenchos.domain.invitations import Invitation, hash_invitation_token
from elenchos.domain.organisations import Membership, Organisation
from elenchos.domain.roles import Role
from elenchos.domain.users import User, check_password_policy, normalize_email

logger = logging.getLogger(__name__)

# Tokens are 43 characters; anything much longer is not one of ours.
TOKEN_MAX_LENGTH = 128


@dataclass(frozen=True, slots=True)
class InvitationPreview:
    """The invitation details a landing page shows before the invitee signs in or signs up."""

    organisation_id: uuid.UUID
    organisation_name: str
    inviter_name: str | None
    email: str
    role: Role
    expires_at: datetime
    account_exists: bool


@dataclass(frozen=True, slots=True)
class ReceivedInvitation:
    invitation: Invitation
    organisation_name: str
    inviter_name: str | None


class PreviewInvitation:
    """Describe the invitation a token belongs to; no sign-in needed, the token is the proof.

    Raises InvitationNotFound, InvitationExpired, InvitationRevoked or InvitationAlreadyUsed.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, token: str) -> InvitationPreview:
        async with self._uow() as uow:
            invitation = await _usable_invitation(uow, token, self._clock.now())
            organisation = await _organisation(uow, invitation)
            inviter_name = await _inviter_name(uow, invitation)
            account = await uow.users.get_by_email(invitation.email_normalized)
        return InvitationPreview(
            organisation_id=organisation.id,
            organisation_name=organisation.name,
            inviter_name=inviter_name,
            email=invitation.email,
            role=invitation.role,
            expires_at=invitation.expires_at,
            account_exists=account is not None,
        )


class AcceptInvitation:
    """Join an organisation through an invitation addressed to the signed-in user.

    Raises InvitationNotFound, InvitationExpired, InvitationRevoked,
    InvitationAlreadyUsed (also for the loser of two concurrent accepts),
    InvitationEmailMismatch or AlreadyMember.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(
        self, user_id: uuid.UUID, token: str, client: ClientInfo | None = None
    ) -> MyOrganisation:
        now = self._clock.now()
        async with self._uow() as uow:
            invitation = await _usable_invitation(uow, token, now)
            user = await uow.users.get(user_id)
            if user is None:
                raise UserNotFound("The account no longer exists.")
            invitation.check_addressed_to(user.email_normalized)
            if await uow.memberships.get(invitation.organisation_id, user.id) is not None:
                raise AlreadyMember("You are already a member of this organisation.")
            if not user.is_verified:
                # The token arrived by mail at this address, which proves it.
                user.mark_verified(now)
                await uow.users.update(user)
                await record_event(
                    uow,
                    SecurityEventType.EMAIL_VERIFIED,
                    now,
                    client,
                    actor_user_id=user.id,
                    subject_user_id=user.id,
                )
            organisation = await _organisation(uow, invitation)
            membership = await _join(uow, invitation, user, now, client)
        logger.info(
            "invitation accepted: invitation_id=%s organisation_id=%s user_id=%s",
            invitation.id,
            invitation.organisation_id,
            user_id,
        )
        return MyOrganisation(organisation, membership.role, membership.joined_at)


class SignUpWithInvitation:
    """Create an account from an invitation: already verified, and a member, in one transaction.

    Returns False, changing nothing, when the address already has an account,
    so the caller can respond as to any other sign-up. Raises InvalidEmail,
    InvalidPassword, ValidationFailed, InvitationNotFound, InvitationExpired,
    InvitationRevoked, InvitationAlreadyUsed or InvitationEmailMismatch.
    """

    def __init__(self, uow: UnitOfWorkFactory, hasher: PasswordHasher, clock: Clock) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock

    async def __call__(
        self,
        email: str,
        password: str,
        token: str,
        profile: dict[str, Any] | None = None,
        client: ClientInfo | None = None,
    ) -> bool:
        email_normalized = normalize_email(email)
        check_password_policy(password, email)
        check_document_size("profile", profile)
        password_hash = await self._hasher.hash(password)
        now = self._clock.now()
        async with self._uow() as uow:
            invitation = await _usable_invitation(uow, token, now)
            invitation.check_addressed_to(email_normalized)
            if await uow.users.get_by_email(email_normalized) is not None:
                logger.info("sign-up with an invitation for an address that has an account")
                return False
            user = User.register(email, password_hash, now, profile, verified=True)
            try:
                await uow.users.add(user)
                await _join(uow, invitation, user, now, client)
            except EmailAlreadyRegistered:
                logger.info("sign-up with an invitation lost a race for its address")
                return False
        logger.info(
            "user signed up through an invitation: user_id=%s invitation_id=%s",
            user.id,
            invitation.id,
        )
        return True


class ListMyInvitations:
    """List the unexpired pending invitations addressed to the user's verified address."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, user_id: uuid.UUID) -> list[ReceivedInvitation]:
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise UserNotFound("The account no longer exists.")
            # An unproven address may belong to someone else, whose
            # invitations this account must not see.
            if not user.is_verified:
                return []
            invitations = await uow.invitations.list_pending_for_email(
                user.email_normalized, self._clock.now()
            )
            return [await _received(uow, invitation) for invitation in invitations]


async def _join(
    uow: UnitOfWork,
    invitation: Invitation,
    user: User,
    now: datetime,
    client: ClientInfo | None,
) -> Membership:
    """Accept the invitation for the user and commit; the membership's unique key settles races."""
    membership = Membership.start(
        invitation.organisation_id, user.id, invitation.role, now, invitation.invited_by
    )
    invitation.accept(user.id, now)
    try:
        await uow.invitations.update(invitation)
        await uow.memberships.add(membership)
        await record_event(
            uow,
            SecurityEventType.INVITATION_ACCEPTED,
            now,
            client,
            actor_user_id=user.id,
            subject_user_id=user.id,
            organisation_id=invitation.organisation_id,
            details={"invitation_id": str(invitation.id), "role": invitation.role.value},
        )
        await uow.commit()
    except AlreadyMember as exc:
        # Another request accepted this invitation between our read and our
        # write; the database kept its membership and rejected ours.
        raise InvitationAlreadyUsed("The invitation was already accepted.") from exc
    return membership


async def _usable_invitation(uow: UnitOfWork, token: str, now: datetime) -> Invitation:
    invitation = None
    if len(token) <= TOKEN_MAX_LENGTH:
        invitation = await uow.invitations.get_by_token_hash(hash_invitation_token(token))
    if invitation is None:
        raise InvitationNotFound(
            "No invitation matches this link. A newer invitation may have replaced it."
        )
    invitation.check_usable(now)
    return invitation


async def _organisation(uow: UnitOfWork, invitation: Invitation) -> Organisation:
    organisation = await uow.organisations.get(invitation.organisation_id)
    if organisation is None:
        raise OrganisationNotFound("The organisation of this invitation no longer exists.")
    return organisation


async def _inviter_name(uow: UnitOfWork, invitation: Invitation) -> str | None:
    if invitation.invited_by is None:
        return None
    inviter = await uow.users.get(invitation.invited_by)
    if inviter is None:
        return None
    return inviter.display_name or inviter.email


async def _received(uow: UnitOfWork, invitation: Invitation) -> ReceivedInvitation:
    organisation = await _organisation(uow, invitation)
    return ReceivedInvitation(
        invitation=invitation,
        organisation_name=organisation.name,
        inviter_name=await _inviter_name(uow, invitation),
    )
