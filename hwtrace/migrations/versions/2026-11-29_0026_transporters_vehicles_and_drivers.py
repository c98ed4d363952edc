"""transporters' vehicles and drivers checked at loading

部令第23号 第十三条第三款: before loading, the shipper checks the carrier's vehicle (road-transport
certificate 道路运输证: number, validity, dangerous goods in its scope) and personnel (drivers and
escorts with their dangerous-goods qualification certificate 从业资格证: number, validity).

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-29 23:35:55.428259
"""
from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('transport_vehicle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('park_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('certificate_no', sa.String(length=64), nullable=False),
    sa.Column('certificate_valid_until', sa.Date(), nullable=False),
    sa.Column('dangerous_goods', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_transport_vehicle_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['park_id'], ['park.id'], name=op.f('fk_transport_vehicle_park_id_park')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transport_vehicle')),
    sa.UniqueConstraint('enterprise_id', 'plate', name=op.f('uq_transport_vehicle_enterprise_id'))
    )
    with op.batch_alter_table('transport_vehicle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transport_vehicle_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('transport_staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('park_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('qualification_no', sa.String(length=64), nullable=False),
    sa.Column('qualification_valid_until', sa.Date(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_transport_staff_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['park_id'], ['park.id'], name=op.f('fk_transport_staff_park_id_park')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_transport_staff_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transport_staff')),
    sa.UniqueConstraint('enterprise_id', 'qualification_no', name=op.f('uq_transport_staff_enterprise_id')),
    sa.UniqueConstraint('user_id', name=op.f('uq_transport_staff_user_id'))
    )
    with op.batch_alter_table('transport_staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transport_staff_enterprise_id'), ['enterprise_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('transport_staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transport_staff_enterprise_id'))

    op.drop_table('transport_staff')
    with op.batch_alter_table('transport_vehicle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transport_vehicle_enterprise_id'))

    op.drop_table('transport_vehicle')
