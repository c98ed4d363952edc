"""park notices with attachments and acknowledgements

The park administration's notices (title, text, audience), their attached files (kept with their
SHA-256, which the ledger entry carries) and each enterprise's acknowledgement.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-29 20:16:45.664721
"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('park_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('audience', sa.String(length=16), nullable=False),
    sa.Column('body_sha256', sa.String(length=64), nullable=False),
    sa.Column('published_by', sa.String(length=64), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['park_id'], ['park.id'], name=op.f('fk_notice_park_id_park')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice'))
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_park_id'), ['park_id'], unique=False)

    op.create_table('notice_ack',
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_notice_ack_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], name=op.f('fk_notice_ack_notice_id_notice')),
    sa.PrimaryKeyConstraint('notice_id', 'enterprise_id', name=op.f('pk_notice_ack'))
    )
    with op.batch_alter_table('notice_ack', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_ack_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('notice_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('mimetype', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], name=op.f('fk_notice_attachment_notice_id_notice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_attachment'))
    )
    with op.batch_alter_table('notice_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_attachment_notice_id'), ['notice_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('notice_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_attachment_notice_id'))

    op.drop_table('notice_attachment')
    with op.batch_alter_table('notice_ack', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_ack_enterprise_id'))

    op.drop_table('notice_ack')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_park_id'))

    op.drop_table('notice')

