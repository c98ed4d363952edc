"""witness cosignatures of checkpoints

The cosignature lines witnesses returned for the park's checkpoints (C2SP tlog-cosignature),
append-only like the rest of the ledger.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 17:10:00
"""
from alembic import op
import sqlalchemy as sa

import ledger.schema


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ledger_cosignature',
    sa.Column('log_id', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('witness', sa.String(length=200), nullable=False),
    sa.Column('root', sa.LargeBinary(length=32), nullable=False),
    sa.Column('line', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('log_id', 'size', 'witness', name=op.f('pk_ledger_cosignature'))
    )
    ledger.schema.install_guards(op.get_bind(), ('ledger_cosignature',))


def downgrade() -> None:
    ledger.schema.drop_guards(op.get_bind(), ('ledger_cosignature',))
    op.drop_table('ledger_cosignature')
