"""Scenario 6: statistics and member pages of a large and a small organisation.

The first configuration creates both organisations, seeds their members,
finds the cursor of a deep member page and records the query plans. Later
configurations reuse them. Each organisation gets four rows: statistics at
full concurrency and over one connection, the first member page and the deep one.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import asyncpg
import httpx

from bench import api
from bench.explain import PlannedRequest, capture_query_plans
from bench.load import LoadSpec
from bench.measure import Context, measure
from bench.organisations import (
    SeededOrganisation,
    SeedingError,
    create_organisation,
    find_deep_cursor,
    seed_members,
    tables_exist,
)
from bench.results import NOT_AVAILABLE, OK, ConfigurationResult, ScenarioResult
from bench.servers import Server

logger = logging.getLogger(__name__)

ORGANISATIONS_PATH = "/v1/organisations"
STATISTICS_PATTERN = r"/v1/organisations/\{[^}/]+\}/statistics"
MEMBERS_PATTERN = r"/v1/organisations/\{[^}/]+\}/members"
TABLES = ("organisations", "memberships")


async def run_organisation_scenarios(
    context: Context,
    configuration: ConfigurationResult,
    server: Server,
    client: httpx.AsyncClient,
    paths: dict[str, set[str]],
) -> None:
    statistics_path = api.find_path(paths, STATISTICS_PATTERN, "GET")
    members_path = api.find_path(paths, MEMBERS_PATTERN, "GET")
    missing = _missing_endpoints(paths, statistics_path, members_path)
    if not missing and not await tables_exist(context.database_url, TABLES):
        missing = f"the tables {' and '.join(TABLES)} do not exist after migration"
    if missing or statistics_path is None or members_path is None:
        configuration.add(
            ScenarioResult(
                "organisations",
                6,
                "Organisation statistics and member pages",
                status=NOT_AVAILABLE,
                reason=missing,
            )
        )
        return

    try:
        token = await _owner_token(context, client)
        if not context.shared.organisations:
            await _prepare_organisations(context, client, token, statistics_path, members_path)
    except (api.ApiError, SeedingError, asyncpg.PostgresError, httpx.HTTPError) as error:
        configuration.add(
            ScenarioResult("organisations", 6, "Organisation statistics and member pages")
        ).fail(f"preparing the organisations failed: {error}")
        return

    token_file = context.write_lines(f"owner-token-{configuration.workers}w.txt", [token])
    for seeded in context.shared.organisations:
        for result, url, connections in _requests(
            server, seeded, statistics_path, members_path, context.options.page_size
        ):
            spec = LoadSpec.lines(url, token_file, "GET", "Authorization", "Bearer %s")
            await _check_once(client, url, token, result)
            if result.status == OK:
                await measure(context, configuration, result, server, spec, connections=connections)
            else:
                configuration.add(result)


def _missing_endpoints(
    paths: dict[str, set[str]], statistics_path: str | None, members_path: str | None
) -> str:
    missing = []
    if "POST" not in paths.get(ORGANISATIONS_PATH, set()):
        missing.append(f"POST {ORGANISATIONS_PATH}")
    if statistics_path is None:
        missing.append("GET /v1/organisations/{id}/statistics")
    if members_path is None:
        missing.append("GET /v1/organisations/{id}/members")
    if not missing:
        return ""
    return f"{', '.join(missing)} not in the server's OpenAPI document"


async def _owner_token(context: Context, client: httpx.AsyncClient) -> str:
    if context.shared.owner_email is None:
        owner = api.emails("owner", 1)[0]
        await api.sign_up(client, owner)
        context.shared.owner_email = owner
    token: str = (await api.sign_in(client, context.shared.owner_email))["access_token"]
    return token


async def _prepare_organisations(
    context: Context,
    client: httpx.AsyncClient,
    token: str,
    statistics_path: str,
    members_path: str,
) -> None:
    options = context.options
    owner_id = str((await api.read_me(client, token))["id"])
    organisations = []
    for label, members in (("large", options.large_members), ("small", options.small_members)):
        organisation_id = await create_organisation(
            client, token, f"Benchmark {label} organisation"
        )
        await seed_members(context.database_url, organisation_id, members, owner_id, label)
        seeded = SeededOrganisation(label, organisation_id, members)
        path = _fill(members_path, organisation_id)
        await find_deep_cursor(client, token, path, seeded, options.page_size)
        organisations.append(seeded)
    context.shared.organisations = organisations
    context.shared.query_plans = await _query_plans(
        context, token, organisations[0], statistics_path, members_path
    )


async def _query_plans(
    context: Context,
    token: str,
    seeded: SeededOrganisation,
    statistics_path: str,
    members_path: str,
) -> list[dict[str, object]]:
    size = f"{seeded.members:,} members"
    members = _fill(members_path, seeded.organisation_id)
    deep_params: dict[str, str | int] = {"limit": context.options.page_size}
    if seeded.deep_cursor is not None:
        deep_params["cursor"] = seeded.deep_cursor
    planned = [
        PlannedRequest(
            f"GET statistics, {size}", _fill(statistics_path, seeded.organisation_id), {}
        ),
        PlannedRequest(
            f"GET members, first page, {size}", members, {"limit": context.options.page_size}
        ),
        PlannedRequest(
            f"GET members, page from member {seeded.deep_position:,}, {size}",
            members,
            deep_params,
        ),
    ]
    try:
        return await capture_query_plans(context.elenchos_environment, token, planned)
    except Exception as error:
        # The plans document the run; a failure to capture them must not end it.
        logger.warning("Could not capture the query plans: %s", error)
        return [{"request": "query plans", "error": f"{type(error).__name__}: {error}"}]


def _requests(
    server: Server,
    seeded: SeededOrganisation,
    statistics_path: str,
    members_path: str,
    page_size: int,
) -> list[tuple[ScenarioResult, str, int | None]]:
    size = f"{seeded.members:,} members"
    key = f"organisation-{seeded.label}"
    statistics_url = server.url(_fill(statistics_path, seeded.organisation_id))
    members_url = server.url(_fill(members_path, seeded.organisation_id))
    first_page_url = f"{members_url}?{urlencode({'limit': page_size})}"

    deep = ScenarioResult(
        f"{key}-deep-page", 6, f"GET members, page from member {seeded.deep_position:,}, {size}"
    )
    if seeded.deep_cursor is None:
        deep.status = NOT_AVAILABLE
        deep.reason = "; ".join(seeded.notes) or "no deep cursor"
        deep_page_url = first_page_url
    else:
        deep_page_url = (
            f"{members_url}?{urlencode({'limit': page_size, 'cursor': seeded.deep_cursor})}"
        )

    return [
        (ScenarioResult(f"{key}-statistics", 6, f"GET statistics, {size}"), statistics_url, None),
        (
            ScenarioResult(
                f"{key}-statistics-1-connection", 6, f"GET statistics, {size}, 1 connection"
            ),
            statistics_url,
            1,
        ),
        (
            ScenarioResult(f"{key}-first-page", 6, f"GET members, first page, {size}"),
            first_page_url,
            None,
        ),
        (deep, deep_page_url, None),
    ]


async def _check_once(
    client: httpx.AsyncClient, url: str, token: str, result: ScenarioResult
) -> None:
    """Send the scenario's request once; wrk counts only statuses of 400 and above as errors."""
    if result.status != OK:
        return
    response = await client.get(url, headers=api.bearer(token))
    if response.status_code != 200:
        result.fail(f"GET answered {response.status_code}: {response.text[:300]}")


def _fill(path_template: str, organisation_id: str) -> str:
    """Put the organisation id into a path such as /v1/organisations/{organisation_id}/members."""
    start = path_template.index("{")
    end = path_template.index("}", start)
    return path_template[:start] + organisation_id + path_template[end + 1 :]
