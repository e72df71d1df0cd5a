"""The paper venue: simulated fills on mark prices behind the execution port.

Offers ``PaperExecution`` (market fills at the mark moved by slippage, taker fees, balance,
positions, stops and take profits on mark updates, resumable from the journal) and its
``PaperConfig``. Nothing here reaches ccxt or ``bot.exchange``: paper mode cannot send an
order.
"""

from bot.execution.paper.config import PaperConfig
from bot.execution.paper.venue import PaperExecution

__all__ = ["PaperConfig", "PaperExecution"]
