"""contracts between producers and receivers

A producer's disposal contract with a receiver (and, where named, a transporter): its waste
codes and the quantity agreed for each, its term, the signed document and its SHA-256; each
transfer line is counted against the contract that covers it (existing lines: none).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 17:01:20.143882
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('contract',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('park_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('producer_id', sa.Integer(), nullable=False),
    sa.Column('receiver_id', sa.Integer(), nullable=False),
    sa.Column('transporter_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('document_name', sa.String(length=200), nullable=False),
    sa.Column('document_type', sa.String(length=100), nullable=False),
    sa.Column('document_sha256', sa.String(length=64), nullable=False),
    sa.Column('document', sa.LargeBinary(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_by', sa.String(length=64), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['park_id'], ['park.id'], name=op.f('fk_contract_park_id_park')),
    sa.ForeignKeyConstraint(['producer_id'], ['enterprise.id'], name=op.f('fk_contract_producer_id_enterprise')),
    sa.ForeignKeyConstraint(['receiver_id'], ['enterprise.id'], name=op.f('fk_contract_receiver_id_enterprise')),
    sa.ForeignKeyConstraint(['transporter_id'], ['enterprise.id'], name=op.f('fk_contract_transporter_id_enterprise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract')),
    sa.UniqueConstraint('producer_id', 'number', name=op.f('uq_contract_producer_id'))
    )
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_producer_id'), ['producer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_receiver_id'), ['receiver_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_transporter_id'), ['transporter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_valid_to'), ['valid_to'], unique=False)

    op.create_table('contract_line',
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('waste_code', sa.String(length=10), nullable=False),
    sa.Column('quantity_g', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_contract_line_contract_id_contract')),
    sa.PrimaryKeyConstraint('contract_id', 'waste_code', name=op.f('pk_contract_line'))
    )
    with op.batch_alter_table('transfer_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contract_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_transfer_line_contract_id'), ['contract_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_transfer_line_contract_id_contract'), 'contract', ['contract_id'], ['id'])


def downgrade() -> None:

    with op.batch_alter_table('transfer_line', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_transfer_line_contract_id_contract'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_transfer_line_contract_id'))
        batch_op.drop_column('contract_id')

    op.drop_table('contract_line')
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_valid_to'))
        batch_op.drop_index(batch_op.f('ix_contract_transporter_id'))
        batch_op.drop_index(batch_op.f('ix_contract_status'))
        batch_op.drop_index(batch_op.f('ix_contract_receiver_id'))
        batch_op.drop_index(batch_op.f('ix_contract_producer_id'))

    op.drop_table('contract')

