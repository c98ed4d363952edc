"""room monitoring and cases

Storage rooms' monitoring codes and rules, sensor states, downsampled readings, door/power/
access events, alarms, and cases (the closed loop of every alarm and warning).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 20:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'case_file',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('park_id', sa.Integer(), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('source', sa.String(length=12), nullable=False),
        sa.Column('source_key', sa.String(length=160), nullable=False),
        sa.Column('subject', sa.String(length=120), nullable=False),
        sa.Column('severity', sa.String(length=8), nullable=False),
        sa.Column('title_zh', sa.String(length=300), nullable=False),
        sa.Column('title_en', sa.String(length=300), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('escalation', sa.Integer(), nullable=False),
        sa.Column('opened_at', UTC, nullable=False),
        sa.Column('due_at', UTC, nullable=False),
        sa.Column('handled_at', UTC, nullable=True),
        sa.Column('closed_at', UTC, nullable=True),
        sa.Column('note', sa.String(length=1000), nullable=False),
        sa.Column('evidence_name', sa.String(length=200), nullable=False),
        sa.Column('evidence_sha256', sa.String(length=64), nullable=False),
        sa.Column('last_seq', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['assignee_id'], ['enterprise.id'], name=op.f('fk_case_file_assignee_id_enterprise')),
        sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_case_file_enterprise_id_enterprise')),
        sa.ForeignKeyConstraint(['park_id'], ['park.id'], name=op.f('fk_case_file_park_id_park')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_file')),
        sa.UniqueConstraint('park_id', 'source_key', name=op.f('uq_case_file_park_id')),
    )
    op.create_index(op.f('ix_case_file_assignee_id'), 'case_file', ['assignee_id'])
    op.create_index(op.f('ix_case_file_enterprise_id'), 'case_file', ['enterprise_id'])
    op.create_index('ix_case_file_park_status', 'case_file', ['park_id', 'status'])
    op.create_table(
        'room_monitor',
        sa.Column('room_id', sa.Integer(), nullable=False),
        sa.Column('park_id', sa.Integer(), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('rules', sa.JSON(), nullable=False),
        sa.Column('updated_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_room_monitor_enterprise_id_enterprise')),
        sa.ForeignKeyConstraint(['park_id'], ['park.id'], name=op.f('fk_room_monitor_park_id_park')),
        sa.ForeignKeyConstraint(['room_id'], ['storage_room.id'], name=op.f('fk_room_monitor_room_id_storage_room')),
        sa.PrimaryKeyConstraint('room_id', name=op.f('pk_room_monitor')),
        sa.UniqueConstraint('park_id', 'code', name=op.f('uq_room_monitor_park_id')),
    )
    op.create_index(op.f('ix_room_monitor_enterprise_id'), 'room_monitor', ['enterprise_id'])
    op.create_table(
        'sensor_state',
        sa.Column('room_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('last_at', UTC, nullable=True),
        sa.Column('last_value', sa.String(length=64), nullable=False),
        sa.Column('beyond', sa.String(length=24), nullable=True),
        sa.Column('beyond_since', UTC, nullable=True),
        sa.ForeignKeyConstraint(['room_id'], ['storage_room.id'], name=op.f('fk_sensor_state_room_id_storage_room')),
        sa.PrimaryKeyConstraint('room_id', 'kind', name=op.f('pk_sensor_state')),
    )
    op.create_table(
        'reading_bucket',
        sa.Column('room_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('res', sa.String(length=3), nullable=False),
        sa.Column('start', UTC, nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('total', sa.Float(), nullable=False),
        sa.Column('lo', sa.Float(), nullable=False),
        sa.Column('hi', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['room_id'], ['storage_room.id'], name=op.f('fk_reading_bucket_room_id_storage_room')),
        sa.PrimaryKeyConstraint('room_id', 'kind', 'res', 'start', name=op.f('pk_reading_bucket')),
    )
    op.create_table(
        'room_event',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('room_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('value', sa.String(length=64), nullable=False),
        sa.Column('at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['room_id'], ['storage_room.id'], name=op.f('fk_room_event_room_id_storage_room')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_room_event')),
    )
    op.create_index('ix_room_event_room_at', 'room_event', ['room_id', 'at'])
    op.create_table(
        'room_alarm',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('park_id', sa.Integer(), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('room_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('level', sa.String(length=8), nullable=False),
        sa.Column('message_zh', sa.String(length=300), nullable=False),
        sa.Column('message_en', sa.String(length=300), nullable=False),
        sa.Column('facts', sa.JSON(), nullable=False),
        sa.Column('raised_at', UTC, nullable=False),
        sa.Column('raised_seq', sa.BigInteger(), nullable=False),
        sa.Column('cleared_at', UTC, nullable=True),
        sa.Column('cleared_seq', sa.BigInteger(), nullable=True),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_room_alarm_case_id_case_file')),
        sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_room_alarm_enterprise_id_enterprise')),
        sa.ForeignKeyConstraint(['park_id'], ['park.id'], name=op.f('fk_room_alarm_park_id_park')),
        sa.ForeignKeyConstraint(['room_id'], ['storage_room.id'], name=op.f('fk_room_alarm_room_id_storage_room')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_room_alarm')),
    )
    op.create_index(op.f('ix_room_alarm_enterprise_id'), 'room_alarm', ['enterprise_id'])
    op.create_index(op.f('ix_room_alarm_park_id'), 'room_alarm', ['park_id'])
    op.create_index('ix_room_alarm_room_open', 'room_alarm', ['room_id', 'cleared_at'])


def downgrade() -> None:
    op.drop_table('room_alarm')
    op.drop_table('room_event')
    op.drop_table('reading_bucket')
    op.drop_table('sensor_state')
    op.drop_table('room_monitor')
    op.drop_table('case_file')
