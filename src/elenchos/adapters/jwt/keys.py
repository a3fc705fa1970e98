"""Signing keys: loading, generating and publishing them as a JWKS."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from jwt.algorithms import OKPAlgorithm, RSAAlgorithm

logger = logging.getLogger(__name__)

SUPPORTED_ALGORITHMS = ("EdDSA", "RS256")
RSA_KEY_BITS = 3072

PrivateKey = ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey
PublicKey = ed25519.Ed25519PublicKey | rsa.RSAPublicKey


class KeyFileError(Exception):
    """A key file is missing, unreadable or of the wrong type."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    algorithm: str
    private_key: PrivateKey
    generated: bool = False

    @property
    def public_key(self) -> PublicKey:
        return self.private_key.public_key()

    def public_jwk(self) -> dict[str, Any]:
        public_key = self.public_key
        if isinstance(public_key, ed25519.Ed25519PublicKey):
            jwk = OKPAlgorithm.to_jwk(public_key, as_dict=True)
        else:
            jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
        return {**jwk, "kid": self.kid, "alg": self.algorithm, "use": "sig"}


def thumbprint(public_key: PublicKey) -> str:
    """Return the RFC 7638 JWK thumbprint of a public key, used as its kid."""
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        jwk = OKPAlgorithm.to_jwk(public_key, as_dict=True)
        members = {name: jwk[name] for name in ("crv", "kty", "x")}
    else:
        jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
        members = {name: jwk[name] for name in ("e", "kty", "n")}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    digest = hashlib.sha256(canonical).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def algorithm_for(private_key: PrivateKey) -> str:
    return "EdDSA" if isinstance(private_key, ed25519.Ed25519PrivateKey) else "RS256"


def load_pem(path: Path, generated: bool = False) -> SigningKey:
    """Load a PEM private key; raises KeyFileError when it is not an Ed25519 or RSA key."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"cannot read the private key file {path}: {exc.strerror}") from exc
    try:
        private_key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"{path} is not an unencrypted PEM private key") from exc
    if not isinstance(private_key, ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey):
        raise KeyFileError(f"{path} contains an unsupported key type; use an Ed25519 or RSA key")
    return SigningKey(
        kid=thumbprint(private_key.public_key()),
        algorithm=algorithm_for(private_key),
        private_key=private_key,
        generated=generated,
    )


def generate_private_key(algorithm: str) -> PrivateKey:
    if algorithm == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)
    raise KeyFileError(
        f"unsupported JWT algorithm {algorithm!r}; use one of {', '.join(SUPPORTED_ALGORITHMS)}"
    )


def write_pem(path: Path, private_key: PrivateKey) -> None:
    """Write a private key readable by its owner only."""
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)


class KeyRing:
    """Every key that verifies tokens; the newest one signs."""

    def __init__(self, keys: list[SigningKey]) -> None:
        if not keys:
            raise KeyFileError("a key ring needs at least one key")
        self._keys = list(keys)
        self._by_kid = {key.kid: key for key in keys}

    @property
    def signing_key(self) -> SigningKey:
        return self._keys[-1]

    @property
    def keys(self) -> list[SigningKey]:
        return list(self._keys)

    def verification_key(self, kid: str) -> SigningKey | None:
        return self._by_kid.get(kid)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.public_jwk() for key in self._keys]}

    @classmethod
    def from_file(cls, path: Path) -> KeyRing:
        return cls([load_pem(path)])

    @classmethod
    def from_directory(
        cls, directory: Path, algorithm: str, generate_when_empty: bool = True
    ) -> KeyRing:
        """Load the keys kept in a directory, generating the first one when it is empty.

        Files are ordered by name, and names start with a timestamp, so the
        last file is the newest key and signs. With generate_when_empty off,
        an empty directory raises KeyFileError.
        """
        paths = key_files(directory)
        if not paths:
            if not generate_when_empty:
                raise KeyFileError(
                    f"no *.pem signing key in {directory}; create one with 'elenchos keys rotate'"
                )
            paths = [generate_key_file(directory, algorithm)]
        return cls([load_pem(path, generated=True) for path in paths])


def key_files(directory: Path) -> list[Path]:
    """Return the key files of a directory, oldest first."""
    return sorted(directory.glob("*.pem"))


def generate_key_file(directory: Path, algorithm: str, stamp: str | None = None) -> Path:
    """Generate a key into the directory and return its path."""
    from datetime import UTC, datetime

    private_key = generate_private_key(algorithm)
    stamp = stamp or datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = directory / f"{stamp}-{thumbprint(private_key.public_key())[:16]}.pem"
    write_pem(path, private_key)
    logger.info("generated a %s signing key in %s", algorithm, path)
    return path
