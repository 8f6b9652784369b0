"""Production background work on Procrastinate (PostgreSQL): any number of worker processes.

    flask --app app worker --engine procrastinate [--concurrency 16]

One module, one job: engine.py builds the Procrastinate app, drain.py drains one portal's inbox
under a per-portal lock, periodic.py turns jobs/runner.py's JobSpec list into periodic tasks
(deferred once across all workers), stalled.py hands the jobs of a dead worker back. SQLite and
`flask --app app serve` keep the embedded APScheduler runner (jobs/runner.py): same handlers.
redis_engine.py is the alternative on Dramatiq + Redis (`--engine dramatiq`): the same drain and
jobs, its per-portal mutex, waiting flags and once-per-period beat made of Redis keys.
"""
