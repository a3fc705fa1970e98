"""The elenchos command line, run as a subprocess like an operator would."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path


def run_cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("ELENCHOS_")
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "elenchos", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_migrate_creates_embedded_database(tmp_path: Path) -> None:
    result = run_cli("migrate", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    database = tmp_path / ".elenchos" / "elenchos.sqlite3"
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"users", "outbox", "alembic_version"} <= tables


def test_migrate_sql_prints_ddl_without_database(tmp_path: Path) -> None:
    result = run_cli(
        "migrate", "--sql", cwd=tmp_path, ELENCHOS_DATABASE_URL="postgresql+asyncpg://x@h/db"
    )

    assert result.returncode == 0, result.stderr
    assert "CREATE TABLE users" in result.stdout
    assert not (tmp_path / ".elenchos").exists()


def test_serve_in_production_on_sqlite_fails_with_one_line(tmp_path: Path) -> None:
    result = run_cli("serve", cwd=tmp_path, ELENCHOS_ENV="production")

    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "ELENCHOS_DATABASE_URL" in result.stderr


def test_invalid_setting_reports_its_name(tmp_path: Path) -> None:
    result = run_cli("migrate", cwd=tmp_path, ELENCHOS_SMTP_PORT="not-a-port")

    assert result.returncode == 2
    assert "ELENCHOS_SMTP_PORT" in result.stderr


def test_help_lists_commands(tmp_path: Path) -> None:
    result = run_cli("--help", cwd=tmp_path)

    assert result.returncode == 0
    assert "serve" in result.stdout
    assert "migrate" in result.stdout
