"""The periodic jobs of jobs/runner.py (its JobSpec list) as Procrastinate periodic tasks.

Every worker runs the periodic deferrer, and PostgreSQL keeps one defer per task and moment
(procrastinate_periodic_defers), so a job runs once per period however many workers there are:
no "exactly one scheduler" rule. `lock=job:<id>` keeps a slow run from overlapping the next
(APScheduler's max_instances=1 in the embedded runner).
"""

from __future__ import annotations

import asyncio
import logging
import time

import procrastinate

from config import Settings
from jobs.runner import JobSpec, job_specs
from tasks import engine

logger = logging.getLogger(__name__)
PREFIX = "job."


def cron_of(spec: JobSpec) -> str:
    """An APScheduler interval as a cron line (6th column = seconds, as Procrastinate reads it)."""
    if spec.trigger != "interval" or len(spec.kwargs) != 1:
        raise ValueError(f"{spec.id}: only one-unit interval triggers translate")
    (unit, every), = spec.kwargs.items()
    seconds = int(every) * {"seconds": 1, "minutes": 60, "hours": 3600}[unit]
    if seconds < 60:
        if 60 % seconds:
            raise ValueError(f"{spec.id}: {seconds} s does not divide a minute")
        return f"* * * * * */{seconds}"
    if seconds < 3600 and seconds % 60 == 0 and 60 % (seconds // 60) == 0:
        return f"*/{seconds // 60} * * * *"
    if seconds < 86400 and seconds % 3600 == 0 and 24 % (seconds // 3600) == 0:
        return f"0 */{seconds // 3600} * * *"
    if seconds == 86400:
        return "0 0 * * *"
    raise ValueError(f"{spec.id}: an interval of {seconds} s has no cron line")


def run_spec(spec: JobSpec) -> object:
    flask = engine.flask_app()
    started = time.monotonic()
    with flask.app_context():
        result = spec.func(flask)
    logger.info("job.%s.done", spec.id, extra={
        "result": result, "seconds": round(time.monotonic() - started, 3)})
    return result


def register(app: procrastinate.App, settings: Settings) -> None:
    for spec in job_specs(settings):
        _register_one(app, spec)


def _register_one(app: procrastinate.App, spec: JobSpec) -> None:
    async def periodic_job(timestamp: int) -> None:
        await asyncio.to_thread(run_spec, spec)

    task = app.task(name=PREFIX + spec.id, lock=f"job:{spec.id}",
                    queueing_lock=f"job:{spec.id}")(periodic_job)
    app.periodic(cron=cron_of(spec), periodic_id=spec.id)(task)
