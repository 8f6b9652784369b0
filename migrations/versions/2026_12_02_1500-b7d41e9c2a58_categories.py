"""mirror: deal pipelines by name (crm.category.list)

Revision ID: b7d41e9c2a58
Revises: b7d4e1f2a9c3
Create Date: 2026-12-02 15:00:00

Filled by the next sync (and by every install); until then pages fall back to "Воронка N".
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'b7d41e9c2a58'
down_revision = 'b7d4e1f2a9c3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'categories',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('portal_id', sa.Integer(), nullable=False),
        sa.Column('b24_category_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('sort', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['portal_id'], ['portals.id'],
                                name=op.f('fk_categories_portal_id_portals'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
        sa.UniqueConstraint('portal_id', 'b24_category_id',
                            name=op.f('uq_categories_portal_id_b24_category_id'))
    )
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_categories_portal_id'), ['portal_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_categories_portal_id'))
    op.drop_table('categories')
