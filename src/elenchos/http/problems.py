"""RFC 9457 problem details: the one table from domain errors to HTTP statuses and codes."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from elenchos.domain import errors

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://elenchos.dev/problems/"
# FastAPI raises HTTPException(400) with this detail when a body cannot be
# decoded at all (bytes that are not UTF-8, nesting beyond the parser's limit).
FASTAPI_BODY_PARSE_ERROR = "There was an error parsing the body"


@dataclass(frozen=True, slots=True)
class ProblemSpec:
    status: int
    code: str
    title: str


# Looked up along each error's class hierarchy, so a subclass without a row
# falls back to its nearest listed base class.
DOMAIN_PROBLEMS: dict[type[errors.DomainError], ProblemSpec] = {
    errors.DomainError: ProblemSpec(400, "bad_request", "The request cannot be processed"),
    errors.ValidationFailed: ProblemSpec(422, "validation_failed", "The request is invalid"),
    errors.InvalidEmail: ProblemSpec(422, "invalid_email", "The email address is invalid"),
    errors.InvalidPassword: ProblemSpec(422, "invalid_password", "The password is not accepted"),
    errors.EmailAlreadyRegistered: ProblemSpec(409, "email_taken", "The email is already in use"),
    errors.AuthenticationFailed: ProblemSpec(401, "unauthenticated", "Authentication failed"),
    errors.InvalidCredentials: ProblemSpec(
        401, "invalid_credentials", "The email or password is incorrect"
    ),
    errors.AccountDisabled: ProblemSpec(403, "account_disabled", "The account is disabled"),
    errors.EmailNotVerified: ProblemSpec(
        403, "email_not_verified", "The email address is not verified"
    ),
    errors.InvalidToken: ProblemSpec(401, "invalid_token", "The access token is not valid"),
    errors.NotFound: ProblemSpec(404, "not_found", "Not found"),
    errors.UserNotFound: ProblemSpec(401, "invalid_token", "The access token is not valid"),
    errors.CurrentPasswordIncorrect: ProblemSpec(
        403, "current_password_incorrect", "The current password is incorrect"
    ),
    errors.LinkTokenInvalid: ProblemSpec(400, "link_token_invalid", "The link is not valid"),
    errors.LinkTokenUsed: ProblemSpec(410, "link_token_used", "The link has already been used"),
    errors.LinkTokenExpired: ProblemSpec(410, "link_token_expired", "The link has expired"),
    errors.RateLimited: ProblemSpec(429, "rate_limited", "Too many requests"),
    errors.OrganisationNotFound: ProblemSpec(
        404, "organisation_not_found", "The organisation was not found"
    ),
    errors.MemberNotFound: ProblemSpec(404, "member_not_found", "The member was not found"),
    errors.InvitationNotFound: ProblemSpec(
        404, "invitation_not_found", "The invitation was not found"
    ),
    errors.PermissionDenied: ProblemSpec(403, "forbidden", "Your role does not allow this"),
    errors.RoleAboveOwn: ProblemSpec(
        403, "role_above_own", "The role ranks above your own"
    ),
    errors.OwnRoleChange: ProblemSpec(
        403, "own_role_change", "You cannot change your own role"
    ),
    errors.InvitationEmailMismatch: ProblemSpec(
        403, "invitation_email_mismatch", "The invitation is for another email address"
    ),
    errors.Conflict: ProblemSpec(409, "conflict", "The request conflicts with the current state"),
    errors.LastOwnerError: ProblemSpec(
        409, "last_owner", "The organisation must keep at least one owner"
    ),
    errors.AlreadyMember: ProblemSpec(409, "already_member", "Already a member"),
    errors.SlugTaken: ProblemSpec(409, "slug_taken", "The slug is already in use"),
    errors.InvitationPending: ProblemSpec(
        409, "invitation_pending", "An invitation for this address is being created"
    ),
    errors.InvitationUnusable: ProblemSpec(410, "invitation_unusable", "The invitation is gone"),
    errors.InvitationExpired: ProblemSpec(
        410, "invitation_expired", "The invitation has expired"
    ),
    errors.InvitationRevoked: ProblemSpec(
        410, "invitation_revoked", "The invitation was revoked"
    ),
    errors.InvitationAlreadyUsed: ProblemSpec(
        410, "invitation_already_used", "The invitation was already accepted"
    ),
    errors.InvalidSlug: ProblemSpec(422, "invalid_slug", "The slug is invalid"),
    errors.InvalidCursor: ProblemSpec(422, "invalid_cursor", "The cursor is invalid"),
    errors.RefreshTokenInvalid: ProblemSpec(
        401, "refresh_token_invalid", "The refresh token is not valid"
    ),
    errors.RefreshTokenReused: ProblemSpec(
        401, "refresh_token_reused", "The refresh token was already used"
    ),
    errors.SessionEnded: ProblemSpec(401, "session_ended", "The session has ended"),
    errors.SessionNotFound: ProblemSpec(404, "session_not_found", "The session was not found"),
    errors.OriginNotAllowed: ProblemSpec(
        403, "origin_not_allowed", "The request's origin is not allowed"
    ),
}

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
}

# Problems that the HTTP layer returns by itself, from parsing, routing, the
# body size limit, unhandled errors and the readiness check, not from a domain error.
HTTP_PROBLEMS: dict[str, ProblemSpec] = {
    spec.code: spec
    for spec in (
        ProblemSpec(400, "malformed_json", "The request body is not valid JSON"),
        ProblemSpec(405, "method_not_allowed", "Method not allowed"),
        ProblemSpec(413, "payload_too_large", "The request body is too large"),
        ProblemSpec(415, "unsupported_media_type", "The request body must be JSON"),
        ProblemSpec(431, "headers_too_large", "The request headers are too large"),
        ProblemSpec(422, "validation_failed", "The request is invalid"),
        ProblemSpec(500, "internal_error", "Internal server error"),
        ProblemSpec(503, "not_ready", "Not ready"),
    )
}


def register_problem(error: type[errors.DomainError], spec: ProblemSpec) -> None:
    """Add a row to the table; later feature modules register their own errors here."""
    DOMAIN_PROBLEMS[error] = spec


def spec_for(error: errors.DomainError) -> ProblemSpec:
    for cls in type(error).__mro__:
        spec = DOMAIN_PROBLEMS.get(cls)
        if spec is not None:
            return spec
    return DOMAIN_PROBLEMS[errors.DomainError]


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        **extensions,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def http_problem(
    code: str, detail: str, headers: dict[str, str] | None = None, **extensions: Any
) -> JSONResponse:
    """Build the response for a code of HTTP_PROBLEMS, with its status and title."""
    spec = HTTP_PROBLEMS[code]
    return problem_response(spec.status, spec.code, spec.title, detail, headers, **extensions)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.DomainError)
    spec = spec_for(exc)
    headers = {"WWW-Authenticate": "Bearer"} if spec.status == 401 else None
    if isinstance(exc, errors.RateLimited):
        headers = {"Retry-After": str(exc.retry_after_seconds)}
    return problem_response(spec.status, spec.code, spec.title, str(exc) or spec.title, headers)


def _validation_items(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Only the location, message and type go back: pydantic's "input" and
    # "ctx" could echo a password or a token from the request.
    return [
        {
            "loc": [str(part) for part in error.get("loc", ())],
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors()
    ]


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    items = _validation_items(exc)
    content_type = request.headers.get("content-type", "")
    body_not_object = any(
        item["loc"] == ["body"] and item["type"] == "model_attributes_type" for item in items
    )
    if body_not_object and not _is_json(content_type):
        return http_problem(
            "unsupported_media_type",
            f"Send the body as application/json, not {content_type or 'without a content type'}.",
        )
    if any(item["type"] == "json_invalid" for item in items):
        return http_problem("malformed_json", "The body could not be parsed as UTF-8 JSON.")
    return http_problem(
        "validation_failed",
        "One or more fields are missing or invalid; see errors.",
        errors=items,
    )


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and exc.detail == FASTAPI_BODY_PARSE_ERROR:
        return http_problem("malformed_json", "The body could not be parsed as UTF-8 JSON.")
    code = _STATUS_CODES.get(exc.status_code, "http_error")
    title = code.replace("_", " ").capitalize()
    detail = exc.detail if isinstance(exc.detail, str) else title
    return problem_response(exc.status_code, code, title, detail, dict(exc.headers or {}))


async def _unstorable_text(request: Request, exc: Exception) -> JSONResponse:
    # A value that slipped past the schemas, such as NUL in a query string,
    # which PostgreSQL cannot store or compare: the input is at fault.
    logger.warning(
        "database rejected a value on %s %s: %s",
        request.method,
        _route_path(request),
        type(getattr(exc, "orig", exc)).__name__,
    )
    return http_problem(
        "validation_failed",
        "A value contains characters the database cannot store, such as NUL.",
    )


def _route_path(request: Request) -> str:
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return http_problem("internal_error", "An unexpected error occurred.")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(errors.DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(DataError, _unstorable_text)
    app.add_exception_handler(Exception, _unhandled)
