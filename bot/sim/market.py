"""A synthetic futures market: price paths, leveraged positions and their liquidations.

Pure logic, no I/O: ``SimMarket.step(now)`` advances every symbol's price path (geometric
Brownian motion with occasional jumps), liquidates the simulated positions the price has
reached, opens new ones near the price, and returns what Binance would push: at most the
latest liquidation per symbol per 1000 ms window, and a mark price per symbol. The market
knows nothing about any strategy; given the same seed and the same ``now`` sequence it
produces the same events.
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from bot.domain import LiquidationSide, to_epoch_ms
from bot.sim.book import Position, PositionBook
from bot.sim.events import (
    DEFAULT_FUNDING_RATE,
    ForceOrder,
    MarkPriceUpdate,
    next_funding_time_ms,
    round_to_step,
)
from bot.sim.throttle import LiquidationThrottle

_MARK_DECIMALS = Decimal("0.00000001")  # Binance sends mark prices with 8 decimals


@dataclass(frozen=True, slots=True)
class SymbolSpec:
    """One simulated perpetual: starting price, volatility and exchange filters.

    ``volatility_per_hour`` is the standard deviation of the log return over one hour of
    market time; ``typical_notional`` the median position size in USDT.
    """

    symbol: str
    price: float
    volatility_per_hour: float
    tick_size: Decimal
    step_size: Decimal
    min_notional: Decimal
    typical_notional: float


DEFAULT_SYMBOLS: tuple[SymbolSpec, ...] = (
    SymbolSpec("BTCUSDT", 90_000.0, 0.008, Decimal("0.10"), Decimal("0.001"), Decimal(100), 20_000),
    SymbolSpec("ETHUSDT", 3_000.0, 0.012, Decimal("0.01"), Decimal("0.001"), Decimal(20), 8_000),
    SymbolSpec("SOLUSDT", 140.0, 0.016, Decimal("0.01"), Decimal("1"), Decimal(5), 3_000),
)


@dataclass(frozen=True, slots=True)
class MarketConfig:
    """Settings of the synthetic market (defaults: a lively market, dozens of liquidations
    per symbol in two minutes and moves of a few percent).

    Attributes:
        symbols: the simulated perpetuals.
        time_acceleration: market seconds per wall second (volatility scales with its root).
        volatility_scale: multiplies every symbol's volatility (0 freezes diffusion).
        jumps_per_hour: expected liquidation cascades per hour of market time.
        jump_size: standard deviation of a cascade's log return (its depth).
        cascade_seconds: market seconds a cascade takes: most of the move comes early and
            the rest grinds on, so its liquidations (one per symbol per second leaves the
            throttle, as on Binance) gather near its far end, where a cluster forms.
        rebound_fraction: the share of the cascade's move the price takes back right after
            it (the squeeze after a liquidation wick), leaving the cluster behind the price at
            a distance a strategy can trade toward.
        rebound_seconds: market seconds the rebound takes.
        leverage_levels: leverages traders use; ``leverage_weights`` how often.
        maintenance_margin: fraction of notional; liquidation happens this far before bankruptcy.
        positions_per_second: new positions per symbol per wall second, near the price.
        entry_spread: standard deviation of a new entry around the price (log scale).
        initial_positions: positions per symbol at the start, spread ``seed_spread`` around.
        max_positions_per_side: the safest positions beyond this count are closed.
        throttle_ms: Binance pushes the latest liquidation per symbol per window of this.
        max_step_seconds: a longer pause between steps moves the price as if this long.
        funding_rate: the funding rate shown in mark-price updates.
        index_premium: mark = index × (1 + premium).
    """

    symbols: tuple[SymbolSpec, ...] = DEFAULT_SYMBOLS
    time_acceleration: float = 120.0
    volatility_scale: float = 1.0
    # Cascades deep enough (5 % standard deviation, then a 70 % rebound) to leave a cluster
    # 3.5 % or more behind the price, where the hunter's default take profit outweighs its
    # stop (``strategy.min_reward_risk``): a first setup within a minute of ``bot run --sim``
    # at its 30x in 19 of 20 seeds (tests/sim/test_cascades.py's model of it).
    jumps_per_hour: float = 12.0
    jump_size: float = 0.05
    cascade_seconds: float = 180.0
    rebound_fraction: float = 0.7
    rebound_seconds: float = 30.0
    leverage_levels: tuple[int, ...] = (10, 20, 25, 50, 75, 100, 125)
    leverage_weights: tuple[float, ...] = (0.20, 0.20, 0.15, 0.20, 0.10, 0.10, 0.05)
    maintenance_margin: float = 0.004
    positions_per_second: float = 10.0
    entry_spread: float = 0.002
    initial_positions: int = 300
    seed_spread: float = 0.01
    max_positions_per_side: int = 2_000
    throttle_ms: int = 1_000
    max_step_seconds: float = 5.0
    funding_rate: Decimal = field(default=DEFAULT_FUNDING_RATE)
    index_premium: float = 0.0001

    def __post_init__(self) -> None:
        if not self.symbols:
            raise ValueError("MarketConfig needs at least one symbol")
        if len(self.leverage_levels) != len(self.leverage_weights) or not self.leverage_levels:
            raise ValueError("leverage_levels and leverage_weights must pair up")
        if not 0 <= self.maintenance_margin < 1 / max(self.leverage_levels):
            raise ValueError("maintenance_margin must be below 1 / the highest leverage")
        if not (0 <= self.rebound_fraction <= 1 and self.cascade_seconds > 0
                and self.rebound_seconds >= 0):
            raise ValueError("rebound_fraction in 0..1, cascade_seconds > 0, "
                             "rebound_seconds >= 0")
        if self.time_acceleration < 0 or self.volatility_scale < 0 or self.throttle_ms <= 0:
            raise ValueError("time_acceleration, volatility_scale >= 0; throttle_ms > 0")


@dataclass(frozen=True, slots=True)
class MarketUpdate:
    """What one step produced.

    ``liquidations`` are the throttled forceOrders to push now (event time
    ``event_time_ms``); ``raw_liquidations`` counts the positions liquidated in this step
    before throttling; ``mark_prices`` holds one update per symbol; ``every_liquidation``
    holds the positions liquidated before throttling (what venues without Binance's 1 s
    throttle, such as Bybit, push).
    """

    event_time_ms: int
    liquidations: tuple[ForceOrder, ...]
    mark_prices: tuple[MarkPriceUpdate, ...]
    raw_liquidations: int
    every_liquidation: tuple[ForceOrder, ...] = ()


class SimMarket:
    """The synthetic market's state, shared by the stream and (later) REST simulators.

    Thread-safe: ``step`` and the readers take one lock, so a REST server on another thread
    can read ``price()`` while the stream loop steps.

    Args:
        config: market settings.
        rng: the only source of randomness (seed it for reproducible runs).
    """

    def __init__(self, config: MarketConfig, *, rng: random.Random) -> None:
        """Build the market and seed each symbol's book around its starting price."""
        self._config = config
        self._rng = rng
        self._lock = threading.Lock()
        self._specs = {spec.symbol: spec for spec in config.symbols}
        self._prices = {spec.symbol: spec.price for spec in config.symbols}
        self._books = {
            s.symbol: PositionBook(config.max_positions_per_side) for s in config.symbols
        }
        self._throttle = LiquidationThrottle(config.throttle_ms)
        # symbol → the cascade under way: (log move still to come, market seconds elapsed,
        # the whole move) while falling or rising, then the rebound's share of it.
        self._cascades: dict[str, _Cascade] = {}
        self._injected: list[ForceOrder] = []
        self._last_ms: int | None = None
        for spec in config.symbols:
            for _ in range(config.initial_positions):
                self._open_position(spec, config.seed_spread)

    @property
    def config(self) -> MarketConfig:
        """The market's settings."""
        return self._config

    @property
    def symbols(self) -> tuple[str, ...]:
        """The simulated symbols (Binance ids), in configuration order."""
        return tuple(self._specs)

    def spec(self, symbol: str) -> SymbolSpec:
        """The settings and filters of ``symbol``; ``KeyError`` if it is not simulated."""
        return self._specs[symbol]

    def price(self, symbol: str) -> float:
        """The current price of ``symbol`` (also its mark price)."""
        with self._lock:
            return self._prices[symbol]

    def prices(self) -> dict[str, float]:
        """Current prices of every symbol."""
        with self._lock:
            return dict(self._prices)

    def set_price(self, symbol: str, price: float) -> None:
        """Move ``symbol``'s price (replays do this); the path continues from there."""
        if not price > 0:
            raise ValueError("price must be positive")
        with self._lock:
            if symbol not in self._prices:
                raise KeyError(symbol)
            self._prices[symbol] = price

    def open_positions(self, symbol: str) -> int:
        """How many simulated positions in ``symbol`` are open."""
        with self._lock:
            return len(self._books[symbol])

    def open_interest(self, symbol: str) -> float:
        """Open interest of ``symbol`` in base units: the quantity of every simulated
        position, longs and shorts (each faces the market, not another simulated trader)."""
        with self._lock:
            return self._books[symbol].quantity()

    def positions(self, symbol: str) -> list[Position]:
        """The simulated positions of ``symbol`` open now (the projection's ground truth)."""
        with self._lock:
            return self._books[symbol].positions()

    def inject(self, order: ForceOrder) -> None:
        """Add a liquidation that goes through the throttle at the next ``step``, as if the
        market had produced it then (tests use this to check the throttle)."""
        with self._lock:
            self._injected.append(order)

    def step(self, now: datetime) -> MarketUpdate:
        """Advance to ``now`` and return the liquidations to push and the mark prices."""
        now_ms = to_epoch_ms(now)
        with self._lock:
            elapsed = 0.0 if self._last_ms is None else (now_ms - self._last_ms) / 1000
            seconds = min(max(elapsed, 0.0), self._config.max_step_seconds)
            self._last_ms = now_ms if self._last_ms is None else max(self._last_ms, now_ms)
            every: list[ForceOrder] = []
            for spec in self._specs.values():
                if seconds > 0:
                    self._move(spec, seconds)
                for order in self._liquidate(spec, now_ms):
                    self._throttle.offer(order, now_ms)
                    every.append(order)
                if seconds > 0:
                    for _ in range(
                        _poisson(self._rng, self._config.positions_per_second * seconds)
                    ):
                        self._open_position(spec, self._config.entry_spread)
            for order in self._injected:
                self._throttle.offer(order, now_ms)
            raw = len(every) + len(self._injected)
            self._injected.clear()
            emitted = self._throttle.flush(now_ms)
            marks = tuple(self._mark(spec, now_ms) for spec in self._specs.values())
        return MarketUpdate(now_ms, emitted, marks, raw, tuple(every))

    def mark_prices(self, now: datetime) -> tuple[MarkPriceUpdate, ...]:
        """A mark-price update per symbol at the current prices, stamped ``now``."""
        now_ms = to_epoch_ms(now)
        with self._lock:
            return tuple(self._mark(spec, now_ms) for spec in self._specs.values())

    # -- internals (lock held) ------------------------------------------------------------

    def _move(self, spec: SymbolSpec, seconds: float) -> None:
        config, rng = self._config, self._rng
        hours = seconds * config.time_acceleration / 3600
        sigma = spec.volatility_per_hour * config.volatility_scale
        log_return = -0.5 * sigma * sigma * hours + sigma * math.sqrt(hours) * rng.gauss(0, 1)
        cascade = self._cascades.get(spec.symbol)
        if cascade is None:
            jump_chance = 1 - math.exp(-config.jumps_per_hour * hours)
            if rng.random() < jump_chance:
                cascade = _Cascade(rng.gauss(0, config.jump_size))
                self._cascades[spec.symbol] = cascade
        if cascade is not None:
            log_return += cascade.advance(seconds * config.time_acceleration, config)
            if cascade.done:
                del self._cascades[spec.symbol]
        self._prices[spec.symbol] *= math.exp(log_return)

    def _liquidate(self, spec: SymbolSpec, now_ms: int) -> list[ForceOrder]:
        price = self._prices[spec.symbol]
        return [
            _force_order(spec, position, price, now_ms)
            for position in self._books[spec.symbol].liquidate(price)
        ]

    def _open_position(self, spec: SymbolSpec, spread: float) -> None:
        config, rng = self._config, self._rng
        price = self._prices[spec.symbol]
        side: LiquidationSide = "long" if rng.random() < 0.5 else "short"
        leverage = rng.choices(config.leverage_levels, config.leverage_weights)[0]
        entry = price * math.exp(rng.gauss(0, spread))
        notional = max(spec.typical_notional * math.exp(rng.gauss(0, 1)), float(spec.min_notional))
        steps = max(1, math.ceil(notional / entry / float(spec.step_size)))
        position = Position.open(
            side, entry, leverage, steps * spec.step_size, config.maintenance_margin
        )
        # An entry so far from the price that it is already past its liquidation price
        # never happened.
        if (side == "long" and position.liquidation_price >= price) or (
            side == "short" and position.liquidation_price <= price
        ):
            return
        self._books[spec.symbol].add(position)

    def _mark(self, spec: SymbolSpec, now_ms: int) -> MarkPriceUpdate:
        price = self._prices[spec.symbol]
        mark = round_to_step(price, spec.tick_size).quantize(_MARK_DECIMALS)
        index = Decimal(price / (1 + self._config.index_premium)).quantize(_MARK_DECIMALS)
        return MarkPriceUpdate(
            symbol=spec.symbol,
            mark_price=mark,
            index_price=index,
            estimated_settle_price=index,
            funding_rate=self._config.funding_rate,
            next_funding_time_ms=next_funding_time_ms(now_ms),
            event_time_ms=now_ms,
        )


@dataclass(slots=True)
class _Cascade:
    """One liquidation cascade and its rebound, as log returns handed out step by step."""

    move: float  # the cascade's whole log return
    elapsed: float = 0.0  # market seconds since it began
    given: float = 0.0  # log return handed out so far
    done: bool = False

    def advance(self, seconds: float, config: MarketConfig) -> float:
        """The log return of the next ``seconds`` of market time."""
        self.elapsed += seconds
        length, rebound = config.cascade_seconds, config.rebound_seconds
        if self.elapsed <= length:
            # 1 - exp(-3 t / T): two thirds of the move in the first third, then a grind.
            share = (1 - math.exp(-3 * self.elapsed / length)) / (1 - math.exp(-3))
            target = self.move * share
        else:
            back = min(1.0, (self.elapsed - length) / rebound) if rebound > 0 else 1.0
            target = self.move * (1 - config.rebound_fraction * back)
            self.done = back >= 1.0
        step, self.given = target - self.given, target
        return step


def _force_order(spec: SymbolSpec, position: Position, price: float, now_ms: int) -> ForceOrder:
    # The liquidation order is a LIMIT IOC at the bankruptcy price: a SELL fills at or
    # above it, a BUY at or below it, at whatever the market offers.
    if position.side == "long":
        fill = max(price, position.bankruptcy_price)
    else:
        fill = min(price, position.bankruptcy_price)
    return ForceOrder(
        symbol=spec.symbol,
        side="SELL" if position.side == "long" else "BUY",
        order_type="LIMIT",
        time_in_force="IOC",
        quantity=position.quantity,
        price=round_to_step(position.bankruptcy_price, spec.tick_size),
        average_price=round_to_step(fill, spec.tick_size),
        status="FILLED",
        last_filled_quantity=position.quantity,
        filled_quantity=position.quantity,
        trade_time_ms=now_ms,
    )


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: exact and cheap for the small means a 100 ms tick produces.
    if mean <= 0:
        return 0
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
