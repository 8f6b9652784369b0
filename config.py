"""Settings read once from the environment and passed explicitly into create_app()."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent
DEFAULT_DATABASE_URL = f"sqlite:///{ROOT / 'instance' / 'app.db'}"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_OAUTH_URL = "https://oauth.bitrix.info"
LIMIT_KEYS = {"inbox_quota": "INBOX_QUOTA", "inbox_keep_done_days": "INBOX_KEEP_DONE_DAYS",
              "inbox_keep_dead_days": "INBOX_KEEP_DEAD_DAYS",
              "event_max_age_hours": "EVENT_MAX_AGE_HOURS"}
REQUIRED = ("B24_CLIENT_ID", "B24_CLIENT_SECRET", "APP_PUBLIC_URL", "SECRET_KEY", "TOKEN_KEYS")


def oauth_base_url(url: str) -> str:
    """The auth server's bare origin, whether given as the host or as the token URL.

    The docs print the token URL (https://oauth.bitrix.info/oauth/token/, b24restdocs
    settings/oauth/index.md "OAuth 2.0 protocol"); refresh and app.info are built on the origin.
    """
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    for tail in ("/oauth/token", "/oauth"):
        if path.endswith(tail):
            path = path[: -len(tail)]
            break
    return urlunsplit((parts.scheme, parts.netloc, path.rstrip("/"), "", ""))


class ConfigError(RuntimeError):
    """Raised at start-up, naming every missing or bad key at once."""


class Secret(str):
    """A string that never shows itself in repr, logs or tracebacks."""

    def __repr__(self) -> str:
        return "Secret('***')"

    @property
    def value(self) -> str:
        return str.__str__(self)


@dataclass(frozen=True)
class Settings:
    b24_client_id: str
    b24_client_secret: Secret
    app_public_url: str
    secret_key: Secret
    # Fernet keys for the tokens at rest, newest first (store/crypto.py); not SECRET_KEY.
    token_keys: tuple[Secret, ...] = ()
    database_url: str = DEFAULT_DATABASE_URL
    b24_oauth_url: str = DEFAULT_OAUTH_URL
    # Where pages load the BX24 JS library from; the emulated portal serves its own copy.
    b24_js_url: str = "//api.bitrix24.com/api/v1/"
    inbox_chunk_size: int = 50
    # Chunks of one busy portal drained in one go, each step ONE request carrying a chunk's
    # writes and the next chunk's reads (jobs/inbox.py); 1 = a read and a write request each.
    inbox_pipeline_chunks: int = 10
    inbox_max_attempts: int = 8
    worker_poll_seconds: float = 1.0
    # Portals one worker process has in flight at once (one chunk per portal at a time): each
    # chunk mostly waits for its round trips, so threads, not cores, set the fleet's pace.
    worker_threads: int = 16
    # The Redis of `worker --engine dramatiq` (tasks/redis_engine.py); unused by the others.
    redis_url: str = DEFAULT_REDIS_URL
    sync_interval_seconds: int = 300
    # REST retries on 503/429/5xx/network: attempts and the first backoff step (seconds).
    rest_max_attempts: int = 5
    rest_backoff: float = 0.5
    log_level: str = "INFO"
    # Abuse limits (issue 14): events waiting per portal (over it: 429), how long done and
    # dead inbox rows are kept, how old an event's `ts` may be before it counts as a replay.
    inbox_quota: int = 50_000
    inbox_keep_done_days: int = 7
    inbox_keep_dead_days: int = 30
    event_max_age_hours: int = 24
    # A confirmed uninstall with CLEAN=1 keeps the data this long before the purge job runs.
    uninstall_retention_days: int = 7
    extra: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # The one place B24_OAUTH_URL is normalised; every user reads this field.
        object.__setattr__(self, "b24_oauth_url", oauth_base_url(self.b24_oauth_url))

    def process_env(self) -> dict[str, str]:
        """The variables a child process (worker, benchmark) needs to rebuild these settings with
        from_env: the one place that spells the inverse mapping, so the two cannot drift."""
        return {"DATABASE_URL": self.database_url, "B24_CLIENT_ID": self.b24_client_id,
                "B24_CLIENT_SECRET": self.b24_client_secret.value,
                "APP_PUBLIC_URL": self.app_public_url, "SECRET_KEY": self.secret_key.value,
                "TOKEN_KEYS": ",".join(k.value for k in self.token_keys),
                "B24_OAUTH_URL": self.b24_oauth_url, "REDIS_URL": self.redis_url}

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Fail fast: list every missing key, not just the first one."""
        env = os.environ if env is None else env
        missing = [key for key in REQUIRED if not env.get(key)]
        if missing:
            raise ConfigError("missing environment variables: " + ", ".join(missing))
        try:
            chunk = int(env.get("INBOX_CHUNK_SIZE", "50"))
            pipeline = int(env.get("INBOX_PIPELINE_CHUNKS", "10"))
            attempts = int(env.get("INBOX_MAX_ATTEMPTS", "8"))
            poll = float(env.get("WORKER_POLL_SECONDS", "1.0"))
            sync = int(env.get("SYNC_INTERVAL_SECONDS", "300"))
            limits = {name: int(env[key]) for name, key in LIMIT_KEYS.items() if env.get(key)}
            retention = int(env.get("UNINSTALL_RETENTION_DAYS", "7"))
            threads = int(env.get("WORKER_THREADS", "16"))
        except ValueError as exc:
            raise ConfigError(f"bad numeric setting: {exc}") from exc
        if not 1 <= chunk <= 50:
            raise ConfigError("INBOX_CHUNK_SIZE must be 1..50 (one batch request)")
        if not 1 <= pipeline <= 100:
            raise ConfigError("INBOX_PIPELINE_CHUNKS must be 1..100")
        if not 1 <= threads <= 256:
            raise ConfigError("WORKER_THREADS must be 1..256")
        return cls(
            b24_client_id=env["B24_CLIENT_ID"],
            b24_client_secret=Secret(env["B24_CLIENT_SECRET"]),
            app_public_url=env["APP_PUBLIC_URL"].rstrip("/"),
            secret_key=Secret(env["SECRET_KEY"]),
            token_keys=tuple(Secret(k.strip()) for k in env["TOKEN_KEYS"].split(",")
                             if k.strip()),
            database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            b24_oauth_url=env.get("B24_OAUTH_URL") or DEFAULT_OAUTH_URL,
            b24_js_url=env.get("B24_JS_URL") or "//api.bitrix24.com/api/v1/",
            inbox_chunk_size=chunk,
            inbox_pipeline_chunks=pipeline,
            inbox_max_attempts=attempts,
            worker_poll_seconds=poll,
            worker_threads=threads,
            redis_url=env.get("REDIS_URL") or DEFAULT_REDIS_URL,
            sync_interval_seconds=sync,
            log_level=env.get("LOG_LEVEL", "INFO"),
            **limits,
            uninstall_retention_days=retention,
        )
