"""Queueing of the account mails, each with the template context it needs.

Contexts contain only JSON values. A raw link token stays in the outbox row
until the mail is sent or has failed for good, and then the context is cleared.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from elenchos.application.link_tokens import issue_link_token
from elenchos.application.mail import MailTemplate, queue_mail
from elenchos.application.ports import UnitOfWork
from elenchos.domain.tokens import TokenPurpose
from elenchos.domain.users import User

TIME_FORMAT = "%Y-%m-%d %H:%M:%S UTC"


def format_time(moment: datetime) -> str:
    return moment.strftime(TIME_FORMAT)


def _whole_hours(ttl: timedelta) -> int:
    return max(1, int(ttl.total_seconds() // 3600))


def _whole_minutes(ttl: timedelta) -> int:
    return max(1, int(ttl.total_seconds() // 60))


async def queue_verification_mail(
    uow: UnitOfWork, user: User, now: datetime, ttl: timedelta
) -> None:
    """Issue a verification token and queue the mail that carries it."""
    raw_token = await issue_link_token(uow, user, TokenPurpose.EMAIL_VERIFICATION, now, ttl)
    # No display name: the address is not proven yet, so the name may come
    # from a stranger and must not appear in a mail to the address's owner.
    context = {"token": raw_token, "expires_in_hours": _whole_hours(ttl)}
    await queue_mail(uow, MailTemplate.VERIFY_EMAIL, user.email, context, now)


async def queue_password_reset_mail(
    uow: UnitOfWork, user: User, now: datetime, ttl: timedelta
) -> None:
    """Issue a password reset token and queue the mail that carries it."""
    raw_token = await issue_link_token(uow, user, TokenPurpose.PASSWORD_RESET, now, ttl)
    context = {
        "token": raw_token,
        "display_name": user.display_name,
        "expires_in_minutes": _whole_minutes(ttl),
    }
    await queue_mail(uow, MailTemplate.PASSWORD_RESET, user.email, context, now)


async def queue_password_changed_mail(uow: UnitOfWork, user: User, now: datetime) -> None:
    context = {"display_name": user.display_name, "changed_at": format_time(now)}
    await queue_mail(uow, MailTemplate.PASSWORD_CHANGED, user.email, context, now)


async def queue_sign_in_notice(
    uow: UnitOfWork,
    user: User,
    now: datetime,
    ip_address: str | None,
    user_agent: str | None,
) -> None:
    context = {
        "display_name": user.display_name,
        "signed_in_at": format_time(now),
        "ip_address": ip_address,
        "user_agent": user_agent,
    }
    await queue_mail(uow, MailTemplate.SIGN_IN_NOTICE, user.email, context, now)


async def queue_sign_up_attempt_notice(uow: UnitOfWork, user: User, now: datetime) -> None:
    """Queue the mail that warns an account's owner that someone signed up with the address."""
    context = {"display_name": user.display_name, "attempted_at": format_time(now)}
    await queue_mail(uow, MailTemplate.SIGN_UP_ATTEMPT, user.email, context, now)
