"""A mailer that keeps sent mail in a list, for tests and embedding applications."""

from __future__ import annotations

from elenchos.application.mail import EmailMessage, MailDeliveryFailed


class InMemoryMailer:
    """Record each sent message in `sent`, or fail like a server that is down.

    Set `unavailable` to fail every send until it is cleared, or call
    fail_next(n) to fail only the next n sends.
    """

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []
        self.attempts = 0
        self.unavailable = False
        self._failures_left = 0

    def fail_next(self, count: int = 1) -> None:
        self._failures_left = count

    def sent_to(self, address: str) -> list[EmailMessage]:
        """Return the messages sent to an address, compared case-insensitively."""
        return [message for message in self.sent if message.to.casefold() == address.casefold()]

    async def send(self, message: EmailMessage) -> None:
        self.attempts += 1
        if self.unavailable:
            raise MailDeliveryFailed("the in-memory mailer is set to be unavailable")
        if self._failures_left > 0:
            self._failures_left -= 1
            raise MailDeliveryFailed("the in-memory mailer is set to fail this send")
        self.sent.append(message)
