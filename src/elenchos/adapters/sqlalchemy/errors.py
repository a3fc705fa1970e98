"""Translation of database errors into domain errors."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.exc import IntegrityError

from elenchos.domain.errors import (
    AlreadyMember,
    DomainError,
    EmailAlreadyRegistered,
    InvitationPending,
    SlugTaken,
)

# Each unique index, named as PostgreSQL reports it and as SQLite reports its
# columns, with the domain error it stands for.
_UNIQUE_VIOLATIONS: list[tuple[tuple[str, ...], Callable[[], DomainError]]] = [
    (
        ("ix_users_email_normalized", "users.email_normalized"),
        lambda: EmailAlreadyRegistered("The email address already has an account."),
    ),
    (
        ("ix_organisations_slug", "organisations.slug"),
        lambda: SlugTaken("Another organisation already uses this slug."),
    ),
    (
        ("uq_memberships_organisation_id_user_id", "memberships.organisation_id"),
        lambda: AlreadyMember("The user is already a member of the organisation."),
    ),
    (
        ("ix_invitations_pending_address", "invitations.organisation_id"),
        lambda: InvitationPending(
            "The address already has a pending invitation to the organisation."
        ),
    ),
]


def register_unique_violation(markers: tuple[str, ...], error: Callable[[], DomainError]) -> None:
    """Map a unique index to a domain error; markers are substrings of the driver's message."""
    _UNIQUE_VIOLATIONS.append((markers, error))


def translate_integrity_error(exc: IntegrityError) -> DomainError | None:
    """Return the domain error for a known unique index, or None for anything else."""
    message = str(exc.orig)
    for markers, error in _UNIQUE_VIOLATIONS:
        if any(marker in message for marker in markers):
            return error()
    return None
