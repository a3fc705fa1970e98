"""`elenchos worker`: run the outbox dispatcher without the HTTP API."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from elenchos.config import Settings
from elenchos.worker import run_worker


def register(commands: Any) -> None:
    worker = commands.add_parser(
        "worker",
        help="Send queued mail until SIGTERM or SIGINT. Run 'elenchos migrate' first.",
    )
    worker.set_defaults(handler=_worker)


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    settings.check_production_ready()
    asyncio.run(run_worker(settings))
    return 0
