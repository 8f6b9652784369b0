"""report speed: covering indexes on deals for the report's hygiene checks

Revision ID: f1a7c3e9b5d2
Revises: e4b8c2d6f1a3
Create Date: 2026-12-04 19:00:00

The hygiene checks (handlers/report/hygiene.py) count every open deal of the portal, whatever
the report's period. ix_deals_open holds what three of them read (open, not deleted, id,
manager, moved_time, date_create) and ix_deals_contact now also holds `deleted`, the manager
and the deal id, so the passes over 200 000 deals never visit the table
(SQLite, 200 000 deals, load 8.5: 1.14-1.73 -> 0.33-0.77 s CPU for the four checks).
"""
from __future__ import annotations

from alembic import op

revision = 'f1a7c3e9b5d2'
down_revision = 'e4b8c2d6f1a3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.drop_index('ix_deals_contact')
        batch_op.create_index('ix_deals_contact',
                              ['portal_id', 'contact_id', 'stage_semantic', 'deleted',
                               'assigned_by_id', 'b24_deal_id'], unique=False)
        batch_op.create_index('ix_deals_open',
                              ['portal_id', 'stage_semantic', 'deleted', 'b24_deal_id',
                               'assigned_by_id', 'moved_time', 'date_create'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.drop_index('ix_deals_open')
        batch_op.drop_index('ix_deals_contact')
        batch_op.create_index('ix_deals_contact', ['portal_id', 'contact_id', 'stage_semantic'],
                              unique=False)
