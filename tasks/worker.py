"""One worker process: `concurrency` portals drained at once (threads for the blocking HTTP),
the periodic deferrer, heartbeats. SIGTERM/SIGINT finish the running jobs, then exit.

Procrastinate stops a worker whose notification listener lost the database; this process then
starts a new worker a second later, until the database answers again, so a restart of
PostgreSQL needs no supervisor to bring the workers back (issue 08's fault test checks it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from procrastinate.worker import Worker

from tasks import engine, stalled

logger = logging.getLogger(__name__)
RESTART_SECONDS = 1.0


def run(flask_app: Flask, concurrency: int, *, periodic_jobs: bool = True) -> None:
    settings = flask_app.config["SETTINGS"]
    engine.bind(flask_app)
    app = engine.build(settings, periodic_jobs=periodic_jobs)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        # asyncio's default pool has cpu+4 threads: fewer than the jobs we run at once
        loop.set_default_executor(ThreadPoolExecutor(concurrency + 2, thread_name_prefix="task"))
        stopping = asyncio.Event()
        current: list[Worker] = []

        def stop() -> None:
            stopping.set()
            for worker in current:
                worker.stop()

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop)
        while not stopping.is_set():
            try:
                async with app.open_async():
                    worker = Worker(app=app, concurrency=concurrency,
                                    install_signal_handlers=False,
                                    update_heartbeat_interval=stalled.HEARTBEAT,
                                    stalled_worker_timeout=stalled.STALLED_AFTER)
                    current[:] = [worker]
                    await worker.run()
            except Exception:  # the database is away: try again in a second
                logger.exception("tasks.worker.failed")
            if not stopping.is_set():
                logger.warning("tasks.worker.restarting")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), RESTART_SECONDS)

    asyncio.run(main())
