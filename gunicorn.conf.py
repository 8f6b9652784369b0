"""The web tier's gunicorn settings: `gunicorn -c gunicorn.conf.py 'app:create_app()'`.

Threaded workers (gthread): a connection that is slow to send its request holds one thread of
its worker, not the whole worker, as a sync worker would (issue 14: four sockets sending a
header line every 5 s took down `gunicorn -w 4`). Deadlines on reading a request belong to the
proxy in front (deploy/nginx.conf.example: client_header_timeout, client_body_timeout), which
also buffers every request, so gunicorn sees only complete ones. Command-line flags and
GUNICORN_CMD_ARGS override anything here.
"""

import gc
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
worker_class = "gthread"


def _cores() -> int:
    """The cores this process may run on: taskset and cpusets count, unlike os.cpu_count()."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# One worker per core. A worker acknowledges one event at a time (web.py), so a second worker
# on the same core only time-slices with the first: pinned to one core (bench/ack.py) two
# workers gave p99 117-303 ms where one gave 29-70 ms, alternating in the same minutes.
workers = int(os.environ.get("WEB_CONCURRENCY", str(_cores())))
threads = int(os.environ.get("WEB_THREADS", "16"))  # per worker: slow clients take one each
timeout = 30  # a worker whose main loop stalls this long is restarted
graceful_timeout = 20
keepalive = 5  # seconds an idle kept-alive connection may wait for its next request

# The longest genuine request line is an app page with its query (DOMAIN, LANG, APP_SID and our
# session token): well under 4 KB. Event bodies are form posts, limited by MAX_CONTENT_LENGTH.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190

accesslog = os.environ.get("ACCESS_LOG")  # None: off; "-" for stdout
errorlog = "-"


def post_worker_init(worker) -> None:  # noqa: ANN001 - gunicorn's Worker
    """The app is loaded: its ~140 000 long-lived objects (modules, routes, mappers, catalogs)
    leave the collector's reach (gc.freeze), so a full collection no longer walks them. The
    first full collection after start-up paused a worker for ~250 ms (at load 17), long
    enough to queue every event arriving meanwhile (with the freeze none came in 3 000 posts).
    gc.collect first, so start-up garbage is freed rather than frozen."""
    gc.collect()
    gc.freeze()
