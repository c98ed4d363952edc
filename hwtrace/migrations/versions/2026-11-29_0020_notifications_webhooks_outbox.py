"""notifications: webhooks, robots, the outbox of deliveries, users' choices

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29 21:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'webhook',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('park_id', sa.Integer(), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=12), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('events', sa.JSON(), nullable=False),
        sa.Column('secret', sa.String(length=200), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_webhook_enterprise_id_enterprise')),
        sa.ForeignKeyConstraint(['park_id'], ['park.id'], name=op.f('fk_webhook_park_id_park')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook')),
    )
    op.create_index(op.f('ix_webhook_enterprise_id'), 'webhook', ['enterprise_id'])
    op.create_table(
        'delivery',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('delivery_id', sa.String(length=36), nullable=False),
        sa.Column('park_id', sa.Integer(), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=12), nullable=False),
        sa.Column('webhook_id', sa.Integer(), nullable=True),
        sa.Column('recipient', sa.String(length=254), nullable=False),
        sa.Column('event', sa.String(length=40), nullable=False),
        sa.Column('body', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_at', UTC, nullable=False),
        sa.Column('last_error', sa.String(length=500), nullable=False),
        sa.Column('replay_of', sa.String(length=36), nullable=True),
        sa.Column('created_at', UTC, nullable=False),
        sa.Column('delivered_at', UTC, nullable=True),
        sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_delivery_enterprise_id_enterprise')),
        sa.ForeignKeyConstraint(['park_id'], ['park.id'], name=op.f('fk_delivery_park_id_park')),
        sa.ForeignKeyConstraint(['webhook_id'], ['webhook.id'], name=op.f('fk_delivery_webhook_id_webhook')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery')),
        sa.UniqueConstraint('delivery_id', name=op.f('uq_delivery_delivery_id')),
    )
    op.create_index(op.f('ix_delivery_enterprise_id'), 'delivery', ['enterprise_id'])
    op.create_index(op.f('ix_delivery_webhook_id'), 'delivery', ['webhook_id'])
    op.create_index('ix_delivery_due', 'delivery', ['status', 'next_at'])
    op.create_table(
        'notification_pref',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('email_events', sa.JSON(), nullable=False),
        sa.Column('updated_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_notification_pref_user_id_app_user')),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_pref')),
    )


def downgrade() -> None:
    op.drop_table('notification_pref')
    op.drop_table('delivery')
    op.drop_table('webhook')
