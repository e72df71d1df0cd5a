"""Bot ids (``run.bot_id``): several bots share one journal database, each seeing its own rows.

A ``bot_id`` column on trades, orders, signals, risk events, equity snapshots and the durable
``bot_state`` (whose primary key becomes ``(bot_id, key)``, so each bot has its own run lock,
kill switch and risk state). Every existing row becomes ``default``'s, the id of a bot that
sets none, so a bot upgraded in place keeps its journal. Fills belong to their order.

Downgrading keeps only ``default``'s durable state (the old key cannot hold two bots' values);
the other tables keep every row, no longer told apart.

Revision ID: 0006
Revises: 0003
Create Date: 2026-12-04 21:29:26.108146+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ('trades', 'orders', 'signals', 'risk_events', 'equity_snapshots')


def _bot_id() -> sa.Column[str]:
    return sa.Column('bot_id', sa.String(length=64), server_default='default', nullable=False)


def upgrade() -> None:
    """Upgrade schema."""
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(_bot_id())
            batch_op.create_index(batch_op.f(f'ix_{table}_bot_id'), ['bot_id'], unique=False)

    with op.batch_alter_table('bot_state', schema=None) as batch_op:
        batch_op.add_column(_bot_id())
        batch_op.drop_constraint('pk_bot_state', type_='primary')
        batch_op.create_primary_key('pk_bot_state', ['bot_id', 'key'])


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DELETE FROM bot_state WHERE bot_id <> 'default'")
    with op.batch_alter_table('bot_state', schema=None) as batch_op:
        batch_op.drop_constraint('pk_bot_state', type_='primary')
        batch_op.create_primary_key('pk_bot_state', ['key'])
        batch_op.drop_column('bot_id')

    for table in reversed(_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_bot_id'))
            batch_op.drop_column('bot_id')
