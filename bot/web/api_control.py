"""Control endpoints: pause, resume, kill switch, close a position; Bearer token, rate limit.

Order of refusal: 403 while control is off (no ``web.token``, or a journal-only dashboard),
429 over the per-client rate limit (failed attempts count, so a token cannot be guessed
quickly), 401 for a missing or wrong token. Each action goes through the bot's own path
(``TradingLoop``), which journals it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Body, Header, HTTPException, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from bot.web.api_read import SYMBOL_PATTERN
from bot.web.deps import Context, WebContext
from bot.web.schemas import ActionOut, ErrorOut
from bot.web.security import AuthFailure, check_bearer
from bot.web.views import BotControl

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["control"])

_REFUSALS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorOut} for code in (401, 403, 404, 429, 502)}


class ActionIn(BaseModel):
    """Optional body of a control request: why (kept in the journal)."""

    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=200)


Reason = Annotated[ActionIn | None, Body()]
Authorization = Annotated[str | None, Header()]


def _authorize(request: Request, context: WebContext, authorization: str | None) -> BotControl:
    """The control port, or the HTTP refusal."""
    client = request.client.host if request.client else "unknown"
    try:
        if context.control is None:
            raise AuthFailure(403, "control is disabled: this dashboard is read-only")
        if not context.token:
            raise AuthFailure(403, "control is disabled: no web.token configured")
        if not context.limiter.allow(client):
            raise AuthFailure(429, "too many control requests: try again in a minute")
        check_bearer(context.token, authorization)
    except AuthFailure as refusal:
        log.warning("web control %s %s from %s refused: %s", request.method, request.url.path,
                    client, refusal.detail)
        raise HTTPException(refusal.status, refusal.detail) from None
    return context.control


def _why(request: Request, body: ActionIn | None, action: str) -> str:
    client = request.client.host if request.client else "unknown"
    text = body.reason if body is not None and body.reason else action
    return f"{text} (web API, {client})"


@dataclass(frozen=True, slots=True)
class _Switch:
    """One control action that takes only a reason: its path, what it does, its answer."""

    path: str
    action: str
    act: Callable[[BotControl, str], None]
    detail: str
    doc: str


_SWITCHES = (
    _Switch("/pause", "pause", lambda c, why: c.pause_entries(why), "new entries paused",
            "Take no new entries; open positions keep their stops and exits."),
    _Switch("/resume", "resume", lambda c, why: c.resume_entries(why), "operator pause lifted",
            "Lift the operator's pause (health pauses and the kill switch still hold)."),
    _Switch("/kill-switch", "kill-switch", lambda c, why: c.set_kill_switch(True, why),
            "kill switch on",
            "Turn the risk kill switch on: every entry refused, durably (survives a restart)."),
)


def _switch_endpoint(switch: _Switch) -> Callable[..., ActionOut]:
    def endpoint(request: Request, context: Context, authorization: Authorization = None,
                 body: Reason = None) -> ActionOut:
        control = _authorize(request, context, authorization)
        switch.act(control, _why(request, body, switch.action))
        return ActionOut(ok=True, action=switch.action, detail=switch.detail)

    endpoint.__doc__ = switch.doc
    return endpoint


for _s in _SWITCHES:
    router.add_api_route(_s.path, _switch_endpoint(_s), methods=["POST"], responses=_REFUSALS,
                         name=_s.action, response_model=ActionOut)


@router.delete("/kill-switch", responses=_REFUSALS)
def release_kill_switch(request: Request, context: Context,
                        authorization: Authorization = None) -> ActionOut:
    """Turn the stored kill switch off (one set in the configuration stays on)."""
    control = _authorize(request, context, authorization)
    control.set_kill_switch(False, _why(request, None, "kill switch released"))
    return ActionOut(ok=True, action="kill-switch", detail="kill switch off")


@router.post("/positions/{symbol:path}/close", responses=_REFUSALS)
def close_position(request: Request, context: Context,
                   symbol: Annotated[str, Path(pattern=SYMBOL_PATTERN)],
                   authorization: Authorization = None, body: Reason = None) -> ActionOut:
    """Close the symbol's open position at market through the venue (journaled as ``manual``)."""
    control = _authorize(request, context, authorization)
    try:
        outcome = control.close_position(symbol, _why(request, body, "close"))
    except ValueError:
        raise HTTPException(404, f"{symbol}: not a symbol") from None
    if outcome == "no_position":
        raise HTTPException(404, f"{symbol}: no open position")
    if outcome == "failed":
        raise HTTPException(502, f"{symbol}: the venue did not close it (see the journal)")
    return ActionOut(ok=True, action="close", detail=f"{symbol} closed")
