"""Backtest runs of an optimisation (``bot optimize``): each trial's settings and result."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.journal.models import BacktestRunRow
from bot.journal.store import JournalStore


@dataclass(frozen=True, slots=True)
class BacktestRunRecord:
    """One journaled trial: ``settings`` its overrides, ``result`` its report's figures."""

    id: int
    created_at: datetime
    study: str
    trial: int
    period: str
    start: datetime
    end: datetime
    settings: dict[str, Any]
    result: dict[str, Any]
    net_pnl: float


class BacktestRunStore(JournalStore):
    """Writes and reads ``backtest_runs``."""

    def record_backtest_run(self, *, study: str, trial: int, period: str, start: datetime,
                            end: datetime, settings: Mapping[str, Any],
                            result: Mapping[str, Any], net_pnl: float) -> int:
        """Journal one trial's backtest (``period``: ``train``, ``test`` or ``full``)."""
        return self._insert(BacktestRunRow(
            created_at=self._clock(), study=study, trial=trial, period=period, start=start,
            end=end, settings=json.dumps(dict(settings), sort_keys=True),
            result=json.dumps(dict(result), sort_keys=True), net_pnl=net_pnl))

    def list_backtest_runs(self, study: str | None = None) -> list[BacktestRunRecord]:
        """Journaled trials (of one ``study``), in the order they were written."""
        query = select(BacktestRunRow).order_by(BacktestRunRow.id)
        if study is not None:
            query = query.where(BacktestRunRow.study == study)
        with self._read() as session:
            return [BacktestRunRecord(
                row.id, row.created_at, row.study, row.trial, row.period, row.start, row.end,
                json.loads(row.settings), json.loads(row.result), row.net_pnl)
                for row in session.scalars(query)]
