"""warning cases and delivery leases

Every warning opens a case: ``case_file.warning_key`` is the warning's stable key (the case's
``source_key`` stays unique per park, so two sweepers never open the same case twice) and
``cleared_at`` notes when the case's condition (the warning or the alarm) ended. Several
notifiers share the outbox: a delivery is claimed for a lease (``claimed_by``,
``lease_until``) before it is sent.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-29 23:50:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('warning_key', sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column('cleared_at', UTC, nullable=True))
        batch_op.create_index('ix_case_file_warning_key', ['park_id', 'warning_key'], unique=False)
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('claimed_by', sa.String(length=80), nullable=False, server_default='')
        )
        batch_op.add_column(sa.Column('lease_until', UTC, nullable=True))
    # The alarms already cleared: their cases' condition has ended.
    op.execute(
        "UPDATE case_file SET cleared_at = (SELECT room_alarm.cleared_at FROM room_alarm "
        "WHERE room_alarm.case_id = case_file.id AND room_alarm.cleared_at IS NOT NULL) "
        "WHERE source = 'alarm'"
    )


def downgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_column('lease_until')
        batch_op.drop_column('claimed_by')
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_index('ix_case_file_warning_key')
        batch_op.drop_column('cleared_at')
        batch_op.drop_column('warning_key')
