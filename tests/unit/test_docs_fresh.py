"""Generated documentation matches the code: run `make docs` when a test here fails."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from elenchos.config import Settings
from elenchos.docs_generation.generate import (
    ENV_EXAMPLE_PATH,
    INTEGRATION_GUIDE_PATH,
    OPERATIONS_GUIDE_PATH,
    POSTMAN_PATH,
    build_openapi_document,
    generated_files,
    replace_between,
)
from elenchos.docs_generation.postman import POSTMAN_SCHEMA
from elenchos.http.openapi import BEARER_SCHEME_NAME, operations, problem_catalogue
from elenchos.observability.metrics import Metrics

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
ENV_KEY = re.compile(r"^\s*#?\s*(ELENCHOS_[A-Z0-9_]+)=", re.MULTILINE)


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return build_openapi_document()


@pytest.fixture(scope="module")
def collection() -> dict[str, Any]:
    text = (REPOSITORY_ROOT / POSTMAN_PATH).read_text(encoding="utf-8")
    parsed: dict[str, Any] = json.loads(text)
    return parsed


def test_generated_files_are_fresh() -> None:
    stale = [
        str(generated.path)
        for generated in generated_files(REPOSITORY_ROOT)
        if not (REPOSITORY_ROOT / generated.path).exists()
        or (REPOSITORY_ROOT / generated.path).read_text(encoding="utf-8") != generated.content
    ]

    assert stale == [], f"stale generated documentation: {stale}; run `make docs`"


def test_env_example_lists_every_setting() -> None:
    text = (REPOSITORY_ROOT / ENV_EXAMPLE_PATH).read_text(encoding="utf-8")

    listed = ENV_KEY.findall(text)
    expected = [f"ELENCHOS_{name.upper()}" for name in Settings.model_fields]
    assert listed == expected


def test_operations_guide_has_settings_table() -> None:
    text = (REPOSITORY_ROOT / OPERATIONS_GUIDE_PATH).read_text(encoding="utf-8")

    for name in Settings.model_fields:
        assert f"`ELENCHOS_{name.upper()}`" in text


def test_operations_guide_names_every_metric() -> None:
    text = (REPOSITORY_ROOT / OPERATIONS_GUIDE_PATH).read_text(encoding="utf-8")
    names = [
        metric.name + ("_total" if metric.type == "counter" else "")
        for metric in Metrics().registry.collect()
    ]

    missing = [name for name in names if f"`{name}`" not in text]
    assert missing == []


def test_integration_guide_lists_every_problem_code() -> None:
    text = (REPOSITORY_ROOT / INTEGRATION_GUIDE_PATH).read_text(encoding="utf-8")

    missing = [code for code in problem_catalogue() if f"| `{code}` |" not in text]
    assert missing == []


def test_postman_collection_is_v2_1(collection: dict[str, Any]) -> None:
    assert collection["info"]["schema"] == POSTMAN_SCHEMA
    assert {variable["key"] for variable in collection["variable"]} >= {
        "baseUrl",
        "accessToken",
        "refreshToken",
    }


def test_postman_collection_covers_every_operation(
    document: dict[str, Any], collection: dict[str, Any]
) -> None:
    requests = [item for folder in collection["item"] for item in folder["item"]]
    summaries = sorted(operation["summary"] for operation in operations(document))

    assert sorted(item["name"] for item in requests) == summaries


def test_postman_folders_follow_tags(document: dict[str, Any], collection: dict[str, Any]) -> None:
    tags = [tag["name"] for tag in document["tags"]]

    assert [folder["name"] for folder in collection["item"]] == tags


def test_postman_bearer_where_needed(document: dict[str, Any], collection: dict[str, Any]) -> None:
    auth_by_name = {
        item["name"]: item["request"]["auth"]["type"]
        for folder in collection["item"]
        for item in folder["item"]
    }

    for operation in operations(document):
        needs_bearer = any(
            BEARER_SCHEME_NAME in requirement for requirement in operation.get("security", [])
        )
        expected = "bearer" if needs_bearer else "noauth"
        assert auth_by_name[operation["summary"]] == expected, operation["operationId"]


def test_postman_urls_use_base_url_and_variables(collection: dict[str, Any]) -> None:
    for folder in collection["item"]:
        for item in folder["item"]:
            url = item["request"]["url"]

            assert url["raw"].startswith("{{baseUrl}}/"), item["name"]
            for variable in url.get("variable", []):
                assert f":{variable['key']}" in url["path"]
                assert variable["value"].startswith("{{")


def test_postman_json_bodies_are_examples(collection: dict[str, Any]) -> None:
    bodies = [
        item["request"]["body"]
        for folder in collection["item"]
        for item in folder["item"]
        if item["request"].get("body", {}).get("mode") == "raw"
    ]

    assert bodies
    for body in bodies:
        assert json.loads(body["raw"]), "a JSON body is empty"


def test_replace_between_keeps_surrounding_text() -> None:
    text = "before\n<!-- a -->\nold\n<!-- b -->\nafter\n"

    replaced = replace_between(text, "<!-- a -->", "<!-- b -->", "new")

    assert replaced == "before\n<!-- a -->\nnew\n<!-- b -->\nafter\n"
