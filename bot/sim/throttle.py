"""Binance's liquidation-stream throttle: per symbol, the latest order of each window."""

from __future__ import annotations

from bot.sim.events import ForceOrder


class LiquidationThrottle:
    """Keeps, per symbol, only the latest liquidation offered in each time window.

    Windows are fixed (``[k × window_ms, (k + 1) × window_ms)`` of the time the order is
    offered) and an order is released once its window has ended: Binance pushes "only the
    latest one liquidation order within 1000 ms" and nothing when there was none.

    Args:
        window_ms: the window length in milliseconds (Binance: 1000).
    """

    def __init__(self, window_ms: int = 1_000) -> None:
        """Create an empty throttle."""
        if window_ms <= 0:
            raise ValueError("window_ms must be positive")
        self._window_ms = window_ms
        self._pending: dict[str, tuple[int, ForceOrder]] = {}
        self._ready: list[ForceOrder] = []

    def offer(self, order: ForceOrder, now_ms: int) -> None:
        """Offer ``order`` at ``now_ms``; it replaces an earlier one from the same window."""
        window = now_ms // self._window_ms
        held = self._pending.get(order.symbol)
        if held is not None and held[0] < window:
            # The held order's window is over even if nobody flushed it yet: it is released.
            self._ready.append(held[1])
        self._pending[order.symbol] = (window, order)

    def flush(self, now_ms: int) -> tuple[ForceOrder, ...]:
        """Release the orders whose window ended by ``now_ms``, in the order they were held."""
        window = now_ms // self._window_ms
        released = self._ready
        self._ready = []
        for symbol, (held_window, order) in list(self._pending.items()):
            if held_window < window:
                released.append(order)
                del self._pending[symbol]
        return tuple(released)
