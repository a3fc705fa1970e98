"""Scenario 3: POST /v1/auth/refresh, each request with a refresh token of its own.

A refresh token works once. Each connection starts from a token prepared
beforehand, and every response carries the next one, which lua/lines.lua in
recycle mode sends later on. So no token is sent twice, and a run of any
length needs only a few tokens per connection.

The prepared tokens come from sign-ins. A second Elenchos process, the token
issuer, signs in accounts of its own whose hashes use cheap argon2
parameters, so preparing them takes seconds rather than minutes. It shares
the database and the signing key with the server under test, which then
refreshes the sessions that the issuer created.
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path

import httpx

from bench import api
from bench.load import LoadSpec
from bench.measure import Context, measure
from bench.processes import available_cores
from bench.results import NOT_AVAILABLE, ConfigurationResult, ScenarioResult
from bench.servers import Server, ServerError, start_elenchos, wait_until_ready

logger = logging.getLogger(__name__)

REFRESH_PATH = "/v1/auth/refresh"
TOKEN_USERS = 64
# Prepared tokens per connection, for the warm-up and the measured run each.
# One is enough while every response carries a new token; the rest spread
# the load over more sessions.
TOKENS_PER_CONNECTION = 2
ISSUER_CONCURRENCY = 32
TOKEN_ISSUER_ARGON2 = {
    "ELENCHOS_ARGON2_TIME_COST": "1",
    "ELENCHOS_ARGON2_MEMORY_COST_KIB": "1024",
    "ELENCHOS_ARGON2_PARALLELISM": "1",
}


async def run_refresh_scenario(
    context: Context,
    configuration: ConfigurationResult,
    server: Server,
    paths: dict[str, set[str]],
) -> None:
    result = ScenarioResult(
        "refresh", 3, "POST /v1/auth/refresh, a new refresh token for every request"
    )
    if "POST" not in paths.get(REFRESH_PATH, set()):
        result.status = NOT_AVAILABLE
        result.reason = f"POST {REFRESH_PATH} is not in the server's OpenAPI document"
        configuration.add(result)
        return

    per_run = TOKENS_PER_CONNECTION * context.options.connections
    warmup_count = per_run if context.options.warmup > 0 else 0
    try:
        tokens = await _issue_refresh_tokens(context, configuration, 1 + warmup_count + per_run)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=60.0) as client:
            # The first token checks that the server under test accepts the issuer's tokens.
            response = await client.post(REFRESH_PATH, json={"refresh_token": tokens[0]})
            api.check(response, 200)
    except (api.ApiError, ServerError, httpx.HTTPError) as error:
        configuration.add(result).fail(f"preparing refresh tokens failed: {error}")
        return

    workers = configuration.workers
    url = server.url(REFRESH_PATH)
    measured_file = context.write_lines(
        f"refresh-tokens-{workers}w.txt", tokens[1 + warmup_count :]
    )
    warmup_spec = None
    if warmup_count:
        warmup_file = context.write_lines(
            f"refresh-tokens-{workers}w-warmup.txt", tokens[1 : 1 + warmup_count]
        )
        warmup_spec = _refresh_spec(url, warmup_file)
    await measure(
        context,
        configuration,
        result,
        server,
        _refresh_spec(url, measured_file),
        warmup_spec=warmup_spec,
    )


def _refresh_spec(url: str, tokens_file: Path) -> LoadSpec:
    return LoadSpec.lines(
        url,
        tokens_file,
        "POST",
        "body",
        '{"refresh_token": "%s"}',
        mode="recycle",
        content_type="application/json",
        recycle_field="refresh_token",
    )


async def _issue_refresh_tokens(
    context: Context, configuration: ConfigurationResult, count: int
) -> list[str]:
    environment = {**context.elenchos_environment, **TOKEN_ISSUER_ARGON2}
    issuer = start_elenchos(
        context.registry,
        name=f"token-issuer-{configuration.workers}w",
        workers=len(available_cores()),
        environment=environment,
        run_directory=context.run_directory,
        cores=None,
    )
    try:
        await wait_until_ready(issuer)
        async with httpx.AsyncClient(base_url=issuer.base_url, timeout=120.0) as client:
            await _prepare_token_users(context, client)
            users = context.shared.token_users
            logger.info("Issuing %d refresh tokens", count)
            responses = await api.gather_bounded(
                (
                    partial(api.sign_in, client, users[number % len(users)])
                    for number in range(count)
                ),
                limit=ISSUER_CONCURRENCY,
            )
    finally:
        issuer.stop()

    tokens = [response.get("refresh_token") for response in responses]
    if not all(isinstance(token, str) and token for token in tokens):
        raise api.ApiError("POST /v1/auth/sign-in returned no refresh_token")
    return [str(token) for token in tokens]


async def _prepare_token_users(context: Context, client: httpx.AsyncClient) -> None:
    """Sign up the token issuer's accounts once, with the new-sign-in mail turned off."""
    if context.shared.token_users:
        return
    addresses = api.emails("refresh", TOKEN_USERS)
    await api.sign_up_all(client, addresses)
    for email in addresses:
        token = (await api.sign_in(client, email))["access_token"]
        response = await client.patch(
            "/v1/me", json={"settings": {"notify_on_sign_in": False}}, headers=api.bearer(token)
        )
        api.check(response, 200)
    context.shared.token_users = addresses
