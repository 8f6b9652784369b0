"""audits rejections callbacks handoffs senior counters

Revision ID: 29d73351cc0f
Revises: 0d672e58ec57
Create Date: 2026-11-23 11:40:17.150216
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.types

revision = '29d73351cc0f'
down_revision = '0d672e58ec57'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rejections',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('entity_type', sa.String(length=8), nullable=False),
    sa.Column('b24_entity_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=512), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('stage_id', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('manager_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('created_at', store.types.UTCDateTime(), nullable=True),
    sa.Column('claimed_at', store.types.UTCDateTime(), nullable=True),
    sa.Column('rejected_at', store.types.UTCDateTime(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('sampled', sa.Boolean(), nullable=False),
    sa.Column('outcome_by', sa.Integer(), nullable=True),
    sa.Column('outcome_at', store.types.UTCDateTime(), nullable=True),
    sa.Column('new_deal_id', sa.Integer(), nullable=True),
    sa.Column('lead_audit_id', sa.Integer(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portals.id'], name=op.f('fk_rejections_portal_id_portals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rejections')),
    sa.UniqueConstraint('portal_id', 'dedupe_key', name=op.f('uq_rejections_portal_id_dedupe_key'))
    )
    with op.batch_alter_table('rejections', schema=None) as batch_op:
        batch_op.create_index('ix_rejections_manager_time', ['portal_id', 'manager_id', 'rejected_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_rejections_portal_id'), ['portal_id'], unique=False)
        batch_op.create_index('ix_rejections_queue', ['portal_id', 'state', 'score'], unique=False)

    op.create_table('audit_callbacks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('rejection_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('responsible_id', sa.Integer(), nullable=True),
    sa.Column('b24_task_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('due_at', store.types.UTCDateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('locked_by', sa.String(length=64), nullable=True),
    sa.Column('locked_until', store.types.UTCDateTime(), nullable=True),
    sa.Column('done_at', store.types.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['portal_id'], ['portals.id'], name=op.f('fk_audit_callbacks_portal_id_portals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rejection_id'], ['rejections.id'], name=op.f('fk_audit_callbacks_rejection_id_rejections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_callbacks')),
    sa.UniqueConstraint('rejection_id', name=op.f('uq_audit_callbacks_rejection_id'))
    )
    with op.batch_alter_table('audit_callbacks', schema=None) as batch_op:
        batch_op.create_index('ix_audit_callbacks_due', ['portal_id', 'status', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_callbacks_portal_id'), ['portal_id'], unique=False)

    op.create_table('client_handoffs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('entity_type', sa.String(length=8), nullable=False),
    sa.Column('b24_client_id', sa.Integer(), nullable=False),
    sa.Column('b24_deal_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('senior_id', sa.Integer(), nullable=True),
    sa.Column('previous_assigned_id', sa.Integer(), nullable=True),
    sa.Column('won_at', store.types.UTCDateTime(), nullable=False),
    sa.Column('b24_todo_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('due_at', store.types.UTCDateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('locked_by', sa.String(length=64), nullable=True),
    sa.Column('locked_until', store.types.UTCDateTime(), nullable=True),
    sa.Column('done_at', store.types.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['portal_id'], ['portals.id'], name=op.f('fk_client_handoffs_portal_id_portals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_handoffs')),
    sa.UniqueConstraint('portal_id', 'entity_type', 'b24_client_id', name=op.f('uq_client_handoffs_portal_id_entity_type_b24_client_id'))
    )
    with op.batch_alter_table('client_handoffs', schema=None) as batch_op:
        batch_op.create_index('ix_client_handoffs_due', ['portal_id', 'status', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_client_handoffs_portal_id'), ['portal_id'], unique=False)

    op.create_table('senior_day_counters',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('first_calls', sa.Integer(), nullable=False),
    sa.Column('proposals', sa.Integer(), nullable=False),
    sa.Column('repeat_calls', sa.Integer(), nullable=False),
    sa.Column('invoices', sa.Integer(), nullable=False),
    sa.Column('payments', sa.Integer(), nullable=False),
    sa.Column('feedback_calls', sa.Integer(), nullable=False),
    sa.Column('updated_at', store.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portals.id'], name=op.f('fk_senior_day_counters_portal_id_portals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_senior_day_counters')),
    sa.UniqueConstraint('portal_id', 'user_id', 'day', name=op.f('uq_senior_day_counters_portal_id_user_id_day'))
    )
    with op.batch_alter_table('senior_day_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_senior_day_counters_portal_id'), ['portal_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('senior_day_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_senior_day_counters_portal_id'))

    op.drop_table('senior_day_counters')
    with op.batch_alter_table('client_handoffs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_handoffs_portal_id'))
        batch_op.drop_index('ix_client_handoffs_due')

    op.drop_table('client_handoffs')
    with op.batch_alter_table('audit_callbacks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_callbacks_portal_id'))
        batch_op.drop_index('ix_audit_callbacks_due')

    op.drop_table('audit_callbacks')
    with op.batch_alter_table('rejections', schema=None) as batch_op:
        batch_op.drop_index('ix_rejections_queue')
        batch_op.drop_index(batch_op.f('ix_rejections_portal_id'))
        batch_op.drop_index('ix_rejections_manager_time')

    op.drop_table('rejections')
