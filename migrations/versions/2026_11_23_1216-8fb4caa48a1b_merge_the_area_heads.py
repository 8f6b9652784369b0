"""merge the area heads

Revision ID: 8fb4caa48a1b
Revises: 3148d5a9f9f1, 29d73351cc0f, c5e7372ac5ba
Create Date: 2026-11-23 12:16:16.290623
"""
from __future__ import annotations

revision = '8fb4caa48a1b'
down_revision = ('3148d5a9f9f1', '29d73351cc0f', 'c5e7372ac5ba')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
