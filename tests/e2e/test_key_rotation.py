"""Signing-key rotation: `elenchos keys`, restarts, and tokens of old and retired keys."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import httpx
import jwt
import pytest

from elenchos.adapters.jwt.keys import KeyFileError, KeyRing, generate_key_file
from elenchos.bootstrap import Container, build
from elenchos.domain.users import User
from elenchos.http.app import create_app
from tests.conftest import cheap_hasher, make_settings
from tests.e2e.test_cli import run_cli
from tests.support.accounts import bearer, session_token

Server = Callable[[], AbstractAsyncContextManager[tuple[Container, httpx.AsyncClient]]]


@pytest.fixture
def keys_dir(tmp_path: Path) -> Path:
    return tmp_path / "keys"


@pytest.fixture
def server(database_url: str, tmp_path: Path, keys_dir: Path) -> Server:
    """Start the service on the keys directory; each call is a restart that reloads the keys."""

    @asynccontextmanager
    async def started() -> AsyncIterator[tuple[Container, httpx.AsyncClient]]:
        settings = make_settings(tmp_path / "data", database_url, jwt_keys_dir=keys_dir)
        container = await build(settings, hasher=cheap_hasher())
        transport = httpx.ASGITransport(app=create_app(container=container))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield container, http
        await container.close()

    return started


async def stored_user(container: Container) -> User:
    email = f"{uuid.uuid4().hex}@example.com"
    user = User.register(email, "unused", container.clock.now(), verified=True)
    async with container.uow() as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


def kid_of(token: str) -> str:
    kid: str = jwt.get_unverified_header(token)["kid"]
    return kid


async def test_rotation_keeps_old_tokens_until_retired(
    server: Server, keys_dir: Path
) -> None:
    first_path = generate_key_file(keys_dir, "EdDSA", stamp="20260101T000000000000Z")
    async with server() as (container, _):
        user = await stored_user(container)
        old_token = await session_token(container, user.id)
        old_kid = container.keys.signing_key.kid

    generate_key_file(keys_dir, "EdDSA", stamp="20260201T000000000000Z")
    async with server() as (container, http):
        new_token = await session_token(container, user.id)
        jwks = await http.get("/.well-known/jwks.json")
        old_answer = await http.get("/v1/me", headers=bearer(old_token))
        new_kid = container.keys.signing_key.kid

    assert kid_of(new_token) == new_kid != old_kid
    assert old_answer.status_code == 200
    assert {key["kid"] for key in jwks.json()["keys"]} == {old_kid, new_kid}
    assert "max-age" in jwks.headers["cache-control"]

    first_path.unlink()
    async with server() as (container, http):
        retired = await http.get("/v1/me", headers=bearer(old_token))
        current = await http.get("/v1/me", headers=bearer(new_token))
        jwks = await http.get("/.well-known/jwks.json")

    assert retired.status_code == 401
    assert retired.json()["code"] == "invalid_token"
    assert current.status_code == 200
    assert [key["kid"] for key in jwks.json()["keys"]] == [new_kid]


def test_empty_keys_directory_rejected_when_generation_off(keys_dir: Path) -> None:
    keys_dir.mkdir()

    with pytest.raises(KeyFileError, match="elenchos keys rotate"):
        KeyRing.from_directory(keys_dir, "EdDSA", generate_when_empty=False)


def test_keys_cli_rotates_lists_and_retires(tmp_path: Path, keys_dir: Path) -> None:
    environment = {"ELENCHOS_JWT_KEYS_DIR": str(keys_dir)}

    empty = run_cli("keys", "list", cwd=tmp_path, **environment)
    first = run_cli("keys", "rotate", cwd=tmp_path, **environment)
    second = run_cli("keys", "rotate", "--algorithm", "RS256", cwd=tmp_path, **environment)
    listed = run_cli("keys", "list", cwd=tmp_path, **environment)

    assert empty.returncode == 1
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    rows = [line.split() for line in listed.stdout.splitlines()[1:]]
    assert [(row[1], row[3]) for row in rows] == [("EdDSA", "verifies"), ("RS256", "signs")]
    old_kid, signing_kid = rows[0][0], rows[1][0]

    refused = run_cli("keys", "retire", signing_kid, cwd=tmp_path, **environment)
    unknown = run_cli("keys", "retire", "no-such-kid", cwd=tmp_path, **environment)
    retired = run_cli("keys", "retire", old_kid, cwd=tmp_path, **environment)
    after = run_cli("keys", "list", cwd=tmp_path, **environment)

    assert refused.returncode == 1
    assert "signing key" in refused.stderr
    assert unknown.returncode == 1
    assert retired.returncode == 0, retired.stderr
    assert old_kid not in after.stdout
    assert signing_kid in after.stdout
    assert len(list(keys_dir.glob("*.pem"))) == 1


def test_keys_cli_rejects_single_key_file(tmp_path: Path) -> None:
    result = run_cli(
        "keys", "rotate", cwd=tmp_path, ELENCHOS_JWT_PRIVATE_KEY_FILE=str(tmp_path / "k.pem")
    )

    assert result.returncode == 2
    assert "ELENCHOS_JWT_KEYS_DIR" in result.stderr
