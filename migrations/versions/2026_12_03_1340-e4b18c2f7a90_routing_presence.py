"""routing presence: who is away (absence chart, work day, online), skipped steps per call

Revision ID: e4b18c2f7a90
Revises: e4f2b8a6c1d3
Create Date: 2026-12-03 13:40:00

Issue 18: the presence job keeps one row per tracked person; a routed call keeps the steps the
plan skipped because everyone at them was away. Existing calls get an empty list.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = 'e4b18c2f7a90'
down_revision = 'e4f2b8a6c1d3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('routing_presence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('b24_user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=True),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('checked_at', store.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portals.id'], name=op.f('fk_routing_presence_portal_id_portals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_presence')),
    sa.UniqueConstraint('portal_id', 'b24_user_id', name=op.f('uq_routing_presence_portal_id_b24_user_id'))
    )
    with op.batch_alter_table('routing_calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('skipped', sa.JSON(), nullable=False,
                                      server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table('routing_calls', schema=None) as batch_op:
        batch_op.drop_column('skipped')
    op.drop_table('routing_presence')
