"""A worker SIGKILLed mid-chunk leaves its job `doing` (and the portal's lock held): once its
heartbeat is 30 s old, the job goes back to `todo`; the inbox lease guards the rows meanwhile."""

from __future__ import annotations

import logging

import procrastinate

logger = logging.getLogger(__name__)
STALLED_AFTER = 30.0  # seconds without a heartbeat (the worker beats every 10 s)


def register(app: procrastinate.App) -> None:
    @app.periodic(cron="* * * * * */10", periodic_id="retry_stalled")
    @app.task(name="retry_stalled", queueing_lock="retry_stalled", pass_context=True)
    async def retry_stalled(context: procrastinate.JobContext, timestamp: int) -> int:
        jobs = list(await context.app.job_manager.get_stalled_jobs(
            seconds_since_heartbeat=STALLED_AFTER))
        for job in jobs:
            logger.warning("tasks.retry_stalled", extra={"job": job.id, "task": job.task_name})
            await context.app.job_manager.retry_job(job)
        return len(jobs)
