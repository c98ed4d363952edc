"""room index covers the waste profile

A store scan checks the room's capacity and the wastes already in it with one grouped,
index-only pass over the room's stored batches (weight and waste profile per batch).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 20:30:00
"""
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.drop_index('ix_batch_room')
        batch_op.create_index(
            'ix_batch_room', ['room_id', 'status', 'profile_id', 'weight_g'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.drop_index('ix_batch_room')
        batch_op.create_index('ix_batch_room', ['room_id', 'status', 'weight_g'], unique=False)
