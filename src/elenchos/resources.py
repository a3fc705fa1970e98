"""Locate the migrations and templates, in an installed wheel or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Return the directory of a bundled resource ("migrations" or "templates").

    A wheel carries them under elenchos/_resources; an editable install or a
    checkout finds them at the repository root, two levels above the package.
    """
    for candidate in (_PACKAGE_DIR / "_resources" / name, _PACKAGE_DIR.parents[1] / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the {name} directory is neither bundled nor in a source checkout")
