"""The HTTP side of the bot: a JSON API and the dashboard page, served from inside ``bot run``.

What it offers:

* ``build_app(views, control, options)``: the FastAPI application (read routers, control
  routers behind a Bearer token, server-sent events, ``/metrics``, the static page).
* ``LiveViews`` (a running bot's read-only views) and ``JournalViews`` (a journal alone, for
  ``bot dashboard``), both ``DashboardViews``; ``BotControl`` is what control needs.
* ``WebServer``: uvicorn on its own thread, restarted if it dies, never stopping trading.
* ``check_bind(host, token)``: refuses a non-loopback bind without a token.
"""

from bot.web.app import WebOptions, build_app
from bot.web.security import check_bind, is_loopback
from bot.web.server import WebServer
from bot.web.views import BotControl, DashboardViews, JournalViews, LiveViews

__all__ = [
    "BotControl",
    "DashboardViews",
    "JournalViews",
    "LiveViews",
    "WebOptions",
    "WebServer",
    "build_app",
    "check_bind",
    "is_loopback",
]
