"""Render the settings table of the docs from the Settings class, so the two never drift.

`python -m elenchos.config_reference FILE...` rewrites the table between the
markers in each file; a test fails when a committed table is stale.
"""

from __future__ import annotations

import enum
import sys
from pathlib import Path

from pydantic.fields import FieldInfo

from elenchos.config import Settings

START_MARKER = "<!-- settings-table:start -->"
END_MARKER = "<!-- settings-table:end -->"


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        value = field.default_factory()  # type: ignore[call-arg]
    else:
        value = field.default
    if value is None or value == []:
        return "(unset)"
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        value = str(value).lower()
    return f"`{value}`"


def render_settings_table() -> str:
    lines = ["| Variable | Default | Meaning |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        variable = f"`ELENCHOS_{name.upper()}`"
        description = (field.description or "").replace("|", "\\|")
        lines.append(f"| {variable} | {_default(field)} | {description} |")
    return "\n".join(lines)


def replace_table(text: str) -> str:
    """Return text with the block between the markers replaced by the current table."""
    start = text.index(START_MARKER) + len(START_MARKER)
    end = text.index(END_MARKER)
    return text[:start] + "\n" + render_settings_table() + "\n" + text[end:]


def main(paths: list[str]) -> int:
    for path in map(Path, paths):
        path.write_text(replace_table(path.read_text()))
        print(f"updated the settings table in {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
