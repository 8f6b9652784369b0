"""report: deal touches (activities and comments recorded on deals) for "empty cards"

Revision ID: b7d4e1f2a9c3
Revises: b7d1e3f5a9c2
Create Date: 2026-12-02 15:00:00

Starts empty: the events fill it from now on, and the next sync's deal upserts add the deals
whose LAST_ACTIVITY_TIME is later than their creation.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = 'b7d4e1f2a9c3'
down_revision = 'b7d1e3f5a9c2'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        'deal_touches',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('portal_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('b24_id', sa.Integer(), nullable=False),
        sa.Column('b24_deal_id', sa.Integer(), nullable=False),
        sa.Column('at', store.types.UTCDateTime(), nullable=True),
        sa.Column('own', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['portal_id'], ['portals.id'],
                                name=op.f('fk_deal_touches_portal_id_portals'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_deal_touches')),
        sa.UniqueConstraint('portal_id', 'kind', 'b24_id', 'b24_deal_id',
                            name=op.f('uq_deal_touches_portal_id_kind_b24_id_b24_deal_id'))
    )
    with op.batch_alter_table('deal_touches', schema=None) as batch_op:
        batch_op.create_index('ix_deal_touches_deal', ['portal_id', 'b24_deal_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_deal_touches_portal_id'), ['portal_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deal_touches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deal_touches_portal_id'))
        batch_op.drop_index('ix_deal_touches_deal')
    op.drop_table('deal_touches')
