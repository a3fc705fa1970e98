"""Request and response bodies of the HTTP API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from elenchos.domain.users import PASSWORD_MAX_LENGTH, User

DISPLAY_NAME_MAX_LENGTH = 200
DOCUMENT_KEY_MAX_LENGTH = 64
DOCUMENT_MAX_DEPTH = 32


def check_storable(value: Any, depth: int = 0) -> None:
    """Raise ValueError for text that no database here can store.

    JSON allows an unpaired surrogate escape ("\\ud800") and NUL ("\\u0000"),
    but neither can be encoded as UTF-8 text in PostgreSQL, so they are
    rejected here as invalid input rather than failing at the INSERT.
    """
    if depth > DOCUMENT_MAX_DEPTH:
        raise ValueError(f"documents may nest at most {DOCUMENT_MAX_DEPTH} levels")
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("text must not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError("text must not contain unpaired surrogates") from exc
    elif isinstance(value, dict):
        for key, item in value.items():
            check_storable(key, depth + 1)
            check_storable(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_storable(item, depth + 1)


def check_settings_document(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    for key in value:
        if not key or len(key) > DOCUMENT_KEY_MAX_LENGTH:
            raise ValueError(f"keys must be 1 to {DOCUMENT_KEY_MAX_LENGTH} characters")
    check_storable(value)
    return value


def _check_document(value: dict[str, Any] | None) -> dict[str, Any] | None:
    value = check_settings_document(value)
    if value is None:
        return None
    name = value.get("display_name")
    if name is not None and (not isinstance(name, str) or len(name) > DISPLAY_NAME_MAX_LENGTH):
        raise ValueError(
            f"display_name must be a string of at most {DISPLAY_NAME_MAX_LENGTH} characters"
        )
    # Display names appear in mail subjects and on pages; line breaks and
    # bidirectional overrides there would help a phishing text.
    if name is not None and not name.isprintable():
        raise ValueError("display_name must not contain control or formatting characters")
    return value


class SignUpRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "email": "ada@example.com",
                    "password": "correct horse battery staple",
                    "profile": {"display_name": "Ada Lovelace"},
                }
            ]
        },
    )

    email: EmailStr = Field(max_length=320)
    # The policy's own check gives the precise message; this bound only keeps
    # huge strings away from the hasher.
    password: str = Field(max_length=PASSWORD_MAX_LENGTH * 4)
    profile: dict[str, Any] | None = None
    invitation_token: str | None = Field(
        None,
        min_length=1,
        max_length=128,
        description=(
            "The token of an invitation link sent to this address. The account is then "
            "created already verified and joins the organisation in the same step."
        ),
    )

    _profile = field_validator("profile")(_check_document)


class SignUpAccepted(BaseModel):
    status: str = Field(examples=["pending_verification"])
    detail: str


class SignInRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"email": "ada@example.com", "password": "correct horse battery staple"}]
        },
    )

    # A plain string: an address that is not valid cannot have an account,
    # and it gets the same invalid_credentials response as an unknown one.
    email: str = Field(max_length=320)
    password: str = Field(max_length=PASSWORD_MAX_LENGTH * 4)
    organisation_id: uuid.UUID | None = Field(
        None,
        description=(
            "Scope the token to one of your organisations: it then carries org and "
            "org_role claims. 404 organisation_not_found when you are not a member."
        ),
    )


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = Field("bearer", examples=["bearer"])
    expires_in: int = Field(examples=[900], description="Seconds until the access token expires.")
    refresh_token: str | None = Field(
        None,
        description=(
            "Exchange it at /v1/auth/refresh for new tokens; each one works once. "
            "Left out in cookie mode, where it travels in an HttpOnly cookie instead."
        ),
    )
    refresh_expires_in: int | None = Field(
        None,
        examples=[2592000],
        description="Seconds until the session ends unless it is refreshed first.",
    )


class UserResponse(BaseModel):
    id: uuid.UUID
    email: str
    status: str
    email_verified: bool
    email_verified_at: datetime | None
    profile: dict[str, Any]
    settings: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    password_changed_at: datetime | None

    @classmethod
    def of(cls, user: User) -> UserResponse:
        return cls(
            id=user.id,
            email=user.email,
            status=user.status.value,
            email_verified=user.is_verified,
            email_verified_at=user.email_verified_at,
            profile=user.profile,
            settings=user.settings,
            created_at=user.created_at,
            updated_at=user.updated_at,
            password_changed_at=user.password_changed_at,
        )


class UpdateProfileRequest(BaseModel):
    """Only profile and settings can change here; email, status and password are rejected."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"profile": {"display_name": "Ada King"}, "settings": {"theme": "dark"}}
            ]
        },
    )

    profile: dict[str, Any] | None = Field(
        None, description="Keys to set; a null value removes the key."
    )
    settings: dict[str, Any] | None = Field(
        None, description="Keys to set; a null value removes the key."
    )

    _profile = field_validator("profile")(_check_document)
    _settings = field_validator("settings")(_check_document)
