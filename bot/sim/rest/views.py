"""Frozen snapshots of the account, taken under the engine's lock and serialised after.

``account_view`` computes, at one set of marks, everything ``/fapi/v3/account`` and
``/fapi/v3/positionRisk`` show: totals, and per position its PnL, margins and liquidation
price.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from bot.sim.rest.accounts import Account, AccountTotals, MarginType

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class PositionView:
    """One open position at a mark."""

    symbol: str
    amount: Decimal
    entry_price: Decimal
    break_even_price: Decimal
    mark_price: Decimal
    unrealised: Decimal
    liquidation_price: Decimal
    margin_type: MarginType
    leverage: int
    isolated_wallet: Decimal
    initial_margin: Decimal
    maintenance_margin: Decimal
    open_order_margin: Decimal
    max_notional: Decimal
    update_ms: int

    @property
    def notional(self) -> Decimal:
        """Signed notional at the mark (negative for a short)."""
        return self.amount * self.mark_price

    @property
    def isolated_margin(self) -> Decimal:
        """Binance's ``isolatedMargin``: isolated wallet plus unrealised PnL (0 if cross)."""
        return self.isolated_wallet + self.unrealised if self.margin_type == "ISOLATED" else ZERO


@dataclass(frozen=True, slots=True)
class AccountView:
    """The whole account at a set of marks."""

    totals: AccountTotals
    positions: tuple[PositionView, ...]
    update_ms: int


def account_view(
    account: Account,
    marks: Mapping[str, Decimal],
    order_margin: Mapping[str, Decimal],
) -> AccountView:
    """Snapshot ``account`` at ``marks``; ``order_margin`` is open-order margin per symbol."""
    positions = []
    fee = account.config.taker_fee
    for symbol, pos in account.open_positions().items():
        mark = marks[symbol]
        # Break-even covers the taker fee of the way in and of the way out.
        direction = Decimal(1) if pos.amount > 0 else Decimal(-1)
        break_even = pos.entry_price * (1 + direction * 2 * fee)
        positions.append(
            PositionView(
                symbol=symbol,
                amount=pos.amount,
                entry_price=pos.entry_price,
                break_even_price=break_even,
                mark_price=mark,
                unrealised=pos.unrealised(mark),
                liquidation_price=account.liquidation_price(symbol, marks),
                margin_type=pos.margin_type,
                leverage=pos.leverage,
                isolated_wallet=pos.isolated_wallet,
                initial_margin=pos.initial_margin(mark),
                maintenance_margin=account.brackets.maintenance(abs(pos.amount) * mark),
                open_order_margin=order_margin.get(symbol, ZERO),
                max_notional=account.brackets.max_notional(pos.leverage),
                update_ms=pos.update_ms,
            )
        )
    totals = account.totals(marks, sum(order_margin.values(), ZERO))
    return AccountView(totals=totals, positions=tuple(positions), update_ms=account.update_ms)
