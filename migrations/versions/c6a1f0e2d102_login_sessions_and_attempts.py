"""login sessions, login attempts, revocable login links

Every login gets a row in login_sessions whose random token the session and remember-me
cookies carry, so logout, "log out everywhere", a password change and deactivation can end it.
login_attempts counts link requests and password attempts for the limits per address and per
address and client, across all workers. login_tokens.revoked_at marks links replaced by a newer
one or cancelled by deactivation; login_tokens.member_id may be NULL for the inert token a request
for a non-member's address stores (so that both answers cost the same).

Revision ID: c6a1f0e2d102
Revises: c6a1f0e2d101
Create Date: 2026-11-30 04:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c6a1f0e2d102'
down_revision = 'c6a1f0e2d101'
branch_labels = None
depends_on = None


def _utc():
    # The models' UTCDateTime stores timestamp with time zone (naive UTC on SQLite).
    return sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        'login_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', _utc(), nullable=False),
        sa.Column('last_seen_at', _utc(), nullable=False),
        sa.Column('expires_at', _utc(), nullable=False),
        sa.Column('remember', sa.Boolean(), nullable=False),
        sa.Column('user_agent', sa.String(length=200), nullable=False),
        sa.Column('ip', sa.String(length=64), nullable=False),
        sa.Column('revoked_at', _utc(), nullable=True),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'],
                                name=op.f('fk_login_sessions_member_id_members'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_sessions')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_login_sessions_token_hash')),
    )
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_sessions_member_id'), ['member_id'], unique=False)

    op.create_table(
        'login_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('ip', sa.String(length=64), nullable=False),
        sa.Column('succeeded', sa.Boolean(), nullable=False),
        sa.Column('created_at', _utc(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts')),
    )
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempts_kind_email_created_at', ['kind', 'email', 'created_at'],
                              unique=False)
        batch_op.create_index('ix_login_attempts_created_at', ['created_at'], unique=False)

    with op.batch_alter_table('login_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoked_at', _utc(), nullable=True))
        batch_op.alter_column('member_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    op.execute('DELETE FROM login_tokens WHERE member_id IS NULL')
    with op.batch_alter_table('login_tokens', schema=None) as batch_op:
        batch_op.alter_column('member_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('revoked_at')
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempts_created_at')
        batch_op.drop_index('ix_login_attempts_kind_email_created_at')
    op.drop_table('login_attempts')
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_sessions_member_id'))
    op.drop_table('login_sessions')
