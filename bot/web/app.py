"""The FastAPI application: read, control, events and metrics routers, and the page.

No CORS middleware (the page is served from the same origin; other origins get nothing), no
Swagger UI (it loads from a CDN); the schema is at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from bot.clock import Clock, utc_now
from bot.web import api_control, api_read, events, metrics
from bot.web.deps import WebContext
from bot.web.metrics import JournalCounters, build_registry
from bot.web.report_page import report_router
from bot.web.security import RateLimiter
from bot.web.views import BotControl, DashboardViews

log = logging.getLogger(__name__)

SAMPLE_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class WebOptions:
    """How the application behaves (from ``web.*`` and ``heatmap.update_interval``)."""

    token: str | None = None
    control_rate_per_minute: int = 30
    events_interval: float = 1.0
    title: str = "liquidation bot"
    backtest_dir: Path | None = None  # a ``bot backtest --out`` folder served at /backtest


def build_app(views: DashboardViews, control: BotControl | None, options: WebOptions, *,
              counters: JournalCounters | None = None, clock: Clock = utc_now) -> FastAPI:
    """The application over ``views``; ``control`` None makes it read-only (403)."""
    context = WebContext(
        views=views, control=control, token=options.token,
        limiter=RateLimiter(options.control_rate_per_minute),
        events_interval=options.events_interval, clock=clock,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        sampler = asyncio.create_task(_sample_prices(context))
        try:
            yield
        finally:
            sampler.cancel()

    app = FastAPI(
        title=options.title, version="1", lifespan=lifespan,
        openapi_url="/api/v1/openapi.json", docs_url=None, redoc_url=None,
    )
    app.state.context = context
    app.state.registry = build_registry(context, counters)
    for module in (api_read, api_control, events, metrics):
        app.include_router(module.router)
    if options.backtest_dir is not None:
        app.include_router(report_router(options.backtest_dir))
    static = resources.files("bot.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    page = (static / "index.html").read_text(encoding="utf-8")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> HTMLResponse:
        """The dashboard page."""
        return HTMLResponse(page, headers={"Cache-Control": "no-cache"})

    return app


async def _sample_prices(context: WebContext) -> None:
    """Record prices once a second for the chart's history (failures logged, never fatal)."""
    while True:
        try:
            await run_in_threadpool(context.views.sample, context.now())
        except Exception:  # a failed sample loses one point, never the server
            log.exception("price sample failed")
        await asyncio.sleep(SAMPLE_SECONDS)
