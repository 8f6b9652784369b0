"""Secrets at rest: OAuth tokens encrypted with MultiFernet, application_token kept as an HMAC.

The keys come from TOKEN_KEYS (comma-separated Fernet keys, newest first), never from
SECRET_KEY: rotating the page-session key must not make the stored tokens unreadable, and a
leaked SECRET_KEY must not decrypt them. One key ring serves the process, like its one
database; store.init_app installs it (`use`), and `EncryptedText` columns read it.

Rotation: put a new key first, keep the old ones after it, run `flask --app app rotate-keys`
(re-encrypts every token, re-hashes nothing it cannot: an application_token hash under an old
key is renewed the next time the portal sends it), and drop an old key once the command
reports no hash left under it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator


class KeyRingError(RuntimeError):
    """TOKEN_KEYS is missing or holds something that is not a Fernet key."""


def _kid(key: bytes) -> str:
    return hashlib.sha256(b"kid:" + key).hexdigest()[:8]


class KeyRing:
    """The configured keys: the first encrypts and hashes, all of them decrypt and verify."""

    def __init__(self, keys: Sequence[str]) -> None:
        raw = [k.strip().encode() for k in keys if k and k.strip()]
        if not raw:
            raise KeyRingError("TOKEN_KEYS holds no key")
        try:
            self._fernets = [Fernet(k) for k in raw]
        except (ValueError, TypeError) as exc:
            raise KeyRingError("TOKEN_KEYS: not a Fernet key (Fernet.generate_key())") from exc
        self._multi = MultiFernet(self._fernets)
        self._macs = {_kid(k): hashlib.sha256(b"application-token:" + k).digest() for k in raw}
        self.primary = _kid(raw[0])

    def __repr__(self) -> str:
        return f"KeyRing({len(self._macs)} keys, primary {self.primary})"

    def encrypt(self, plain: str) -> str:
        return self._multi.encrypt(plain.encode()).decode()

    def decrypt(self, token: str) -> str:
        """Raises InvalidToken for text no configured key made (never returns it as is)."""
        return self._multi.decrypt(token.encode()).decode()

    def rotate(self, token: str) -> str:
        """The same secret under the primary key."""
        return self._multi.rotate(token.encode()).decode()

    def under_primary(self, token: str) -> bool:
        try:
            self._fernets[0].decrypt(token.encode())
        except InvalidToken:
            return False
        return True

    def digest(self, secret: str) -> str:
        """'<key id>:<HMAC-SHA256 hex>' under the primary key."""
        return f"{self.primary}:{self._mac(self.primary, secret)}"

    def matches(self, stored: str | None, secret: str | None) -> bool:
        """Constant-time comparison; a hash under a key no longer configured matches nothing."""
        if not stored or not secret or ":" not in stored:
            return False
        kid, _, mac = stored.partition(":")
        if kid not in self._macs:
            return False
        return hmac.compare_digest(mac.encode(), self._mac(kid, secret).encode())

    def _mac(self, kid: str, secret: str) -> str:
        return hmac.new(self._macs[kid], secret.encode(), hashlib.sha256).hexdigest()


_ring: KeyRing | None = None


def use(ring: KeyRing) -> None:
    """Install the process's key ring (store.init_app; tests/conftest.py for bare sessions)."""
    global _ring
    _ring = ring


def ring() -> KeyRing:
    if _ring is None:
        raise KeyRingError("no key ring: TOKEN_KEYS was not configured (store.init_app)")
    return _ring


class EncryptedText(TypeDecorator):
    """Text stored as a Fernet token; Python code only ever sees the plain value."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect) -> str | None:  # noqa: ANN001
        return None if value is None else ring().encrypt(value)

    def process_result_value(self, value: str | None, dialect) -> str | None:  # noqa: ANN001
        return None if value is None else ring().decrypt(value)
