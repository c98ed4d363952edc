"""receipt decisions and paper manifests

《危险废物转移管理办法》第十八条第二款: the receiver's decision about each batch found not as its
manifest declares (accept, accept with the measured quantity, refuse and return). 第二十条: an
emergency paper manifest entered afterwards, with its number, transfer day, scan and deadline.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-29 23:36:51.234535
"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('paper_manifest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('park_id', sa.Integer(), nullable=False),
    sa.Column('manifest_id', sa.Integer(), nullable=False),
    sa.Column('producer_id', sa.Integer(), nullable=False),
    sa.Column('paper_number', sa.String(length=40), nullable=False),
    sa.Column('transferred_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('scan_name', sa.String(length=200), nullable=False),
    sa.Column('scan_type', sa.String(length=100), nullable=False),
    sa.Column('scan_size', sa.Integer(), nullable=False),
    sa.Column('scan_sha256', sa.String(length=64), nullable=False),
    sa.Column('scan', sa.LargeBinary(), nullable=False),
    sa.Column('entered_by', sa.String(length=64), nullable=False),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['manifest_id'], ['manifest.id'], name=op.f('fk_paper_manifest_manifest_id_manifest')),
    sa.ForeignKeyConstraint(['park_id'], ['park.id'], name=op.f('fk_paper_manifest_park_id_park')),
    sa.ForeignKeyConstraint(['producer_id'], ['enterprise.id'], name=op.f('fk_paper_manifest_producer_id_enterprise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_manifest')),
    sa.UniqueConstraint('manifest_id', name=op.f('uq_paper_manifest_manifest_id')),
    sa.UniqueConstraint('producer_id', 'paper_number', name=op.f('uq_paper_manifest_producer_id'))
    )
    with op.batch_alter_table('paper_manifest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_manifest_producer_id'), ['producer_id'], unique=False)

    op.create_table('receipt_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('park_id', sa.Integer(), nullable=False),
    sa.Column('manifest_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=48), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('accepted_g', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], name=op.f('fk_receipt_decision_batch_id_batch')),
    sa.ForeignKeyConstraint(['manifest_id'], ['manifest.id'], name=op.f('fk_receipt_decision_manifest_id_manifest')),
    sa.ForeignKeyConstraint(['park_id'], ['park.id'], name=op.f('fk_receipt_decision_park_id_park')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt_decision')),
    sa.UniqueConstraint('manifest_id', 'batch_id', name=op.f('uq_receipt_decision_manifest_id'))
    )
    with op.batch_alter_table('receipt_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipt_decision_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_receipt_decision_manifest_id'), ['manifest_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('receipt_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipt_decision_manifest_id'))
        batch_op.drop_index(batch_op.f('ix_receipt_decision_batch_id'))

    op.drop_table('receipt_decision')
    with op.batch_alter_table('paper_manifest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_manifest_producer_id'))

    op.drop_table('paper_manifest')
