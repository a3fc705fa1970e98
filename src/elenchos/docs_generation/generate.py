"""Render every generated documentation file, and compare them with the files on disk.

Whole files: docs/openapi.json, docs/elenchos.postman_collection.json and
.env.example. Blocks between markers in hand-written files: the settings
table in docs/operations.md and README.md, and the problem-code table in
docs/integration-guide.md. README.md is skipped while it has no markers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elenchos import config_reference
from elenchos.commands.openapi import openapi_json
from elenchos.config import Settings
from elenchos.docs_generation.env_example import render_env_example
from elenchos.docs_generation.postman import render_collection

OPENAPI_PATH = Path("docs/openapi.json")
POSTMAN_PATH = Path("docs/elenchos.postman_collection.json")
ENV_EXAMPLE_PATH = Path(".env.example")
OPERATIONS_GUIDE_PATH = Path("docs/operations.md")
INTEGRATION_GUIDE_PATH = Path("docs/integration-guide.md")
README_PATH = Path("README.md")
PROBLEM_CODES_START = "<!-- problem-codes:start -->"
PROBLEM_CODES_END = "<!-- problem-codes:end -->"


class DocsGenerationError(Exception):
    """A hand-written file that should hold a generated block is missing or lacks its markers."""


@dataclass(frozen=True, slots=True)
class GeneratedFile:
    path: Path
    content: str


def build_openapi_document() -> dict[str, Any]:
    """Build the OpenAPI document from a default configuration, as the docs describe it."""
    from elenchos.http.app import create_app

    return create_app(Settings(_env_file=None)).openapi()


def render_problem_codes_table() -> str:
    """Return a Markdown table of every problem code with its HTTP status and title."""
    # Imported here: the catalogue is complete only once create_app has loaded the routers.
    from elenchos.http.openapi import problem_catalogue

    specs = sorted(problem_catalogue().values(), key=lambda spec: (spec.status, spec.code))
    lines = ["| Code | Status | Title |", "| --- | --- | --- |"]
    lines.extend(f"| `{spec.code}` | {spec.status} | {spec.title} |" for spec in specs)
    return "\n".join(lines)


def replace_between(text: str, start_marker: str, end_marker: str, block: str) -> str:
    """Return text with the lines between the two markers replaced by block."""
    start = text.index(start_marker) + len(start_marker)
    end = text.index(end_marker, start)
    return text[:start] + "\n" + block + "\n" + text[end:]


def generated_files(root: Path) -> list[GeneratedFile]:
    """Render every generated file under root, the repository's top directory."""
    document = build_openapi_document()
    base_url = str(Settings.model_fields["public_url"].default)
    files = [
        GeneratedFile(OPENAPI_PATH, openapi_json(document)),
        GeneratedFile(POSTMAN_PATH, render_collection(document, base_url)),
        GeneratedFile(ENV_EXAMPLE_PATH, render_env_example()),
    ]

    operations_guide = _marked_text(
        root, OPERATIONS_GUIDE_PATH, config_reference.START_MARKER, config_reference.END_MARKER
    )
    files.append(
        GeneratedFile(OPERATIONS_GUIDE_PATH, config_reference.replace_table(operations_guide))
    )
    integration_guide = _marked_text(
        root, INTEGRATION_GUIDE_PATH, PROBLEM_CODES_START, PROBLEM_CODES_END
    )
    table = render_problem_codes_table()
    files.append(
        GeneratedFile(
            INTEGRATION_GUIDE_PATH,
            replace_between(integration_guide, PROBLEM_CODES_START, PROBLEM_CODES_END, table),
        )
    )
    readme = root / README_PATH
    if readme.exists():
        text = readme.read_text(encoding="utf-8")
        if config_reference.START_MARKER in text and config_reference.END_MARKER in text:
            files.append(GeneratedFile(README_PATH, config_reference.replace_table(text)))
    return files


def stale_files(root: Path) -> list[Path]:
    """Return the generated files whose content on disk differs from a fresh rendering."""
    stale = []
    for generated in generated_files(root):
        target = root / generated.path
        if not target.exists() or target.read_text(encoding="utf-8") != generated.content:
            stale.append(generated.path)
    return stale


def write_generated_files(root: Path) -> list[Path]:
    """Write every stale generated file and return the paths written."""
    written = []
    for generated in generated_files(root):
        target = root / generated.path
        if target.exists() and target.read_text(encoding="utf-8") == generated.content:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(generated.content, encoding="utf-8")
        written.append(generated.path)
    return written


def _marked_text(root: Path, path: Path, start_marker: str, end_marker: str) -> str:
    target = root / path
    if not target.exists():
        raise DocsGenerationError(
            f"{target} does not exist. Run the command from the repository root or pass --root."
        )
    text = target.read_text(encoding="utf-8")
    for marker in (start_marker, end_marker):
        if marker not in text:
            raise DocsGenerationError(f"{target} lacks the {marker} marker of its generated table.")
    return text
