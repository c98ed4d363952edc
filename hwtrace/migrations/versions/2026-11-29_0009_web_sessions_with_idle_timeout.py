"""web sessions with an idle timeout

A page login is a token of kind ``web`` whose secret is the session id in the signed cookie
(the cookie no longer carries an API token, and the API refuses ``web`` tokens); its last use
is kept for the idle timeout.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 17:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('last_used_at')
