"""The venue of each recorded liquidation (``binance``, ``bybit``, ``okx``), in its unique key.

Existing rows were all recorded from Binance's forceOrder stream: they get ``binance``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 21:40:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_KEY = 'uq_recorded_liquidations_symbol_side_time_ms_price_quantity'
_NEW_KEY = 'uq_recorded_liquidations_symbol_side_time_ms_price_quantity_venue'


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('recorded_liquidations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('venue', sa.String(length=16), nullable=False,
                                      server_default='binance'))
        batch_op.drop_constraint(op.f(_OLD_KEY), type_='unique')
        batch_op.create_unique_constraint(
            op.f(_NEW_KEY), ['symbol', 'side', 'time_ms', 'price', 'quantity', 'venue'])


def downgrade() -> None:
    """Downgrade schema: the other venues' rows go (they would break the old key)."""
    op.execute("DELETE FROM recorded_liquidations WHERE venue <> 'binance'")
    with op.batch_alter_table('recorded_liquidations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(_NEW_KEY), type_='unique')
        batch_op.create_unique_constraint(
            op.f(_OLD_KEY), ['symbol', 'side', 'time_ms', 'price', 'quantity'])
        batch_op.drop_column('venue')
