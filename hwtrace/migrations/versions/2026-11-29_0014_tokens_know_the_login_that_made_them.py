"""tokens know the login that made them

A device token records the login token it was issued from, so that logging out revokes what that
login created.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 17:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_api_token_parent_id'), ['parent_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_api_token_parent_id_api_token'), 'api_token', ['parent_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_api_token_parent_id_api_token'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_api_token_parent_id'))
        batch_op.drop_column('parent_id')
