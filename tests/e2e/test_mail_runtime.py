"""The outbox dispatcher at run time: in the app's lifespan, and as `elenchos worker`."""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from elenchos.adapters.memory import FixedClock
from elenchos.adapters.sqlalchemy import migrations
from elenchos.adapters.sqlalchemy.engine import create_engine, create_session_factory
from elenchos.adapters.sqlalchemy.unit_of_work import SqlUnitOfWorkFactory
from elenchos.config import Settings
from elenchos.domain.outbox import OutboxMessage
from elenchos.http.app import create_app
from tests.support.accounts import sign_up

WAIT_SECONDS = 20.0


async def migrated_sqlite(path: Path) -> str:
    url = f"sqlite+aiosqlite:///{path}"
    engine = create_engine(url)
    try:
        await migrations.upgrade(engine)
    finally:
        await engine.dispose()
    return url


async def wait_for_files(directory: Path, pattern: str) -> list[Path]:
    for _ in range(int(WAIT_SECONDS / 0.05)):
        found = sorted(directory.glob(pattern))
        if found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {pattern} in {directory} after {WAIT_SECONDS} s")


async def test_app_sends_mail_right_after_sign_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="elenchos")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        database_url=await migrated_sqlite(tmp_path / "app.sqlite3"),
        mail_backend="console",
        public_url="http://127.0.0.1:8000",
        argon2_time_cost=1,
        argon2_memory_cost_kib=64,
        argon2_parallelism=1,
        # Only the nudge after the commit can send the mail in time.
        outbox_poll_interval_seconds=3600,
    )
    app = create_app(settings)

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            await sign_up(client, "ada@example.com")
        [saved] = await wait_for_files(tmp_path / "mail", "*.eml")

    message = email.message_from_bytes(saved.read_bytes(), policy=email.policy.default)
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "Verify your email address for Elenchos"
    assert "mail link: http://127.0.0.1:8000/ui/verify-email?token=" in caplog.text


async def test_worker_command_sends_and_stops_on_sigterm(tmp_path: Path) -> None:
    url = await migrated_sqlite(tmp_path / "worker.sqlite3")
    engine = create_engine(url)
    clock = FixedClock()
    async with SqlUnitOfWorkFactory(create_session_factory(engine))() as uow:
        context = {"token": "worker-token", "expires_in_hours": 24}
        await uow.outbox.add(
            OutboxMessage.queue("verify_email", "ada@example.com", context, clock.now())
        )
        await uow.commit()
    await engine.dispose()
    environment = {
        **os.environ,
        "ELENCHOS_DATABASE_URL": url,
        "ELENCHOS_DATA_DIR": str(tmp_path),
        "ELENCHOS_MAIL_BACKEND": "console",
        "ELENCHOS_OUTBOX_POLL_INTERVAL_SECONDS": "0.2",
    }

    worker = subprocess.Popen(
        [sys.executable, "-m", "elenchos", "worker"],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        [saved] = await wait_for_files(tmp_path / "mail", "*.eml")
    finally:
        worker.send_signal(signal.SIGTERM)
        _, stderr = worker.communicate(timeout=WAIT_SECONDS)

    assert "worker-token" in saved.read_text()
    assert worker.returncode == 0, stderr
    assert "outbox dispatcher stopped" in stderr
