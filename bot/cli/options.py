"""Checks shared by the commands' options: a bad value is refused while arguments are parsed.

Typer callbacks raise ``typer.BadParameter``, which ``bot.cli.app.main`` prints as one line
(``error: Invalid value for '--symbol': ...``) with exit code 2.
"""

from __future__ import annotations

import typer


def check_symbols(value: str | None) -> str | None:
    """``--symbols``: comma-separated ids (``BTCUSDT,ETH/USDT:USDT``), passed on as given."""
    if value is not None:
        _parse(value)
    return value


def check_bot_id(value: str | None) -> str | None:
    """``--bot-id``: a bot id as ``run.bot_id`` takes it."""
    from bot.settings import parse_bot_id

    if value is None:
        return None
    try:
        return parse_bot_id(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def check_symbol(value: str | None) -> str | None:
    """``--symbol``: exactly one id, returned as the Binance id (``BTC/USDT:USDT`` → BTCUSDT)."""
    if value is None:
        return None
    symbols = _parse(value)
    if len(symbols) != 1:
        raise typer.BadParameter(f"expected one symbol, got {len(symbols)}: {value!r}")
    return symbols[0]


def _parse(value: str) -> list[str]:
    from bot.settings import parse_symbols

    try:
        return parse_symbols(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
