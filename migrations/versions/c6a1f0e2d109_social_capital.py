"""Social capital: help_requests (+ help_request_groups), request_answers, referrals,
help_records, thanks, social_changes (every change kept), request_notices (who was told about which
request); members.request_notices and members.last_digest_at

Revision ID: c6a1f0e2d109
Revises: c6a1f0e2d108
Create Date: 2026-11-30 13:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'c6a1f0e2d109'
down_revision = 'c6a1f0e2d108'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('social_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_type', sa.String(length=20), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("action IN ('created', 'updated', 'status', 'solved', 'expired', 'withdrawn', 'hidden', 'shown', 'wall')", name=op.f('ck_social_changes_action')),
    sa.CheckConstraint("item_type IN ('request', 'answer', 'referral', 'help', 'thanks')", name=op.f('ck_social_changes_item_type')),
    sa.ForeignKeyConstraint(['actor_id'], ['members.id'], name=op.f('fk_social_changes_actor_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_social_changes'))
    )
    with op.batch_alter_table('social_changes', schema=None) as batch_op:
        batch_op.create_index('ix_social_changes_item', ['item_type', 'item_id'], unique=False)

    op.create_table('help_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=40), server_default='', nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), server_default='open', nullable=False),
    sa.Column('raise_at_meeting_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('solved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_reason', sa.Text(), server_default='', nullable=False),
    sa.CheckConstraint("status IN ('open', 'solved', 'expired', 'withdrawn')", name=op.f('ck_help_requests_status')),
    sa.ForeignKeyConstraint(['author_id'], ['members.id'], name=op.f('fk_help_requests_author_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['members.id'], name=op.f('fk_help_requests_hidden_by_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['raise_at_meeting_id'], ['meetings.id'], name=op.f('fk_help_requests_raise_at_meeting_id_meetings'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_help_requests'))
    )
    with op.batch_alter_table('help_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_help_requests_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_help_requests_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_help_requests_raise_at_meeting_id'), ['raise_at_meeting_id'], unique=False)
        batch_op.create_index('ix_help_requests_status_deadline', ['status', 'deadline'], unique=False)

    op.create_table('help_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('giver_id', sa.Integer(), nullable=False),
    sa.Column('receiver_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_reason', sa.Text(), server_default='', nullable=False),
    sa.CheckConstraint("kind IN ('request', 'advice', 'introduction', 'room', 'other')", name=op.f('ck_help_records_kind')),
    sa.CheckConstraint('giver_id <> receiver_id', name=op.f('ck_help_records_two_people')),
    sa.ForeignKeyConstraint(['giver_id'], ['members.id'], name=op.f('fk_help_records_giver_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_help_records_group_id_groups'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['members.id'], name=op.f('fk_help_records_hidden_by_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['receiver_id'], ['members.id'], name=op.f('fk_help_records_receiver_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['members.id'], name=op.f('fk_help_records_recorded_by_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['help_requests.id'], name=op.f('fk_help_records_request_id_help_requests'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_help_records'))
    )
    with op.batch_alter_table('help_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_help_records_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_help_records_giver_id'), ['giver_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_help_records_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_help_records_receiver_id'), ['receiver_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_help_records_request_id'), ['request_id'], unique=False)

    op.create_table('help_request_groups',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_help_request_groups_group_id_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['help_requests.id'], name=op.f('fk_help_request_groups_request_id_help_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('request_id', 'group_id', name=op.f('pk_help_request_groups'))
    )
    with op.batch_alter_table('help_request_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_help_request_groups_group_id'), ['group_id'], unique=False)

    op.create_table('referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('giver_id', sa.Integer(), nullable=False),
    sa.Column('receiver_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('contact_name', sa.String(length=200), nullable=False),
    sa.Column('contact_company', sa.String(length=200), server_default='', nullable=False),
    sa.Column('contact_phone', sa.String(length=40), server_default='', nullable=False),
    sa.Column('contact_email', sa.String(length=254), server_default='', nullable=False),
    sa.Column('about', sa.Text(), nullable=False),
    sa.Column('warmth', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='new', nullable=False),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_reason', sa.Text(), server_default='', nullable=False),
    sa.CheckConstraint("status IN ('new', 'contacted', 'won', 'lost')", name=op.f('ck_referrals_status')),
    sa.CheckConstraint("warmth IN ('expects_call', 'may_call', 'tip')", name=op.f('ck_referrals_warmth')),
    sa.CheckConstraint('giver_id <> receiver_id', name=op.f('ck_referrals_two_people')),
    sa.ForeignKeyConstraint(['giver_id'], ['members.id'], name=op.f('fk_referrals_giver_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_referrals_group_id_groups'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['members.id'], name=op.f('fk_referrals_hidden_by_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['receiver_id'], ['members.id'], name=op.f('fk_referrals_receiver_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['help_requests.id'], name=op.f('fk_referrals_request_id_help_requests'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referrals_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_giver_id'), ['giver_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_receiver_id'), ['receiver_id'], unique=False)

    op.create_table('request_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('referred_member_id', sa.Integer(), nullable=True),
    sa.Column('referred_name', sa.String(length=200), server_default='', nullable=False),
    sa.Column('private', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_reason', sa.Text(), server_default='', nullable=False),
    sa.CheckConstraint("kind IN ('offer', 'referral')", name=op.f('ck_request_answers_kind')),
    sa.ForeignKeyConstraint(['author_id'], ['members.id'], name=op.f('fk_request_answers_author_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['members.id'], name=op.f('fk_request_answers_hidden_by_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['referred_member_id'], ['members.id'], name=op.f('fk_request_answers_referred_member_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['help_requests.id'], name=op.f('fk_request_answers_request_id_help_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_answers'))
    )
    with op.batch_alter_table('request_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_answers_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_request_answers_request_id'), ['request_id'], unique=False)

    op.create_table('request_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("channel IN ('instant', 'digest')", name=op.f('ck_request_notices_channel')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_request_notices_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['help_requests.id'], name=op.f('fk_request_notices_request_id_help_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_notices')),
    sa.UniqueConstraint('member_id', 'request_id', name='uq_request_notices_member_request')
    )
    with op.batch_alter_table('request_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_notices_request_id'), ['request_id'], unique=False)

    op.create_table('thanks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thanker_id', sa.Integer(), nullable=False),
    sa.Column('thanked_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('help_id', sa.Integer(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('amount_dkk', sa.BigInteger(), nullable=True),
    sa.Column('wall_by_thanker', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('wall_by_thanked', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_reason', sa.Text(), server_default='', nullable=False),
    sa.CheckConstraint("kind IN ('business', 'help')", name=op.f('ck_thanks_kind')),
    sa.CheckConstraint('amount_dkk IS NULL OR (amount_dkk >= 0 AND amount_dkk <= 1000000000)', name=op.f('ck_thanks_amount_range')),
    sa.CheckConstraint('thanker_id <> thanked_id', name=op.f('ck_thanks_two_people')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_thanks_group_id_groups'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['help_id'], ['help_records.id'], name=op.f('fk_thanks_help_id_help_records'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['members.id'], name=op.f('fk_thanks_hidden_by_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_thanks_referral_id_referrals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thanked_id'], ['members.id'], name=op.f('fk_thanks_thanked_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thanker_id'], ['members.id'], name=op.f('fk_thanks_thanker_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_thanks'))
    )
    with op.batch_alter_table('thanks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_thanks_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_thanks_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_thanks_referral_id'), ['referral_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_thanks_thanked_id'), ['thanked_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_thanks_thanker_id'), ['thanker_id'], unique=False)

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_notices', sa.String(length=10), server_default='weekly', nullable=False))
        batch_op.add_column(sa.Column('last_digest_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(op.f('ck_members_request_notices'),
                                         "request_notices IN ('instant', 'daily', 'weekly', 'off')")



def downgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('last_digest_at')
        batch_op.drop_constraint(op.f('ck_members_request_notices'), type_='check')
        batch_op.drop_column('request_notices')

    with op.batch_alter_table('thanks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_thanks_thanker_id'))
        batch_op.drop_index(batch_op.f('ix_thanks_thanked_id'))
        batch_op.drop_index(batch_op.f('ix_thanks_referral_id'))
        batch_op.drop_index(batch_op.f('ix_thanks_group_id'))
        batch_op.drop_index(batch_op.f('ix_thanks_created_at'))

    op.drop_table('thanks')
    with op.batch_alter_table('request_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_notices_request_id'))

    op.drop_table('request_notices')
    with op.batch_alter_table('request_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_answers_request_id'))
        batch_op.drop_index(batch_op.f('ix_request_answers_author_id'))

    op.drop_table('request_answers')
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referrals_receiver_id'))
        batch_op.drop_index(batch_op.f('ix_referrals_group_id'))
        batch_op.drop_index(batch_op.f('ix_referrals_giver_id'))
        batch_op.drop_index(batch_op.f('ix_referrals_created_at'))

    op.drop_table('referrals')
    with op.batch_alter_table('help_request_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_help_request_groups_group_id'))

    op.drop_table('help_request_groups')
    with op.batch_alter_table('help_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_help_records_request_id'))
        batch_op.drop_index(batch_op.f('ix_help_records_receiver_id'))
        batch_op.drop_index(batch_op.f('ix_help_records_group_id'))
        batch_op.drop_index(batch_op.f('ix_help_records_giver_id'))
        batch_op.drop_index(batch_op.f('ix_help_records_created_at'))

    op.drop_table('help_records')
    with op.batch_alter_table('help_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_help_requests_status_deadline')
        batch_op.drop_index(batch_op.f('ix_help_requests_raise_at_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_help_requests_created_at'))
        batch_op.drop_index(batch_op.f('ix_help_requests_author_id'))

    op.drop_table('help_requests')
    with op.batch_alter_table('social_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_social_changes_item')

    op.drop_table('social_changes')
