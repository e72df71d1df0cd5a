"""The simulated futures account: one USDT wallet, one-way positions, margin and liquidation.

Not thread-safe on its own: the matching engine owns it and holds its lock around every
call. All amounts are ``Decimal``; marks come in as a symbol → mark price mapping.

Model (documented simplifications of Binance's):

* wallet balance ``W`` moves by realised PnL, fees and funding (an isolated position's
  funding also moves its isolated wallet, as on Binance);
* a fill in the position's direction averages the entry price; against it, it realises
  ``closed × (price − entry) × side`` and may flip the position at the fill price;
* isolated positions hold ``quantity × price / leverage`` of ``W`` in their isolated wallet,
  released in proportion as they shrink;
* available = ``(W − isolated wallets) + cross unrealised PnL − cross initial margin −
  open-order margin``, cross initial margin being ``|size| × mark / leverage``;
* a position is liquidated when its margin (isolated wallet + PnL, or the whole cross
  margin balance) falls to its maintenance margin; the margin backing it is lost (Binance
  closes at the bankruptcy price and keeps the rest as a clearance fee).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from bot.sim.rest.brackets import (
    MAX_LEVERAGE,
    ZERO_BRACKET,
    Bracket,
    Brackets,
    liquidation_price,
)

MarginType = Literal["CROSSED", "ISOLATED"]
OrderSide = Literal["BUY", "SELL"]
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class AccountConfig:
    """Settings of the simulated account.

    Attributes:
        starting_balance: the USDT wallet at start.
        default_leverage: every symbol's leverage until changed (Binance: 20).
        taker_fee: fee rate of fills that take liquidity (market, crossing limits).
        maker_fee: fee rate of resting limit orders that get filled.
        slippage_bps: market fills are this many basis points worse than the mark.
        funding_interval_ms: milliseconds between funding settlements, on times that are
            whole multiples of it since the epoch (Binance: 8 h, at 00:00, 08:00 and 16:00
            UTC; tests shorten it); 0 charges no funding.
    """

    starting_balance: Decimal = Decimal(10_000)
    default_leverage: int = 20
    taker_fee: Decimal = Decimal("0.0004")
    maker_fee: Decimal = Decimal("0.0002")
    slippage_bps: Decimal = Decimal(1)
    funding_interval_ms: int = 8 * 60 * 60 * 1000

    def __post_init__(self) -> None:
        if self.starting_balance < 0:
            raise ValueError("starting_balance must not be negative")
        if not 1 <= self.default_leverage <= MAX_LEVERAGE:
            raise ValueError(f"default_leverage must be in 1..{MAX_LEVERAGE}")
        if min(self.taker_fee, self.maker_fee, self.slippage_bps) < 0:
            raise ValueError("fees and slippage must not be negative")
        if self.funding_interval_ms < 0:
            raise ValueError("funding_interval_ms must not be negative")


@dataclass
class PositionState:
    """One symbol's settings and one-way position (``amount`` > 0 long, < 0 short)."""

    leverage: int
    margin_type: MarginType = "CROSSED"
    amount: Decimal = ZERO
    entry_price: Decimal = ZERO
    isolated_wallet: Decimal = ZERO
    update_ms: int = 0

    @property
    def isolated(self) -> bool:
        """Whether the symbol uses isolated margin."""
        return self.margin_type == "ISOLATED"

    def unrealised(self, mark: Decimal) -> Decimal:
        """Unrealised PnL at ``mark``."""
        return self.amount * (mark - self.entry_price)

    def initial_margin(self, mark: Decimal) -> Decimal:
        """``|size| × mark / leverage``."""
        return abs(self.amount) * mark / self.leverage


@dataclass(frozen=True, slots=True)
class AccountTotals:
    """The account's margin figures at a set of marks (what ``/fapi/v3/account`` shows)."""

    wallet_balance: Decimal
    unrealised: Decimal
    position_initial_margin: Decimal
    open_order_margin: Decimal
    maintenance_margin: Decimal
    cross_wallet: Decimal
    cross_unrealised: Decimal
    available: Decimal

    @property
    def margin_balance(self) -> Decimal:
        """Wallet balance plus unrealised PnL."""
        return self.wallet_balance + self.unrealised

    @property
    def initial_margin(self) -> Decimal:
        """Position plus open-order initial margin."""
        return self.position_initial_margin + self.open_order_margin


@dataclass(frozen=True, slots=True)
class Liquidated:
    """A position the account lost: ``side`` is the liquidation order's (SELL = a long)."""

    symbol: str
    side: OrderSide
    quantity: Decimal
    bankruptcy_price: Decimal
    mark_price: Decimal
    loss: Decimal


class Account:
    """Wallet, per-symbol leverage / margin type and positions.

    Args:
        config: the account settings.
        symbols: the tradable symbols.
        brackets: the leverage tiers (one table for every symbol).
        now_ms: the creation time (the first ``updateTime``).
    """

    def __init__(
        self, config: AccountConfig, symbols: Iterable[str], brackets: Brackets, now_ms: int
    ) -> None:
        """Open the account with ``config.starting_balance`` and no positions."""
        self.config = config
        self.brackets = brackets
        self.wallet_balance = config.starting_balance
        self.update_ms = now_ms
        self._positions = {s: PositionState(config.default_leverage) for s in symbols}

    def position(self, symbol: str) -> PositionState:
        """The state of ``symbol`` (``KeyError`` if it is not tradable)."""
        return self._positions[symbol]

    def open_positions(self) -> dict[str, PositionState]:
        """The symbols with a non-zero position."""
        return {s: p for s, p in self._positions.items() if p.amount != 0}

    def apply_funding(self, symbol: str, amount: Decimal, now_ms: int) -> None:
        """Book one funding payment of ``symbol``'s position (negative = paid)."""
        pos = self._positions[symbol]
        self.wallet_balance += amount
        if pos.isolated:
            pos.isolated_wallet += amount
        self.update_ms = now_ms

    def opening_quantity(self, symbol: str, side: OrderSide, quantity: Decimal) -> Decimal:
        """The part of an order that would add exposure (the rest only reduces)."""
        amount = self._positions[symbol].amount
        if amount == 0 or (amount > 0) == (side == "BUY"):
            return quantity
        return max(quantity - abs(amount), ZERO)

    def reducible_quantity(self, symbol: str, side: OrderSide) -> Decimal:
        """How much a ``side`` order can reduce the position (0 if it would add to it)."""
        amount = self._positions[symbol].amount
        if amount == 0 or (amount > 0) == (side == "BUY"):
            return ZERO
        return abs(amount)

    def totals(self, marks: Mapping[str, Decimal], open_order_margin: Decimal) -> AccountTotals:
        """The margin figures at ``marks``, given the margin held by open orders."""
        unrealised = position_im = maintenance = isolated = cross_upnl = cross_im = ZERO
        for symbol, pos in self.open_positions().items():
            mark = marks[symbol]
            pnl, im = pos.unrealised(mark), pos.initial_margin(mark)
            unrealised += pnl
            position_im += im
            maintenance += self.brackets.maintenance(abs(pos.amount) * mark)
            if pos.isolated:
                isolated += pos.isolated_wallet
            else:
                cross_upnl += pnl
                cross_im += im
        cross_wallet = self.wallet_balance - isolated
        available = cross_wallet + cross_upnl - cross_im - open_order_margin
        return AccountTotals(
            wallet_balance=self.wallet_balance,
            unrealised=unrealised,
            position_initial_margin=position_im,
            open_order_margin=open_order_margin,
            maintenance_margin=maintenance,
            cross_wallet=cross_wallet,
            cross_unrealised=cross_upnl,
            available=available,
        )

    def apply_fill(
        self,
        symbol: str,
        side: OrderSide,
        quantity: Decimal,
        price: Decimal,
        fee_rate: Decimal,
        now_ms: int,
    ) -> tuple[Decimal, Decimal]:
        """Book a fill; returns ``(realised PnL, fee)``."""
        pos = self._positions[symbol]
        sign = Decimal(1) if side == "BUY" else Decimal(-1)
        fee = quantity * price * fee_rate
        self.wallet_balance -= fee
        realised = ZERO
        opening = quantity
        if pos.amount != 0 and (pos.amount > 0) != (side == "BUY"):
            closing = min(quantity, abs(pos.amount))
            realised = closing * (price - pos.entry_price) * -sign
            self.wallet_balance += realised
            pos.isolated_wallet -= pos.isolated_wallet * closing / abs(pos.amount)
            pos.amount += sign * closing
            opening = quantity - closing
            if pos.amount == 0:
                pos.entry_price = pos.isolated_wallet = ZERO
        if opening > 0:
            size = abs(pos.amount)
            pos.entry_price = (size * pos.entry_price + opening * price) / (size + opening)
            pos.amount += sign * opening
            if pos.isolated:
                pos.isolated_wallet += opening * price / pos.leverage
        pos.update_ms = self.update_ms = now_ms
        return realised, fee

    def liquidation_price(self, symbol: str, marks: Mapping[str, Decimal]) -> Decimal:
        """The position's liquidation price at the other positions' current marks (0: none)."""
        pos = self._positions[symbol]
        if pos.amount == 0:
            return ZERO
        bracket = self.brackets.for_notional(abs(pos.amount) * marks[symbol])
        return self._price_at(symbol, pos, marks, bracket)

    def liquidate(self, marks: Mapping[str, Decimal], now_ms: int) -> list[Liquidated]:
        """Close every position whose margin has fallen to its maintenance margin."""
        lost: list[Liquidated] = []
        for symbol, pos in self.open_positions().items():
            mark = marks[symbol]
            maintenance = self.brackets.maintenance(abs(pos.amount) * mark)
            if pos.isolated and pos.isolated_wallet + pos.unrealised(mark) <= maintenance:
                lost.append(self._close(symbol, pos, marks, pos.isolated_wallet, now_ms))
        totals = self.totals(marks, ZERO)
        cross = {s: p for s, p in self.open_positions().items() if not p.isolated}
        cross_maintenance = sum(
            (self.brackets.maintenance(abs(p.amount) * marks[s]) for s, p in cross.items()), ZERO
        )
        if cross and totals.cross_wallet + totals.cross_unrealised <= cross_maintenance:
            # The whole cross wallet backs every cross position: it is lost once, shared
            # out over the positions by their notional for the record.
            wallet = max(totals.cross_wallet, ZERO)
            notional = sum((abs(p.amount) * marks[s] for s, p in cross.items()), ZERO)
            for symbol, pos in cross.items():
                share = wallet * abs(pos.amount) * marks[symbol] / notional
                lost.append(self._close(symbol, pos, marks, share, now_ms))
        return lost

    def _close(
        self,
        symbol: str,
        pos: PositionState,
        marks: Mapping[str, Decimal],
        loss: Decimal,
        now_ms: int,
    ) -> Liquidated:
        bankruptcy = self._price_at(symbol, pos, marks, ZERO_BRACKET)
        event = Liquidated(
            symbol=symbol,
            side="SELL" if pos.amount > 0 else "BUY",
            quantity=abs(pos.amount),
            bankruptcy_price=bankruptcy,
            mark_price=marks[symbol],
            loss=loss,
        )
        self.wallet_balance -= loss
        pos.amount = pos.entry_price = pos.isolated_wallet = ZERO
        pos.update_ms = self.update_ms = now_ms
        return event

    def _price_at(
        self, symbol: str, pos: PositionState, marks: Mapping[str, Decimal], bracket: Bracket
    ) -> Decimal:
        # The bankruptcy price (ZERO_BRACKET) ignores every maintenance margin.
        if pos.isolated:
            return liquidation_price(pos.amount, pos.entry_price, pos.isolated_wallet, bracket)
        others_mm = others_upnl = ZERO
        isolated = ZERO
        for other, state in self.open_positions().items():
            if state.isolated:
                isolated += state.isolated_wallet
            elif other != symbol:
                others_upnl += state.unrealised(marks[other])
                if bracket is not ZERO_BRACKET:
                    notional = abs(state.amount) * marks[other]
                    others_mm += self.brackets.maintenance(notional)
        wallet = self.wallet_balance - isolated
        return liquidation_price(
            pos.amount, pos.entry_price, wallet, bracket, others_mm, others_upnl
        )
