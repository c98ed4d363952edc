"""cross-province transfer approvals

Cross-province transfer approvals (部令第23号 第二十一–二十八条): the approval document's number and
authority, the producer and receiver, the method, the validity, the approved weight per waste
code, the scan and its SHA-256; each booking records the approval it is counted against
(existing bookings: none). Each enterprise may record its province (GB/T 2260, two digits); none
recorded (every existing enterprise) means the park's province.

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-29 23:35:35.339381
"""
from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('transfer_approval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('park_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('authority', sa.String(length=100), nullable=False),
    sa.Column('producer_id', sa.Integer(), nullable=False),
    sa.Column('receiver_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('document_name', sa.String(length=200), nullable=False),
    sa.Column('document_type', sa.String(length=100), nullable=False),
    sa.Column('document_sha256', sa.String(length=64), nullable=False),
    sa.Column('document', sa.LargeBinary(), nullable=True),
    sa.Column('withdrawn', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['park_id'], ['park.id'], name=op.f('fk_transfer_approval_park_id_park')),
    sa.ForeignKeyConstraint(['producer_id'], ['enterprise.id'], name=op.f('fk_transfer_approval_producer_id_enterprise')),
    sa.ForeignKeyConstraint(['receiver_id'], ['enterprise.id'], name=op.f('fk_transfer_approval_receiver_id_enterprise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_approval')),
    sa.UniqueConstraint('producer_id', 'number', name=op.f('uq_transfer_approval_producer_id'))
    )
    with op.batch_alter_table('transfer_approval', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfer_approval_producer_id'), ['producer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfer_approval_receiver_id'), ['receiver_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfer_approval_valid_to'), ['valid_to'], unique=False)

    op.create_table('transfer_approval_line',
    sa.Column('approval_id', sa.Integer(), nullable=False),
    sa.Column('waste_code', sa.String(length=10), nullable=False),
    sa.Column('approved_g', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['approval_id'], ['transfer_approval.id'], name=op.f('fk_transfer_approval_line_approval_id_transfer_approval')),
    sa.PrimaryKeyConstraint('approval_id', 'waste_code', name=op.f('pk_transfer_approval_line'))
    )
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approval_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_booking_approval_id'), ['approval_id'], unique=False)

    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.add_column(sa.Column('province_code', sa.String(length=2), nullable=True))



def downgrade() -> None:

    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.drop_column('province_code')

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_approval_id'))
        batch_op.drop_column('approval_id')

    op.drop_table('transfer_approval_line')
    with op.batch_alter_table('transfer_approval', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transfer_approval_valid_to'))
        batch_op.drop_index(batch_op.f('ix_transfer_approval_receiver_id'))
        batch_op.drop_index(batch_op.f('ix_transfer_approval_producer_id'))

    op.drop_table('transfer_approval')
