"""The directory search: members.search_document (name, title, company, industry, offers and bio
folded: æ -> ae, no accents) and competencies.search_name, indexed by trigrams on PostgreSQL

Revision ID: c6a1f0e2d111
Revises: c6a1f0e2d110
Create Date: 2026-11-30 16:00:00

"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = 'c6a1f0e2d111'
down_revision = 'c6a1f0e2d110'
branch_labels = None
depends_on = None

# The same as app.members.search (migrations do not import the app).
DOCUMENT_FIELDS = ("name", "title", "company", "industry", "offers", "bio")
_LETTERS = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "ß": "ss",
                          "œ": "oe", "ð": "d", "þ": "th", "ł": "l", "đ": "d", "ı": "i"})


def _fold(text) -> str:
    text = unicodedata.normalize("NFC", str(text or "")).lower().translate(_LETTERS)
    text = "".join(" " if unicodedata.category(c) == "Cc" else c  # tabs, NUL: a space
                   for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c) and unicodedata.category(c) not in ("Cs", "Co"))
    return re.sub(r"\s+", " ", text).strip()


def _trigram_index(table: str, column: str) -> None:
    name = f"ix_{table}_{column}"
    if op.get_bind().dialect.name == 'postgresql':
        # As in c6a1f0e2d105: trigrams where pg_trgm can be installed, else a B-tree (the search
        # stays correct, only unindexed).
        op.execute(f"""
            DO $$
            BEGIN
                BEGIN
                    CREATE EXTENSION IF NOT EXISTS pg_trgm;
                EXCEPTION WHEN OTHERS THEN
                    RAISE NOTICE 'pg_trgm not available: %', SQLERRM;
                END;
                IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
                    CREATE INDEX {name} ON {table} USING gin ({column} gin_trgm_ops);
                ELSE
                    CREATE INDEX {name} ON {table} ({column});
                END IF;
            END $$;
        """)  # noqa: S608 -- the names are this file's own, no input
    else:
        op.create_index(name, table, [column], unique=False)


def upgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_document', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('competencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_name', sa.String(length=200), server_default='',
                                      nullable=False))
    bind = op.get_bind()
    members = sa.table('members', sa.column('id', sa.Integer), sa.column('search_document', sa.Text),
                       *(sa.column(key, sa.Text) for key in DOCUMENT_FIELDS))
    rows = bind.execute(sa.select(members.c.id, *(members.c[key] for key in DOCUMENT_FIELDS))).all()
    if rows:
        bind.execute(members.update().where(members.c.id == sa.bindparam('member_id'))
                     .values(search_document=sa.bindparam('document')),
                     [{"member_id": row.id,
                       "document": "\n".join(_fold(getattr(row, key)) for key in DOCUMENT_FIELDS)}
                      for row in rows])
    competencies = sa.table('competencies', sa.column('id', sa.Integer), sa.column('name', sa.String),
                            sa.column('search_name', sa.String))
    rows = bind.execute(sa.select(competencies.c.id, competencies.c.name)).all()
    if rows:
        bind.execute(competencies.update().where(competencies.c.id == sa.bindparam('competency_id'))
                     .values(search_name=sa.bindparam('folded')),
                     [{"competency_id": row.id, "folded": _fold(row.name)} for row in rows])
    _trigram_index('members', 'search_document')
    _trigram_index('competencies', 'search_name')


def downgrade():
    op.drop_index('ix_competencies_search_name', table_name='competencies')
    op.drop_index('ix_members_search_document', table_name='members')
    with op.batch_alter_table('competencies', schema=None) as batch_op:
        batch_op.drop_column('search_name')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('search_document')
