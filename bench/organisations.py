"""The organisations of scenario 6: created through the API, filled in bulk.

The owner creates each organisation with POST /v1/organisations, so the
organisation row and the owner's membership come from Elenchos itself. The
other members are written straight into `users` and `memberships` with
PostgreSQL's binary COPY, because a hundred thousand sign-ups through the API
would take hours of argon2.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import argon2
import asyncpg
import httpx
from sqlalchemy.engine import make_url

from bench.api import EMAIL_DOMAIN, bearer, check

logger = logging.getLogger(__name__)

# Seeded members joined over this span, so "joined in the last 7 and 30 days" count something.
JOIN_SPAN = timedelta(days=365)
# Every ADMIN_EVERY-th seeded member is an admin, the others are members.
ADMIN_EVERY = 50
WALK_PAGE_SIZE = 100
# No one signs in as a seeded member, so all of them share one hash made
# with cheap parameters.
SEEDED_MEMBER_PASSWORD = "seeded-member-password"

KNOWN_USER_COLUMNS = (
    "id",
    "email",
    "email_normalized",
    "password_hash",
    "status",
    "profile",
    "settings",
    "email_verified_at",
    "password_changed_at",
    "created_at",
    "updated_at",
)
KNOWN_MEMBERSHIP_COLUMNS = ("id", "organisation_id", "user_id", "role", "joined_at", "invited_by")


class SeedingError(Exception):
    """The schema has changed in a way that the bulk seeding does not know."""


@dataclass
class SeededOrganisation:
    """An organisation of scenario 6 and the cursor of its deep member page."""

    label: str
    organisation_id: str
    members: int
    deep_position: int = 0
    deep_cursor: str | None = None
    notes: list[str] = field(default_factory=list)


def asyncpg_dsn(database_url: str) -> str:
    """Convert a postgresql+asyncpg:// SQLAlchemy URL into the DSN that asyncpg takes."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def tables_exist(database_url: str, names: tuple[str, ...]) -> bool:
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        found = await connection.fetch(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_name = ANY($1::text[])",
            list(names),
        )
    finally:
        await connection.close()
    return {row["table_name"] for row in found} == set(names)


async def create_organisation(client: httpx.AsyncClient, token: str, name: str) -> str:
    response = await client.post("/v1/organisations", json={"name": name}, headers=bearer(token))
    organisation_id: str = check(response, 201).json()["id"]
    return organisation_id


async def seed_members(
    database_url: str,
    organisation_id: str,
    count: int,
    invited_by: str,
    label: str,
) -> None:
    """Insert count users and their memberships of the organisation with COPY, then ANALYZE.

    Raises SeedingError when a table has a required column that this
    function does not fill.
    """
    now = datetime.now(UTC)
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        user_columns = await _columns_to_fill(connection, "users", KNOWN_USER_COLUMNS)
        membership_columns = await _columns_to_fill(
            connection, "memberships", KNOWN_MEMBERSHIP_COLUMNS
        )
        users, memberships = _member_rows(organisation_id, count, invited_by, label, now)
        async with connection.transaction():
            await connection.copy_records_to_table(
                "users",
                records=(tuple(row[name] for name in user_columns) for row in users),
                columns=list(user_columns),
            )
            await connection.copy_records_to_table(
                "memberships",
                records=(tuple(row[name] for name in membership_columns) for row in memberships),
                columns=list(membership_columns),
            )
        # Fresh statistics, so the planner accounts for the new rows now rather
        # than after autovacuum analyzes the tables.
        await connection.execute("ANALYZE users")
        await connection.execute("ANALYZE memberships")
    finally:
        await connection.close()
    logger.info("Seeded %d members into organisation %s (%s)", count, organisation_id, label)


async def _columns_to_fill(
    connection: asyncpg.Connection, table: str, known: tuple[str, ...]
) -> tuple[str, ...]:
    rows = await connection.fetch(
        "SELECT column_name, is_nullable, column_default FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = $1",
        table,
    )
    present = {row["column_name"] for row in rows}
    unknown_required = sorted(
        row["column_name"]
        for row in rows
        if row["is_nullable"] == "NO"
        and row["column_default"] is None
        and row["column_name"] not in known
    )
    if unknown_required:
        raise SeedingError(
            f"table {table} has required columns that bench/organisations.py does not fill: "
            f"{', '.join(unknown_required)}; add them to the seeding"
        )
    return tuple(name for name in known if name in present)


def _member_rows(
    organisation_id: str, count: int, invited_by: str, label: str, now: datetime
) -> tuple[Iterator[dict[str, Any]], Iterator[dict[str, Any]]]:
    organisation = uuid.UUID(organisation_id)
    inviter = uuid.UUID(invited_by)
    user_ids = [uuid.uuid4() for _ in range(count)]
    step = JOIN_SPAN / max(count, 1)
    password_hash = argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(
        SEEDED_MEMBER_PASSWORD
    )

    def users() -> Iterator[dict[str, Any]]:
        for number, user_id in enumerate(user_ids):
            created = now - JOIN_SPAN - timedelta(days=1) + step * number
            email = f"member-{label}-{number:06d}@{EMAIL_DOMAIN}"
            yield {
                "id": user_id,
                "email": email,
                "email_normalized": email,
                "password_hash": password_hash,
                "status": "active",
                "profile": json.dumps({"display_name": f"Member {label} {number}"}),
                "settings": "{}",
                "email_verified_at": created,
                "password_changed_at": created,
                "created_at": created,
                "updated_at": created,
            }

    def memberships() -> Iterator[dict[str, Any]]:
        for number, user_id in enumerate(user_ids):
            yield {
                "id": uuid.uuid4(),
                "organisation_id": organisation,
                "user_id": user_id,
                "role": "admin" if number % ADMIN_EVERY == 0 else "member",
                "joined_at": now - JOIN_SPAN + step * number,
                "invited_by": inviter,
            }

    return users(), memberships()


async def find_deep_cursor(
    client: httpx.AsyncClient,
    token: str,
    members_path: str,
    seeded: SeededOrganisation,
    page_size: int,
) -> None:
    """Walk the member list to about nine tenths of its length and keep the cursor there.

    The deep page starts at most page_size members before the end, so it is as
    full as the first page. Sets seeded.deep_position and seeded.deep_cursor.
    """
    total = seeded.members + 1  # the owner is a member too
    target = max(page_size, min(total * 9 // 10, total - page_size))
    position = 0
    cursor: str | None = None
    while position < target:
        limit = min(WALK_PAGE_SIZE, target - position)
        params: dict[str, str | int] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        page = check(await client.get(members_path, params=params, headers=bearer(token)), 200)
        body = page.json()
        position += len(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    seeded.deep_position = position
    seeded.deep_cursor = cursor
    if cursor is None:
        seeded.notes.append("the member list ended before the deep page")
