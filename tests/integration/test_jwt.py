"""Access tokens: claims, key persistence and every forged token we can think of."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from elenchos.adapters.jwt import JwtTokenIssuer, KeyRing
from elenchos.adapters.jwt.keys import SigningKey, generate_private_key, thumbprint
from elenchos.adapters.memory import FixedClock
from elenchos.domain.errors import InvalidToken

ISSUER = "https://auth.example.com"
AUDIENCE = "example-api"


def make_key(algorithm: str = "EdDSA") -> SigningKey:
    private_key = generate_private_key(algorithm)
    return SigningKey(thumbprint(private_key.public_key()), algorithm, private_key)


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return make_key()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC))


@pytest.fixture
def issuer(key: SigningKey, clock: FixedClock) -> JwtTokenIssuer:
    return JwtTokenIssuer(KeyRing([key]), ISSUER, AUDIENCE, timedelta(minutes=15), clock)


def claims_for(clock: FixedClock, **overrides: object) -> dict[str, object]:
    now = int(clock.now().timestamp())
    claims: dict[str, object] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(uuid.uuid4()),
        "iat": now,
        "exp": now + 600,
        "jti": "abc",
    }
    claims.update(overrides)
    return claims


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_issued_token_carries_required_claims(issuer: JwtTokenIssuer, key: SigningKey) -> None:
    user_id = uuid.uuid4()

    issued = issuer.issue_access_token(user_id, {"org": "o1"})

    header = jwt.get_unverified_header(issued.token)
    claims = jwt.decode(issued.token, key.public_key, algorithms=["EdDSA"], audience=AUDIENCE)
    assert header["kid"] == key.kid
    assert header["alg"] == "EdDSA"
    assert claims["iss"] == ISSUER
    assert claims["sub"] == str(user_id)
    assert claims["exp"] - claims["iat"] == 900
    assert claims["jti"] == issued.token_id
    assert issuer.verify_access_token(issued.token).extra == {"org": "o1"}


def test_rs256_keys_sign_and_verify(clock: FixedClock) -> None:
    rsa_issuer = JwtTokenIssuer(
        KeyRing([make_key("RS256")]), ISSUER, AUDIENCE, timedelta(minutes=5), clock
    )
    user_id = uuid.uuid4()

    token = rsa_issuer.issue_access_token(user_id).token

    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    assert rsa_issuer.verify_access_token(token).subject == user_id


def test_expired_token_rejected(issuer: JwtTokenIssuer, clock: FixedClock) -> None:
    token = issuer.issue_access_token(uuid.uuid4()).token

    clock.advance(timedelta(minutes=16))

    with pytest.raises(InvalidToken, match="expired"):
        issuer.verify_access_token(token)


def sign_raw(header: dict[str, object], claims: dict[str, object], key: SigningKey) -> str:
    """Sign an arbitrary header with an Ed25519 key, bypassing PyJWT's own header checks."""
    signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
    signature = key.private_key.sign(signing_input.encode())  # type: ignore[call-arg]
    return signing_input + "." + b64(signature)


def forged_tokens(key: SigningKey, clock: FixedClock) -> dict[str, str]:
    other = make_key()
    public_pem = key.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    claims = claims_for(clock)
    header = {"kid": key.kid}
    unsigned = b64(json.dumps({"alg": "none", "kid": key.kid}).encode()) + "." + b64(
        json.dumps(claims).encode()
    )
    hs256_with_public_key = (
        b64(json.dumps({"alg": "HS256", "kid": key.kid, "typ": "JWT"}).encode())
        + "."
        + b64(json.dumps(claims).encode())
    )
    import hashlib
    import hmac

    signature = hmac.new(public_pem, hs256_with_public_key.encode(), hashlib.sha256).digest()
    return {
        "alg none": unsigned + ".",
        "hs256 keyed with public key": hs256_with_public_key + "." + b64(signature),
        "wrong key, same kid": jwt.encode(claims, other.private_key, "EdDSA", headers=header),
        "unknown kid": jwt.encode(claims, other.private_key, "EdDSA", headers={"kid": other.kid}),
        "no kid": jwt.encode(claims, key.private_key, "EdDSA"),
        "kid with path": jwt.encode(
            claims, key.private_key, "EdDSA", headers={"kid": "../../etc/passwd"}
        ),
        "kid with sql": jwt.encode(
            claims, key.private_key, "EdDSA", headers={"kid": "x' OR '1'='1"}
        ),
        "kid not a string": sign_raw({"alg": "EdDSA", "kid": 7}, claims, key),
        "wrong audience": jwt.encode(
            claims_for(clock, aud="someone-else"), key.private_key, "EdDSA", headers=header
        ),
        "wrong issuer": jwt.encode(
            claims_for(clock, iss="https://evil.example"), key.private_key, "EdDSA", headers=header
        ),
        "expired": jwt.encode(
            claims_for(clock, exp=int(clock.now().timestamp()) - 3600),
            key.private_key,
            "EdDSA",
            headers=header,
        ),
        "missing jti": jwt.encode(
            {name: value for name, value in claims.items() if name != "jti"},
            key.private_key,
            "EdDSA",
            headers=header,
        ),
        "subject not a uuid": jwt.encode(
            claims_for(clock, sub="admin"), key.private_key, "EdDSA", headers=header
        ),
        "exp out of range": jwt.encode(
            claims_for(clock, exp=10**30), key.private_key, "EdDSA", headers=header
        ),
        "garbage": "not.a.token",
        "empty segments": "..",
        "huge": "a" * 20000,
    }


@pytest.mark.parametrize(
    "case",
    [
        "alg none",
        "hs256 keyed with public key",
        "wrong key, same kid",
        "unknown kid",
        "no kid",
        "kid with path",
        "kid with sql",
        "kid not a string",
        "wrong audience",
        "wrong issuer",
        "expired",
        "missing jti",
        "subject not a uuid",
        "exp out of range",
        "garbage",
        "empty segments",
        "huge",
    ],
)
def test_forged_token_rejected(
    case: str, issuer: JwtTokenIssuer, key: SigningKey, clock: FixedClock
) -> None:
    token = forged_tokens(key, clock)[case]

    with pytest.raises(InvalidToken):
        issuer.verify_access_token(token)


def test_generated_key_survives_restart(tmp_path: Path) -> None:
    first = KeyRing.from_directory(tmp_path / "keys", "EdDSA")

    second = KeyRing.from_directory(tmp_path / "keys", "EdDSA")

    assert first.signing_key.kid == second.signing_key.kid
    assert len(list((tmp_path / "keys").glob("*.pem"))) == 1
    assert ((tmp_path / "keys").glob("*.pem").__next__().stat().st_mode & 0o077) == 0


def test_jwks_lists_public_parts_only(key: SigningKey) -> None:
    jwks = KeyRing([key]).jwks()

    assert jwks["keys"][0]["kid"] == key.kid
    assert jwks["keys"][0]["alg"] == "EdDSA"
    assert "d" not in jwks["keys"][0]


def test_cached_token_still_expires(issuer: JwtTokenIssuer, clock: FixedClock) -> None:
    token = issuer.issue_access_token(uuid.uuid4()).token
    issuer.verify_access_token(token)

    clock.advance(timedelta(minutes=16))

    with pytest.raises(InvalidToken, match="expired"):
        issuer.verify_access_token(token)


def test_cache_is_bounded(key: SigningKey, clock: FixedClock) -> None:
    small = JwtTokenIssuer(
        KeyRing([key]), ISSUER, AUDIENCE, timedelta(minutes=5), clock, verified_cache_size=2
    )
    tokens = [small.issue_access_token(uuid.uuid4()).token for _ in range(3)]

    for token in tokens:
        small.verify_access_token(token)

    assert list(small._verified) == tokens[1:]


def test_tampered_copy_of_cached_token_rejected(issuer: JwtTokenIssuer) -> None:
    token = issuer.issue_access_token(uuid.uuid4()).token
    issuer.verify_access_token(token)
    header, payload, signature = token.split(".")

    with pytest.raises(InvalidToken):
        issuer.verify_access_token(f"{header}.{payload}.{signature[:-2]}AA")
