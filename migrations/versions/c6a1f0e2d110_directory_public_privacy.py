"""Directory, public pages and privacy: members' offers/seeks, photo key, visibility per kind of
data and deleted_at; groups.industry_rule; network_settings.description; visitor_requests (kom som gæst / bliv medlem)

Revision ID: c6a1f0e2d110
Revises: c6a1f0e2d109
Create Date: 2026-11-30 15:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'c6a1f0e2d110'
down_revision = 'c6a1f0e2d109'
branch_labels = None
depends_on = None

LEVELS = "'public', 'members', 'organizers'"
KINDS = ('profile', 'photo', 'email', 'phone')


def upgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offers', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('seeks', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('photo_key', sa.String(length=64), nullable=True))
        for kind in KINDS:
            batch_op.add_column(sa.Column(f'{kind}_visibility', sa.String(length=12),
                                          server_default='members', nullable=False))
            batch_op.create_check_constraint(op.f(f'ck_members_{kind}_visibility'),
                                             f"{kind}_visibility IN ({LEVELS})")
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('industry_rule', sa.String(length=8), server_default='off',
                                      nullable=False))
        batch_op.create_check_constraint(op.f('ck_groups_industry_rule'),
                                         "industry_rule IN ('off', 'warn', 'block')")

    with op.batch_alter_table('network_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description', sa.Text(), server_default='', nullable=False))

    op.create_table('visitor_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('company', sa.String(length=200), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=8), server_default='da', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('guest', 'member')", name=op.f('ck_visitor_requests_kind')),
    sa.CheckConstraint("language IN ('da', 'en')", name=op.f('ck_visitor_requests_language')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_visitor_requests_group_id_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['handled_by_id'], ['members.id'], name=op.f('fk_visitor_requests_handled_by_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_visitor_requests_meeting_id_meetings'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visitor_requests'))
    )
    with op.batch_alter_table('visitor_requests', schema=None) as batch_op:
        batch_op.create_index('ix_visitor_requests_group_created', ['group_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('visitor_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_visitor_requests_group_created')
    op.drop_table('visitor_requests')

    with op.batch_alter_table('network_settings', schema=None) as batch_op:
        batch_op.drop_column('description')

    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_groups_industry_rule'), type_='check')
        batch_op.drop_column('industry_rule')

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
        for kind in reversed(KINDS):
            batch_op.drop_constraint(op.f(f'ck_members_{kind}_visibility'), type_='check')
            batch_op.drop_column(f'{kind}_visibility')
        batch_op.drop_column('photo_key')
        batch_op.drop_column('seeks')
        batch_op.drop_column('offers')
