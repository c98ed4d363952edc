"""web sessions and login throttling

A page login is a token of kind ``web`` whose secret is the session id in the signed cookie
(the cookie no longer carries an API token, and the API refuses ``web`` tokens); its last use
is kept for the idle timeout. Login attempts are counted per address too (throttling), so
they get an index on the address and time.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 17:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempt_remote_addr_at', ['remote_addr', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempt_remote_addr_at')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('last_used_at')
