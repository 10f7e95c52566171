"""prompts, decision states, delay reports, change decisions

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
import store.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('risks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report', sa.JSON(), nullable=False, server_default='{}'))
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(), nullable=False, server_default='given'))
        batch_op.add_column(sa.Column('reason', sa.String(), nullable=True))
    with op.batch_alter_table('order_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decided_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_order_changes_decided_by', 'inbound_messages', ['decided_by'], ['id'])
    op.create_table('prompts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('channel', sa.String(), nullable=False),
    sa.Column('chat', sa.String(), nullable=False),
    sa.Column('contact_id', sa.String(), nullable=True),
    sa.Column('about', sa.Integer(), nullable=True),
    sa.Column('risk_id', sa.Integer(), nullable=True),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('field', sa.String(), nullable=True),
    sa.Column('state', sa.String(), nullable=False),
    sa.Column('created_at', store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['about'], ['inbound_messages.id'], ),
    sa.ForeignKeyConstraint(['answered_by'], ['inbound_messages.id'], ),
    sa.ForeignKeyConstraint(['risk_id'], ['risks.id'], ),
    sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('prompts', schema=None) as batch_op:
        batch_op.create_index('ix_prompts_chat_contact_state', ['chat', 'contact_id', 'state'], unique=False)


def downgrade() -> None:
    op.drop_table('prompts')
    with op.batch_alter_table('order_changes', schema=None) as batch_op:
        batch_op.drop_constraint('fk_order_changes_decided_by', type_='foreignkey')
        batch_op.drop_column('decided_by')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_column('reason')
        batch_op.drop_column('state')
    with op.batch_alter_table('risks', schema=None) as batch_op:
        batch_op.drop_column('report')
