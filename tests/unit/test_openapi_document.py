"""The OpenAPI document lists every problem code per operation, with examples and descriptions."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from openapi_spec_validator import validate

from elenchos.config import Settings
from elenchos.http.app import create_app
from elenchos.http.openapi import (
    BEARER,
    BEARER_SCHEME_NAME,
    FORM_BODY,
    JSON_BODY,
    OPERATION_DESCRIPTIONS,
    OPERATION_PROBLEMS,
    PARAMETERS,
    PROBLEM_SCHEMA_NAME,
    REFRESH_COOKIE_OPERATIONS,
    REFRESH_COOKIE_SCHEME_NAME,
    operations,
    problem_catalogue,
    request_bodies_without_example,
)
from elenchos.http.problems import DOMAIN_PROBLEMS, HTTP_PROBLEMS, PROBLEM_MEDIA_TYPE
from elenchos.http.session_cookie import REFRESH_COOKIE

OPERATION_ID = re.compile(r"^[a-z][A-Za-z0-9]*$")


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app(Settings(_env_file=None))  # type: ignore[call-arg]


@pytest.fixture(scope="module")
def document(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


@pytest.fixture(scope="module")
def by_id(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {operation["operationId"]: operation for operation in operations(document)}


def test_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validate(document)


def test_every_operation_has_problem_entry(by_id: dict[str, dict[str, Any]]) -> None:
    missing = sorted(set(by_id) - set(OPERATION_PROBLEMS))

    assert missing == [], f"add to OPERATION_PROBLEMS in http/openapi.py: {missing}"


def test_problem_entries_name_existing_operations(by_id: dict[str, dict[str, Any]]) -> None:
    stale = sorted(set(OPERATION_PROBLEMS) - set(by_id))

    assert stale == [], f"OPERATION_PROBLEMS names operations that do not exist: {stale}"


def test_problem_entries_use_known_codes() -> None:
    catalogue = problem_catalogue()

    for operation_id, codes in OPERATION_PROBLEMS.items():
        unknown = [code for code in codes if code not in catalogue]
        assert unknown == [], f"{operation_id} lists codes missing from http/problems.py: {unknown}"


def test_problem_codes_have_one_status_and_title() -> None:
    specs: dict[str, tuple[int, str]] = {}

    for spec in [*DOMAIN_PROBLEMS.values(), *HTTP_PROBLEMS.values()]:
        seen = specs.setdefault(spec.code, (spec.status, spec.title))
        assert seen == (spec.status, spec.title), f"{spec.code} is defined twice differently"


def test_request_bodies_have_examples(document: dict[str, Any]) -> None:
    assert request_bodies_without_example(document) == []


def test_operations_have_summaries(by_id: dict[str, dict[str, Any]]) -> None:
    missing = sorted(operation_id for operation_id, op in by_id.items() if not op.get("summary"))

    assert missing == []


def test_operations_have_descriptions(by_id: dict[str, dict[str, Any]]) -> None:
    missing = sorted(
        operation_id for operation_id, op in by_id.items() if not op.get("description")
    )

    assert missing == [], f"give these routes a description, or OPERATION_DESCRIPTIONS: {missing}"


def test_operation_ids_are_explicit_and_unique(document: dict[str, Any]) -> None:
    # FastAPI's generated ids contain the path and method with underscores,
    # and change whenever a route moves, which breaks generated clients.
    operation_ids = [operation.get("operationId", "") for operation in operations(document)]

    generated = [name for name in operation_ids if not OPERATION_ID.match(name)]
    assert generated == [], f"set operation_id on these routes: {generated}"
    assert len(operation_ids) == len(set(operation_ids))


def test_description_fallbacks_are_needed(app: FastAPI) -> None:
    plain = get_openapi(title=app.title, version=app.version, routes=app.routes)
    described = {
        operation["operationId"] for operation in operations(plain) if operation.get("description")
    }

    redundant = sorted(set(OPERATION_DESCRIPTIONS) & described)
    assert redundant == [], f"drop from OPERATION_DESCRIPTIONS: {redundant}"


def test_json_body_operations_list_body_codes(by_id: dict[str, dict[str, Any]]) -> None:
    for operation_id, operation in by_id.items():
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            missing = [code for code in JSON_BODY if code not in OPERATION_PROBLEMS[operation_id]]
            assert missing == [], f"{operation_id} has a JSON body but does not list {missing}"
        if "application/x-www-form-urlencoded" in content:
            missing = [code for code in FORM_BODY if code not in OPERATION_PROBLEMS[operation_id]]
            assert missing == [], f"{operation_id} has a form body but does not list {missing}"


def test_parameter_operations_list_validation_failed(by_id: dict[str, dict[str, Any]]) -> None:
    for operation_id, operation in by_id.items():
        if operation.get("parameters"):
            codes = OPERATION_PROBLEMS[operation_id]
            assert set(PARAMETERS) <= set(codes), f"{operation_id} has parameters"


def test_bearer_operations_list_token_codes(by_id: dict[str, dict[str, Any]]) -> None:
    for operation_id, operation in by_id.items():
        requirements = operation.get("security", [])
        bearer_only = requirements == [{BEARER_SCHEME_NAME: []}]
        if bearer_only:
            missing = [code for code in BEARER if code not in OPERATION_PROBLEMS[operation_id]]
            assert missing == [], f"{operation_id} needs an access token, lacks {missing}"


def test_error_responses_are_problems(by_id: dict[str, dict[str, Any]]) -> None:
    for operation_id, operation in by_id.items():
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            content = response.get("content", {})
            assert list(content) == [PROBLEM_MEDIA_TYPE], f"{operation_id} {status}"
            schema = content[PROBLEM_MEDIA_TYPE]["schema"]
            assert schema == {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA_NAME}"}


def test_every_listed_code_has_example(by_id: dict[str, dict[str, Any]]) -> None:
    catalogue = problem_catalogue()

    for operation_id, codes in OPERATION_PROBLEMS.items():
        for code in codes:
            status = str(catalogue[code].status)
            response = by_id[operation_id]["responses"].get(status, {})
            examples = response.get("content", {}).get(PROBLEM_MEDIA_TYPE, {}).get("examples", {})
            assert examples.get(code, {}).get("value", {}).get("code") == code, (
                f"{operation_id} {status} has no example of {code}"
            )
            assert f"`{code}`" in response["description"]


def test_problem_schema_enumerates_codes(document: dict[str, Any]) -> None:
    schema = document["components"]["schemas"][PROBLEM_SCHEMA_NAME]

    assert set(schema["properties"]["code"]["enum"]) == set(problem_catalogue())
    assert schema["required"] == ["type", "title", "status", "detail", "code"]
    assert "errors" in schema["properties"]


def test_fastapi_validation_schemas_removed(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]

    assert "HTTPValidationError" not in schemas
    assert "ValidationError" not in schemas


def test_refresh_cookie_scheme(document: dict[str, Any]) -> None:
    scheme = document["components"]["securitySchemes"][REFRESH_COOKIE_SCHEME_NAME]

    assert scheme["type"] == "apiKey"
    assert scheme["in"] == "cookie"
    assert scheme["name"] == REFRESH_COOKIE


def test_refresh_cookie_operations_accept_cookie(by_id: dict[str, dict[str, Any]]) -> None:
    for operation_id in REFRESH_COOKIE_OPERATIONS:
        security = by_id[operation_id]["security"]

        assert {REFRESH_COOKIE_SCHEME_NAME: []} in security
        assert {} in security, f"{operation_id} must stay callable with the token in the body"


def test_rate_limited_response_has_retry_after(by_id: dict[str, dict[str, Any]]) -> None:
    response = by_id["signIn"]["responses"]["429"]

    assert "Retry-After" in response["headers"]


def test_document_built_once(app: FastAPI) -> None:
    assert app.openapi() is app.openapi()
