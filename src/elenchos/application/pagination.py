"""Opaque keyset cursors: the sort key of a page's last row, as base64url JSON.

A cursor names the ordering it was made for, so a cursor from one listing or
ordering is rejected by another instead of silently skipping rows. Cursors
are not signed: a forged one can only position a page inside a listing the
caller is already allowed to read.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime

from elenchos.application.audit_ports import SecurityEventPosition
from elenchos.application.read_models import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    InvitationPosition,
    MemberOrder,
    MemberPosition,
)
from elenchos.domain.errors import InvalidCursor, ValidationFailed

MAX_CURSOR_LENGTH = 512


def check_limit(limit: int | None) -> int:
    """Return the page size; raises ValidationFailed outside 1 to MAX_PAGE_SIZE."""
    if limit is None:
        return DEFAULT_PAGE_SIZE
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValidationFailed(f"The limit must be between 1 and {MAX_PAGE_SIZE}, not {limit}.")
    return limit


def encode_member_cursor(order: MemberOrder, position: MemberPosition) -> str:
    if order is MemberOrder.JOINED_AT:
        assert position.joined_at is not None
        key = position.joined_at.isoformat()
    else:
        assert position.email_normalized is not None
        key = position.email_normalized
    return _encode(f"members:{order}", [key, str(position.user_id)])


def decode_member_cursor(order: MemberOrder, cursor: str) -> MemberPosition:
    """Return the position a member cursor stands for; raises InvalidCursor."""
    key, user_id = _decode(f"members:{order}", cursor)
    if order is MemberOrder.JOINED_AT:
        return MemberPosition(
            joined_at=_parse_time(key), email_normalized=None, user_id=_parse_uuid(user_id)
        )
    return MemberPosition(joined_at=None, email_normalized=key, user_id=_parse_uuid(user_id))


def encode_invitation_cursor(position: InvitationPosition) -> str:
    return _encode("invitations", [position.created_at.isoformat(), str(position.invitation_id)])


def decode_invitation_cursor(cursor: str) -> InvitationPosition:
    """Return the position an invitation cursor stands for; raises InvalidCursor."""
    created_at, invitation_id = _decode("invitations", cursor)
    return InvitationPosition(
        created_at=_parse_time(created_at), invitation_id=_parse_uuid(invitation_id)
    )


def encode_event_cursor(position: SecurityEventPosition) -> str:
    return _encode("security_events", [position.occurred_at.isoformat(), str(position.event_id)])


def decode_event_cursor(cursor: str) -> SecurityEventPosition:
    """Return the position a security event cursor stands for; raises InvalidCursor."""
    occurred_at, event_id = _decode("security_events", cursor)
    return SecurityEventPosition(
        occurred_at=_parse_time(occurred_at), event_id=_parse_uuid(event_id)
    )


def _encode(kind: str, key: list[str]) -> str:
    document = json.dumps({"kind": kind, "key": key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(document.encode()).decode().rstrip("=")


def _decode(kind: str, cursor: str) -> list[str]:
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidCursor("The cursor is too long. Pass back the next_cursor of a page.")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        document = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise InvalidCursor(
            "The cursor is malformed. Pass back the next_cursor of a page."
        ) from exc
    if not isinstance(document, dict) or document.get("kind") != kind:
        raise InvalidCursor("The cursor belongs to another listing or ordering.")
    key = document.get("key")
    if not isinstance(key, list) or len(key) != 2 or not all(isinstance(k, str) for k in key):
        raise InvalidCursor("The cursor is malformed. Pass back the next_cursor of a page.")
    return key


def _parse_time(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidCursor(
            "The cursor contains an invalid time. Pass back the next_cursor of a page."
        ) from exc
    if parsed.tzinfo is None:
        raise InvalidCursor(
            "The cursor contains a time without a time zone. Pass back the next_cursor of a page."
        )
    return parsed


def _parse_uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise InvalidCursor(
            "The cursor contains an invalid id. Pass back the next_cursor of a page."
        ) from exc
