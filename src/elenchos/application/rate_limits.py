"""The rate limiter port, and the limits on requests that make Elenchos send mail to an address."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from elenchos.domain.errors import RateLimited


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    retry_after_seconds: int = 0


class RateLimiter(Protocol):
    """Allow a fixed number of hits per key within a time window.

    Each adapter instance has its own limit and window, and a key's hits stop
    counting once the window has passed, with no call needed.
    """

    async def hit(self, key: str) -> RateDecision:
        """Count one request under key and return whether it is within the limit."""
        ...

    async def undo_hit(self, key: str) -> None:
        """Uncount one earlier hit under key, if the key's window is still open."""
        ...

    async def reset(self, key: str) -> None:
        """Forget every hit under key, which closes its window."""
        ...


class ObservedRateLimiter:
    """A RateLimiter that calls on_rejected with its name each time it rejects a hit."""

    def __init__(
        self, inner: RateLimiter, name: str, on_rejected: Callable[[str], None]
    ) -> None:
        self._inner = inner
        self._name = name
        self._on_rejected = on_rejected

    async def hit(self, key: str) -> RateDecision:
        decision = await self._inner.hit(key)
        if not decision.allowed:
            self._on_rejected(self._name)
        return decision

    async def undo_hit(self, key: str) -> None:
        await self._inner.undo_hit(key)

    async def reset(self, key: str) -> None:
        await self._inner.reset(key)


class MailRequestLimits:
    """Per-IP and per-address limits for one flow that mails an address on request.

    The per-address limit protects a mailbox from being flooded, and the
    per-IP limit slows one client that walks through many addresses.
    """

    def __init__(self, flow: str, by_ip: RateLimiter, by_address: RateLimiter) -> None:
        self._flow = flow
        self._by_ip = by_ip
        self._by_address = by_address

    async def check_client(self, ip_address: str | None) -> None:
        """Raise RateLimited when the client's IP address is over its limit."""
        # NOTE: behind a reverse proxy every request has the proxy's address,
        # so this limit then counts all clients together.
        if ip_address is None:
            return
        decision = await self._by_ip.hit(f"{self._flow}:ip:{ip_address}")
        if not decision.allowed:
            raise RateLimited(
                "Too many requests from this address; try again later.",
                retry_after_seconds=decision.retry_after_seconds,
            )

    async def address_allowed(self, email_normalized: str) -> bool:
        """Count a request for the address and return whether a mail may go to it.

        Callers respond exactly as on success when this returns False. An
        error here would appear only for addresses that received mail, and
        so it would reveal that an account exists.
        """
        decision = await self._by_address.hit(f"{self._flow}:address:{email_normalized}")
        return decision.allowed
