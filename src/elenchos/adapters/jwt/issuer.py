"""Access tokens: signing with the newest key, verifying with a pinned algorithm list."""

from __future__ import annotations

import secrets
import uuid
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from elenchos.adapters.jwt.keys import KeyRing
from elenchos.application.ports import AccessClaims, Clock, IssuedToken
from elenchos.domain.errors import InvalidToken

REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "jti"]
# A kid is an RFC 7638 thumbprint: 43 base64url characters. Anything longer is
# rejected before the key ring is consulted.
MAX_KID_LENGTH = 64
# Tokens longer than this are garbage; checking first keeps parsing cheap.
MAX_TOKEN_LENGTH = 8192


class JwtTokenIssuer:
    def __init__(
        self,
        keys: KeyRing,
        issuer: str,
        audience: str,
        access_token_ttl: timedelta,
        clock: Clock,
        leeway: timedelta = timedelta(seconds=5),
        verified_cache_size: int = 10_000,
    ) -> None:
        self._keys = keys
        # Tokens whose signature and claims already verified, so a client
        # that sends one token on every request pays for Ed25519 once. Keys
        # change only on restart, which empties the cache; expiry is still
        # checked on every hit.
        self._verified: OrderedDict[str, AccessClaims] = OrderedDict()
        self._verified_cache_size = verified_cache_size
        self._issuer = issuer
        self._audience = audience
        self._ttl = access_token_ttl
        self._clock = clock
        self._leeway = leeway

    def issue_access_token(
        self, user_id: uuid.UUID, extra_claims: dict[str, Any] | None = None
    ) -> IssuedToken:
        key = self._keys.signing_key
        now = self._clock.now()
        token_id = secrets.token_urlsafe(16)
        claims = {
            **(extra_claims or {}),
            "iss": self._issuer,
            "aud": self._audience,
            "sub": str(user_id),
            "iat": int(now.timestamp()),
            "exp": int((now + self._ttl).timestamp()),
            "jti": token_id,
        }
        token = jwt.encode(
            claims, key.private_key, algorithm=key.algorithm, headers={"kid": key.kid, "typ": "JWT"}
        )
        return IssuedToken(
            token=token, expires_in=int(self._ttl.total_seconds()), token_id=token_id
        )

    def verify_access_token(self, token: str) -> AccessClaims:
        cached = self._verified.get(token)
        if cached is not None:
            if self._clock.now() > cached.expires_at + self._leeway:
                del self._verified[token]
                raise InvalidToken("The access token has expired.")
            self._verified.move_to_end(token)
            return cached
        claims = self._verify_uncached(token)
        if self._verified_cache_size > 0:
            self._verified[token] = claims
            if len(self._verified) > self._verified_cache_size:
                self._verified.popitem(last=False)
        return claims

    def _verify_uncached(self, token: str) -> AccessClaims:
        if len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken("The access token is too long.")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise InvalidToken("The access token is malformed.") from exc
        kid = header.get("kid")
        if not isinstance(kid, str) or len(kid) > MAX_KID_LENGTH:
            raise InvalidToken("The access token names no valid key id.")
        key = self._keys.verification_key(kid)
        if key is None:
            raise InvalidToken("The access token was signed by an unknown key.")
        try:
            # The algorithm list is pinned to the key's own algorithm, so a token
            # cannot pick "none" or an HMAC keyed with our public key.
            claims = jwt.decode(
                token,
                key.public_key,
                algorithms=[key.algorithm],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                # Expiry is checked below against the injected clock, not PyJWT's.
                options={"require": REQUIRED_CLAIMS, "verify_exp": False, "verify_iat": False},
            )
            subject = uuid.UUID(str(claims["sub"]))
            expires_at = datetime.fromtimestamp(float(claims["exp"]), UTC)
            issued_at = datetime.fromtimestamp(float(claims["iat"]), UTC)
        except (jwt.InvalidTokenError, ValueError, TypeError, OverflowError, OSError) as exc:
            raise InvalidToken("The access token is invalid.") from exc
        if self._clock.now() > expires_at + self._leeway:
            raise InvalidToken("The access token has expired.")
        return AccessClaims(
            subject=subject,
            token_id=str(claims["jti"]),
            issued_at=issued_at,
            expires_at=expires_at,
            extra={name: value for name, value in claims.items() if name not in REQUIRED_CLAIMS},
        )
