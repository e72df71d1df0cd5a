"""OKX v5 public ``liquidation-orders`` (``instType`` ``SWAP``) as a ``VenueSource``.

One subscription carries every swap (no per-instrument filter); the source keeps the wanted
symbols and skips the rest. A message may hold several instruments, each with several
``details``: every one is taken. ``side`` is the liquidation order's side (``sell`` = a long
liquidated; ``posSide`` ``long``/``short`` when ``side`` is missing); ``sz`` is in contracts,
turned into base-asset quantity with the instrument's ``ctVal`` from
``GET /api/v5/public/instruments?instType=SWAP`` (fetched before connecting, again daily).
Only USDT-margined linear swaps (``BTC-USDT-SWAP`` → ``BTCUSDT``) are taken: ``-USD-``
instruments are coin-margined. The server drops a socket that sends no ``ping`` for 30 s.
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.request
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import orjson

from bot.heatmap.parse import (
    MalformedEvent,
    ParsedFrame,
    Row,
    epoch_ms_field,
    fast_positive,
    number_field,
)
from bot.heatmap.sources.base import decode_object, keepalive_interval, parse_items
from bot.heatmap.stream import Heartbeat

log = logging.getLogger(__name__)

DEFAULT_OKX_WS_URL = "wss://ws.okx.com:8443/ws/v5/public"
DEFAULT_OKX_REST_URL = "https://www.okx.com"
INSTRUMENTS_PATH = "/api/v5/public/instruments?instType=SWAP"
CHANNEL = "liquidation-orders"
IDLE_LIMIT_SECONDS = 30.0
"""OKX closes a socket whose client sent nothing for this long."""
_HEARTBEAT_EVERY = 20.0  # OKX: ping when nothing was received for < 30 s
_REFRESH_SECONDS = 86_400.0
_USDT_SWAP = "-USDT-SWAP"
_SUBSCRIBE = orjson.dumps(
    {"op": "subscribe", "args": [{"channel": CHANNEL, "instType": "SWAP"}]}
).decode()

# True = a long liquidated: a sell order closes a long.
_LONG_BY_ORDER_SIDE: dict[str, bool] = {"sell": True, "buy": False}
_LONG_BY_POSITION_SIDE: dict[str, bool] = {"long": True, "short": False}
_CONTROL = ParsedFrame(control=True)

Fetch = Callable[[str], bytes]
"""GET a URL and return the body (injectable; the default uses urllib)."""


def okx_symbol(inst_id: str) -> str | None:
    """``BTC-USDT-SWAP`` → ``BTCUSDT``; None for anything but a USDT-margined swap."""
    if not inst_id.endswith(_USDT_SWAP):
        return None
    base = inst_id[: -len(_USDT_SWAP)]
    return base + "USDT" if base and "-" not in base else None


def contract_values(payload: Any) -> dict[str, float]:
    """Symbol → ``ctVal`` of the live USDT-margined linear swaps in an instruments reply."""
    if not isinstance(payload, dict) or str(payload.get("code")) != "0":
        raise ValueError(f"OKX instruments: unexpected reply {str(payload)[:120]}")
    values: dict[str, float] = {}
    for item in payload.get("data") or []:
        if not isinstance(item, dict) or item.get("ctType", "linear") != "linear":
            continue
        if item.get("settleCcy", "USDT") != "USDT" or item.get("state", "live") != "live":
            continue
        symbol = okx_symbol(str(item.get("instId", "")))
        try:
            ct_val = float(item.get("ctVal", ""))
        except ValueError:
            continue
        if symbol is not None and 0 < ct_val < float("inf"):
            values[symbol] = ct_val
    return values


def parse_okx_frame(
    raw: str | bytes, ct_val: Mapping[str, float], symbols: Collection[str] | None = None
) -> ParsedFrame:
    """Parse one OKX public frame: a ``liquidation-orders`` push, a control reply or ``pong``.

    Args:
        raw: the frame's text.
        ct_val: contract value per symbol (``contract_values``).
        symbols: the wanted symbols; None takes every USDT-margined swap.

    Returns:
        Every detail of every wanted instrument as a ``Liquidation`` (venue ``okx``); a detail
        that is malformed, or an instrument whose contract size is unknown, counts as an error.
    """
    if raw == "pong" or raw == b"pong":
        return _CONTROL
    payload = decode_object(raw)
    if isinstance(payload, ParsedFrame):
        return payload
    event = payload.get("event")
    if event is not None:
        if event == "error":
            return ParsedFrame(errors=1, error_detail=f"okx error {payload.get('msg')!r:.80}")
        return _CONTROL
    arg, items = payload.get("arg"), payload.get("data")
    if not isinstance(arg, dict) or arg.get("channel") != CHANNEL:
        return ParsedFrame(errors=1, error_detail="not a liquidation-orders push")
    if not isinstance(items, list) or not items:
        return ParsedFrame(errors=1, error_detail="liquidation-orders without data")
    return parse_items(items, lambda item: _instrument(item, ct_val, symbols), "okx")


def _instrument(item: Any, ct_val: Mapping[str, float],
                symbols: Collection[str] | None) -> list[Row]:
    """The details of one instrument of a push (raises for a malformed one)."""
    if not isinstance(item, dict) or not isinstance(item.get("details"), list):
        raise MalformedEvent("liquidation-orders item without details")
    symbol = okx_symbol(str(item.get("instId", "")))
    if symbol is None or (symbols is not None and symbol not in symbols):
        return []  # coin-margined, USDC, or a symbol nobody asked for
    size = ct_val.get(symbol)
    if size is None:
        raise MalformedEvent(f"no contract size known for {item.get('instId')!r}")
    out: list[Row] = []
    for entry in item["details"]:
        if not isinstance(entry, dict):
            raise MalformedEvent("liquidation-orders detail is not an object")
        is_long = _LONG_BY_ORDER_SIDE.get(str(entry.get("side")))
        if is_long is None:
            is_long = _LONG_BY_POSITION_SIDE.get(str(entry.get("posSide")))
            if is_long is None:
                raise MalformedEvent(
                    f"okx side {entry.get('side')!r} / {entry.get('posSide')!r}")
        price = fast_positive(entry.get("bkPx")) or number_field(entry, "bkPx")
        contracts = fast_positive(entry.get("sz")) or number_field(entry, "sz")
        out.append((symbol, is_long, price, contracts * size, epoch_ms_field(entry, "ts")))
    return out


def _urllib_get(url: str) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"heatmap.okx_rest_url must be http(s), got {url!r}")
    with urllib.request.urlopen(url, timeout=10) as reply:  # noqa: S310 - scheme checked
        body: bytes = reply.read()
        return body


class OkxSource:
    """OKX's ``liquidation-orders`` channel with contract sizes from the REST API."""

    name = "okx"

    def __init__(self, ws_url: str = DEFAULT_OKX_WS_URL, rest_url: str = DEFAULT_OKX_REST_URL,
                 *, fetch: Fetch = _urllib_get, clock: Callable[[], float] = time.monotonic,
                 ) -> None:
        """Use ``ws_url`` and ``rest_url`` (OKX's or a simulator's); ``fetch`` does the GET."""
        self._ws_url = ws_url
        self._instruments_url = rest_url.rstrip("/") + INSTRUMENTS_PATH
        self._fetch = fetch
        self._clock = clock
        self._ct_val: Mapping[str, float] = {}
        self._fetched_at: float | None = None
        self._symbols: frozenset[str] | None = None
        self._refreshing = threading.Lock()

    @property
    def contract_values(self) -> Mapping[str, float]:
        """The contract sizes in use, per symbol."""
        return self._ct_val

    def url(self, symbols: Sequence[str]) -> str:
        """The public endpoint; also remembers which symbols to keep."""
        self._symbols = frozenset(symbols) if symbols else None
        return self._ws_url

    def subscribe_frames(self, symbols: Sequence[str]) -> list[str]:
        """The one ``liquidation-orders`` SWAP subscription (it has no instrument filter)."""
        self._symbols = frozenset(symbols) if symbols else None
        return [_SUBSCRIBE]

    def heartbeat(self, silence_timeout: float) -> Heartbeat | None:
        """The text ``ping``, inside OKX's 30 s limit and the silence watchdog's."""
        return Heartbeat("ping", keepalive_interval(_HEARTBEAT_EVERY, silence_timeout))

    def prepare(self) -> None:
        """Fetch the contract sizes when none are held or they are a day old."""
        fetched = self._fetched_at
        if fetched is not None and self._clock() - fetched < _REFRESH_SECONDS:
            return
        self.refresh_contracts()

    def refresh_contracts(self) -> None:
        """Fetch the contract sizes now; on failure the previous ones stay (and it raises)."""
        with self._refreshing:
            values = contract_values(orjson.loads(self._fetch(self._instruments_url)))
            self._ct_val = values
            self._fetched_at = self._clock()
        log.info("okx: contract sizes of %d USDT swaps loaded", len(values))

    def parse(self, raw: str | bytes) -> ParsedFrame:
        """``parse_okx_frame`` with the held contract sizes and wanted symbols."""
        fetched = self._fetched_at
        if fetched is not None and self._clock() - fetched >= _REFRESH_SECONDS:
            self._refresh_in_background()
        return parse_okx_frame(raw, self._ct_val, self._symbols)

    def _refresh_in_background(self) -> None:
        if self._refreshing.locked():
            return
        # Marked fresh first so one stale moment starts one refresh, not one per frame.
        self._fetched_at = self._clock()

        def refresh() -> None:
            try:
                self.refresh_contracts()
            except Exception:
                log.exception("okx: daily contract-size refresh failed; keeping the old ones")

        threading.Thread(target=refresh, name="okx-instruments", daemon=True).start()
