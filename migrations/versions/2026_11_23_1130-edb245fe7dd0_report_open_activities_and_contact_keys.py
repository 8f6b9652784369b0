"""report: open activities, contact keys, deals.last_activity_at

Revision ID: edb245fe7dd0
Revises: 054017a41606
Create Date: 2026-11-23 11:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = "edb245fe7dd0"
down_revision = "054017a41606"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _portal_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["portal_id"], ["portals.id"],
                                   name=op.f(f"fk_{table}_portal_id_portals"), ondelete="CASCADE")


def upgrade() -> None:
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_activity_at", store.types.UTCDateTime(),
                                      nullable=True))
        batch_op.create_index("ix_deals_contact", ["portal_id", "contact_id", "stage_semantic"],
                              unique=False)
    with op.batch_alter_table("deal_stage_history", schema=None) as batch_op:
        batch_op.create_index("ix_deal_stage_history_deal", ["portal_id", "b24_deal_id", "type_id"],
                              unique=False)
    op.create_table(
        "contact_keys",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("entity_type", sa.String(length=8), nullable=False),
        sa.Column("b24_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        _portal_fk("contact_keys"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_keys")),
        sa.UniqueConstraint("portal_id", "entity_type", "b24_id", "key",
                            name=op.f("uq_contact_keys_portal_id_entity_type_b24_id_key")))
    with op.batch_alter_table("contact_keys", schema=None) as batch_op:
        batch_op.create_index("ix_contact_keys_key", ["portal_id", "key"], unique=False)
        batch_op.create_index(batch_op.f("ix_contact_keys_portal_id"), ["portal_id"],
                              unique=False)
    op.create_table(
        "open_activities",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("b24_activity_id", sa.Integer(), nullable=False),
        sa.Column("owner_type_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("responsible_id", sa.Integer(), nullable=True),
        sa.Column("deadline", store.types.UTCDateTime(), nullable=True),
        sa.Column("completed", sa.Boolean(), nullable=False),
        _portal_fk("open_activities"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_activities")),
        sa.UniqueConstraint("portal_id", "b24_activity_id",
                            name=op.f("uq_open_activities_portal_id_b24_activity_id")))
    with op.batch_alter_table("open_activities", schema=None) as batch_op:
        batch_op.create_index("ix_open_activities_owner",
                              ["portal_id", "owner_type_id", "owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_open_activities_portal_id"), ["portal_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("open_activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_open_activities_portal_id"))
        batch_op.drop_index("ix_open_activities_owner")
    op.drop_table("open_activities")
    with op.batch_alter_table("contact_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_keys_portal_id"))
        batch_op.drop_index("ix_contact_keys_key")
    op.drop_table("contact_keys")
    with op.batch_alter_table("deal_stage_history", schema=None) as batch_op:
        batch_op.drop_index("ix_deal_stage_history_deal")
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_index("ix_deals_contact")
        batch_op.drop_column("last_activity_at")
