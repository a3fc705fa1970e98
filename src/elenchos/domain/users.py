"""Users: the account entity, email normalization and the password policy."""

from __future__ import annotations

import enum
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from elenchos.domain.errors import InvalidEmail, InvalidPassword

PASSWORD_MIN_LENGTH = 8
# The upper bound keeps one request from feeding the hasher megabytes of input.
PASSWORD_MAX_LENGTH = 1024
# RFC 5321 limits a forward path to 256 octets including the angle brackets.
EMAIL_MAX_LENGTH = 254
# RFC 5321, section 4.5.3.1.1: a local part has at most 64 octets.
EMAIL_LOCAL_PART_MAX_LENGTH = 64


class UserStatus(enum.StrEnum):
    PENDING_VERIFICATION = "pending_verification"
    ACTIVE = "active"
    DISABLED = "disabled"


def normalize_email(email: str) -> str:
    """Return the form of an address used for uniqueness and look-up.

    Trims whitespace, applies Unicode NFKC and folds case, so addresses that
    differ only in case or in compatibility characters name one account.
    Raises InvalidEmail when the result cannot be an address.
    """
    normalized = unicodedata.normalize("NFKC", email.strip()).casefold()
    local, separator, domain = normalized.rpartition("@")
    if not separator or not local or not domain:
        raise InvalidEmail("The email address must contain a local part, '@' and a domain.")
    if len(normalized) > EMAIL_MAX_LENGTH:
        raise InvalidEmail(f"The email address is longer than {EMAIL_MAX_LENGTH} characters.")
    if any(character.isspace() or not character.isprintable() for character in normalized):
        raise InvalidEmail("The email address contains whitespace or control characters.")
    if len(local) > EMAIL_LOCAL_PART_MAX_LENGTH:
        raise InvalidEmail(
            f"The part before '@' is longer than {EMAIL_LOCAL_PART_MAX_LENGTH} characters."
        )
    return normalized


def check_password_policy(password: str, email: str) -> None:
    """Raise InvalidPassword unless the password meets the policy.

    The policy follows NIST SP 800-63B: a length range and no composition
    rules; a password equal to the account's email address is rejected.
    """
    if len(password) < PASSWORD_MIN_LENGTH:
        raise InvalidPassword(f"The password must be at least {PASSWORD_MIN_LENGTH} characters.")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise InvalidPassword(f"The password must be at most {PASSWORD_MAX_LENGTH} characters.")
    if unicodedata.normalize("NFKC", password.strip()).casefold() == normalize_email(email):
        raise InvalidPassword("The password must not be the email address.")


@dataclass(slots=True)
class User:
    id: uuid.UUID
    email: str
    email_normalized: str
    password_hash: str
    status: UserStatus
    created_at: datetime
    updated_at: datetime
    profile: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    email_verified_at: datetime | None = None
    password_changed_at: datetime | None = None

    @classmethod
    def register(
        cls,
        email: str,
        password_hash: str,
        now: datetime,
        profile: dict[str, Any] | None = None,
        verified: bool = False,
    ) -> User:
        return cls(
            id=uuid.uuid4(),
            email=email.strip(),
            email_normalized=normalize_email(email),
            password_hash=password_hash,
            status=UserStatus.ACTIVE if verified else UserStatus.PENDING_VERIFICATION,
            created_at=now,
            updated_at=now,
            profile=dict(profile or {}),
            settings={},
            email_verified_at=now if verified else None,
            password_changed_at=now,
        )

    @property
    def display_name(self) -> str | None:
        name = self.profile.get("display_name")
        return name if isinstance(name, str) else None

    @property
    def is_disabled(self) -> bool:
        return self.status is UserStatus.DISABLED

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    def mark_verified(self, now: datetime) -> None:
        self.email_verified_at = now
        if self.status is UserStatus.PENDING_VERIFICATION:
            self.status = UserStatus.ACTIVE
        self.updated_at = now

    def change_password_hash(self, password_hash: str, now: datetime) -> None:
        self.password_hash = password_hash
        self.password_changed_at = now
        self.updated_at = now

    def replace_hash(self, password_hash: str, now: datetime) -> None:
        """Store a rehash of the same password, leaving password_changed_at alone."""
        self.password_hash = password_hash
        self.updated_at = now

    def update_profile(
        self,
        now: datetime,
        profile: dict[str, Any] | None = None,
        settings: dict[str, Any] | None = None,
    ) -> None:
        """Merge the given keys into profile and settings; a None value deletes a key."""
        if profile is not None:
            self.profile = _merge(self.profile, profile)
        if settings is not None:
            self.settings = _merge(self.settings, settings)
        self.updated_at = now


def _merge(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = dict(current)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged
