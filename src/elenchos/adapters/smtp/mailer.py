"""Send mail through an SMTP server with aiosmtplib."""

from __future__ import annotations

import ssl

import aiosmtplib

from elenchos.adapters.smtp.mime import build_mime
from elenchos.application.mail import EmailMessage, MailDeliveryFailed
from elenchos.config import SmtpSecurity


class SmtpMailer:
    """One SMTP connection per message: plain, STARTTLS or implicit TLS.

    Errors become MailDeliveryFailed with the server and the failure, but not
    the server's full reply, which can repeat the recipient's address.
    """

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        security: SmtpSecurity = SmtpSecurity.STARTTLS,
        username: str | None = None,
        password: str | None = None,
        timeout_seconds: float = 10.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._security = security
        self._username = username
        self._password = password
        self._timeout = timeout_seconds
        self._tls_context = tls_context

    async def send(self, message: EmailMessage) -> None:
        mime = build_mime(message, self._sender)
        server = f"{self._host}:{self._port}"
        try:
            await aiosmtplib.send(
                mime,
                hostname=self._host,
                port=self._port,
                username=self._username,
                password=self._password,
                use_tls=self._security is SmtpSecurity.TLS,
                start_tls=self._security is SmtpSecurity.STARTTLS,
                timeout=self._timeout,
                tls_context=self._tls_context,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise MailDeliveryFailed(f"the SMTP server {server} rejected the recipient") from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise MailDeliveryFailed(
                f"the SMTP server {server} replied with code {exc.code}"
            ) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise MailDeliveryFailed(
                f"sending through the SMTP server {server} failed: {type(exc).__name__}"
            ) from exc
