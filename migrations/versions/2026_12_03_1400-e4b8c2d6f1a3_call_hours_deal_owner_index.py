"""speed: the call_hours rollup (calls per UTC hour), its per-portal thresholds, and a
covering index on deals for the report's per-deal owner lookups

Revision ID: e4b8c2d6f1a3
Revises: e4b18c2f7a90
Create Date: 2026-12-03 14:00:00

call_hours is empty at first: a portal's rollup is built by the telephony_missed job
(store.call_hours.rebuild), and until then the KPIs read the calls themselves.
ix_deals_owner lets the report's one pass over a month's transitions (handlers/report/moves.py)
find each deal's manager and amount in the index alone (SQLite: 2.0 -> 1.6 s CPU).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = 'e4b8c2d6f1a3'
down_revision = 'e4b18c2f7a90'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
COUNTS = ("incoming", "answered", "answer_timed", "within_rings", "talked", "outgoing",
          "outgoing_answered", "long_outgoing")


def upgrade() -> None:
    op.create_table(
        'call_hours',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('portal_id', sa.Integer(), nullable=False),
        sa.Column('grain', sa.String(length=4), nullable=False),
        sa.Column('start_at', store.types.UTCDateTime(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('line', sa.String(length=64), nullable=True),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS[:3]),
        sa.Column('answer_seconds', sa.BigInteger(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS[3:5]),
        sa.Column('talk_seconds', sa.BigInteger(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS[5:]),
        sa.Column('conversations', sa.Integer(), nullable=False),
        sa.Column('duration_seconds', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['portal_id'], ['portals.id'],
                                name=op.f('fk_call_hours_portal_id_portals'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_call_hours')),
    )
    with op.batch_alter_table('call_hours', schema=None) as batch_op:
        batch_op.create_index('ix_call_hours_grain', ['portal_id', 'grain', 'start_at'],
                              unique=False)
    op.create_table(
        'call_hour_rules',
        sa.Column('portal_id', sa.Integer(), nullable=False),
        sa.Column('ring_seconds', sa.Integer(), nullable=False),
        sa.Column('long_call_seconds', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['portal_id'], ['portals.id'],
                                name=op.f('fk_call_hour_rules_portal_id_portals'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('portal_id', name=op.f('pk_call_hour_rules')),
    )


    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.create_index('ix_deals_owner',
                              ['portal_id', 'b24_deal_id', 'assigned_by_id', 'opportunity'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.drop_index('ix_deals_owner')
    op.drop_table('call_hour_rules')
    with op.batch_alter_table('call_hours', schema=None) as batch_op:
        batch_op.drop_index('ix_call_hours_grain')
    op.drop_table('call_hours')
