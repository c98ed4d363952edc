"""facilities with codes and signs

Storage rooms, zones inside them and utilization/disposal facilities get a facility code
(设施编码) each; every existing storage room becomes a storage facility, numbered TS001, TS002 …
per enterprise in the order the rooms were made.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 15:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('facility',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=True),
    sa.Column('allowed_categories', sa.JSON(), nullable=False),
    sa.Column('methods', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_facility_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['room_id'], ['storage_room.id'], name=op.f('fk_facility_room_id_storage_room')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facility')),
    sa.UniqueConstraint('enterprise_id', 'code', name=op.f('uq_facility_enterprise_id'))
    )
    with op.batch_alter_table('facility', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facility_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_facility_room_id'), ['room_id'], unique=False)

    # Every existing room becomes a storage facility: TS001, TS002 … per enterprise.
    conn = op.get_bind()
    room = sa.table(
        'storage_room',
        sa.column('id', sa.Integer()),
        sa.column('enterprise_id', sa.Integer()),
        sa.column('name', sa.String()),
        sa.column('allowed_categories', sa.JSON()),
        sa.column('created_at', sa.DateTime(timezone=True)),
    )
    rooms = conn.execute(sa.select(room).order_by(room.c.enterprise_id, room.c.id)).all()
    facility = sa.table(
        'facility',
        sa.column('enterprise_id', sa.Integer()),
        sa.column('kind', sa.String()),
        sa.column('code', sa.String()),
        sa.column('name', sa.String()),
        sa.column('room_id', sa.Integer()),
        sa.column('allowed_categories', sa.JSON()),
        sa.column('methods', sa.JSON()),
        sa.column('created_at', sa.DateTime(timezone=True)),
    )
    numbers: dict[int, int] = {}
    rows = []
    for r in rooms:
        n = numbers[r.enterprise_id] = numbers.get(r.enterprise_id, 0) + 1
        rows.append({
            'enterprise_id': r.enterprise_id,
            'kind': 'storage',
            'code': f'TS{n:03d}',
            'name': r.name,
            'room_id': r.id,
            'allowed_categories': r.allowed_categories or [],
            'methods': [],
            'created_at': r.created_at,
        })
    if rows:
        op.bulk_insert(facility, rows)


def downgrade() -> None:
    with op.batch_alter_table('facility', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facility_room_id'))
        batch_op.drop_index(batch_op.f('ix_facility_enterprise_id'))

    op.drop_table('facility')
