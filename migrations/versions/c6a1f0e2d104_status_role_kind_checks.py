"""CHECK constraints and server defaults for status, role, kind, policy and language columns

Revision ID: c6a1f0e2d104
Revises: c6a1f0e2d103
Create Date: 2026-11-30 05:00:00

The database refuses a value the code does not know (a typo in a script, raw SQL, an old
worker); rows written without the column get the same default as rows written by the app.
The allowed values are written out here: migrations never import the application.
"""
import sqlalchemy as sa
from alembic import op

revision = 'c6a1f0e2d104'
down_revision = 'c6a1f0e2d103'
branch_labels = None
depends_on = None

LANGUAGES = ('da', 'en')

# table -> [(column, allowed values, server default or None)]
CHECKS = {
    'meetings': [('status', ('scheduled', 'cancelled'), 'scheduled')],
    'meeting_changes': [('action', ('created', 'updated', 'moved', 'cancelled'), None)],
    'meeting_series': [('holiday_policy', ('ignore', 'skip', 'move'), 'skip')],
    'memberships': [('role', ('member', 'organizer'), 'member')],
    'outbox_messages': [('status', ('pending', 'sent', 'failed'), 'pending')],
    'login_attempts': [('kind', ('link', 'password'), None)],
    'members': [('language', LANGUAGES, 'da')],
    'network_settings': [('default_language', LANGUAGES, 'da')],
}
LENGTHS = {'status': 20, 'action': 20, 'role': 20, 'kind': 20, 'language': 8, 'default_language': 8,
           'holiday_policy': 20}
# Languages outside the list (say 'da-DK' from an old import) become the default; any other
# unknown value stops the upgrade with its table and column, for a person to decide.
NORMALISED = {('members', 'language'), ('network_settings', 'default_language')}


def _in_list(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    bind = op.get_bind()
    for table, checks in CHECKS.items():
        for column, values, default in checks:
            rows = sa.table(table, sa.column(column, sa.String))
            unknown = sa.and_(rows.c[column].is_not(None), rows.c[column].not_in(values))
            if (table, column) in NORMALISED:
                bind.execute(rows.update().where(unknown).values({column: default}))
                continue
            bad = bind.execute(sa.select(rows.c[column]).distinct().where(unknown)).scalars().all()
            if bad:
                raise RuntimeError(f"{table}.{column} holds values the app does not know: {bad!r}; "
                                   f"allowed: {values!r}. Correct those rows and run the upgrade again.")
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, values, default in checks:
                if default is not None:
                    batch_op.alter_column(column, existing_type=sa.String(length=LENGTHS[column]),
                                          existing_nullable=False, server_default=default)
                batch_op.create_check_constraint(op.f(f'ck_{table}_{column}'), _in_list(column, values))


def downgrade():
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, _values, default in checks:
                batch_op.drop_constraint(op.f(f'ck_{table}_{column}'), type_='check')
                if default is not None:
                    batch_op.alter_column(column, existing_type=sa.String(length=LENGTHS[column]),
                                          existing_nullable=False, server_default=None)
