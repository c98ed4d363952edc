"""working-day calendar

The deadlines of 《危险废物转移管理办法》 (receipt: 5 working days, 第十八条; an emergency paper
manifest: 10, 第二十条) are counted in working days. A park's own years of the calendar
(imported or edited by the park administrator) and their listed days; other years follow the
State Council's arrangement shipped with hwtrace.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 20:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'calendar_year',
        sa.Column('park_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=500), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('seq', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['park_id'], ['park.id'], name=op.f('fk_calendar_year_park_id_park')),
        sa.PrimaryKeyConstraint('park_id', 'year', name=op.f('pk_calendar_year')),
    )
    op.create_table(
        'calendar_day',
        sa.Column('park_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['park_id'], ['park.id'], name=op.f('fk_calendar_day_park_id_park')),
        sa.PrimaryKeyConstraint('park_id', 'day', name=op.f('pk_calendar_day')),
    )


def downgrade() -> None:
    op.drop_table('calendar_day')
    op.drop_table('calendar_year')
