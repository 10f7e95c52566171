"""documents and carton labels

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa
import store.types


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inbound_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('order_po', sa.String(), nullable=True),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('version', sa.String(), nullable=True),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('qty', sa.JSON(), nullable=False),
    sa.Column('cartons', sa.Integer(), nullable=True),
    sa.Column('ssccs', sa.JSON(), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('received_at', store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['inbound_id'], ['inbound_messages.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('inbound_id', 'position'),
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index('ix_documents_inbound_id', ['inbound_id'], unique=False)
        batch_op.create_index('ix_documents_order_po', ['order_po'], unique=False)
    op.create_table('labels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inbound_id', sa.Integer(), nullable=False),
    sa.Column('order_po', sa.String(), nullable=True),
    sa.Column('sscc', sa.String(), nullable=False),
    sa.Column('valid', sa.Boolean(), nullable=False),
    sa.Column('gtin', sa.String(), nullable=True),
    sa.Column('count', sa.Integer(), nullable=True),
    sa.Column('received_at', store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['inbound_id'], ['inbound_messages.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('inbound_id', 'sscc'),
    )
    with op.batch_alter_table('labels', schema=None) as batch_op:
        batch_op.create_index('ix_labels_inbound_id', ['inbound_id'], unique=False)
        batch_op.create_index('ix_labels_order_po', ['order_po'], unique=False)


def downgrade() -> None:
    op.drop_table('labels')
    op.drop_table('documents')
