"""security: soft uninstall with a delayed purge; tokens encrypted, application_token hashed

Revision ID: b7e1f0a2c4d6
Revises: c7e1a9b3d5f2
Create Date: 2026-12-02 15:00:00

Existing rows: access and refresh tokens are encrypted with TOKEN_KEYS' first key, and the
application_token is replaced by its HMAC (store/crypto.py). The keys come from the running
app's key ring, or from the TOKEN_KEYS environment variable when Alembic runs on its own.
Downgrade decrypts the tokens again; the application_token cannot be recovered from its hash,
so after a downgrade every portal must open the app (or reinstall) before its events count.
"""
from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op

import store.types
from store import crypto

revision = 'b7e1f0a2c4d6'
down_revision = 'c7e1a9b3d5f2'
branch_labels = None
depends_on = None

PORTALS = sa.table('portals', sa.column('id', sa.Integer()),
                   sa.column('access_token', sa.Text()), sa.column('refresh_token', sa.Text()),
                   sa.column('application_token', sa.String()),
                   sa.column('application_token_hash', sa.String()))


def _ring() -> crypto.KeyRing:
    try:
        return crypto.ring()
    except crypto.KeyRingError:
        return crypto.KeyRing((os.environ.get('TOKEN_KEYS') or '').split(','))


def _rows(*columns: str) -> list:
    bind = op.get_bind()
    cols = [PORTALS.c.id, *(PORTALS.c[c] for c in columns)]
    return list(bind.execute(sa.select(*cols)))


def upgrade() -> None:
    with op.batch_alter_table('portals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('uninstalled_at', store.types.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('purge_requested', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('application_token_hash', sa.String(length=96),
                                      nullable=True))
    rows = _rows('access_token', 'refresh_token', 'application_token')
    if rows:
        ring = _ring()
        for pid, access, refresh, app_token in rows:
            op.get_bind().execute(PORTALS.update().where(PORTALS.c.id == pid).values(
                access_token=access and ring.encrypt(access),
                refresh_token=refresh and ring.encrypt(refresh),
                application_token_hash=app_token and ring.digest(app_token)))
    with op.batch_alter_table('portals', schema=None) as batch_op:
        batch_op.drop_column('application_token')


def downgrade() -> None:
    with op.batch_alter_table('portals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('application_token', sa.String(length=64),
                                      nullable=True))
    rows = _rows('access_token', 'refresh_token')
    if rows:
        ring = _ring()
        for pid, access, refresh in rows:
            op.get_bind().execute(PORTALS.update().where(PORTALS.c.id == pid).values(
                access_token=access and ring.decrypt(access),
                refresh_token=refresh and ring.decrypt(refresh)))
    with op.batch_alter_table('portals', schema=None) as batch_op:
        batch_op.drop_column('application_token_hash')
        batch_op.drop_column('purge_requested')
        batch_op.drop_column('uninstalled_at')
