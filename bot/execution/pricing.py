"""Pure money math for simulated fills: slippage, taker fees, PnL, triggers and funding.

Kept apart from the venue so every rule can be table-tested without a clock or a lock.
Prices are USDT per base unit, quantities base units, fees and PnL USDT.
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain import OrderSide, PositionSide

BPS = 10_000.0
"""Basis points in one: 2 bps is 0.0002."""


class ExitTrigger(StrEnum):
    """Which protective level a mark price crossed; the value is the journal's exit reason."""

    STOP_LOSS = "stop_loss"
    TAKE_PROFIT = "take_profit"


def slipped_price(price: float, order_side: OrderSide, slippage_bps: float) -> float:
    """Price of a market fill after slippage, always against the taker.

    Args:
        price: the reference price (mark or trigger level).
        order_side: a buy pays more, a sell receives less.
        slippage_bps: slippage in basis points (≥ 0).

    Returns:
        ``price × (1 ± slippage_bps / 10 000)``.
    """
    direction = 1.0 if order_side is OrderSide.BUY else -1.0
    return price * (1.0 + direction * slippage_bps / BPS)


def taker_fee(notional: float, fee_rate: float) -> float:
    """Fee in quote currency for a taker fill: ``notional × fee_rate``."""
    return abs(notional) * fee_rate


def gross_pnl(side: PositionSide, entry_price: float, exit_price: float, quantity: float) -> float:
    """Price PnL of a position before fees: ``(exit − entry) × quantity × side.sign``."""
    return (exit_price - entry_price) * quantity * side.sign


def net_pnl(
    side: PositionSide,
    entry_price: float,
    exit_price: float,
    quantity: float,
    fee_rate: float,
) -> float:
    """PnL after the taker fee on both the entry and the exit notional."""
    fees = taker_fee(entry_price * quantity, fee_rate) + taker_fee(exit_price * quantity, fee_rate)
    return gross_pnl(side, entry_price, exit_price, quantity) - fees


def triggered_exit(
    side: PositionSide, stop_price: float, take_profit_price: float, mark: float
) -> ExitTrigger | None:
    """Which protective level ``mark`` has reached, if any (touching the level counts).

    A long stops at ``mark ≤ stop`` and takes profit at ``mark ≥ target``; a short mirrors
    it. When both are crossed at once (only possible with inverted levels) the stop wins:
    assuming the worse outcome is the conservative choice for a simulation.
    """
    if side is PositionSide.LONG:
        stop_hit, target_hit = mark <= stop_price, mark >= take_profit_price
    else:
        stop_hit, target_hit = mark >= stop_price, mark <= take_profit_price
    if stop_hit:
        return ExitTrigger.STOP_LOSS
    if target_hit:
        return ExitTrigger.TAKE_PROFIT
    return None


def trigger_base_price(side: PositionSide, trigger_price: float, mark: float) -> float:
    """The price a triggered exit fills at before slippage: the worse of level and mark.

    A stop-market order becomes a market order once the mark touches it, so a mark that
    gapped through the stop fills at the mark, not at the stop that was never traded. A
    take-profit is credited at its level, never at a mark that gapped beyond it: marks
    arrive about once a second, and paper must not book windfalls live could miss. Both
    cases reduce to "the worse price for the holder", which is what this returns.
    """
    if side is PositionSide.LONG:
        return min(trigger_price, mark)
    return max(trigger_price, mark)


def initial_margin(quantity: float, price: float, leverage: float) -> float:
    """Initial margin of a position, as the exchange reckons it: ``|quantity| × price ÷ leverage``.

    ``leverage`` is the account's setting for the symbol (what ``set_leverage`` sent), not
    a ratio derived from the order; ``price`` the mark (the fill price for a new entry).
    """
    return abs(quantity) * price / leverage


def funding_payment(side: PositionSide, quantity: float, mark: float, rate: float) -> float:
    """Funding booked to the wallet at one funding time (negative = paid).

    Binance's rule: at a positive rate longs pay shorts ``mark × quantity × rate``; at a
    negative rate shorts pay longs.
    """
    return -side.sign * mark * quantity * rate
