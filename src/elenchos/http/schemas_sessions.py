"""Request and response bodies of refresh, sign-out and session management."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from elenchos.application.session_management import SessionView
from elenchos.domain.tokens import TOKEN_MAX_LENGTH

REFRESH_TOKEN_EXAMPLE = "q3Jm0uV8n1mXwz0c5Zb6bq8fJ6bT1lYk3wH9sQ2dR7E"


class RefreshRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"refresh_token": REFRESH_TOKEN_EXAMPLE}]},
    )

    refresh_token: str | None = Field(
        None,
        min_length=1,
        max_length=TOKEN_MAX_LENGTH,
        description=(
            "The refresh token from sign-in or the previous refresh. Required unless the "
            "service runs in cookie mode, where the cookie is read instead."
        ),
    )
    organisation_id: uuid.UUID | None = Field(
        None,
        description=(
            "Scope the new access token to one of your organisations, as at sign-in. "
            "Left out, the session keeps its organisation while you are a member."
        ),
    )


class SignOutRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"refresh_token": REFRESH_TOKEN_EXAMPLE}]},
    )

    refresh_token: str | None = Field(
        None,
        min_length=1,
        max_length=TOKEN_MAX_LENGTH,
        description="A refresh token of the session to end; else the access token's session ends.",
    )


class SessionResponse(BaseModel):
    id: uuid.UUID
    current: bool = Field(description="Whether this request's access token belongs to it.")
    created_at: datetime
    last_used_at: datetime = Field(description="When the session last refreshed its tokens.")
    expires_at: datetime = Field(description="When the session ends unless refreshed first.")
    absolute_expires_at: datetime = Field(description="When the session ends at the latest.")
    organisation_id: uuid.UUID | None
    ip_address: str | None = Field(description="The client's IP address at sign-in.")
    user_agent: str | None = Field(description="The client's User-Agent at sign-in.")

    @classmethod
    def of(cls, view: SessionView) -> SessionResponse:
        session = view.session
        return cls(
            id=session.id,
            current=view.current,
            created_at=session.created_at,
            last_used_at=session.last_used_at,
            expires_at=session.expires_at,
            absolute_expires_at=session.absolute_expires_at,
            organisation_id=session.organisation_id,
            ip_address=session.ip_address,
            user_agent=session.user_agent,
        )


class SessionList(BaseModel):
    items: list[SessionResponse]


class RevokedSessions(BaseModel):
    revoked: int = Field(examples=[2], description="How many sessions were ended.")
