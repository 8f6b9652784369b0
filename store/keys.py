"""`flask --app app rotate-keys`: every stored token re-encrypted under TOKEN_KEYS' first key."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Text, select, type_coerce, update
from sqlalchemy.orm import Session

from store import crypto
from store.models import Portal

TOKENS = ("access_token", "refresh_token")


@dataclass(frozen=True)
class Rotation:
    rotated: int     # tokens re-encrypted under the primary key
    old_hashes: int  # application_token hashes still under an older key (renewed on use)


def _raw(name: str):  # noqa: ANN202
    """The column as stored: the ciphertext, without EncryptedText's decryption."""
    return type_coerce(Portal.__table__.c[name], Text())


def rotate(session: Session) -> Rotation:
    ring, rotated, old = crypto.ring(), 0, 0
    table = Portal.__table__
    rows = session.execute(select(table.c.id, *(_raw(n) for n in TOKENS),
                                  table.c.application_token_hash)).all()
    for pid, *tokens, digest in rows:
        values = {name: type_coerce(ring.rotate(value), Text())
                  for name, value in zip(TOKENS, tokens, strict=True)
                  if value and not ring.under_primary(value)}
        if values:
            session.execute(update(table).where(table.c.id == pid).values(**values))
            rotated += len(values)
        old += bool(digest) and not digest.startswith(ring.primary + ":")
    return Rotation(rotated, old)
