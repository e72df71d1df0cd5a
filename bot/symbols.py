"""Symbol names: Binance ids (``BTCUSDT``) and ccxt unified ids (``BTC/USDT:USDT``)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from functools import lru_cache

_QUOTES = ("USDT", "USDC", "FDUSD", "BUSD")


# Cached: called for every price and event (a backtest: millions of times) with a handful
# of names; bounded so junk names from a bad stream cannot grow it.
@lru_cache(maxsize=4096)
def to_exchange_id(symbol: str) -> str:
    """Return the Binance id for ``symbol``: ``'BTC/USDT:USDT'`` → ``'BTCUSDT'``.

    Accepts either form (and lower case); raises ``ValueError`` for an empty name.
    """
    text = symbol.strip().upper()
    if not text:
        raise ValueError("empty symbol")
    if "/" in text:
        base, _, rest = text.partition("/")
        quote = rest.split(":", 1)[0]
        if not base or not quote:
            raise ValueError(f"malformed symbol {symbol!r}")
        return base + quote
    return text


def to_unified(symbol: str) -> str:
    """Return the ccxt unified linear-perpetual id: ``'BTCUSDT'`` → ``'BTC/USDT:USDT'``."""
    exchange_id = to_exchange_id(symbol)
    for quote in _QUOTES:
        if exchange_id.endswith(quote) and len(exchange_id) > len(quote):
            base = exchange_id[: -len(quote)]
            return f"{base}/{quote}:{quote}"
    raise ValueError(f"cannot tell the quote currency of {symbol!r}")


def unlisted_symbols(wanted: Iterable[str], listed: Iterable[str]) -> list[tuple[str, list[str]]]:
    """The ``wanted`` symbols that are not ``listed``, each with up to three closest listed ids.

    Both sides are compared as Binance ids, so ``BTC/USDT:USDT`` matches ``BTCUSDT``.
    """
    known = sorted({to_exchange_id(s) for s in listed})
    return [(symbol, difflib.get_close_matches(symbol, known, n=3, cutoff=0.5))
            for symbol in (to_exchange_id(s) for s in wanted) if symbol not in known]
