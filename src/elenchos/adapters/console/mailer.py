"""A development mailer: logs each mail's subject, recipient and links and saves it as .eml."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

from elenchos.adapters.smtp.mime import build_mime
from elenchos.application.mail import EmailMessage, MailDeliveryFailed

logger = logging.getLogger(__name__)

_LINK = re.compile(r"https?://[^\s<>\"']+")


def find_links(text: str) -> list[str]:
    """Return the http and https URLs in a text, in order, without repeats."""
    return list(dict.fromkeys(_LINK.findall(text)))


class ConsoleMailer:
    """Deliver nowhere, but show the mail to the developer.

    It logs link tokens on purpose, so a developer can open the links. For
    that reason the settings reject this backend in production.
    """

    def __init__(self, directory: Path, sender: str) -> None:
        self._directory = directory
        self._sender = sender

    async def send(self, message: EmailMessage) -> None:
        mime = build_mime(message, self._sender)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
        path = self._directory / name
        try:
            await asyncio.to_thread(self._write, path, mime.as_bytes())
        except OSError as exc:
            raise MailDeliveryFailed(f"writing the mail to {path} failed: {exc}") from exc
        logger.info("mail to %s: %s (saved as %s)", message.to, message.subject, path)
        for link in find_links(message.text):
            logger.info("mail link: %s", link)

    def _write(self, path: Path, data: bytes) -> None:
        # The messages carry live link tokens, so only the owner may read them.
        self._directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
