"""CLI: `flask --app app serve|worker|scheduler|sync|init-db|rotate-keys`
(the scheduler never runs in web)."""

from __future__ import annotations

import signal
import threading

import click
from flask import Flask

from jobs import runner


def init_app(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option("--engine", type=click.Choice(["loop", "procrastinate", "dramatiq"]),
                  default="loop",
                  help="loop: the in-process drain loop; procrastinate: the task engine "
                  "(PostgreSQL; also runs the periodic jobs, no scheduler process needed); "
                  "dramatiq: the same on Redis (REDIS_URL)")
    @click.option("--concurrency", default=None, type=int,
                  help="portals at once (default WORKER_THREADS)")
    @click.option("--inbox-only", is_flag=True,
                  help="task engines: drain the inbox, run no periodic job (benchmarks)")
    def worker(engine: str, concurrency: int | None, inbox_only: bool) -> None:
        """Drain the inbox (run one or more next to the web processes)."""
        if engine == "procrastinate":
            from tasks import worker as task_worker

            task_worker.run(app, concurrency or app.config["SETTINGS"].worker_threads,
                            periodic_jobs=not inbox_only)
            return
        if engine == "dramatiq":
            from tasks import redis_engine

            redis_engine.run(app, concurrency or app.config["SETTINGS"].worker_threads,
                             periodic_jobs=not inbox_only)
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            runner.run_worker(app, stop)
        except KeyboardInterrupt:
            stop.set()

    @app.cli.command("scheduler")
    def scheduler() -> None:
        """The clock for periodic jobs next to loop workers (exactly one); Procrastinate
        workers (`worker --engine procrastinate`) run the periodic jobs themselves."""
        runner.build_scheduler(app, blocking=True).start()

    @app.cli.command("sync")
    def sync() -> None:
        """Sync every active portal once now."""
        click.echo(f"synced {runner.sync_all(app)} portal(s)")

    @app.cli.command("init-db")
    def init_db() -> None:
        """Upgrade the database schema to the newest migration."""
        from store.migrate import upgrade

        upgrade(app.config["SETTINGS"].database_url)
        click.echo("database is at head")

    @app.cli.command("rotate-keys")
    def rotate_keys() -> None:
        """Re-encrypt every stored token under the first of TOKEN_KEYS (store/crypto.py)."""
        from store.keys import rotate

        with runner.sessions_of(app)() as session, session.begin():
            done = rotate(session)
        click.echo(f"re-encrypted {done.rotated} token(s); {done.old_hashes} application_token "
                   "hash(es) still under an older key (renewed when the portal next sends it)")

    @app.cli.command("serve")
    @click.option("--host", default="127.0.0.1")
    @click.option("--port", default=8000, type=int)
    def serve(host: str, port: int) -> None:
        """Web + worker + scheduler in one process: the embedded default (SQLite)."""
        from werkzeug.serving import make_server

        from store.migrate import upgrade

        upgrade(app.config["SETTINGS"].database_url)
        stop = threading.Event()
        threading.Thread(target=runner.run_worker, args=(app, stop), daemon=True).start()
        clock = runner.build_scheduler(app, blocking=False)
        clock.start()
        server = make_server(host, port, app, threaded=True)
        click.echo(f"serving on http://{host}:{server.server_port}")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            clock.shutdown(wait=False)
