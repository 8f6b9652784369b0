"""myday: end-of-day reports, their reminders, the call's rating (issue 16 item 1)

Revision ID: e4f2b8a6c1d3
Revises: d3a9f5c1e7b2
Create Date: 2026-12-03 13:16:02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


import store.types

revision = 'e4f2b8a6c1d3'
down_revision = 'd3a9f5c1e7b2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('day_reminders',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('sent_at', store.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portals.id'], name=op.f('fk_day_reminders_portal_id_portals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_day_reminders')),
    sa.UniqueConstraint('portal_id', 'user_id', 'day', name=op.f('uq_day_reminders_portal_id_user_id_day'))
    )
    op.create_table('day_reports',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('counters', sa.JSON(), nullable=False),
    sa.Column('prefill', sa.JSON(), nullable=False),
    sa.Column('ratings', sa.JSON(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('submitted_at', store.types.UTCDateTime(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('comment_by', sa.Integer(), nullable=True),
    sa.Column('comment_at', store.types.UTCDateTime(), nullable=True),
    sa.Column('b24_comment_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('due_at', store.types.UTCDateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('locked_by', sa.String(length=64), nullable=True),
    sa.Column('locked_until', store.types.UTCDateTime(), nullable=True),
    sa.Column('done_at', store.types.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['portal_id'], ['portals.id'], name=op.f('fk_day_reports_portal_id_portals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_day_reports')),
    sa.UniqueConstraint('portal_id', 'user_id', 'day', name=op.f('uq_day_reports_portal_id_user_id_day'))
    )
    with op.batch_alter_table('day_reports', schema=None) as batch_op:
        batch_op.create_index('ix_day_reports_day', ['portal_id', 'day'], unique=False)
        batch_op.create_index('ix_day_reports_due', ['portal_id', 'status', 'due_at'], unique=False)

    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vote', sa.Integer(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('vote')

    with op.batch_alter_table('day_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_day_reports_due')
        batch_op.drop_index('ix_day_reports_day')

    op.drop_table('day_reports')
    op.drop_table('day_reminders')
