"""Organisation-scoped access tokens: the org and org_role claims, and switching organisation.

Other services of a SaaS read these claims to authorize without calling
Elenchos. Elenchos itself never trusts them: its own endpoints check the
membership in the database. A token already issued keeps its claims until
it expires, even after the member is removed or their role changes.
"""

from __future__ import annotations

import logging
import uuid

from elenchos.application.access import membership_of
from elenchos.application.ports import IssuedToken, TokenIssuer, UnitOfWork, UnitOfWorkFactory
from elenchos.domain.errors import AccountDisabled, UserNotFound
from elenchos.domain.sessions import SESSION_CLAIM

logger = logging.getLogger(__name__)

ORGANISATION_CLAIM = "org"
ROLE_CLAIM = "org_role"


async def organisation_claims(
    uow: UnitOfWork, user_id: uuid.UUID, organisation_id: uuid.UUID
) -> dict[str, str]:
    """Return the claims that scope a token to the organisation; raises OrganisationNotFound."""
    membership = await membership_of(uow, organisation_id, user_id)
    return {ORGANISATION_CLAIM: str(organisation_id), ROLE_CLAIM: membership.role.value}


class SwitchOrganisation:
    """Issue an access token scoped to another organisation of the signed-in user.

    Raises OrganisationNotFound for an organisation the user does not belong
    to, UserNotFound or AccountDisabled. The token stays bound to session_id,
    and later refreshes of that session keep the organisation.
    """

    def __init__(self, uow: UnitOfWorkFactory, tokens: TokenIssuer) -> None:
        self._uow = uow
        self._tokens = tokens

    async def __call__(
        self, user_id: uuid.UUID, organisation_id: uuid.UUID, session_id: uuid.UUID | None = None
    ) -> IssuedToken:
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise UserNotFound("The account no longer exists.")
            if user.is_disabled:
                raise AccountDisabled("This account is disabled.")
            claims = await organisation_claims(uow, user_id, organisation_id)
            if session_id is not None:
                await _remember_organisation(uow, user_id, session_id, organisation_id)
                claims = {**claims, SESSION_CLAIM: str(session_id)}
        token = self._tokens.issue_access_token(user_id, claims)
        logger.info(
            "organisation token issued: user_id=%s organisation_id=%s", user_id, organisation_id
        )
        return token


async def _remember_organisation(
    uow: UnitOfWork, user_id: uuid.UUID, session_id: uuid.UUID, organisation_id: uuid.UUID
) -> None:
    session = await uow.sessions.get(session_id)
    if session is None or session.user_id != user_id:
        return
    session.organisation_id = organisation_id
    await uow.sessions.update(session)
    await uow.commit()
