"""API rate counters

Requests per API token and per source address in fixed windows, counted in the database so
every server process sees the same count.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 21:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'rate_counter',
        sa.Column('bucket', sa.String(length=100), nullable=False),
        sa.Column('window', sa.BigInteger(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('bucket', 'window', name=op.f('pk_rate_counter')),
    )


def downgrade() -> None:
    op.drop_table('rate_counter')
