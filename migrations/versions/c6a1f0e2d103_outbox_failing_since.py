"""outbox: failing_since, so the worker retries a failing message for a time (days), not a count

Revision ID: c6a1f0e2d103
Revises: c6a1f0e2d102
Create Date: 2026-11-30 04:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'c6a1f0e2d103'
down_revision = 'c6a1f0e2d102'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failing_since', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('failing_since')
