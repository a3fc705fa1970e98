"""Build a Postman v2.1 collection from the OpenAPI document.

One folder per tag, one request per operation. Path parameters become
collection variables in camelCase ({{organisationId}}), request bodies come
from the schema's first example, and routes that need an access token send
{{accessToken}} as a bearer token. Requests that return tokens store them in
the collection variables, so a sign-in is enough to call the other routes.
"""

from __future__ import annotations

import json
from typing import Any

from elenchos.http.openapi import BEARER_SCHEME_NAME, HTTP_METHODS, schema_alternatives

POSTMAN_SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
TOKEN_RESPONSE_REFERENCE = "#/components/schemas/TokenResponse"
# Top-level body fields whose value a collection variable supplies.
BODY_VARIABLES = {"refresh_token": "{{refreshToken}}"}
STORE_TOKENS_SCRIPT = [
    "const body = pm.response.json();",
    'if (body.access_token) { pm.collectionVariables.set("accessToken", body.access_token); }',
    'if (body.refresh_token) { pm.collectionVariables.set("refreshToken", body.refresh_token); }',
]


def build_collection(document: dict[str, Any], base_url: str) -> dict[str, Any]:
    """Return the collection for the document, with base_url as the baseUrl variable's value."""
    folders: dict[str, list[dict[str, Any]]] = {tag["name"]: [] for tag in document.get("tags", [])}
    path_variables: set[str] = set()
    for path, path_item in document["paths"].items():
        for method, operation in path_item.items():
            if method not in HTTP_METHODS:
                continue
            request = _request_item(document, path, method, operation)
            path_variables.update(_path_parameter_names(operation))
            tag = (operation.get("tags") or ["other"])[0]
            folders.setdefault(tag, []).append(request)

    descriptions = {tag["name"]: tag.get("description", "") for tag in document.get("tags", [])}
    info = document["info"]
    return {
        "info": {
            "name": info["title"],
            "description": info.get("summary") or info.get("description", ""),
            "version": info["version"],
            "schema": POSTMAN_SCHEMA,
        },
        "item": [
            {"name": tag, "description": descriptions.get(tag, ""), "item": items}
            for tag, items in folders.items()
            if items
        ],
        "variable": _collection_variables(base_url, path_variables),
    }


def render_collection(document: dict[str, Any], base_url: str) -> str:
    return json.dumps(build_collection(document, base_url), indent=2, ensure_ascii=False) + "\n"


def camel_case(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)


def _collection_variables(base_url: str, path_variables: set[str]) -> list[dict[str, str]]:
    variables = [
        {"key": "baseUrl", "value": base_url, "type": "string"},
        {"key": "accessToken", "value": "", "type": "string"},
        {"key": "refreshToken", "value": "", "type": "string"},
    ]
    for name in sorted(path_variables):
        variables.append({"key": camel_case(name), "value": "", "type": "string"})
    return variables


def _request_item(
    document: dict[str, Any], path: str, method: str, operation: dict[str, Any]
) -> dict[str, Any]:
    request: dict[str, Any] = {
        "method": method.upper(),
        "header": [],
        "url": _url(path, operation),
        "description": operation.get("description", ""),
    }
    if _needs_bearer(operation):
        request["auth"] = {
            "type": "bearer",
            "bearer": [{"key": "token", "value": "{{accessToken}}", "type": "string"}],
        }
    else:
        request["auth"] = {"type": "noauth"}
    body = _body(document, operation)
    if body is not None:
        request["body"] = body
        if body["mode"] == "raw":
            request["header"].append({"key": "Content-Type", "value": "application/json"})

    item: dict[str, Any] = {"name": operation.get("summary", operation["operationId"])}
    if _returns_tokens(operation):
        item["event"] = [
            {"listen": "test", "script": {"type": "text/javascript", "exec": STORE_TOKENS_SCRIPT}}
        ]
    item["request"] = request
    item["response"] = []
    return item


def _url(path: str, operation: dict[str, Any]) -> dict[str, Any]:
    segments = []
    for segment in path.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("}"):
            segment = ":" + segment[1:-1]
        segments.append(segment)
    url: dict[str, Any] = {
        "raw": "{{baseUrl}}/" + "/".join(segments),
        "host": ["{{baseUrl}}"],
        "path": segments,
    }
    parameters = operation.get("parameters", [])
    variables = [
        _described(
            {"key": parameter["name"], "value": "{{" + camel_case(parameter["name"]) + "}}"},
            parameter,
        )
        for parameter in parameters
        if parameter["in"] == "path"
    ]
    query = [_query_parameter(parameter) for parameter in parameters if parameter["in"] == "query"]
    if query:
        enabled = [entry for entry in query if not entry.get("disabled")]
        if enabled:
            url["raw"] += "?" + "&".join(f"{entry['key']}={entry['value']}" for entry in enabled)
        url["query"] = query
    if variables:
        url["variable"] = variables
    return url


def _query_parameter(parameter: dict[str, Any]) -> dict[str, Any]:
    schema = parameter.get("schema", {})
    default = schema.get("default")
    entry = _described(
        {"key": parameter["name"], "value": "" if default is None else str(default)}, parameter
    )
    # Optional parameters are listed but off, so the request runs as the API's defaults.
    if not parameter.get("required"):
        entry["disabled"] = True
    return entry


def _described(entry: dict[str, Any], parameter: dict[str, Any]) -> dict[str, Any]:
    if parameter.get("description"):
        entry["description"] = parameter["description"]
    return entry


def _path_parameter_names(operation: dict[str, Any]) -> list[str]:
    return [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]


def _needs_bearer(operation: dict[str, Any]) -> bool:
    return any(BEARER_SCHEME_NAME in requirement for requirement in operation.get("security", []))


def _returns_tokens(operation: dict[str, Any]) -> bool:
    success = operation.get("responses", {}).get("200", {})
    schema = success.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref") == TOKEN_RESPONSE_REFERENCE)


def _body(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        example = _example(document, content["application/json"])
        for key, value in BODY_VARIABLES.items():
            if key in example:
                example[key] = value
        return {
            "mode": "raw",
            "raw": json.dumps(example, indent=2, ensure_ascii=False),
            "options": {"raw": {"language": "json"}},
        }
    if "application/x-www-form-urlencoded" in content:
        example = _example(document, content["application/x-www-form-urlencoded"])
        return {
            "mode": "urlencoded",
            "urlencoded": [
                {"key": key, "value": str(value), "type": "text"} for key, value in example.items()
            ],
        }
    return None


def _example(document: dict[str, Any], media: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of the media type's example, else the first example of its schema."""
    if "example" in media:
        return dict(media["example"])
    schemas = document.get("components", {}).get("schemas", {})
    for schema in schema_alternatives(media.get("schema", {}), schemas):
        if schema.get("examples"):
            return dict(schema["examples"][0])
    return {}
