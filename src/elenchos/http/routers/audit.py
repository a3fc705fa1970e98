"""Security events: a user's own, and an organisation's audit log for its owners and admins."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from elenchos.application.audit import SecurityEventFilter
from elenchos.application.read_models import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from elenchos.domain.audit import SecurityEventType
from elenchos.http.dependencies import ClaimsDep, ContainerDep
from elenchos.http.schemas_audit import SecurityEventPageResponse

router = APIRouter()

FILTERS_DESCRIPTION = (
    "Newest first, with keyset pagination: pass the next_cursor of one page as cursor to "
    "read the next. Repeat type to match any of several event types. since is inclusive "
    "and until exclusive; both need a time zone, as in 2026-01-01T00:00:00Z."
)
NOT_A_MEMBER: dict[int | str, dict[str, Any]] = {
    403: {"description": "Members may not read the audit log (forbidden)."},
    404: {"description": "Not a member, or no such organisation."},
}

TypeQuery = Annotated[list[SecurityEventType] | None, Query(alias="type")]
LimitQuery = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
CursorQuery = Annotated[str | None, Query(max_length=512)]


def _selection(
    types: list[SecurityEventType] | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    cursor: str | None,
) -> SecurityEventFilter:
    return SecurityEventFilter(
        types=frozenset(types or ()), since=since, until=until, limit=limit, cursor=cursor
    )


@router.get(
    "/v1/me/security-events",
    response_model=SecurityEventPageResponse,
    tags=["me"],
    summary="List security events of my account",
    description=(
        "Sign-ins, failed sign-ins, password and email changes, sessions ended, and "
        "changes to my memberships. " + FILTERS_DESCRIPTION
    ),
    operation_id="listMySecurityEvents",
)
async def list_my_security_events(
    claims: ClaimsDep,
    container: ContainerDep,
    types: TypeQuery = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
    cursor: CursorQuery = None,
) -> SecurityEventPageResponse:
    page = await container.use_cases.list_my_security_events(
        claims.subject, _selection(types, since, until, limit, cursor)
    )
    return SecurityEventPageResponse.of(page)


@router.get(
    "/v1/organisations/{organisation_id}/audit-log",
    response_model=SecurityEventPageResponse,
    tags=["organisations"],
    summary="List the organisation's audit log (admins and owners)",
    description=(
        "Organisation changes, invitations, role changes, removals and ownership "
        "transfers, with who acted and from where. " + FILTERS_DESCRIPTION
    ),
    operation_id="listAuditLog",
    responses=NOT_A_MEMBER,
)
async def list_audit_log(
    organisation_id: uuid.UUID,
    claims: ClaimsDep,
    container: ContainerDep,
    types: TypeQuery = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
    cursor: CursorQuery = None,
) -> SecurityEventPageResponse:
    page = await container.use_cases.organisations.list_audit_log(
        claims.subject, organisation_id, _selection(types, since, until, limit, cursor)
    )
    return SecurityEventPageResponse.of(page)
