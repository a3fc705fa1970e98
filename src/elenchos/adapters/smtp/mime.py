"""Encode a rendered mail as a MIME multipart/alternative message."""

from __future__ import annotations

import email.message
import email.policy
from email.utils import formatdate, make_msgid, parseaddr

from elenchos.application.mail import EmailMessage, MailRenderingFailed


def build_mime(message: EmailMessage, sender: str) -> email.message.EmailMessage:
    """Return the MIME form of a message: a text part, then the HTML part.

    Raises MailRenderingFailed when a header value cannot be encoded, for
    example because it contains a line break. The email package rejects
    such values, so they cannot start a new header.
    """
    mime = email.message.EmailMessage(policy=email.policy.SMTP)
    try:
        mime["From"] = sender
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime["Date"] = formatdate(usegmt=True)
        mime["Message-ID"] = make_msgid(domain=_sender_domain(sender))
        for name, value in message.headers.items():
            mime[name] = value
    except ValueError as exc:
        raise MailRenderingFailed(f"a header of the message is invalid: {exc}") from exc
    mime.set_content(message.text)
    mime.add_alternative(message.html, subtype="html")
    return mime


def _sender_domain(sender: str) -> str:
    _, address = parseaddr(sender)
    domain = address.rpartition("@")[2]
    return domain or "localhost"
