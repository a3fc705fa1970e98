"""Request and response bodies of email verification, password reset and password change."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from elenchos.domain.tokens import TOKEN_MAX_LENGTH
from elenchos.domain.users import PASSWORD_MAX_LENGTH

EXAMPLE_TOKEN = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5"
# The policy's own check gives the precise message. This bound only keeps
# huge strings away from the hasher.
PASSWORD_FIELD_MAX_LENGTH = PASSWORD_MAX_LENGTH * 4


class VerifyEmailRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"token": EXAMPLE_TOKEN}]}
    )

    token: str = Field(min_length=1, max_length=TOKEN_MAX_LENGTH)


class MailRequest(BaseModel):
    """An address to mail a link to. An invalid or unknown address gets the same response."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"email": "ada@example.com"}]}
    )

    email: str = Field(max_length=320)


class MailRequestAccepted(BaseModel):
    status: str = Field(examples=["accepted"])
    detail: str


class PasswordResetConfirmRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"token": EXAMPLE_TOKEN, "new_password": "a new long passphrase"}]
        },
    )

    token: str = Field(min_length=1, max_length=TOKEN_MAX_LENGTH)
    new_password: str = Field(max_length=PASSWORD_FIELD_MAX_LENGTH)


class ChangePasswordRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "current_password": "correct horse battery staple",
                    "new_password": "a new long passphrase",
                }
            ]
        },
    )

    current_password: str = Field(max_length=PASSWORD_FIELD_MAX_LENGTH)
    new_password: str = Field(max_length=PASSWORD_FIELD_MAX_LENGTH)
