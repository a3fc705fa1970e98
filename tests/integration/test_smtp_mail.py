"""Mail through a real SMTP server (aiosmtpd in the test's event loop), on SQLite and PostgreSQL."""

from __future__ import annotations

import email.message
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy.ext.asyncio import AsyncEngine

from elenchos.adapters.jwt.keys import KeyRing
from elenchos.adapters.memory import FixedClock
from elenchos.adapters.smtp.mailer import SmtpMailer
from elenchos.adapters.sqlalchemy import tables
from elenchos.application.mail import EmailMessage, MailDeliveryFailed
from elenchos.bootstrap import Container, build
from elenchos.config import Settings, SmtpSecurity
from elenchos.domain.outbox import OutboxStatus
from elenchos.http.app import create_app
from tests.conftest import cheap_hasher
from tests.support.accounts import DEFAULT_PASSWORD, bearer, sign_in, sign_up
from tests.support.mail import SmtpSink, free_port, link_token, parts

SENDER = "Elenchos <no-reply@example.com>"
ADA = "ada@example.com"
NEW_PASSWORD = "a brand new passphrase"


def smtp_mailer(port: int) -> SmtpMailer:
    return SmtpMailer("127.0.0.1", port, SENDER, security=SmtpSecurity.NONE, timeout_seconds=5)


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpSink]:
    sink = SmtpSink()
    await sink.start()
    yield sink
    await sink.stop()


async def smtp_container(settings: Settings, keys: KeyRing, port: int) -> Container:
    return await build(
        settings,
        hasher=cheap_hasher(),
        keys=keys,
        clock=FixedClock(datetime.now(UTC)),
        mailer=smtp_mailer(port),
    )


@pytest.fixture
async def service(
    settings: Settings, signing_keys: KeyRing, smtp: SmtpSink
) -> AsyncIterator[Container]:
    container = await smtp_container(settings, signing_keys, smtp.port)
    yield container
    await container.close()


@pytest.fixture
async def http(service: Container) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(container=service))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def received(service: Container, smtp: SmtpSink) -> list[email.message.EmailMessage]:
    """Dispatch due mail and return the messages the server received in this run."""
    before = len(smtp.envelopes)
    await service.dispatcher.dispatch_due()
    return smtp.messages[before:]


async def test_mailer_sends_multipart_alternative(smtp: SmtpSink) -> None:
    message = EmailMessage(
        to=ADA, subject="Grüße", text="plain ✓", html="<p>html ✓</p>", headers={"X-Test": "1"}
    )

    await smtp_mailer(smtp.port).send(message)

    [envelope] = smtp.envelopes
    [mime] = smtp.messages
    text, html = parts(mime)
    assert envelope.rcpt_tos == [ADA]
    assert envelope.mail_from == "no-reply@example.com"
    assert mime["Subject"] == "Grüße"
    assert mime["X-Test"] == "1"
    assert text.strip() == "plain ✓"
    assert html.strip() == "<p>html ✓</p>"


async def test_mailer_reports_server_down() -> None:
    port = free_port()

    with pytest.raises(MailDeliveryFailed) as raised:
        await smtp_mailer(port).send(EmailMessage(ADA, "s", "t", "<p>h</p>"))

    assert f"127.0.0.1:{port}" in str(raised.value)
    assert ADA not in str(raised.value)


async def test_refused_recipient_stays_out_of_error(smtp: SmtpSink) -> None:
    class Refusing(SmtpSink):
        async def handle_RCPT(
            self,
            server: SMTP,
            session: Session,
            envelope: Envelope,
            address: str,
            options: list[str],
        ) -> str:
            return f"550 5.1.1 <{address}>: no such user"

    refusing = Refusing()
    await refusing.start()
    try:
        with pytest.raises(MailDeliveryFailed) as raised:
            await smtp_mailer(refusing.port).send(EmailMessage(ADA, "s", "t", "<p>h</p>"))
    finally:
        await refusing.stop()

    assert "rejected the recipient" in str(raised.value)
    assert ADA not in str(raised.value)


async def test_verification_mail_link_verifies(
    http: httpx.AsyncClient, service: Container, smtp: SmtpSink
) -> None:
    await sign_up(http, ADA)

    [mime] = await received(service, smtp)
    text, html = parts(mime)
    token = link_token(text)
    response = await http.post("/v1/auth/verify-email", json={"token": token})

    assert smtp.envelopes[0].rcpt_tos == [ADA]
    assert mime["To"] == ADA
    assert mime["Subject"] == "Verify your email address for Elenchos"
    assert mime.get_content_type() == "multipart/alternative"
    assert f"token={token}" in html
    assert response.status_code == 204
    assert await sign_in(http, ADA)


async def test_reset_mail_link_sets_password(
    http: httpx.AsyncClient, service: Container, smtp: SmtpSink
) -> None:
    await sign_up(http, ADA)
    [verification] = await received(service, smtp)
    await http.post("/v1/auth/verify-email", json={"token": link_token(parts(verification)[0])})

    await http.post("/v1/auth/password-reset", json={"email": ADA})
    [reset] = await received(service, smtp)
    token = link_token(parts(reset)[0])
    confirm = await http.post(
        "/v1/auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
    )
    [changed] = await received(service, smtp)

    assert reset["Subject"] == "Reset your Elenchos password"
    assert confirm.status_code == 204
    assert changed["Subject"] == "Your Elenchos password was changed"
    assert await sign_in(http, ADA, NEW_PASSWORD)
    [notice] = await received(service, smtp)
    assert notice["Subject"] == "New sign-in to your Elenchos account"


async def test_hostile_display_name_stays_inert(
    http: httpx.AsyncClient, service: Container, smtp: SmtpSink
) -> None:
    hostile = '<script>alert("x")</script>\r\nBcc: victim@example.com'
    rejected = await http.post(
        "/v1/auth/sign-up",
        json={"email": ADA, "password": DEFAULT_PASSWORD, "profile": {"display_name": hostile}},
    )
    await sign_up(http, ADA, profile={"display_name": "Ada"})
    [verification] = await received(service, smtp)
    await http.post("/v1/auth/verify-email", json={"token": link_token(parts(verification)[0])})
    # The API now rejects such names; a row written before that rule must
    # still render inertly, so the name is stored directly.
    async with service.uow() as uow:
        user = await uow.users.get_by_email(ADA)
        assert user is not None
        user.profile["display_name"] = hostile
        await uow.users.update(user)
        await uow.commit()

    token = await sign_in(http, ADA)
    [notice] = await received(service, smtp)
    text, html = parts(notice)
    me = await http.get("/v1/me", headers=bearer(token))

    assert rejected.status_code == 422
    assert me.json()["profile"]["display_name"] == hostile
    assert [envelope.rcpt_tos for envelope in smtp.envelopes] == [[ADA], [ADA]]
    assert "Bcc" not in notice
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "\nBcc:" not in text
    assert notice["Subject"] == "New sign-in to your Elenchos account"


async def test_mail_survives_smtp_outage(
    settings: Settings, signing_keys: KeyRing, engine: AsyncEngine
) -> None:
    port = free_port()
    service = await smtp_container(settings, signing_keys, port)
    transport = httpx.ASGITransport(app=create_app(container=service))
    sink = SmtpSink()
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            response = await http.post(
                "/v1/auth/sign-up", json={"email": ADA, "password": DEFAULT_PASSWORD}
            )
        attempted = await service.dispatcher.dispatch_due()
        async with engine.connect() as connection:
            [pending] = (await connection.execute(sa.select(tables.outbox))).all()

        await sink.start(port)
        restarted = await smtp_container(settings, signing_keys, port)
        assert isinstance(restarted.clock, FixedClock)
        restarted.clock.advance(timedelta(minutes=1))
        await restarted.dispatcher.dispatch_due()
        await restarted.dispatcher.dispatch_due()
        await restarted.close()
    finally:
        await sink.stop()
        await service.close()

    assert response.status_code == 202
    assert attempted == 1
    assert pending.status == OutboxStatus.PENDING.value
    assert pending.attempts == 1
    assert pending.last_error is not None
    assert f"127.0.0.1:{port}" in pending.last_error
    assert len(sink.envelopes) == 1
    assert sink.messages[0]["Subject"] == "Verify your email address for Elenchos"
