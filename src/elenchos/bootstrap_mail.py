"""The mail half of the composition root: mailer, renderer, limits and the outbox dispatcher."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from elenchos.adapters.console.mailer import ConsoleMailer
from elenchos.adapters.jinja.mail import JinjaMailRenderer
from elenchos.adapters.memory.mailer import InMemoryMailer
from elenchos.adapters.smtp.mailer import SmtpMailer
from elenchos.application.links import LinkBuilder
from elenchos.application.mail import Mailer
from elenchos.application.outbox import OutboxDispatcher
from elenchos.application.ports import Clock, UnitOfWorkFactory
from elenchos.application.rate_limits import MailRequestLimits, RateLimiter
from elenchos.config import MailBackend, Settings
from elenchos.resources import resource_dir


def build_mailer(settings: Settings) -> Mailer:
    if settings.mail_backend is MailBackend.SMTP:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return SmtpMailer(
            settings.smtp_host,
            settings.smtp_port,
            settings.mail_from,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=password,
            timeout_seconds=settings.smtp_timeout_seconds,
        )
    if settings.mail_backend is MailBackend.CONSOLE:
        return ConsoleMailer(settings.data_dir / "mail", settings.mail_from)
    return InMemoryMailer()


def build_renderer(settings: Settings) -> JinjaMailRenderer:
    return JinjaMailRenderer(
        resource_dir("templates") / "email",
        LinkBuilder(settings.public_url, settings.frontend_url),
        product_name=settings.product_name,
        public_url=settings.public_url,
        support_email=settings.support_email,
    )


def build_dispatcher(
    settings: Settings,
    uow: UnitOfWorkFactory,
    mailer: Mailer,
    clock: Clock,
    on_event: Callable[[str], None] | None = None,
) -> OutboxDispatcher:
    return OutboxDispatcher(
        uow,
        mailer,
        build_renderer(settings),
        clock,
        max_attempts=settings.outbox_max_attempts,
        retry_base=timedelta(seconds=settings.outbox_retry_base_seconds),
        retry_max=timedelta(seconds=settings.outbox_retry_max_seconds),
        on_event=on_event,
    )


@dataclass(frozen=True, slots=True)
class MailRequestLimiters:
    """Limits of the flows that mail an address on request, one key space per flow."""

    verification: MailRequestLimits
    password_reset: MailRequestLimits
    sign_up_notice: MailRequestLimits


def build_mail_request_limits(
    settings: Settings, limiters: Callable[[str, int, timedelta], RateLimiter]
) -> MailRequestLimiters:
    """Build the limits; limiters(name, limit, window) makes a limiter on the chosen storage."""
    window = timedelta(seconds=settings.mail_request_window_seconds)
    by_ip = limiters("mail_request_ip", settings.mail_requests_per_ip, window)
    by_address = limiters("mail_request_address", settings.mail_requests_per_address, window)
    return MailRequestLimiters(
        verification=MailRequestLimits("verification", by_ip, by_address),
        password_reset=MailRequestLimits("password_reset", by_ip, by_address),
        sign_up_notice=MailRequestLimits("sign_up_notice", by_ip, by_address),
    )
