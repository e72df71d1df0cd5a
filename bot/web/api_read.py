"""Read endpoints: health, status, heatmap, price history, trades, signals, equity."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query

from bot.symbols import to_exchange_id
from bot.web.deps import Context
from bot.web.schemas import (
    EquityPoint,
    ErrorOut,
    HealthOut,
    HeatmapOut,
    Layer,
    PriceHistoryOut,
    SignalOut,
    StatusOut,
    TradeOut,
)
from bot.web.views import UnknownSymbol

router = APIRouter(prefix="/api/v1", tags=["read"])

# A Binance id (BTCUSDT) or a ccxt unified id (BTC/USDT:USDT); anything else is FastAPI's 422.
SYMBOL_PATTERN = r"^[A-Za-z0-9]{1,30}(/[A-Za-z0-9]{1,15}(:[A-Za-z0-9]{1,15})?)?$"
SymbolPath = Annotated[str, Path(pattern=SYMBOL_PATTERN,
                                 description="BTCUSDT or BTC/USDT:USDT")]
Limit = Annotated[int, Query(ge=1, le=5000)]
SymbolQuery = Annotated[str | None, Query(pattern=SYMBOL_PATTERN)]
_NOT_FOUND: dict[int | str, dict[str, object]] = {404: {"model": ErrorOut}}


@router.get("/health")
def health(context: Context) -> HealthOut:
    """``{"status": "ok", ...}`` with the liquidation stream's health (per venue)."""
    return context.views.health(context.now())


@router.get("/status")
def status(context: Context) -> StatusOut:
    """Mode, symbols, equity, balance, positions, and whether (and why) entries are paused."""
    return context.views.status(context.now(), context.control_enabled)


@router.get("/heatmap/{symbol:path}", responses=_NOT_FOUND)
async def heatmap(symbol: SymbolPath, context: Context,
                  layer: Annotated[Layer, Query()] = "realized") -> HeatmapOut:
    """The symbol's liquidation levels, strongest first, with the current price.

    Served on the event loop (no worker-thread hop): the heatmap's published clusters are an
    in-memory read of microseconds, and this is the endpoint dashboards poll hardest.
    """
    try:
        return context.views.heatmap(symbol, layer)
    except UnknownSymbol as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("/prices/{symbol:path}", responses=_NOT_FOUND)
def prices(symbol: SymbolPath, context: Context) -> PriceHistoryOut:
    """Mark prices sampled once a second since the server started (oldest first)."""
    try:
        return PriceHistoryOut(symbol=to_exchange_id(symbol), points=context.views.prices(symbol))
    except UnknownSymbol as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("/trades")
def trades(context: Context, limit: Limit = 200, symbol: SymbolQuery = None) -> list[TradeOut]:
    """The newest trades (the objects of ``bot journal --format json``), oldest first."""
    return context.views.trades(limit, None if symbol is None else to_exchange_id(symbol))


@router.get("/signals")
def signals(context: Context, limit: Limit = 200,
            symbol: SymbolQuery = None) -> list[SignalOut]:
    """The newest signals with their outcome (entered, rejected, ignored) and reason."""
    return context.views.signals(limit, None if symbol is None else to_exchange_id(symbol))


@router.get("/equity")
def equity(context: Context, limit: Limit = 2000) -> list[EquityPoint]:
    """The equity curve: the newest journaled snapshots, oldest first."""
    return context.views.equity(limit)
