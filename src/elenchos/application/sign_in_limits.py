"""Limits on failed sign-ins, per account and per client IP address."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from elenchos.application.rate_limits import RateLimiter
from elenchos.domain.errors import InvalidEmail, RateLimited
from elenchos.domain.users import normalize_email


def account_key(email: str) -> str:
    """Return the per-account key: a digest of the normalized address.

    The key depends on the address alone, never on whether it has an account,
    so an unknown address is limited exactly like a known one and the limit
    cannot reveal who is registered.
    """
    try:
        email_key = normalize_email(email)
    except InvalidEmail:
        email_key = email.strip().casefold()
    return "sign_in:account:" + hashlib.sha256(email_key.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class SignInAttempt:
    """The keys that one sign-in attempt was counted under."""

    account_key: str
    ip_key: str | None


class SignInLimits:
    """Count sign-in attempts per account and per IP, keeping only those that fail.

    An attempt is counted before the password is checked, and the count is
    taken back once the password proves right. Counting first means that many
    concurrent guesses cannot all pass the check before any failure is stored.
    A window clears by itself, and a password reset clears the account's
    window at once, so an attacker cannot lock the owner out for longer.
    """

    def __init__(self, by_account: RateLimiter, by_ip: RateLimiter) -> None:
        self._by_account = by_account
        self._by_ip = by_ip

    async def begin(self, email: str, ip_address: str | None) -> SignInAttempt:
        """Count an attempt; raises RateLimited when the IP or the account is over its limit."""
        ip_key = f"sign_in:ip:{ip_address}" if ip_address is not None else None
        if ip_key is not None:
            decision = await self._by_ip.hit(ip_key)
            if not decision.allowed:
                raise RateLimited(
                    "Too many failed sign-ins from this IP address; try again later.",
                    retry_after_seconds=decision.retry_after_seconds,
                )
        attempt = SignInAttempt(account_key(email), ip_key)
        decision = await self._by_account.hit(attempt.account_key)
        if not decision.allowed:
            raise RateLimited(
                "Too many failed sign-ins for this account; try again later.",
                retry_after_seconds=decision.retry_after_seconds,
            )
        return attempt

    async def password_verified(self, attempt: SignInAttempt) -> None:
        """Take back the attempt's counts, because only failed passwords count."""
        await self._by_account.undo_hit(attempt.account_key)
        if attempt.ip_key is not None:
            await self._by_ip.undo_hit(attempt.ip_key)

    async def clear_account(self, email: str) -> None:
        """Forget the account's failed sign-ins, after its owner proved control of the mailbox."""
        await self._by_account.reset(account_key(email))
