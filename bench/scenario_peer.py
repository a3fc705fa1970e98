"""Scenario 7: GET /users/me and sign-in of the fastapi-users peer, as scenarios 2 and 4."""

from __future__ import annotations

import logging
from functools import partial
from urllib.parse import urlencode

import httpx

from bench import api
from bench.load import LoadSpec
from bench.measure import Context, measure
from bench.results import ConfigurationResult, ScenarioResult
from bench.servers import ServerError, start_uvicorn_app, wait_until_ready

logger = logging.getLogger(__name__)

PEER_FACTORY = "bench.peers.fastapi_users_app:create_app"
FORM = "application/x-www-form-urlencoded"


async def run_peer_scenarios(context: Context, configuration: ConfigurationResult) -> None:
    me = ScenarioResult("peer-me", 7, "Peer (fastapi-users): GET /users/me")
    sign_in = ScenarioResult("peer-sign-in", 7, "Peer (fastapi-users): POST /auth/jwt/login")
    try:
        from bench.peers import fastapi_users_app
    except ImportError as error:
        reason = f"cannot import the peer ({error}); install it with pip install -e '.[bench]'"
        configuration.add(me).fail(reason)
        configuration.add(sign_in).fail(reason)
        return

    database_url = context.peer_environment["PEER_DATABASE_URL"]
    if not context.shared.peer_tables_created:
        await fastapi_users_app.create_tables(database_url)
        context.shared.peer_tables_created = True

    server = start_uvicorn_app(
        context.registry,
        name=f"peer-{configuration.workers}w",
        factory=PEER_FACTORY,
        workers=configuration.workers,
        environment=context.peer_environment,
        run_directory=context.run_directory,
        cores=configuration.layout.server,
    )
    try:
        await wait_until_ready(server)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=120.0) as client:
            tokens = await _log_in_peer_users(context, client)
        workers = configuration.workers
        tokens_file = context.write_lines(f"peer-access-tokens-{workers}w.txt", tokens)
        me_spec = LoadSpec.lines(
            server.url("/users/me"), tokens_file, "GET", "Authorization", "Bearer %s"
        )
        await measure(context, configuration, me, server, me_spec)

        forms = [
            urlencode({"username": email, "password": api.PASSWORD})
            for email in context.shared.peer_users
        ]
        forms_file = context.write_lines("peer-login-forms.txt", forms)
        login_spec = LoadSpec.lines(
            server.url("/auth/jwt/login"), forms_file, "POST", "body", "%s", content_type=FORM
        )
        await measure(context, configuration, sign_in, server, login_spec)
    except (ServerError, api.ApiError, httpx.HTTPError) as error:
        logger.error("Peer scenarios stopped: %s", error)
        for result in (me, sign_in):
            if result not in configuration.scenarios:
                configuration.add(result).fail(str(error))
    finally:
        server.stop()


async def _log_in_peer_users(context: Context, client: httpx.AsyncClient) -> list[str]:
    """Register the peer's load users on first use, log them in and check GET /users/me."""
    shared = context.shared
    if not shared.peer_users:
        addresses = api.emails("peer", context.options.load_users)
        await api.gather_bounded(
            partial(api.register_peer_user, client, email) for email in addresses
        )
        shared.peer_users = addresses
    tokens = await api.gather_bounded(
        partial(api.peer_login, client, email) for email in shared.peer_users
    )
    api.check(await client.get("/users/me", headers=api.bearer(tokens[0])), 200)
    return tokens
