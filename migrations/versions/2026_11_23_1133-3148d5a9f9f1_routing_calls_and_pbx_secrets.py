"""routing calls and pbx secrets

Revision ID: 3148d5a9f9f1
Revises: edb245fe7dd0
Create Date: 2026-11-23 11:33:42.571285
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


import store.types

revision = '3148d5a9f9f1'
down_revision = 'edb245fe7dd0'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pbx_secrets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('hint', sa.String(length=8), nullable=False),
    sa.Column('created_at', store.types.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['portal_id'], ['portals.id'], name=op.f('fk_pbx_secrets_portal_id_portals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pbx_secrets')),
    sa.UniqueConstraint('portal_id', name=op.f('uq_pbx_secrets_portal_id'))
    )
    op.create_table('routing_calls',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('routing_id', sa.String(length=32), nullable=False),
    sa.Column('caller', sa.String(length=32), nullable=False),
    sa.Column('line', sa.String(length=64), nullable=True),
    sa.Column('client_type', sa.String(length=8), nullable=True),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('client_name', sa.String(length=255), nullable=False),
    sa.Column('responsible_id', sa.Integer(), nullable=True),
    sa.Column('deal_id', sa.Integer(), nullable=True),
    sa.Column('out_of_hours', sa.Boolean(), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('ring_seconds', sa.Integer(), nullable=False),
    sa.Column('created_at', store.types.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reached_step', sa.Integer(), nullable=True),
    sa.Column('answered_step', sa.Integer(), nullable=True),
    sa.Column('answered_by', sa.Integer(), nullable=True),
    sa.Column('answered_at', store.types.UTCDateTime(), nullable=True),
    sa.Column('finished_at', store.types.UTCDateTime(), nullable=True),
    sa.Column('duration', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('cards', sa.Boolean(), nullable=False),
    sa.Column('cards_pending', sa.Boolean(), nullable=False),
    sa.Column('card_call_id', sa.String(length=128), nullable=True),
    sa.Column('card_user_id', sa.Integer(), nullable=True),
    sa.Column('card_shown', sa.JSON(), nullable=False),
    sa.Column('card_hidden', sa.Boolean(), nullable=False),
    sa.Column('card_finished', sa.Boolean(), nullable=False),
    sa.Column('card_attempts', sa.Integer(), nullable=False),
    sa.Column('card_next_at', store.types.UTCDateTime(), nullable=True),
    sa.Column('card_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['portal_id'], ['portals.id'], name=op.f('fk_routing_calls_portal_id_portals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_calls')),
    sa.UniqueConstraint('portal_id', 'routing_id', name=op.f('uq_routing_calls_portal_id_routing_id'))
    )
    with op.batch_alter_table('routing_calls', schema=None) as batch_op:
        batch_op.create_index('ix_routing_calls_cards_pending', ['cards_pending', 'portal_id'], unique=False)
        batch_op.create_index('ix_routing_calls_portal_created', ['portal_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('routing_calls', schema=None) as batch_op:
        batch_op.drop_index('ix_routing_calls_portal_created')
        batch_op.drop_index('ix_routing_calls_cards_pending')

    op.drop_table('routing_calls')
    op.drop_table('pbx_secrets')
