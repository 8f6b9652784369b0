"""One worker process: `concurrency` portals drained at once (threads for the blocking HTTP),
the periodic deferrer, heartbeats. SIGTERM/SIGINT finish the running jobs, then exit."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from flask import Flask

from tasks import engine, stalled


def run(flask_app: Flask, concurrency: int, *, periodic_jobs: bool = True) -> None:
    settings = flask_app.config["SETTINGS"]
    engine.bind(flask_app)
    app = engine.build(settings, periodic_jobs=periodic_jobs)

    async def main() -> None:
        # asyncio's default pool has cpu+4 threads: fewer than the jobs we run at once
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(concurrency + 2, thread_name_prefix="task"))
        async with app.open_async():
            await app.run_worker_async(
                concurrency=concurrency, install_signal_handlers=True,
                update_heartbeat_interval=stalled.HEARTBEAT,
                stalled_worker_timeout=stalled.STALLED_AFTER)

    asyncio.run(main())
