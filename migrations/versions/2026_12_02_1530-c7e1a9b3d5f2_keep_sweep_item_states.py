"""keep sweep: each item's state (sending / done / skipped)

Revision ID: c7e1a9b3d5f2
Revises: b7d41e9c2a58
Create Date: 2026-12-02 15:30:00

The sweep now commits its plan before it tells the portal and marks a deal done only when the
portal confirmed it (issue 14 #11). Items from before were all sent: they are 'done'.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'c7e1a9b3d5f2'
down_revision = 'b7d41e9c2a58'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('keep_sweep_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=12), server_default='done',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('keep_sweep_items', schema=None) as batch_op:
        batch_op.drop_column('status')
