"""`elenchos docs` rewrites stale generated files and reports them with --check."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.e2e.test_cli import run_cli

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
HAND_WRITTEN = ("docs/operations.md", "docs/integration-guide.md")


def copy_docs(destination: Path) -> None:
    for name in HAND_WRITTEN:
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPOSITORY_ROOT / name, target)


def test_docs_check_passes_on_repository(tmp_path: Path) -> None:
    result = run_cli("docs", "--check", "--root", str(REPOSITORY_ROOT), cwd=tmp_path)

    assert result.returncode == 0, result.stderr


def test_docs_check_reports_stale_files(tmp_path: Path) -> None:
    copy_docs(tmp_path)

    result = run_cli("docs", "--check", "--root", str(tmp_path), cwd=tmp_path)

    assert result.returncode == 1
    assert "stale: docs/openapi.json" in result.stderr
    assert "make docs" in result.stderr
    assert not (tmp_path / "docs" / "openapi.json").exists()


def test_docs_writes_files_then_is_fresh(tmp_path: Path) -> None:
    copy_docs(tmp_path)

    written = run_cli("docs", "--root", str(tmp_path), cwd=tmp_path)
    checked = run_cli("docs", "--check", "--root", str(tmp_path), cwd=tmp_path)

    assert written.returncode == 0, written.stderr
    assert "updated docs/elenchos.postman_collection.json" in written.stdout
    assert checked.returncode == 0, checked.stderr


def test_docs_without_guides_fails_with_one_line(tmp_path: Path) -> None:
    result = run_cli("docs", "--root", str(tmp_path), cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "operations.md does not exist" in result.stderr
