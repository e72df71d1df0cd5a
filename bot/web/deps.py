"""FastAPI dependencies: the running bot's views, control port and options, from app state.

``build_app`` puts them on ``app.state`` once; routers receive them through ``Depends`` so no
router imports a global.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from bot.clock import Clock, utc_now
from bot.web.security import RateLimiter
from bot.web.views import BotControl, DashboardViews


@dataclass(frozen=True)
class WebContext:
    """What the routers share: views, control (None: read-only), token, limits, clock."""

    views: DashboardViews
    control: BotControl | None
    token: str | None
    limiter: RateLimiter
    events_interval: float
    clock: Clock = field(default=utc_now)

    @property
    def control_enabled(self) -> bool:
        """Whether control endpoints can act (a token and a running bot)."""
        return self.control is not None and bool(self.token)

    def now(self) -> datetime:
        """The current UTC time."""
        return self.clock()


def get_context(request: Request) -> WebContext:
    """The application's ``WebContext``."""
    context: WebContext = request.app.state.context
    return context


Context = Annotated[WebContext, Depends(get_context)]
