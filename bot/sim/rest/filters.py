"""A symbol's exchange filters and Binance's checks of an order against them.

Built from the market's ``SymbolSpec`` (tick size, lot size, minimum notional), with the
bounds Binance adds: a maximum quantity (a smaller one for market orders), a price range
and the PERCENT_PRICE band that keeps limit orders near the mark. Every check is exact
``Decimal`` arithmetic, so values on a filter boundary are judged as Binance judges them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.sim.market import SymbolSpec
from bot.sim.rest import errors
from bot.sim.rest.accounts import OrderSide
from bot.sim.rest.params import fmt_step, is_multiple

QUOTE_ASSET = "USDT"
_MAX_QTY_STEPS = 1_000_000  # LOT_SIZE maxQty, in lot steps
_MARKET_MAX_QTY_STEPS = 120_000  # MARKET_LOT_SIZE maxQty, in lot steps
_MAX_PRICE_TICKS = 1_000_000_000
PERCENT_UP = Decimal("1.0500")
PERCENT_DOWN = Decimal("0.9500")


@dataclass(frozen=True, slots=True)
class SymbolFilters:
    """The filters of one USDT-margined perpetual."""

    symbol: str
    base_asset: str
    tick_size: Decimal
    step_size: Decimal
    min_notional: Decimal

    @classmethod
    def from_spec(cls, spec: SymbolSpec) -> SymbolFilters:
        """The filters of a simulated symbol (it must be quoted in USDT)."""
        if not spec.symbol.endswith(QUOTE_ASSET) or spec.symbol == QUOTE_ASSET:
            raise ValueError(f"{spec.symbol}: the REST simulator trades USDT perpetuals only")
        return cls(
            symbol=spec.symbol,
            base_asset=spec.symbol[: -len(QUOTE_ASSET)],
            tick_size=spec.tick_size,
            step_size=spec.step_size,
            min_notional=spec.min_notional,
        )

    @property
    def min_qty(self) -> Decimal:
        """LOT_SIZE minQty: one lot step."""
        return self.step_size

    @property
    def max_qty(self) -> Decimal:
        """LOT_SIZE maxQty (limit orders)."""
        return self.step_size * _MAX_QTY_STEPS

    @property
    def market_max_qty(self) -> Decimal:
        """MARKET_LOT_SIZE maxQty (market orders)."""
        return self.step_size * _MARKET_MAX_QTY_STEPS

    @property
    def min_price(self) -> Decimal:
        """PRICE_FILTER minPrice: one tick."""
        return self.tick_size

    @property
    def max_price(self) -> Decimal:
        """PRICE_FILTER maxPrice."""
        return self.tick_size * _MAX_PRICE_TICKS

    def price_text(self, price: Decimal) -> str:
        """A price written with the tick's decimals."""
        return fmt_step(price, self.tick_size)

    def qty_text(self, quantity: Decimal) -> str:
        """A quantity written with the lot step's decimals."""
        return fmt_step(quantity, self.step_size)

    def check_quantity(self, quantity: Decimal, *, market: bool) -> None:
        """LOT_SIZE / MARKET_LOT_SIZE: positive, a whole number of steps, within bounds."""
        if quantity <= 0:
            raise errors.QTY_NOT_POSITIVE()
        if not is_multiple(quantity, self.step_size):
            raise errors.QTY_PRECISION()
        if quantity < self.min_qty:
            raise errors.QTY_BELOW_MIN()
        if quantity > (self.market_max_qty if market else self.max_qty):
            raise errors.QTY_ABOVE_MAX()

    def check_price(self, price: Decimal) -> None:
        """PRICE_FILTER: positive, on the tick grid, within bounds."""
        if price <= 0:
            raise errors.PRICE_NOT_POSITIVE()
        if price < self.min_price:
            raise errors.PRICE_BELOW_MIN()
        if price > self.max_price:
            raise errors.PRICE_ABOVE_MAX()
        if not is_multiple(price, self.tick_size):
            raise errors.PRICE_TICK()

    def check_notional(self, quantity: Decimal, price: Decimal) -> None:
        """MIN_NOTIONAL (Binance exempts reduce-only and closePosition orders)."""
        if quantity * price < self.min_notional:
            raise errors.notional_too_small(format(self.min_notional.normalize(), "f"))

    def check_percent_price(self, side: OrderSide, price: Decimal, mark: Decimal) -> None:
        """PERCENT_PRICE: a BUY at most 5 % above the mark, a SELL at most 5 % below it."""
        if side == "BUY" and price > mark * PERCENT_UP:
            raise errors.price_above_cap(self.price_text(mark * PERCENT_UP))
        if side == "SELL" and price < mark * PERCENT_DOWN:
            raise errors.price_below_floor(self.price_text(mark * PERCENT_DOWN))
