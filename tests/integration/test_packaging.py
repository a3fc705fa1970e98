"""The built wheel carries the migrations and templates, so an installed package runs alone."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import elenchos

REPOSITORY = Path(elenchos.__file__).resolve().parents[2]


def test_wheel_contains_migrations_and_templates(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
            "--no-build-isolation", "--wheel-dir", str(tmp_path), str(REPOSITORY),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )

    (wheel,) = tmp_path.glob("elenchos-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "elenchos/_resources/migrations/env.py" in names
    assert "elenchos/_resources/migrations/versions/0001_accounts.py" in names
    assert any(name.startswith("elenchos/_resources/templates/") for name in names)
    assert "elenchos/cli.py" in names
