"""``SimExchange``: the simulated Binance USDⓈ-M exchange, composed and driven.

It owns the market state (``SimMarket``), the market-stream WebSocket server and the loop
that connects them: every tick (100 ms of wall time by default) the market steps and its
throttled liquidations go to ``<symbol>@forceOrder`` and ``!forceOrder@arr`` subscribers;
every second the mark prices go to the ``@1s`` streams, every third second to the 3 s ones.
With a ``ReplayConfig`` a recorded file replaces the synthetic liquidations and moves the
market's prices instead. The REST half (``SimRestServer``) reads the same ``SimMarket``: every
tick it evaluates the account's triggers, resting limit orders and liquidations at the
current marks, and the account's own liquidations join the forceOrder streams. With
``venues`` (``bybit``, ``okx``) the same market's liquidations, every one before Binance's
throttle, also go to simulated Bybit and OKX streams (``bot.sim.venues``), one server each.
"""

from __future__ import annotations

import asyncio
import logging
import random
import string
import threading
from collections.abc import Sequence
from datetime import datetime

from bot.clock import Clock
from bot.domain import to_epoch_ms
from bot.sim.events import ForceOrder, MarkPriceUpdate
from bot.sim.faults import Faults
from bot.sim.market import MarketConfig, SimMarket
from bot.sim.recorded import read_recorder_csv
from bot.sim.replay import Replay, ReplayConfig
from bot.sim.rest import AccountConfig, Credentials, RestFaults, SimRestServer
from bot.sim.server import SimWsServer
from bot.sim.startable import Startable
from bot.sim.venues import VenueWsServer, venue_server

logger = logging.getLogger(__name__)

_SLOW_MARK_EVERY = 3  # the plain @markPrice streams update every 3 s, the @1s ones every 1 s
_TOKEN_ALPHABET = string.ascii_letters + string.digits
_TOKEN_LENGTH = 64  # Binance API keys and secrets are 64 characters


class SimExchange(Startable):
    """The simulated exchange: market (synthetic or replayed), market-stream server, REST API.

    Args:
        clock: the current UTC time; stamps every event and drives the market's steps.
        rng: the seed of all randomness (market and fault choices get their own streams).
        market: synthetic market settings (``None``: the defaults).
        replay: replay a recorded file instead of generating liquidations.
        faults: fault settings shared with the server (``None``: none, switchable later
            through ``faults``).
        host: the interface to listen on.
        port: the WebSocket port; 0 picks a free one.
        tick_seconds: wall-clock seconds between market steps.
        mark_interval_seconds: wall-clock seconds between rounds of the ``@1s`` mark-price
            streams (Binance: 1; tests may shorten it). The 3 s streams get every third.
        api_key: the API key the REST API accepts (``None``: a random-looking one from
            ``rng``).
        api_secret: its secret (``None``: likewise generated).
        rest_port: the REST port; 0 picks a free one.
        account: the simulated account's settings (``None``: 10,000 USDT, 20x, ...).
        rest_faults: REST fault settings (``None``: none, switchable through
            ``rest_faults``).
        venues: other venues to simulate from the same market (``bybit``, ``okx``).
        venue_idle_limit: seconds without a client ping before those venues close a
            socket (``None``: each venue's own, 20 s Bybit, 30 s OKX; tests shorten it).
    """

    def __init__(
        self,
        *,
        clock: Clock,
        rng: random.Random,
        market: MarketConfig | None = None,
        replay: ReplayConfig | None = None,
        faults: Faults | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        tick_seconds: float = 0.1,
        mark_interval_seconds: float = 1.0,
        api_key: str | None = None,
        api_secret: str | None = None,
        rest_port: int = 0,
        account: AccountConfig | None = None,
        rest_faults: RestFaults | None = None,
        venues: Sequence[str] = (),
        venue_idle_limit: float | None = None,
    ) -> None:
        """Build the parts; nothing runs until ``start()``."""
        if not (tick_seconds > 0 and mark_interval_seconds > 0):
            raise ValueError("tick_seconds and mark_interval_seconds must be positive")
        self._clock = clock
        self._tick = tick_seconds
        self._mark_interval = mark_interval_seconds
        # Separate streams, so switching faults on never changes the market's path.
        # Simulation randomness, not security: a seeded PRNG is the point.
        market_rng = random.Random(rng.getrandbits(64))  # noqa: S311
        server_rng = random.Random(rng.getrandbits(64))  # noqa: S311
        self._market = SimMarket(market if market is not None else MarketConfig(), rng=market_rng)
        self._server = SimWsServer(clock=clock, rng=server_rng, faults=faults, host=host, port=port)
        self._replay_config = replay
        self._replay: Replay | None = None
        if replay is not None:
            orders = read_recorder_csv(replay.path)
            self._replay = Replay(orders, replay, clock=clock, publish=self._publish_replayed)
        self._replay_started = False
        self._replayed_prices: dict[str, float] = {}
        self._liquidations_sent: dict[str, int] = {}
        self._counts_lock = threading.Lock()
        # Drawn after the market's and server's streams, so adding the REST half left the
        # market path of a given seed unchanged.
        self._rest = self._make_rest(
            random.Random(rng.getrandbits(64)),  # noqa: S311
            random.Random(rng.getrandbits(64)),  # noqa: S311
            api_key=api_key,
            api_secret=api_secret,
            account=account,
            faults=rest_faults,
            host=host,
            port=rest_port,
        )
        # Drawn last, and only when asked for, so the streams above keep their seeds.
        self._venues: dict[str, VenueWsServer] = {
            name: venue_server(name, symbols=self._market.symbols, clock=clock,
                               rng=random.Random(rng.getrandbits(64)),  # noqa: S311
                               idle_limit=venue_idle_limit, host=host)
            for name in dict.fromkeys(venues)
        }

    def _make_rest(
        self,
        token_rng: random.Random,
        rest_rng: random.Random,
        *,
        api_key: str | None,
        api_secret: str | None,
        account: AccountConfig | None,
        faults: RestFaults | None,
        host: str,
        port: int,
    ) -> SimRestServer:
        # Both tokens are drawn even when the caller gives them, so the streams after
        # them do not depend on it.
        key, secret = _token(token_rng), _token(token_rng)
        credentials = Credentials(
            api_key if api_key is not None else key,
            api_secret if api_secret is not None else secret,
        )
        return SimRestServer(
            market=self._market,
            clock=self._clock,
            rng=rest_rng,
            credentials=credentials,
            account=account,
            faults=faults,
            host=host,
            port=port,
            on_liquidation=self._own_liquidation,
            on_user_event=self._user_event,
        )

    # -- parts ----------------------------------------------------------------------------

    @property
    def market(self) -> SimMarket:
        """The shared market state (prices, symbol filters)."""
        return self._market

    @property
    def server(self) -> SimWsServer:
        """The market-stream WebSocket server (publish methods, stats, connections)."""
        return self._server

    @property
    def faults(self) -> Faults:
        """The live fault settings: change them at any time."""
        return self._server.faults

    def venue(self, name: str) -> VenueWsServer:
        """The simulated ``bybit`` or ``okx`` server (faults, stats, delivered totals).

        Raises:
            KeyError: that venue was not asked for.
        """
        return self._venues[name]

    @property
    def venues(self) -> list[str]:
        """The simulated venues besides Binance."""
        return list(self._venues)

    @property
    def rest(self) -> SimRestServer:
        """The REST API server (account, orders, ``signed_requests``, ``on_mark_prices``)."""
        return self._rest

    @property
    def rest_faults(self) -> RestFaults:
        """The live REST fault settings: change them at any time."""
        return self._rest.faults

    @property
    def rest_url(self) -> str:
        """``http://127.0.0.1:PORT``: the REST base a client points ccxt at."""
        return self._rest.rest_url

    @property
    def credentials(self) -> Credentials:
        """The API key and secret the REST API accepts."""
        return self._rest.credentials

    @property
    def replay(self) -> Replay | None:
        """The replay, in replay mode (``sent``, ``total``, ``wait()``)."""
        return self._replay

    @property
    def ws_url(self) -> str:
        """``ws://127.0.0.1:PORT/market``: the value for a client's ``ws_base_url``."""
        return self._server.ws_url

    @property
    def port(self) -> int:
        """The WebSocket port (valid once started)."""
        return self._server.port

    def describe(self) -> dict[str, object]:
        """What a client needs to connect: ``rest_url``, ``ws_url``, ``api_key``,
        ``api_secret``, the mode and the symbols."""
        return {
            "rest_url": self.rest_url,
            "ws_url": self.ws_url,
            "api_key": self.credentials.api_key,
            "api_secret": self.credentials.api_secret,
            "mode": "synthetic" if self._replay is None else "replay",
            "symbols": list(self._market.symbols),
            **self._venue_urls(),
        }

    def _venue_urls(self) -> dict[str, str]:
        urls: dict[str, str] = {}
        if "bybit" in self._venues:
            urls["bybit_ws_url"] = self._venues["bybit"].ws_url
        if "okx" in self._venues:
            urls["okx_ws_url"] = self._venues["okx"].ws_url
            urls["okx_rest_url"] = self._venues["okx"].base_url
        return urls

    def liquidations_sent(self) -> dict[str, int]:
        """Liquidation events sent so far per symbol (synthetic or replayed)."""
        with self._counts_lock:
            return dict(self._liquidations_sent)

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Start both servers and the market loop (and the replay, if it autostarts)."""
        self._rest.start()
        try:
            self._server.start()
        except BaseException:
            self._rest.stop()
            raise
        try:
            for venue in self._venues.values():
                venue.start()
        except BaseException:
            self.stop()
            raise
        self._server.run_background(self._drive())
        if self._replay_config is not None and self._replay_config.autostart:
            self.start_replay()
        # The credentials are secrets like any others: ``bot sim`` prints them on stdout for
        # the user, the log never holds them.
        shown = {key: "***" if key in ("api_key", "api_secret") else value
                 for key, value in self.describe().items()}
        logger.info("simulated exchange running: %s", shown)

    def start_replay(self) -> None:
        """Start the replay now (replay mode with ``autostart=False``)."""
        if self._replay is None:
            raise RuntimeError("no replay configured")
        if self._replay_started:
            raise RuntimeError("the replay has already started")
        self._replay_started = True
        self._server.run_background(self._replay.run())

    def wait_replay(self, timeout: float | None = None) -> bool:
        """Block until every replayed row has been handed to the server; false on timeout."""
        if self._replay is None:
            raise RuntimeError("no replay configured")
        return self._replay.wait(timeout)

    def stop(self) -> None:
        """Stop the market loop and both servers, closing every connection, within ~2 s."""
        try:
            self._server.stop()
        finally:
            self._rest.stop()
            for venue in self._venues.values():
                venue.stop()

    # -- the loop (runs on the server's event loop) ---------------------------------------

    async def _drive(self) -> None:
        loop = asyncio.get_running_loop()
        next_mark = loop.time()
        rounds = 0
        while True:
            now = self._clock()
            if self._replay is None:
                update = self._market.step(now)
                for order in update.liquidations:
                    self._send_order(order, update.event_time_ms)
                for venue in self._venues.values():
                    venue.publish(update.every_liquidation)
            self._evaluate_account()
            if loop.time() >= next_mark:
                marks = self._mark_prices(now)
                self._server.publish_mark_prices(marks, 1)
                if rounds % _SLOW_MARK_EVERY == 0:
                    self._server.publish_mark_prices(marks, 3)
                rounds += 1
                # Skip missed seconds after a stall of the loop rather than bursting.
                interval = self._mark_interval
                next_mark = max(next_mark + interval, loop.time() + interval / 2)
            await asyncio.sleep(min(self._tick, max(next_mark - loop.time(), 0.0)))

    def _mark_prices(self, now: datetime) -> list[MarkPriceUpdate]:
        now_ms = to_epoch_ms(now)
        marks = list(self._market.mark_prices(now))
        marks += [
            MarkPriceUpdate.at(symbol, price, now_ms)
            for symbol, price in self._replayed_prices.items()
        ]
        return marks

    def _send_order(self, order: ForceOrder, event_time_ms: int | None) -> None:
        self._server.publish_order(order, event_time_ms)
        with self._counts_lock:
            count = self._liquidations_sent.get(order.symbol, 0)
            self._liquidations_sent[order.symbol] = count + 1

    def _evaluate_account(self) -> None:
        # A failure in the REST half must not stop the market loop the streams depend on.
        try:
            self._rest.on_mark_prices()
        except Exception:
            logger.exception("simulated account evaluation failed")

    def _user_event(self, listen_key: str, payload: dict[str, object]) -> None:
        # The user-data stream rides on the same WebSocket server, under /private/ws/<key>.
        if self._server.running:
            self._server.publish_event(listen_key, payload)

    def _own_liquidation(self, order: ForceOrder) -> None:
        # Binance streams the account's own liquidations like anyone's. Synthetic mode
        # routes them through the market's 1 s throttle; a replay has no throttle to join.
        if self._replay is None:
            self._market.inject(order)
        else:
            self._send_order(order, None)

    def _publish_replayed(self, order: ForceOrder) -> None:
        self._send_order(order, None)
        fill = order.average_price if order.average_price > 0 else order.price
        if order.symbol in self._market.symbols:
            self._market.set_price(order.symbol, float(fill))
        else:
            self._replayed_prices[order.symbol] = float(fill)


def _token(rng: random.Random) -> str:
    return "".join(rng.choices(_TOKEN_ALPHABET, k=_TOKEN_LENGTH))
