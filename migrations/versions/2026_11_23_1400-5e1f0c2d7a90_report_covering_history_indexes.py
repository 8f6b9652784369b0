"""report: covering indexes on the stage history

Revision ID: 5e1f0c2d7a90
Revises: 8fb4caa48a1b
Create Date: 2026-11-23 14:00:00

The report's month scans (outcomes, stage entries per manager, funnel cohort) read a month of
transitions; with every column they need in the index they never visit the table.
"""
from __future__ import annotations

from alembic import op

revision = '5e1f0c2d7a90'
down_revision = '8fb4caa48a1b'
branch_labels = None
depends_on = None

TIME = ("portal_id", "created_at", "stage_semantic", "b24_deal_id", "stage_id", "category_id")
DEAL = ("portal_id", "b24_deal_id", "type_id", "category_id", "created_at", "stage_id")


def upgrade() -> None:
    with op.batch_alter_table("deal_stage_history") as batch:
        batch.drop_index("ix_deal_stage_history_time")
        batch.drop_index("ix_deal_stage_history_deal")
        batch.create_index("ix_deal_stage_history_time", list(TIME))
        batch.create_index("ix_deal_stage_history_deal", list(DEAL))


def downgrade() -> None:
    with op.batch_alter_table("deal_stage_history") as batch:
        batch.drop_index("ix_deal_stage_history_time")
        batch.drop_index("ix_deal_stage_history_deal")
        batch.create_index("ix_deal_stage_history_time", ["portal_id", "created_at"])
        batch.create_index("ix_deal_stage_history_deal", ["portal_id", "b24_deal_id", "type_id"])
