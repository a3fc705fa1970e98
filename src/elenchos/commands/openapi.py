"""`elenchos openapi`: write the OpenAPI document for client generators."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from elenchos.config import Settings


def register(commands: Any) -> None:
    openapi = commands.add_parser("openapi", help="Write the OpenAPI document as JSON.")
    openapi.add_argument(
        "--output", "-o", type=Path, help="File to write (default: standard output)."
    )
    openapi.set_defaults(handler=_openapi)


def render_openapi(settings: Settings) -> str:
    from elenchos.http.app import create_app

    return openapi_json(create_app(settings).openapi())


def openapi_json(document: dict[str, Any]) -> str:
    """Serialize the document with sorted keys, so regenerating it gives the same bytes."""
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def _openapi(args: argparse.Namespace, settings: Settings) -> int:
    text = render_openapi(settings)
    if args.output is None:
        print(text, end="")
    else:
        args.output.write_text(text)
        print(f"wrote {args.output}")
    return 0
