"""Sign-ups: rsvps (a member's answer to a meeting) and meeting_guests (guests and substitutes);
groups.rsvp_mode and groups.guest_limit

Revision ID: c6a1f0e2d106
Revises: c6a1f0e2d105
Create Date: 2026-11-30 07:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'c6a1f0e2d106'
down_revision = 'c6a1f0e2d105'
branch_labels = None
depends_on = None


def _one_of(table, column, values):
    listed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=op.f(f'ck_{table}_{column}'))


def upgrade():
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rsvp_mode', sa.String(length=20), server_default='opt_in',
                                      nullable=False))
        batch_op.add_column(sa.Column('guest_limit', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_check_constraint(op.f('ck_groups_rsvp_mode'), "rsvp_mode IN ('opt_in', 'expected')")
        batch_op.create_check_constraint(op.f('ck_groups_guest_limit_range'), "guest_limit >= 0 AND guest_limit <= 10")

    op.create_table(
        'rsvps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('queue_seq', sa.Integer(), nullable=False),
        sa.Column('forced', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('late', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('via', sa.String(length=20), server_default='web', nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        _one_of('rsvps', 'status', ('going', 'waitlisted', 'declined')),
        _one_of('rsvps', 'via', ('web', 'link', 'api', 'organizer', 'calendar', 'system')),
        sa.ForeignKeyConstraint(['answered_by_id'], ['members.id'],
                                name=op.f('fk_rsvps_answered_by_id_members'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'],
                                name=op.f('fk_rsvps_meeting_id_meetings'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'],
                                name=op.f('fk_rsvps_member_id_members'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rsvps')),
        sa.UniqueConstraint('meeting_id', 'member_id', name='uq_rsvps_meeting_member'),
    )
    op.create_index(op.f('ix_rsvps_meeting_id'), 'rsvps', ['meeting_id'], unique=False)
    op.create_index('ix_rsvps_member_meeting', 'rsvps', ['member_id', 'meeting_id'], unique=False)

    op.create_table(
        'meeting_guests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('rsvp_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), server_default='guest', nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('company', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('queue_seq', sa.Integer(), nullable=False),
        sa.Column('forced', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
        _one_of('meeting_guests', 'status', ('going', 'waitlisted', 'cancelled')),
        _one_of('meeting_guests', 'kind', ('guest', 'substitute')),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'],
                                name=op.f('fk_meeting_guests_meeting_id_meetings'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['rsvp_id'], ['rsvps.id'],
                                name=op.f('fk_meeting_guests_rsvp_id_rsvps'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_guests')),
    )
    op.create_index(op.f('ix_meeting_guests_meeting_id'), 'meeting_guests', ['meeting_id'], unique=False)
    op.create_index(op.f('ix_meeting_guests_rsvp_id'), 'meeting_guests', ['rsvp_id'], unique=False)
    op.create_index('ix_meeting_guests_email', 'meeting_guests', ['email'], unique=False)


def downgrade():
    op.drop_index('ix_meeting_guests_email', table_name='meeting_guests')
    op.drop_index(op.f('ix_meeting_guests_rsvp_id'), table_name='meeting_guests')
    op.drop_index(op.f('ix_meeting_guests_meeting_id'), table_name='meeting_guests')
    op.drop_table('meeting_guests')
    op.drop_index('ix_rsvps_member_meeting', table_name='rsvps')
    op.drop_index(op.f('ix_rsvps_meeting_id'), table_name='rsvps')
    op.drop_table('rsvps')
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_groups_guest_limit_range'), type_='check')
        batch_op.drop_constraint(op.f('ck_groups_rsvp_mode'), type_='check')
        batch_op.drop_column('guest_limit')
        batch_op.drop_column('rsvp_mode')
