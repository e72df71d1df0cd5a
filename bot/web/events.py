"""Server-sent events: ``status``, ``heatmap`` and ``trade`` pushed to the page.

Every ``interval`` seconds (at most ``heatmap.update_interval``) a client receives one
``status`` event, one ``heatmap`` event per requested symbol (both layers) and a ``trade``
event for every trade opened or closed since its last tick (all recent trades at first).
A comment line keeps proxies from closing a quiet stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import TypeAdapter
from starlette.concurrency import run_in_threadpool

from bot.web.deps import Context, WebContext
from bot.web.schemas import TradeOut
from bot.web.views import UnknownSymbol

router = APIRouter(prefix="/api/v1", tags=["events"])

RECENT_TRADES = 50
_TRADE = TypeAdapter(TradeOut)


def sse(event: str, data: str) -> str:
    """One server-sent event (``data`` is one line of JSON)."""
    return f"event: {event}\ndata: {data}\n\n"


def _tick(context: WebContext, symbols: list[str], seen: dict[int, str]) -> list[str]:
    """The events of one tick (runs on a worker thread: views take locks and read the DB)."""
    views = context.views
    out = [sse("status", views.status(context.now(), context.control_enabled)
               .model_dump_json())]
    for symbol in symbols:
        try:
            out.append(sse("heatmap", views.heatmap(symbol, "both").model_dump_json()))
        except UnknownSymbol:
            continue
    for trade in views.trades(RECENT_TRADES, None):
        if seen.get(trade.id) != trade.status:
            seen[trade.id] = trade.status
            out.append(sse("trade", _TRADE.dump_json(trade).decode()))
    return out


async def _stream(request: Request, context: WebContext,
                  symbols: list[str]) -> AsyncIterator[str]:
    seen: dict[int, str] = {}
    yield f"retry: {int(context.events_interval * 1000) + 1000}\n\n"
    while not await request.is_disconnected():
        for event in await run_in_threadpool(_tick, context, symbols, seen):
            yield event
        yield ": keep-alive\n\n"
        await asyncio.sleep(context.events_interval)


@router.get("/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}})
def events(request: Request, context: Context,
           symbol: Annotated[list[str] | None, Query(max_length=100)] = None
           ) -> StreamingResponse:
    """A ``text/event-stream`` of ``status``, ``heatmap`` and ``trade`` events.

    ``symbol`` (repeatable) picks the heatmaps sent; none: every traded symbol.
    """
    symbols = symbol if symbol else context.views.symbols()
    return StreamingResponse(
        _stream(request, context, symbols), media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
