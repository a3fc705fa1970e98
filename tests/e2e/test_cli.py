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


def run_cli_with_input(*args: str, cwd: Path, stdin: str) -> subprocess.CompletedProcess[str]:
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("ELENCHOS_")
    }
    return subprocess.run(
        [sys.executable, "-m", "elenchos", *args],
        cwd=cwd,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_users_commands_manage_an_account(tmp_path: Path) -> None:
    assert run_cli("migrate", cwd=tmp_path).returncode == 0

    created = run_cli_with_input(
        "users", "create", "Owner@Example.com", "--display-name", "Owner", "--password-stdin",
        cwd=tmp_path, stdin="first password 1\n",
    )
    duplicate = run_cli_with_input(
        "users", "create", "owner@example.com", "--password-stdin",
        cwd=tmp_path, stdin="first password 1\n",
    )
    disabled = run_cli("users", "disable", "owner@example.com", cwd=tmp_path)
    missing = run_cli("users", "enable", "nobody@example.com", cwd=tmp_path)
    reset = run_cli_with_input(
        "users", "set-password", "OWNER@example.com", "--password-stdin",
        cwd=tmp_path, stdin="second password 2\n",
    )

    assert created.returncode == 0, created.stderr
    assert "created user" in created.stdout
    assert duplicate.returncode == 1
    assert "already has an account" in duplicate.stderr
    assert disabled.returncode == 0
    assert missing.returncode == 1
    assert "nobody@example.com" in missing.stderr
    assert reset.returncode == 0
    assert "second password" not in reset.stdout + reset.stderr
    with sqlite3.connect(tmp_path / ".elenchos" / "elenchos.sqlite3") as connection:
        status, verified = connection.execute(
            "SELECT status, email_verified_at FROM users"
        ).fetchone()
    assert status == "disabled"
    assert verified is not None


def test_users_command_on_unmigrated_database_fails_cleanly(tmp_path: Path) -> None:
    result = run_cli("users", "disable", "a@example.com", cwd=tmp_path)

    assert result.returncode == 1
    assert "run 'elenchos migrate'" in result.stderr
    assert "Traceback" not in result.stderr


def test_openapi_command_writes_document(tmp_path: Path) -> None:
    result = run_cli("openapi", "--output", "openapi.json", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert '"/v1/auth/sign-in"' in (tmp_path / "openapi.json").read_text()
