"""Signed access tokens with PyJWT and the key ring that signs them."""

from elenchos.adapters.jwt.issuer import JwtTokenIssuer
from elenchos.adapters.jwt.keys import KeyRing, SigningKey

__all__ = ["JwtTokenIssuer", "KeyRing", "SigningKey"]
