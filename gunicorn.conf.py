"""The web tier's gunicorn settings: `gunicorn -c gunicorn.conf.py 'app:create_app()'`.

Threaded workers (gthread): a connection that is slow to send its request holds one thread of
its worker, not the whole worker, as a sync worker would (issue 14: four sockets sending a
header line every 5 s took down `gunicorn -w 4`). Deadlines on reading a request belong to the
proxy in front (deploy/nginx.conf.example: client_header_timeout, client_body_timeout), which
also buffers every request, so gunicorn sees only complete ones. Command-line flags and
GUNICORN_CMD_ARGS override anything here.
"""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
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
