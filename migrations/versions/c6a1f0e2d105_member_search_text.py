"""members.search_text: the lower-cased text the directory searches, indexed (trigrams on PostgreSQL);
an index on (name, id), the order of every member list

Revision ID: c6a1f0e2d105
Revises: c6a1f0e2d104
Create Date: 2026-11-30 05:05:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'c6a1f0e2d105'
down_revision = 'c6a1f0e2d104'
branch_labels = None
depends_on = None

SEARCH_FIELDS = ("name", "company", "title", "industry")


def _search_text(row) -> str:
    # The same as app.models.member.search_text_of (migrations do not import the app).
    return "\n".join(str(getattr(row, key) or "") for key in SEARCH_FIELDS).lower()


def upgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.String(length=1000), server_default='',
                                      nullable=False))
    bind = op.get_bind()
    members = sa.table('members', sa.column('id', sa.Integer), sa.column('search_text', sa.String),
                       *(sa.column(key, sa.String) for key in SEARCH_FIELDS))
    rows = bind.execute(sa.select(members.c.id, *(members.c[key] for key in SEARCH_FIELDS))).all()
    if rows:
        bind.execute(members.update().where(members.c.id == sa.bindparam('member_id'))
                     .values(search_text=sa.bindparam('text')),
                     [{"member_id": row.id, "text": _search_text(row)} for row in rows])
    if bind.dialect.name == 'postgresql':
        # pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may install it. Where
        # that is refused, the index is a B-tree and searches stay correct, only unindexed.
        op.execute("""
            DO $$
            BEGIN
                BEGIN
                    CREATE EXTENSION IF NOT EXISTS pg_trgm;
                EXCEPTION WHEN OTHERS THEN
                    RAISE NOTICE 'pg_trgm not available: %', SQLERRM;
                END;
                IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
                    CREATE INDEX ix_members_search_text ON members USING gin (search_text gin_trgm_ops);
                ELSE
                    CREATE INDEX ix_members_search_text ON members (search_text);
                END IF;
            END $$;
        """)
    else:
        op.create_index('ix_members_search_text', 'members', ['search_text'], unique=False)
    op.create_index('ix_members_name_id', 'members', ['name', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_members_name_id', table_name='members')
    op.drop_index('ix_members_search_text', table_name='members')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('search_text')
