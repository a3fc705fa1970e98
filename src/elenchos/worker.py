"""Running the outbox dispatcher: beside the HTTP app, or alone as `elenchos worker`."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from elenchos.bootstrap import Container, build
from elenchos.config import Settings

logger = logging.getLogger(__name__)


@asynccontextmanager
async def running_dispatcher(container: Container) -> AsyncIterator[None]:
    """Run the container's dispatcher in a task for the duration of the block.

    On exit the dispatcher finishes the message it is sending and stops.
    """
    loop = container.dispatcher_loop()
    task = asyncio.create_task(loop.run(), name="outbox-dispatcher")
    try:
        yield
    finally:
        loop.stop()
        await task


async def run_worker(settings: Settings) -> None:
    """Run only the dispatcher until SIGTERM or SIGINT.

    Messages claimed but not yet sent at that moment stay leased, and another
    dispatcher sends them once the lease ends.
    """
    container = await build(settings)
    stop = asyncio.Event()
    event_loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        event_loop.add_signal_handler(signal_number, stop.set)
    try:
        async with running_dispatcher(container):
            await stop.wait()
            logger.info("stop signal received, finishing the current message")
    finally:
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            event_loop.remove_signal_handler(signal_number)
        await container.close()
