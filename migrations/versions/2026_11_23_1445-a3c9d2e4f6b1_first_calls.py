"""report: each number's first call (new vs repeat calls)

Revision ID: a3c9d2e4f6b1
Revises: 5e1f0c2d7a90
Create Date: 2026-11-23 14:45:00

Filled from the calls already stored; store.calls.upsert_call keeps it from then on.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = 'a3c9d2e4f6b1'
down_revision = '5e1f0c2d7a90'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        'first_calls',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('portal_id', sa.Integer(), nullable=False),
        sa.Column('phone', sa.String(length=32), nullable=False),
        sa.Column('start_at', store.types.UTCDateTime(), nullable=False),
        sa.Column('call_row_id', BIG_ID, nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('call_type', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['portal_id'], ['portals.id'],
                                name=op.f('fk_first_calls_portal_id_portals'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_first_calls')),
        sa.UniqueConstraint('portal_id', 'phone', name=op.f('uq_first_calls_portal_id_phone'))
    )
    with op.batch_alter_table('first_calls', schema=None) as batch_op:
        batch_op.create_index('ix_first_calls_time',
                              ['portal_id', 'start_at', 'user_id', 'call_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_first_calls_portal_id'), ['portal_id'],
                              unique=False)
    op.execute(
        "INSERT INTO first_calls (portal_id, phone, start_at, call_row_id, user_id, call_type) "
        "SELECT portal_id, phone, start_at, id, user_id, call_type FROM ("
        " SELECT portal_id, phone, start_at, id, user_id, call_type, row_number() OVER ("
        "  PARTITION BY portal_id, phone ORDER BY start_at, id) AS n"
        " FROM calls WHERE phone <> '') AS ranked WHERE n = 1")


def downgrade() -> None:
    with op.batch_alter_table('first_calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_first_calls_portal_id'))
        batch_op.drop_index('ix_first_calls_time')
    op.drop_table('first_calls')
