"""group invitations and member history

Organizers invite people into their groups instead of adding them directly (the person agrees
before their details are shared with a new group), and every change to a member's account or
memberships is recorded in member_events.

Revision ID: c6a1f0e2d101
Revises: a739cdb36bce
Create Date: 2026-11-30 04:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c6a1f0e2d101'
down_revision = 'a739cdb36bce'
branch_labels = None
depends_on = None


def _utc():
    # The models' UTCDateTime stores timestamp with time zone (naive UTC on SQLite).
    return sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        'group_invitations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('company', sa.String(length=200), nullable=False),
        sa.Column('phone', sa.String(length=40), nullable=False),
        sa.Column('role', sa.String(length=20), server_default='member', nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=True),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', _utc(), nullable=False),
        sa.Column('expires_at', _utc(), nullable=False),
        sa.Column('accepted_at', _utc(), nullable=True),
        sa.Column('declined_at', _utc(), nullable=True),
        sa.Column('revoked_at', _utc(), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("role IN ('member', 'organizer')", name=op.f('ck_group_invitations_role')),
        sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_group_invitations_group_id_groups'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['invited_by_id'], ['members.id'],
                                name=op.f('fk_group_invitations_invited_by_id_members'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['members.id'],
                                name=op.f('fk_group_invitations_revoked_by_id_members'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_group_invitations')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_group_invitations_token_hash')),
    )
    op.create_index('ix_group_invitations_group_email', 'group_invitations', ['group_id', 'email'],
                    unique=False)
    op.create_table(
        'member_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_is_admin', sa.Boolean(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=True),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.Column('created_at', _utc(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['members.id'], name=op.f('fk_member_events_actor_id_members'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_member_events_group_id_groups'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_events_member_id_members'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_member_events')),
    )
    op.create_index('ix_member_events_member_created', 'member_events', ['member_id', 'created_at'],
                    unique=False)


def downgrade():
    op.drop_index('ix_member_events_member_created', table_name='member_events')
    op.drop_table('member_events')
    op.drop_index('ix_group_invitations_group_email', table_name='group_invitations')
    op.drop_table('group_invitations')
