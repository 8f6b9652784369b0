"""calls: the recording's portal disk file (RECORD_FILE_ID / attachRecord FILE_ID)

Revision ID: b7d1e3f5a9c2
Revises: a3c9d2e4f6b1
Create Date: 2026-12-02 15:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'b7d1e3f5a9c2'
down_revision = 'a3c9d2e4f6b1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_file_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('record_file_id')
