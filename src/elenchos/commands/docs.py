"""`elenchos docs`: regenerate the documentation files derived from the code."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from elenchos.config import Settings
from elenchos.docs_generation.generate import (
    DocsGenerationError,
    stale_files,
    write_generated_files,
)


def register(commands: Any) -> None:
    docs = commands.add_parser(
        "docs",
        help=(
            "Rewrite docs/openapi.json, the Postman collection, .env.example and the "
            "generated tables in docs/ and README.md."
        ),
    )
    docs.add_argument(
        "--root",
        type=Path,
        default=Path(),
        help="Repository directory that contains docs/ (default: the current directory).",
    )
    docs.add_argument(
        "--check",
        action="store_true",
        help="Only compare: write nothing, and exit with status 1 when a file is stale.",
    )
    docs.set_defaults(handler=_docs)


def _docs(args: argparse.Namespace, settings: Settings) -> int:
    try:
        if args.check:
            return _check(args.root)
        written = write_generated_files(args.root)
    except DocsGenerationError as exc:
        print(f"elenchos: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"updated {path}")
    if not written:
        print("generated documentation is up to date")
    return 0


def _check(root: Path) -> int:
    stale = stale_files(root)
    for path in stale:
        print(f"stale: {path}", file=sys.stderr)
    if stale:
        print("elenchos: generated documentation is stale. Run 'make docs'.", file=sys.stderr)
        return 1
    print("generated documentation is up to date")
    return 0
