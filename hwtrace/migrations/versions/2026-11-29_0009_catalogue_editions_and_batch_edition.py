"""catalogue editions imported, the edition of each batch

Editions of the national waste catalogue imported with `hwtrace catalogue import` (the shipped
ones stay in schemas/reference/), and the edition each batch was registered under; batches
registered before this revision were registered under the 2021 edition, the only one shipped.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 17:07:05.414375
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('catalogue_edition',
    sa.Column('park_id', sa.Integer(), nullable=False),
    sa.Column('edition', sa.String(length=4), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('code_count', sa.Integer(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_by', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['park_id'], ['park.id'], name=op.f('fk_catalogue_edition_park_id_park')),
    sa.PrimaryKeyConstraint('park_id', 'edition', name=op.f('pk_catalogue_edition'))
    )
    op.create_table('catalogue_entry',
    sa.Column('park_id', sa.Integer(), nullable=False),
    sa.Column('edition', sa.String(length=4), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=4), nullable=False),
    sa.Column('category_name', sa.String(length=100), nullable=False),
    sa.Column('industry', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('hazards_official', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['park_id', 'edition'], ['catalogue_edition.park_id', 'catalogue_edition.edition'], name=op.f('fk_catalogue_entry_park_id_catalogue_edition')),
    sa.PrimaryKeyConstraint('park_id', 'edition', 'code', name=op.f('pk_catalogue_entry'))
    )
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('catalogue_edition', sa.String(length=4), nullable=True))
        batch_op.add_column(sa.Column('waste_description', sa.Text(), nullable=True))
    op.execute("UPDATE batch SET catalogue_edition = '2021'")
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.alter_column('catalogue_edition', existing_type=sa.String(length=4), nullable=False)



def downgrade() -> None:
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.drop_column('waste_description')
        batch_op.drop_column('catalogue_edition')

    op.drop_table('catalogue_entry')
    op.drop_table('catalogue_edition')
