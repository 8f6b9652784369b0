"""security: soft uninstall with a delayed purge

Revision ID: b7e1f0a2c4d6
Revises: a3c9d2e4f6b1
Create Date: 2026-12-02 15:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = 'b7e1f0a2c4d6'
down_revision = 'a3c9d2e4f6b1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('portals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('uninstalled_at', store.types.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('purge_requested', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('portals', schema=None) as batch_op:
        batch_op.drop_column('purge_requested')
        batch_op.drop_column('uninstalled_at')
