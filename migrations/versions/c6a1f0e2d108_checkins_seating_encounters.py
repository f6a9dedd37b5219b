"""Who met whom: check_ins (who came, walk-in visitors), seating_plans (tables and rounds of a
meeting), seating_rules (members kept apart or together), encounters (who sat with whom),
one_to_ones; meetings.closed_at and closed_by_id; rsvps.no_show and meeting_guests.no_show;
members.hide_network

Revision ID: c6a1f0e2d108
Revises: c6a1f0e2d107
Create Date: 2026-11-30 12:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'c6a1f0e2d108'
down_revision = 'c6a1f0e2d107'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('one_to_ones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposer_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('met_on', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('duration_minutes', sa.Integer(), server_default='60', nullable=False),
    sa.Column('place', sa.String(length=300), server_default='', nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='proposed', nullable=False),
    sa.Column('sequence', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('proposed', 'confirmed', 'declined', 'cancelled')", name=op.f('ck_one_to_ones_status')),
    sa.CheckConstraint('proposer_id <> partner_id', name=op.f('ck_one_to_ones_two_people')),
    sa.ForeignKeyConstraint(['partner_id'], ['members.id'], name=op.f('fk_one_to_ones_partner_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposer_id'], ['members.id'], name=op.f('fk_one_to_ones_proposer_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_one_to_ones'))
    )
    with op.batch_alter_table('one_to_ones', schema=None) as batch_op:
        batch_op.create_index('ix_one_to_ones_partner', ['partner_id'], unique=False)
        batch_op.create_index('ix_one_to_ones_proposer', ['proposer_id'], unique=False)

    op.create_table('seating_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('member_a_id', sa.Integer(), nullable=False),
    sa.Column('member_b_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('apart', 'together')", name=op.f('ck_seating_rules_kind')),
    sa.CheckConstraint('member_a_id < member_b_id', name=op.f('ck_seating_rules_ordered_pair')),
    sa.ForeignKeyConstraint(['created_by_id'], ['members.id'], name=op.f('fk_seating_rules_created_by_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_seating_rules_group_id_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_a_id'], ['members.id'], name=op.f('fk_seating_rules_member_a_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_b_id'], ['members.id'], name=op.f('fk_seating_rules_member_b_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seating_rules')),
    sa.UniqueConstraint('group_id', 'member_a_id', 'member_b_id', name='uq_seating_rules_pair')
    )
    with op.batch_alter_table('seating_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seating_rules_group_id'), ['group_id'], unique=False)

    op.create_table('encounters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('table_no', sa.Integer(), nullable=False),
    sa.Column('member_a_id', sa.Integer(), nullable=False),
    sa.Column('member_b_id', sa.Integer(), nullable=False),
    sa.Column('met_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('member_a_id < member_b_id', name=op.f('ck_encounters_ordered_pair')),
    sa.CheckConstraint('round >= 1', name=op.f('ck_encounters_round_positive')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_encounters_group_id_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_encounters_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_a_id'], ['members.id'], name=op.f('fk_encounters_member_a_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_b_id'], ['members.id'], name=op.f('fk_encounters_member_b_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_encounters')),
    sa.UniqueConstraint('meeting_id', 'round', 'member_a_id', 'member_b_id', name='uq_encounters_pair_round')
    )
    with op.batch_alter_table('encounters', schema=None) as batch_op:
        batch_op.create_index('ix_encounters_a_b', ['member_a_id', 'member_b_id'], unique=False)
        batch_op.create_index('ix_encounters_b', ['member_b_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_encounters_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_encounters_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('seating_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('round_count', sa.Integer(), nullable=False),
    sa.Column('rounds', sa.JSON(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('quality', sa.JSON(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('round_count >= 1 AND round_count <= 4', name=op.f('ck_seating_plans_round_count_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['members.id'], name=op.f('fk_seating_plans_created_by_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_seating_plans_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['members.id'], name=op.f('fk_seating_plans_updated_by_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seating_plans')),
    sa.UniqueConstraint('meeting_id', name=op.f('uq_seating_plans_meeting_id'))
    )
    op.create_table('check_ins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('guest_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), server_default='', nullable=False),
    sa.Column('email', sa.String(length=254), server_default='', nullable=False),
    sa.Column('company', sa.String(length=200), server_default='', nullable=False),
    sa.Column('brought_by_id', sa.Integer(), nullable=True),
    sa.Column('walk_in', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('via', sa.String(length=20), server_default='door', nullable=False),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_in_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("member_id IS NOT NULL OR guest_id IS NOT NULL OR name <> ''", name=op.f('ck_check_ins_visitor_named')),
    sa.CheckConstraint("via IN ('door', 'self', 'api', 'correction')", name=op.f('ck_check_ins_via')),
    sa.CheckConstraint('member_id IS NULL OR guest_id IS NULL', name=op.f('ck_check_ins_one_person')),
    sa.ForeignKeyConstraint(['brought_by_id'], ['members.id'], name=op.f('fk_check_ins_brought_by_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['checked_in_by_id'], ['members.id'], name=op.f('fk_check_ins_checked_in_by_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['guest_id'], ['meeting_guests.id'], name=op.f('fk_check_ins_guest_id_meeting_guests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_check_ins_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_check_ins_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_ins')),
    sa.UniqueConstraint('meeting_id', 'guest_id', name='uq_check_ins_meeting_guest'),
    sa.UniqueConstraint('meeting_id', 'member_id', name='uq_check_ins_meeting_member')
    )
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_ins_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_check_ins_member_id'), ['member_id'], unique=False)

    with op.batch_alter_table('meeting_guests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('no_show', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_meetings_closed_by_id_members'), 'members', ['closed_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hide_network', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('no_show', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('rsvps', schema=None) as batch_op:
        batch_op.drop_column('no_show')

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('hide_network')

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_meetings_closed_by_id_members'), type_='foreignkey')
        batch_op.drop_column('closed_by_id')
        batch_op.drop_column('closed_at')

    with op.batch_alter_table('meeting_guests', schema=None) as batch_op:
        batch_op.drop_column('no_show')

    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_ins_member_id'))
        batch_op.drop_index(batch_op.f('ix_check_ins_meeting_id'))

    op.drop_table('check_ins')
    op.drop_table('seating_plans')
    with op.batch_alter_table('encounters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_encounters_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_encounters_group_id'))
        batch_op.drop_index('ix_encounters_b')
        batch_op.drop_index('ix_encounters_a_b')

    op.drop_table('encounters')
    with op.batch_alter_table('seating_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seating_rules_group_id'))

    op.drop_table('seating_rules')
    with op.batch_alter_table('one_to_ones', schema=None) as batch_op:
        batch_op.drop_index('ix_one_to_ones_proposer')
        batch_op.drop_index('ix_one_to_ones_partner')

    op.drop_table('one_to_ones')
