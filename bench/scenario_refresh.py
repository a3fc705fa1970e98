"""Scenario 3: POST /v1/auth/refresh, each request with a refresh token of its own.

A refresh token works once, so the run needs as many as it sends requests,
and each one comes from a sign-in. Signing in tens of thousands of times with
the server's argon2 parameters would take longer than the benchmark, so a
second Elenchos process, the token issuer, signs in dedicated accounts whose
hashes use cheap parameters. It shares the database and the signing key with
the server under test, which then refreshes the sessions it created.
"""

from __future__ import annotations

import logging
import math
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
# Tokens prepared per request expected: the rate of GET /v1/me, which does
# less work than a refresh, times this margin.
TOKEN_MARGIN = 1.5
FALLBACK_RATE = 1000.0
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

    warmup_count, measured_count = _token_counts(context, configuration)
    try:
        tokens = await _issue_refresh_tokens(
            context, configuration, 1 + warmup_count + measured_count
        )
        async with httpx.AsyncClient(base_url=server.base_url, timeout=60.0) as client:
            # The first token checks that the server under test accepts the issuer's tokens.
            response = await client.post(REFRESH_PATH, json={"refresh_token": tokens[0]})
            api.check(response, 200)
    except (api.ApiError, ServerError, httpx.HTTPError) as error:
        configuration.add(result).fail(f"preparing refresh tokens failed: {error}")
        return

    workers = configuration.workers
    warmup_file = context.write_lines(
        f"refresh-tokens-{workers}w-warmup.txt", tokens[1 : 1 + warmup_count]
    )
    measured_file = context.write_lines(
        f"refresh-tokens-{workers}w.txt", tokens[1 + warmup_count :]
    )
    url = server.url(REFRESH_PATH)
    await measure(
        context,
        configuration,
        result,
        server,
        _refresh_spec(url, measured_file),
        warmup_spec=_refresh_spec(url, warmup_file),
    )


def _refresh_spec(url: str, tokens_file: Path) -> LoadSpec:
    return LoadSpec.lines(
        url,
        tokens_file,
        "POST",
        "body",
        '{"refresh_token": "%s"}',
        mode="once",
        content_type="application/json",
    )


def _token_counts(context: Context, configuration: ConfigurationResult) -> tuple[int, int]:
    """Return how many tokens the warm-up and the measured run need, within the cap."""
    options = context.options
    me = configuration.find("me")
    rate = (me.rate if me is not None else None) or FALLBACK_RATE
    warmup = math.ceil(rate * options.warmup * TOKEN_MARGIN) + options.connections
    measured = math.ceil(rate * options.duration * TOKEN_MARGIN) + options.connections
    if warmup + measured > options.max_refresh_tokens:
        scale = options.max_refresh_tokens / (warmup + measured)
        warmup, measured = math.floor(warmup * scale), math.floor(measured * scale)
        logger.warning(
            "Refresh tokens capped at %d by --max-refresh-tokens; the run may run out",
            options.max_refresh_tokens,
        )
    return warmup, measured


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
                    lambda email=users[number % len(users)]: api.sign_in(client, email)
                    for number in range(count)
                ),
                limit=ISSUER_CONCURRENCY,
            )
    finally:
        issuer.stop()

    tokens = [response.get("refresh_token") for response in responses]
    if not all(isinstance(token, str) and token for token in tokens):
        raise api.ApiError("POST /v1/auth/sign-in answered without a refresh_token")
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
