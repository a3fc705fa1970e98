"""Issuing and consuming the one-time tokens that mail links carry."""

from __future__ import annotations

from datetime import datetime, timedelta

from elenchos.application.ports import UnitOfWork
from elenchos.domain.errors import LinkTokenInvalid, LinkTokenUsed
from elenchos.domain.tokens import TOKEN_MAX_LENGTH, TokenPurpose, UserToken, hash_token
from elenchos.domain.users import User


async def issue_link_token(
    uow: UnitOfWork, user: User, purpose: TokenPurpose, now: datetime, ttl: timedelta
) -> str:
    """Store a new token for the user and return the raw token for the link.

    Older unused tokens of the same purpose are deleted, so only the link in
    the latest mail works.
    """
    await uow.tokens.delete_unused(user.id, purpose)
    token, raw_token = UserToken.issue(user.id, purpose, now, ttl)
    await uow.tokens.add(token)
    return raw_token


async def find_link_token(
    uow: UnitOfWork, raw_token: str, purpose: TokenPurpose, now: datetime
) -> UserToken:
    """Return the stored token if it can be used now.

    Raises LinkTokenInvalid, LinkTokenUsed or LinkTokenExpired.
    """
    if not raw_token or len(raw_token) > TOKEN_MAX_LENGTH:
        raise LinkTokenInvalid("The link is not valid.")
    token = await uow.tokens.get_by_hash(hash_token(raw_token))
    if token is None:
        raise LinkTokenInvalid("The link is not valid.")
    token.check_usable(purpose, now)
    return token


async def consume_link_token(
    uow: UnitOfWork, raw_token: str, purpose: TokenPurpose, now: datetime
) -> UserToken:
    """Mark the token used in the open transaction and return it.

    Raises like find_link_token, and LinkTokenUsed when a concurrent request
    used the token first.
    """
    token = await find_link_token(uow, raw_token, purpose, now)
    if not await uow.tokens.mark_used(token.id, now):
        raise LinkTokenUsed("The link has already been used.")
    return token
