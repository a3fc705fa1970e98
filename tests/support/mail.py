"""Helpers for mail tests: an SMTP server in the test's event loop and link parsing."""

from __future__ import annotations

import asyncio
import email
import email.message
import email.policy
import socket
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.smtp import SMTP, Envelope, Session

from elenchos.adapters.console.mailer import find_links
from elenchos.adapters.jwt.keys import KeyRing
from elenchos.adapters.memory import (
    FastPasswordHasher,
    FixedClock,
    InMemoryMailer,
    InMemoryUnitOfWorkFactory,
)
from elenchos.application.mail import EmailMessage
from elenchos.bootstrap import Container, build
from elenchos.config import Settings


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listened on a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class SmtpSink:
    """An aiosmtpd server on 127.0.0.1 that keeps every message it receives."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"

    async def start(self, port: int = 0) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(self, hostname="127.0.0.1"), "127.0.0.1", port
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        parsed = []
        for envelope in self.envelopes:
            content: Any = envelope.original_content or envelope.content
            message = email.message_from_bytes(content, policy=email.policy.default)
            assert isinstance(message, email.message.EmailMessage)
            parsed.append(message)
        return parsed


def parts(message: email.message.EmailMessage) -> tuple[str, str]:
    """Return the text and the HTML part of a received multipart/alternative message."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


def link_token(text: str) -> str:
    """Return the token of the first link in text that carries one."""
    for link in find_links(text):
        tokens = parse_qs(urlsplit(link).query).get("token")
        if tokens:
            return tokens[0]
    raise AssertionError("no link with a token in the mail")


def memory_mailer(container: Container) -> InMemoryMailer:
    assert isinstance(container.mailer, InMemoryMailer)
    return container.mailer


async def deliver(container: Container) -> list[EmailMessage]:
    """Run the container's dispatcher once and return the mail sent by this run."""
    mailer = memory_mailer(container)
    before = len(mailer.sent)
    await container.dispatcher.dispatch_due()
    return mailer.sent[before:]


async def only_mail_to(container: Container, address: str) -> EmailMessage:
    """Deliver due mail and return the single message that went to address."""
    sent = [message for message in await deliver(container) if message.to == address]
    assert len(sent) == 1, [message.subject for message in sent]
    return sent[0]


async def memory_container(data_dir: Path, keys: KeyRing, **overrides: object) -> Container:
    """Wire the whole service over the in-memory adapters, a FixedClock and the memory mailer."""
    values: dict[str, object] = {
        "data_dir": data_dir,
        "database_url": "sqlite+aiosqlite:///:memory:",
        "mail_backend": "memory",
        "public_url": "http://testserver",
    }
    values.update(overrides)
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    return await build(
        settings,
        uow=InMemoryUnitOfWorkFactory(),
        hasher=FastPasswordHasher(),
        clock=FixedClock(),
        keys=keys,
    )
