"""Calendar mail: meeting_invites (who got which iMIP invitation), calendar_feeds (private member
feeds, hashed tokens), inbound_mails (replies and other mail to the reply address, kept raw);
groups.invite_days_before and groups.reminder_time; meetings.invitations_sent_at,
calendar_update_due_at, calendar_changes and reminder_sent_at; members.share_attendance

Revision ID: c6a1f0e2d107
Revises: c6a1f0e2d106
Create Date: 2026-11-30 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'c6a1f0e2d107'
down_revision = 'c6a1f0e2d106'
branch_labels = None
depends_on = None


def _one_of(table, column, values):
    listed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=op.f(f'ck_{table}_{column}'))


def upgrade():
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invite_days_before', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reminder_time', sa.Time(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_groups_invite_days_before_range'),
            "invite_days_before IS NULL OR (invite_days_before >= 0 AND invite_days_before <= 90)")

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invitations_sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('calendar_update_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('calendar_changes', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(op.f('ix_meetings_calendar_update_due_at'), ['calendar_update_due_at'],
                              unique=False)

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('share_attendance', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))

    op.create_table(
        'meeting_invites',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.Column('guest_id', sa.Integer(), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('state', sa.String(length=20), server_default='active', nullable=False),
        sa.Column('partstat', sa.String(length=20), server_default='NEEDS-ACTION', nullable=False),
        sa.Column('sequence_sent', sa.Integer(), server_default='0', nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('replied_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('(member_id IS NULL) <> (guest_id IS NULL)',
                           name=op.f('ck_meeting_invites_member_or_guest')),
        _one_of('meeting_invites', 'state', ('active', 'cancelled')),
        _one_of('meeting_invites', 'partstat', ('NEEDS-ACTION', 'ACCEPTED', 'TENTATIVE', 'DECLINED')),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'],
                                name=op.f('fk_meeting_invites_meeting_id_meetings'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'],
                                name=op.f('fk_meeting_invites_member_id_members'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['guest_id'], ['meeting_guests.id'],
                                name=op.f('fk_meeting_invites_guest_id_meeting_guests'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_invites')),
        sa.UniqueConstraint('meeting_id', 'member_id', name='uq_meeting_invites_meeting_member'),
        sa.UniqueConstraint('meeting_id', 'guest_id', name='uq_meeting_invites_meeting_guest'),
    )
    op.create_index(op.f('ix_meeting_invites_meeting_id'), 'meeting_invites', ['meeting_id'], unique=False)
    op.create_index(op.f('ix_meeting_invites_member_id'), 'meeting_invites', ['member_id'], unique=False)

    op.create_table(
        'calendar_feeds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('nonce', sa.String(length=64), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('show_declined', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('rotated_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'],
                                name=op.f('fk_calendar_feeds_member_id_members'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feeds')),
        sa.UniqueConstraint('member_id', name=op.f('uq_calendar_feeds_member_id')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feeds_token_hash')),
    )

    op.create_table(
        'inbound_mails',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('message_id', sa.String(length=500), nullable=False),
        sa.Column('sender', sa.String(length=320), nullable=False),
        sa.Column('recipient', sa.String(length=320), nullable=False),
        sa.Column('subject', sa.String(length=500), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('raw', sa.LargeBinary(), nullable=False),
        sa.Column('truncated', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.Column('partstat', sa.String(length=20), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.Column('meeting_id', sa.Integer(), nullable=True),
        sa.Column('invite_id', sa.Integer(), nullable=True),
        _one_of('inbound_mails', 'outcome', ('applied', 'duplicate', 'ignored', 'rejected', 'error')),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'],
                                name=op.f('fk_inbound_mails_member_id_members'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'],
                                name=op.f('fk_inbound_mails_meeting_id_meetings'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['invite_id'], ['meeting_invites.id'],
                                name=op.f('fk_inbound_mails_invite_id_meeting_invites'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_mails')),
        sa.UniqueConstraint('sha256', name=op.f('uq_inbound_mails_sha256')),
    )
    op.create_index(op.f('ix_inbound_mails_received_at'), 'inbound_mails', ['received_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_inbound_mails_received_at'), table_name='inbound_mails')
    op.drop_table('inbound_mails')
    op.drop_table('calendar_feeds')
    op.drop_index(op.f('ix_meeting_invites_member_id'), table_name='meeting_invites')
    op.drop_index(op.f('ix_meeting_invites_meeting_id'), table_name='meeting_invites')
    op.drop_table('meeting_invites')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('share_attendance')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index(op.f('ix_meetings_calendar_update_due_at'))
        batch_op.drop_column('reminder_sent_at')
        batch_op.drop_column('calendar_changes')
        batch_op.drop_column('calendar_update_due_at')
        batch_op.drop_column('invitations_sent_at')
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_groups_invite_days_before_range'), type_='check')
        batch_op.drop_column('reminder_time')
        batch_op.drop_column('invite_days_before')
