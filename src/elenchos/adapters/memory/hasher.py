"""A fast password hasher for unit tests; NOT for production use."""

from __future__ import annotations

import hashlib
import hmac


class FastPasswordHasher:
    """Salt-free SHA-256 hashes, so unit tests do not spend seconds in argon2.

    `scheme` lets a test make hashes look outdated to exercise rehashing.
    """

    def __init__(self, scheme: str = "fast-v1") -> None:
        self.scheme = scheme
        self.hashes = 0
        self.verifications = 0

    async def hash(self, password: str) -> str:
        self.hashes += 1
        digest = hashlib.sha256(password.encode()).hexdigest()
        return f"{self.scheme}${digest}"

    async def verify(self, password_hash: str, password: str) -> bool:
        self.verifications += 1
        _, _, digest = password_hash.partition("$")
        expected = hashlib.sha256(password.encode()).hexdigest()
        return hmac.compare_digest(digest, expected)

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith(f"{self.scheme}$")
