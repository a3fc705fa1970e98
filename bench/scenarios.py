"""The scenarios of one server configuration, in the order they run.

Each configuration (a worker count and a core layout) runs the baseline, then
Elenchos, then the fastapi-users peer. Ratios are taken within a
configuration, so both sides of each ratio ran on the same cores minutes apart.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os

import httpx

from bench import api
from bench.api import ApiError
from bench.hashing import measure_hashing_limit
from bench.load import LoadGeneratorError, LoadSpec
from bench.measure import Context, judge, measure, read_peaks, reset_peaks, run_load, settle
from bench.processes import available_cores
from bench.results import FAILED, ConfigurationResult, ScenarioResult
from bench.scenario_organisations import run_organisation_scenarios
from bench.scenario_peer import run_peer_scenarios
from bench.scenario_refresh import run_refresh_scenario
from bench.servers import (
    Server,
    ServerError,
    start_elenchos,
    start_uvicorn_app,
    wait_until_ready,
)

logger = logging.getLogger(__name__)

JSON = "application/json"


async def run_configuration(context: Context, configuration: ConfigurationResult) -> None:
    logger.info(
        "Configuration: %d worker(s), %s", configuration.workers, configuration.layout.describe()
    )
    await run_baseline(context, configuration)
    await run_elenchos(context, configuration)
    await run_peer_scenarios(context, configuration)


async def run_baseline(context: Context, configuration: ConfigurationResult) -> None:
    result = ScenarioResult("baseline", 1, "Baseline: GET / of a bare FastAPI app")
    server = start_uvicorn_app(
        context.registry,
        name=f"baseline-{configuration.workers}w",
        factory="bench.baseline_app:create_app",
        workers=configuration.workers,
        environment=dict(os.environ),
        run_directory=context.run_directory,
        cores=configuration.layout.server,
    )
    try:
        await wait_until_ready(server)
        await measure(context, configuration, result, server, LoadSpec(server.url("/")))
    except ServerError as error:
        configuration.add(result).fail(str(error))
    finally:
        server.stop()


async def run_elenchos(context: Context, configuration: ConfigurationResult) -> None:
    server = start_elenchos(
        context.registry,
        name=f"elenchos-{configuration.workers}w",
        workers=configuration.workers,
        environment=context.elenchos_environment,
        run_directory=context.run_directory,
        cores=configuration.layout.server,
    )
    try:
        await wait_until_ready(server)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=120.0) as client:
            paths = await api.openapi_paths(client)
            tokens = await _sign_in_load_users(context, client)
            me_spec = _me_spec(context, configuration, server.url("/v1/me"), tokens)
            sign_in_spec = _sign_in_spec(context, server.url("/v1/auth/sign-in"))

            me = ScenarioResult("me", 2, "GET /v1/me")
            await measure(context, configuration, me, server, me_spec)
            await _measure_hashing_limit(context, configuration)
            sign_in = ScenarioResult("sign-in", 4, "POST /v1/auth/sign-in")
            await measure(context, configuration, sign_in, server, sign_in_spec)
            await _measure_flood(context, configuration, server, me_spec, sign_in_spec)
            await run_refresh_scenario(context, configuration, server, paths)
            await run_organisation_scenarios(context, configuration, server, client, paths)
    except (ServerError, ApiError, httpx.HTTPError) as error:
        logger.error("Elenchos scenarios stopped: %s", error)
        configuration.add(
            ScenarioResult("elenchos", 2, "Elenchos scenarios", status=FAILED, reason=str(error))
        )
    finally:
        server.stop()


async def _sign_in_load_users(context: Context, client: httpx.AsyncClient) -> list[str]:
    """Sign up the load users on first use, then sign them in and check GET /v1/me."""
    shared = context.shared
    if not shared.load_users:
        addresses = api.emails("load", context.options.load_users)
        await api.sign_up_all(client, addresses)
        shared.load_users = addresses
    tokens = await api.sign_in_all(client, shared.load_users)
    await api.read_me(client, tokens[0])
    return tokens


def _me_spec(
    context: Context, configuration: ConfigurationResult, url: str, tokens: list[str]
) -> LoadSpec:
    tokens_file = context.write_lines(f"access-tokens-{configuration.workers}w.txt", tokens)
    return LoadSpec.lines(url, tokens_file, "GET", "Authorization", "Bearer %s")


def _sign_in_spec(context: Context, url: str) -> LoadSpec:
    bodies = [
        json.dumps({"email": email, "password": api.PASSWORD})
        for email in context.shared.load_users
    ]
    bodies_file = context.write_lines("sign-in-bodies.txt", bodies)
    return LoadSpec.lines(url, bodies_file, "POST", "body", "%s", content_type=JSON)


async def _measure_hashing_limit(context: Context, configuration: ConfigurationResult) -> None:
    cores = configuration.layout.server
    processes = len(cores) if cores is not None else len(available_cores())
    result = configuration.add(
        ScenarioResult(
            "hashing-limit",
            4,
            f"argon2id verify limit, {processes} process(es) on the server's cores",
        )
    )
    result.hashing_limit = await asyncio.to_thread(
        measure_hashing_limit, context.argon2, processes, cores, context.options.duration
    )


async def _measure_flood(
    context: Context,
    configuration: ConfigurationResult,
    server: Server,
    me_spec: LoadSpec,
    sign_in_spec: LoadSpec,
) -> None:
    """Measure GET /v1/me while a second wrk keeps argon2 busy with sign-ins."""
    options = context.options
    me = configuration.add(
        ScenarioResult("me-under-sign-in", 5, "GET /v1/me during a sign-in flood")
    )
    flood = configuration.add(
        ScenarioResult("sign-in-flood", 5, "POST /v1/auth/sign-in, the flood beside it")
    )

    # The flood starts first and ends after the measured run, so argon2 is
    # busy during all of it.
    flood_seconds = options.flood_lead + options.duration + 1.0
    flood_task = asyncio.create_task(
        run_load(context, configuration, sign_in_spec, flood_seconds, flood.key)
    )
    try:
        await asyncio.sleep(options.flood_lead)
        me.peak_rss_scope = reset_peaks(server)
        me.load = await run_load(context, configuration, me_spec, options.duration, me.key)
        me.peak_rss_bytes = read_peaks(server)
    except LoadGeneratorError as error:
        me.fail(str(error))
    try:
        flood.load = await flood_task
    except LoadGeneratorError as error:
        flood.fail(str(error))

    # Both ran against the same processes over the same seconds.
    flood.peak_rss_bytes = me.peak_rss_bytes
    flood.peak_rss_scope = me.peak_rss_scope
    await settle(server)
    judge(me)
    judge(flood)
