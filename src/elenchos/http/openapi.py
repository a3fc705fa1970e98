"""The OpenAPI document: problem responses per operation, descriptions and security schemes.

FastAPI builds the paths from the routes. install_openapi adds what the routes
do not declare: a Problem schema, one response per error status listing the
problem codes of that status with an example of each, the refresh cookie
scheme, and descriptions for routes that have none. Unit tests fail when an
operation is missing from OPERATION_PROBLEMS, names a code that http/problems.py
does not define, or has a request body without an example, so every new route
needs an entry here.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI

from elenchos.http.problems import (
    DOMAIN_PROBLEMS,
    HTTP_PROBLEMS,
    PROBLEM_MEDIA_TYPE,
    PROBLEM_TYPE_BASE,
    ProblemSpec,
)
from elenchos.http.session_cookie import REFRESH_COOKIE, REFRESH_COOKIE_PATH

PROBLEM_SCHEMA_NAME = "Problem"
FIELD_ERROR_SCHEMA_NAME = "ProblemFieldError"
BEARER_SCHEME_NAME = "OAuth2PasswordBearer"
REFRESH_COOKIE_SCHEME_NAME = "RefreshTokenCookie"
# Operations that read the refresh cookie in cookie mode. In body mode the request body carries
# the refresh token instead.
REFRESH_COOKIE_OPERATIONS = frozenset({"refreshSession", "signOut"})
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
# FastAPI's own 422 response, which the Problem response replaces.
FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
FASTAPI_VALIDATION_DESCRIPTION = "Validation Error"

# Codes every operation of a kind can return, whatever its use case does.
JSON_BODY = ("validation_failed", "malformed_json", "payload_too_large", "unsupported_media_type")
FORM_BODY = ("validation_failed", "payload_too_large")
PARAMETERS = ("validation_failed",)
BEARER = ("invalid_token", "session_ended")
COOKIE = ("origin_not_allowed",)

# Every problem code each operation can return, by operationId. Read from the
# route, its dependencies and the use cases it calls, including the errors
# that adapters translate (SlugTaken, AlreadyMember, InvitationPending).
# forbidden is left out where every role has the permission checked.
OPERATION_PROBLEMS: dict[str, tuple[str, ...]] = {
    # auth
    "signUp": (
        *JSON_BODY,
        "invalid_email",
        "invalid_password",
        "invitation_not_found",
        "invitation_email_mismatch",
        "invitation_expired",
        "invitation_revoked",
        "invitation_already_used",
    ),
    "signIn": (
        *JSON_BODY,
        "invalid_credentials",
        "account_disabled",
        "email_not_verified",
        "organisation_not_found",
        "rate_limited",
    ),
    "signInWithPasswordForm": (
        *FORM_BODY,
        "invalid_credentials",
        "account_disabled",
        "email_not_verified",
        "rate_limited",
    ),
    "refreshSession": (
        *JSON_BODY,
        *COOKIE,
        "refresh_token_invalid",
        "refresh_token_reused",
        "organisation_not_found",
    ),
    # The access token is verified without the session check, and an ended
    # session signs out successfully.
    "signOut": (*JSON_BODY, *COOKIE, "invalid_token", "refresh_token_invalid"),
    "verifyEmail": (*JSON_BODY, "link_token_invalid", "link_token_used", "link_token_expired"),
    "resendVerification": (*JSON_BODY, "rate_limited"),
    "requestPasswordReset": (*JSON_BODY, "rate_limited"),
    "confirmPasswordReset": (
        *JSON_BODY,
        "link_token_invalid",
        "link_token_used",
        "link_token_expired",
        "invalid_password",
        "account_disabled",
    ),
    "switchOrganisation": (*JSON_BODY, *BEARER, "organisation_not_found", "account_disabled"),
    # me
    "getMe": BEARER,
    "updateMe": (*JSON_BODY, *BEARER),
    "changeMyPassword": (*JSON_BODY, *BEARER, "current_password_incorrect", "invalid_password"),
    "listMyOrganisations": BEARER,
    "getMyStatistics": BEARER,
    "listMyInvitations": BEARER,
    "listMySessions": BEARER,
    "revokeMySession": (*PARAMETERS, *BEARER, "session_not_found"),
    "revokeMyOtherSessions": BEARER,
    "listMySecurityEvents": (*PARAMETERS, *BEARER, "invalid_cursor"),
    # organisations
    "listRoles": (),
    "createOrganisation": (*JSON_BODY, *BEARER, "invalid_slug", "slug_taken"),
    "getOrganisation": (*PARAMETERS, *BEARER, "organisation_not_found"),
    "updateOrganisation": (
        *JSON_BODY,
        *BEARER,
        "organisation_not_found",
        "forbidden",
        "invalid_slug",
        "slug_taken",
    ),
    "deleteOrganisation": (*PARAMETERS, *BEARER, "organisation_not_found", "forbidden"),
    "listMembers": (*PARAMETERS, *BEARER, "organisation_not_found", "invalid_cursor"),
    "changeMemberRole": (
        *JSON_BODY,
        *BEARER,
        "organisation_not_found",
        "member_not_found",
        "forbidden",
        "own_role_change",
        "role_above_own",
        "last_owner",
    ),
    "removeMember": (
        *PARAMETERS,
        *BEARER,
        "organisation_not_found",
        "member_not_found",
        "forbidden",
        "last_owner",
    ),
    "leaveOrganisation": (*PARAMETERS, *BEARER, "organisation_not_found", "last_owner"),
    "transferOwnership": (
        *JSON_BODY,
        *BEARER,
        "organisation_not_found",
        "member_not_found",
        "forbidden",
    ),
    "getOrganisationStatistics": (*PARAMETERS, *BEARER, "organisation_not_found"),
    "getOrganisationRoles": (*PARAMETERS, *BEARER, "organisation_not_found"),
    "listAuditLog": (
        *PARAMETERS,
        *BEARER,
        "organisation_not_found",
        "forbidden",
        "invalid_cursor",
    ),
    # invitations
    "inviteMember": (
        *JSON_BODY,
        *BEARER,
        "invalid_email",
        "organisation_not_found",
        "forbidden",
        "role_above_own",
        "already_member",
        "invitation_pending",
        "rate_limited",
    ),
    "listInvitations": (
        *PARAMETERS,
        *BEARER,
        "organisation_not_found",
        "forbidden",
        "invalid_cursor",
    ),
    "resendInvitation": (
        *PARAMETERS,
        *BEARER,
        "organisation_not_found",
        "invitation_not_found",
        "forbidden",
        "invitation_revoked",
        "invitation_already_used",
        "rate_limited",
    ),
    "revokeInvitation": (
        *PARAMETERS,
        *BEARER,
        "organisation_not_found",
        "invitation_not_found",
        "forbidden",
        "invitation_already_used",
    ),
    # The organisation lookups only fail when a delete commits between the
    # invitation read and the organisation read.
    "previewInvitation": (
        *PARAMETERS,
        "invitation_not_found",
        "invitation_expired",
        "invitation_revoked",
        "invitation_already_used",
        "organisation_not_found",
    ),
    "acceptInvitation": (
        *JSON_BODY,
        *BEARER,
        "invitation_not_found",
        "invitation_expired",
        "invitation_revoked",
        "invitation_already_used",
        "invitation_email_mismatch",
        "already_member",
        "organisation_not_found",
    ),
    # keys and operations
    "getJwks": (),
    "healthz": (),
    "readyz": ("not_ready",),
}

# Descriptions of operations whose route declares none.
OPERATION_DESCRIPTIONS: dict[str, str] = {
    "getMe": "Returns the account of the access token's user, with its profile and settings.",
    "listMyOrganisations": (
        "Returns every organisation the caller belongs to, with the caller's role and join time."
    ),
    "getMyStatistics": (
        "Counts the caller's organisations by the caller's role in each, and lists them "
        "grouped the same way."
    ),
    "createOrganisation": (
        "Creates the organisation and the caller's owner membership in one transaction. "
        "Without a slug, one is derived from the name, with a random suffix when that "
        "slug is taken. A slug given explicitly must be free."
    ),
    "getOrganisation": "Returns the organisation with the caller's role in it.",
    "updateOrganisation": (
        "Changes only the fields given. Settings keys are merged, and a null value removes a key."
    ),
    "deleteOrganisation": (
        "Deletes the organisation, its memberships and its invitations. Its audit log "
        "stays. Access tokens already scoped to it keep their org claim until they expire."
    ),
    "transferOwnership": (
        "The named member becomes an owner and the caller becomes an admin, in one transaction."
    ),
    "getOrganisationStatistics": (
        "Counts members and pending invitations by role, and members who joined in the "
        "last 7 and 30 days."
    ),
    "getOrganisationRoles": (
        "Lists owner, admin and member with what each may do and how many members hold it."
    ),
    "listRoles": "Lists owner, admin and member with the permissions of each. No sign-in needed.",
    "listInvitations": (
        "Keyset pagination: pass the next_cursor of one page as cursor to read the next. "
        "status filters by pending, expired, accepted or revoked."
    ),
    "resendInvitation": (
        "The previous link stops working. Revoked and accepted invitations cannot be resent."
    ),
    "revokeInvitation": "An accepted invitation cannot be revoked. Remove the member instead.",
    "verifyEmail": (
        "Marks the address of the link's account as verified. Each link works once, and "
        "only the newest link of an account works."
    ),
    "changeMyPassword": (
        "Needs the current password. Every other session of the account ends, unused "
        "password reset links stop working, and a notice is mailed to the account's address."
    ),
    "getJwks": (
        "The JSON Web Key Set of the public keys that verify access tokens, cacheable for "
        "the max-age of its Cache-Control header. Verify tokens with these keys, the "
        "configured algorithm (EdDSA by default), and this deployment's issuer and audience."
    ),
}

# Examples of request bodies whose schema cannot carry one, such as form fields.
REQUEST_EXAMPLES: dict[str, dict[str, Any]] = {
    "signInWithPasswordForm": {
        "username": "ada@example.com",
        "password": "correct horse battery staple",
    },
}

# Response headers that come with every problem of a status.
PROBLEM_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "Bearer: send a valid access token.",
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "integer"},
        }
    },
}

EXAMPLE_FIELD_ERRORS = [{"loc": ["body", "email"], "msg": "Field required", "type": "missing"}]


def problem_catalogue() -> dict[str, ProblemSpec]:
    """Return every problem code the API can return, domain and HTTP-level, by code."""
    catalogue: dict[str, ProblemSpec] = {}
    for spec in [*DOMAIN_PROBLEMS.values(), *HTTP_PROBLEMS.values()]:
        catalogue.setdefault(spec.code, spec)
    return catalogue


def install_openapi(app: FastAPI) -> None:
    """Replace app.openapi with a builder that completes FastAPI's document once and caches it."""
    build_fastapi_document: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete_document(build_fastapi_document())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete_document(fastapi_document: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of FastAPI's document with problems, descriptions and security schemes."""
    document = copy.deepcopy(fastapi_document)
    catalogue = problem_catalogue()
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas[PROBLEM_SCHEMA_NAME] = _problem_schema(catalogue)
    schemas[FIELD_ERROR_SCHEMA_NAME] = _field_error_schema()
    components.setdefault("securitySchemes", {})[REFRESH_COOKIE_SCHEME_NAME] = {
        "type": "apiKey",
        "in": "cookie",
        "name": REFRESH_COOKIE,
        "description": (
            "Cookie mode (ELENCHOS_REFRESH_COOKIE=true): sign-in and refresh set the refresh "
            "token in this HttpOnly, Secure, SameSite=Strict cookie with the path "
            f"{REFRESH_COOKIE_PATH}, and the browser sends it back. Requests that carry it "
            "need an Origin header listed in ELENCHOS_CORS_ORIGINS."
        ),
    }
    for operation in operations(document):
        operation_id = operation.get("operationId", "")
        if not operation.get("description") and operation_id in OPERATION_DESCRIPTIONS:
            operation["description"] = OPERATION_DESCRIPTIONS[operation_id]
        if operation_id in REFRESH_COOKIE_OPERATIONS:
            _add_cookie_security(operation)
        if operation_id in REQUEST_EXAMPLES:
            _add_request_example(operation, REQUEST_EXAMPLES[operation_id])
        codes = OPERATION_PROBLEMS.get(operation_id, ())
        _add_problem_responses(operation, codes, catalogue)
    _drop_unused_schemas(document, FASTAPI_VALIDATION_SCHEMAS)
    return document


def operations(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Yield every operation object of the document's paths."""
    for path_item in document.get("paths", {}).values():
        for method, operation in path_item.items():
            if method in HTTP_METHODS:
                yield operation


def problem_example(spec: ProblemSpec) -> dict[str, Any]:
    """Return an example problem body for a code, with an errors list for validation_failed."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + spec.code,
        "title": spec.title,
        "status": spec.status,
        "detail": f"{spec.title}.",
        "code": spec.code,
    }
    if spec.code == "validation_failed":
        body["errors"] = EXAMPLE_FIELD_ERRORS
    return body


def request_bodies_without_example(document: dict[str, Any]) -> list[str]:
    """Return 'operationId (media type)' for each request body that has no example."""
    schemas = document.get("components", {}).get("schemas", {})
    missing = []
    for operation in operations(document):
        content = operation.get("requestBody", {}).get("content", {})
        for media_type, media in content.items():
            if "example" in media or "examples" in media:
                continue
            candidates = schema_alternatives(media.get("schema", {}), schemas)
            if any(schema.get("examples") or "example" in schema for schema in candidates):
                continue
            missing.append(f"{operation.get('operationId')} ({media_type})")
    return missing


def schema_alternatives(
    schema: dict[str, Any], schemas: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Return the schema and the members of its anyOf or oneOf, with references resolved.

    An optional body, such as RefreshRequest | None, is an anyOf of a reference and null.
    """
    alternatives = [schema, *schema.get("anyOf", []), *schema.get("oneOf", [])]
    resolved = []
    for alternative in alternatives:
        reference = alternative.get("$ref", "")
        if reference.startswith("#/components/schemas/"):
            alternative = schemas.get(reference.rsplit("/", 1)[1], {})
        resolved.append(alternative)
    return resolved


def _add_problem_responses(
    operation: dict[str, Any], codes: tuple[str, ...], catalogue: dict[str, ProblemSpec]
) -> None:
    by_status: dict[int, list[ProblemSpec]] = {}
    for code in dict.fromkeys(codes):
        spec = catalogue.get(code)
        # A unit test reports unknown codes, so the document only leaves them out.
        if spec is not None:
            by_status.setdefault(spec.status, []).append(spec)
    responses = operation.setdefault("responses", {})
    for status in sorted(by_status):
        specs = by_status[status]
        declared = responses.get(str(status), {}).get("description", "")
        lines = [f"- `{spec.code}`: {spec.title}." for spec in specs]
        if declared and declared != FASTAPI_VALIDATION_DESCRIPTION:
            lines.insert(0, declared + "\n")
        response: dict[str, Any] = {
            "description": "\n".join(lines),
            "content": {
                PROBLEM_MEDIA_TYPE: {
                    "schema": {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA_NAME}"},
                    "examples": {
                        spec.code: {"summary": spec.title, "value": problem_example(spec)}
                        for spec in specs
                    },
                }
            },
        }
        if status in PROBLEM_HEADERS:
            response["headers"] = PROBLEM_HEADERS[status]
        responses[str(status)] = response
    operation["responses"] = dict(sorted(responses.items()))


def _add_cookie_security(operation: dict[str, Any]) -> None:
    """Accept the refresh cookie as an alternative to what the operation already accepts.

    The empty requirement keeps the operation callable without the cookie,
    with the refresh token in the body.
    """
    security = operation.setdefault("security", [])
    security.append({REFRESH_COOKIE_SCHEME_NAME: []})
    if {} not in security:
        security.append({})


def _add_request_example(operation: dict[str, Any], example: dict[str, Any]) -> None:
    for media in operation.get("requestBody", {}).get("content", {}).values():
        media.setdefault("example", example)


def _drop_unused_schemas(document: dict[str, Any], names: tuple[str, ...]) -> None:
    """Delete the named component schemas, in order, unless something still refers to them."""
    schemas = document.get("components", {}).get("schemas", {})
    for name in names:
        schema = schemas.pop(name, None)
        if schema is not None and f'"#/components/schemas/{name}"' in json.dumps(document):
            schemas[name] = schema


def _problem_schema(catalogue: dict[str, ProblemSpec]) -> dict[str, Any]:
    return {
        "title": PROBLEM_SCHEMA_NAME,
        "type": "object",
        "description": (
            "An RFC 9457 problem details object. code is stable and meant for programs; "
            "title and detail are English text for people and may change."
        ),
        "required": ["type", "title", "status", "detail", "code"],
        "properties": {
            "type": {
                "type": "string",
                "format": "uri",
                "description": f"{PROBLEM_TYPE_BASE} followed by the code.",
            },
            "title": {"type": "string", "description": "A short summary of the problem."},
            "status": {"type": "integer", "description": "The HTTP status code."},
            "detail": {"type": "string", "description": "What went wrong in this request."},
            "code": {
                "type": "string",
                "enum": sorted(catalogue),
                "description": "The stable problem code.",
            },
            "errors": {
                "type": "array",
                "description": "Only with validation_failed: one entry per invalid field.",
                "items": {"$ref": f"#/components/schemas/{FIELD_ERROR_SCHEMA_NAME}"},
            },
        },
    }


def _field_error_schema() -> dict[str, Any]:
    return {
        "title": FIELD_ERROR_SCHEMA_NAME,
        "type": "object",
        "required": ["loc", "msg", "type"],
        "properties": {
            "loc": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Where the field is, such as body, email.",
            },
            "msg": {"type": "string", "description": "What is wrong with it."},
            "type": {"type": "string", "description": "pydantic's error type, such as missing."},
        },
    }
