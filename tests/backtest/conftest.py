"""Fixtures of the backtest tests: the market-data stores and simulator recording."""

from tests.marketdata.conftest import sim_db, store

__all__ = ["sim_db", "store"]
