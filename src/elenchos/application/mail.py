"""The mail port, the message templates and queueing a mail in the outbox."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from elenchos.application.ports import UnitOfWork
from elenchos.domain.outbox import OutboxMessage


class MailTemplate(enum.StrEnum):
    """Names of the templates under templates/email, one per kind of message."""

    VERIFY_EMAIL = "verify_email"
    SIGN_IN_NOTICE = "sign_in_notice"
    PASSWORD_RESET = "password_reset"
    PASSWORD_CHANGED = "password_changed"
    SIGN_UP_ATTEMPT = "sign_up_attempt"
    INVITATION = "invitation"


@dataclass(frozen=True, slots=True)
class EmailMessage:
    """A rendered mail: one recipient, a single-line subject, a text and an HTML part."""

    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


class MailDeliveryFailed(Exception):
    """A mail could not be handed to the mail server; a later attempt may succeed.

    The message names the server and the failure, never the recipient or the body.
    """


class MailRenderingFailed(Exception):
    """A template is missing or does not render with the stored context; retrying cannot help."""


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Deliver one message.

        Raises MailDeliveryFailed when delivery fails, and MailRenderingFailed
        when the message cannot be encoded as MIME.
        """
        ...


class MailRenderer(Protocol):
    def render(self, template: str, recipient: str, context: dict[str, Any]) -> EmailMessage:
        """Render a template into a message; raises MailRenderingFailed."""
        ...


async def queue_mail(
    uow: UnitOfWork,
    template: MailTemplate,
    recipient: str,
    context: dict[str, Any],
    now: datetime,
) -> OutboxMessage:
    """Add a mail to the outbox of the open transaction.

    The mail goes out only if the caller commits, so a rolled-back change
    never sends one.
    """
    message = OutboxMessage.queue(template.value, recipient, context, now)
    await uow.outbox.add(message)
    return message
