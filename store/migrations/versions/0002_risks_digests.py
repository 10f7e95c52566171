"""risk details, contact order, digest runs

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import store.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('risks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('summary', sa.String(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('chat', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('rule', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('revised_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('no_buffer', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('decision_needed', sa.String(), nullable=True))
        batch_op.create_index('ix_risks_opened_by', ['opened_by'], unique=False)
    op.create_table('digest_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.String(), nullable=False),
    sa.Column('period', sa.String(), nullable=False),
    sa.Column('scheduled_for', store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('buyer_id', 'period', name='uq_digest_run_period'),
    )
    with op.batch_alter_table('digest_runs', schema=None) as batch_op:
        batch_op.create_index('ix_digest_runs_buyer_id', ['buyer_id'], unique=False)


def downgrade() -> None:
    op.drop_table('digest_runs')
    with op.batch_alter_table('risks', schema=None) as batch_op:
        batch_op.drop_index('ix_risks_opened_by')
        for col in ('decision_needed', 'no_buffer', 'revised_date', 'rule', 'chat', 'summary'):
            batch_op.drop_column(col)
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('position')
