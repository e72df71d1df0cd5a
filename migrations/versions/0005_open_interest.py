"""Recorded open interest (``recorded_open_interest``), the projected levels' input in
``bot record``, ``bot data download-oi`` and backtests.

Written after ``alembic revision --autogenerate`` from ``bot.marketdata.models``.

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-04 21:50:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('recorded_open_interest',
    sa.Column('symbol', sa.String(length=32), nullable=False),
    sa.Column('time_ms', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.Float(), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('symbol', 'time_ms', name=op.f('pk_recorded_open_interest'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('recorded_open_interest')
