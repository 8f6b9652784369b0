"""A worker SIGKILLed mid-chunk leaves its job `doing`, and with it the portal's lock held.

Once the worker's heartbeat is STALLED_AFTER old, its job is closed as failed (not retried: a
drain of the same portal may be waiting already under `drain:<id>`, and a retried job would
collide with it) and a fresh drain is queued; the rows the dead worker claimed come back when
their inbox lease runs out, which guards them meanwhile. A stalled periodic job simply runs at
its next period. A drain still `doing` after an inbox lease and its budget is stuck the same
way in a live worker (its end could not be written while the database was down) and closed too.
"""

from __future__ import annotations

import logging
import warnings

import procrastinate
from procrastinate.jobs import Status

from store import inbox
from tasks import drain

logger = logging.getLogger(__name__)
STALLED_AFTER = 30.0  # seconds without a heartbeat (a worker beats every HEARTBEAT seconds)
HEARTBEAT = 10.0


async def close_stalled(app: procrastinate.App) -> int:
    manager = app.job_manager
    jobs = {job.id: job for job in await manager.get_stalled_jobs(
        seconds_since_heartbeat=STALLED_AFTER)}
    with warnings.catch_warnings():  # by start time: deprecated, and the one query that asks
        warnings.simplefilter("ignore", DeprecationWarning)
        stuck = await manager.get_stalled_jobs(
            nb_seconds=int(inbox.LEASE.total_seconds() + drain.BUDGET_SECONDS),
            task_name=drain.DRAIN)
    jobs.update((job.id, job) for job in stuck)
    for job in jobs.values():
        logger.warning("tasks.stalled", extra={"job": job.id, "task": job.task_name})
        await app.job_manager.finish_job(job, status=Status.FAILED, delete_job=False)
        if job.task_name == drain.DRAIN:
            await drain.defer_drain(app, int(job.task_kwargs["portal_id"]))
    return len(jobs)


def register(app: procrastinate.App) -> None:
    @app.periodic(cron="* * * * * */5", periodic_id="stalled")
    @app.task(name="close_stalled", queueing_lock="close_stalled", priority=drain.PRIORITY,
              pass_context=True)
    async def close_stalled_jobs(context: procrastinate.JobContext, timestamp: int) -> int:
        return await close_stalled(context.app)
