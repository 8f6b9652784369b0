"""comm messages: what managers and clients wrote or said, with the checks' verdict (issue 17)

Revision ID: d1c0a7e5f3b9
Revises: b7e1f0a2c4d6
Create Date: 2026-12-02 20:04:15
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = 'd1c0a7e5f3b9'
down_revision = 'b7e1f0a2c4d6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('comm_messages',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('source_key', sa.String(length=64), nullable=False),
    sa.Column('b24_activity_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('thread', sa.String(length=64), nullable=False),
    sa.Column('incoming', sa.Boolean(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('at', store.types.UTCDateTime(), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('named', sa.Boolean(), nullable=True),
    sa.Column('misspelled', sa.JSON(), nullable=False),
    sa.Column('forbidden', sa.JSON(), nullable=False),
    sa.Column('rejection', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portals.id'], name=op.f('fk_comm_messages_portal_id_portals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comm_messages')),
    sa.UniqueConstraint('portal_id', 'source_key', name=op.f('uq_comm_messages_portal_id_source_key'))
    )
    with op.batch_alter_table('comm_messages', schema=None) as batch_op:
        batch_op.create_index('ix_comm_messages_portal_at', ['portal_id', 'at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('comm_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_comm_messages_portal_at')

    op.drop_table('comm_messages')
