"""The strategy base class and its views, and LiquidationHunter.decide on snapshots."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.domain import EntryIntent, ExitIntent, PositionSide
from strategies.base import MarketSnapshot, OpenPosition, Strategy
from strategies.liquidation_hunter import LiquidationHunter
from tests.strategies.fakes import NOW, cluster


def position(side: PositionSide, **overrides: object) -> OpenPosition:
    """A BTCUSDT position entered at 100 toward a cluster at 103.5 (long) or 96.5 (short)."""
    fields: dict[str, object] = {
        "symbol": "BTCUSDT",
        "side": side,
        "entry_price": 100.0,
        "quantity": 0.5,
        "stop_price": 97.0 if side is PositionSide.LONG else 103.0,
        "take_profit_price": 102.9825 if side is PositionSide.LONG else 96.9825,
        "target_cluster_price": 103.5 if side is PositionSide.LONG else 96.5,
    }
    fields.update(overrides)
    return OpenPosition(**fields)  # type: ignore[arg-type]


class ExitEverything(Strategy):
    """The smallest strategy: never enters, closes any position it sees."""

    def entry_intent(self, snapshot: MarketSnapshot) -> EntryIntent | None:
        return None

    def exit_reason(self, snapshot: MarketSnapshot, position: OpenPosition) -> str | None:
        return "always"


def test_base_routes_an_open_position_to_exit_reason() -> None:
    snapshot = MarketSnapshot(
        symbol="BTCUSDT",
        clusters=[],
        mark_price=100.0,
        now=NOW,
        position=position(PositionSide.LONG),
    )

    assert ExitEverything().decide(snapshot) == ExitIntent(
        symbol="BTCUSDT", reason="always", created_at=NOW
    )


def test_base_routes_a_flat_snapshot_to_entry_intent() -> None:
    snapshot = MarketSnapshot(symbol="BTCUSDT", clusters=[], mark_price=100.0, now=NOW)

    assert ExitEverything().decide(snapshot) is None


def test_snapshot_holds_its_clusters_as_a_tuple() -> None:
    clusters = [cluster(103.5, "short", 0.8)]
    snapshot = MarketSnapshot(symbol="BTCUSDT", clusters=clusters, mark_price=100.0, now=NOW)
    clusters.clear()

    assert snapshot.clusters == (cluster(103.5, "short", 0.8),)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"mark_price": 0.0}, "mark_price"),
        ({"mark_price": float("nan")}, "mark_price"),
        ({"now": datetime(2025, 1, 15, 12, 0)}, "timezone"),  # noqa: DTZ001 - the naive case
        ({"position": position(PositionSide.LONG, symbol="ETHUSDT")}, "ETHUSDT"),
    ],
)
def test_snapshot_refuses_inconsistent_values(kwargs: dict[str, object], match: str) -> None:
    fields: dict[str, object] = {
        "symbol": "BTCUSDT",
        "clusters": [],
        "mark_price": 100.0,
        "now": NOW,
    }
    fields.update(kwargs)

    with pytest.raises(ValueError, match=match):
        MarketSnapshot(**fields)  # type: ignore[arg-type]


def test_snapshot_accepts_a_position_named_in_the_other_symbol_form() -> None:
    held = position(PositionSide.LONG, symbol="BTC/USDT:USDT")

    snapshot = MarketSnapshot(
        symbol="BTCUSDT", clusters=[], mark_price=100.0, now=NOW, position=held
    )

    assert snapshot.position is held


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("entry_price", 0.0),
        ("quantity", -1.0),
        ("stop_price", float("inf")),
        ("take_profit_price", 0.0),
        ("target_cluster_price", -5.0),
    ],
)
def test_open_position_refuses_non_positive_numbers(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        position(PositionSide.LONG, **{field: value})


@pytest.mark.parametrize(
    ("target", "side", "stop", "take_profit"),
    [
        (cluster(93_150.0, "short", 0.8, symbol="BTCUSDT"), PositionSide.LONG, 87_300.0, 92_684.25),
        (cluster(81_900.0, "long", 0.9, symbol="BTCUSDT"), PositionSide.SHORT, 92_700.0, 85_500.0),
    ],
)
def test_decide_enters_toward_the_target_when_flat(
    target: object, side: PositionSide, stop: float, take_profit: float
) -> None:
    snapshot = MarketSnapshot(
        symbol="BTC/USDT:USDT",
        clusters=[target, cluster(91_000.0, "long", 1.0)],  # type: ignore[list-item]
        mark_price=90_000.0,
        now=NOW,
    )

    # The seed's rules: its 3 % stop beside a 2.98 % target is refused by the default
    # min_reward_risk of 1.0 (tests/strategies/test_reward_risk.py).
    intent = LiquidationHunter(min_reward_risk=0).decide(snapshot)

    assert isinstance(intent, EntryIntent)
    assert intent.symbol == "BTC/USDT:USDT"
    assert intent.side is side
    assert intent.reference_price == 90_000.0
    assert intent.stop_price == pytest.approx(stop)
    assert intent.take_profit_price == pytest.approx(take_profit)
    assert intent.cluster is target
    assert intent.created_at == NOW
    assert 0.0 < intent.strength <= 1.0


def test_decide_entry_strength_is_the_signal_strength() -> None:
    snapshot = MarketSnapshot(
        symbol="BTCUSDT", clusters=[cluster(105.0, "short", 0.8)], mark_price=100.0, now=NOW
    )

    intent = LiquidationHunter().decide(snapshot)

    assert isinstance(intent, EntryIntent)
    assert intent.strength == pytest.approx(0.4)


@pytest.mark.parametrize(
    "clusters",
    [
        [],
        [cluster(103.5, "long", 0.9)],  # wrong side
        [cluster(103.5, "short", 0.5)],  # too weak
        [cluster(110.0, "short", 0.9)],  # exactly 10 % away: a signal of strength 0
        [cluster(100.4, "short", 0.9)],  # within 0.5 %: would exit at once
        [cluster(100.5001, "short", 0.9)],  # take profit 0.5 % before it is behind the entry
    ],
)
def test_decide_stays_flat_without_a_worthwhile_target(clusters: list[object]) -> None:
    snapshot = MarketSnapshot(symbol="BTCUSDT", clusters=clusters, mark_price=100.0, now=NOW)  # type: ignore[arg-type]

    assert LiquidationHunter().decide(snapshot) is None


@pytest.mark.parametrize(
    ("side", "mark", "reason"),
    [
        (PositionSide.LONG, 96.9, "stop_loss"),
        (PositionSide.LONG, 103.2, "reached_cluster"),
        (PositionSide.LONG, 104.2, "take_profit"),
        (PositionSide.SHORT, 103.1, "stop_loss"),
        (PositionSide.SHORT, 96.8, "reached_cluster"),
        (PositionSide.SHORT, 95.9, "take_profit"),
    ],
)
def test_decide_exits_an_open_position(side: PositionSide, mark: float, reason: str) -> None:
    snapshot = MarketSnapshot(
        symbol="BTCUSDT", clusters=[], mark_price=mark, now=NOW, position=position(side)
    )

    assert LiquidationHunter().decide(snapshot) == ExitIntent(
        symbol="BTCUSDT", reason=reason, created_at=NOW
    )


def test_decide_holds_an_open_position_even_when_a_new_signal_fires() -> None:
    snapshot = MarketSnapshot(
        symbol="BTCUSDT",
        clusters=[cluster(96.5, "long", 1.0)],
        mark_price=100.0,
        now=NOW,
        position=position(PositionSide.LONG),
    )

    assert LiquidationHunter().decide(snapshot) is None


def test_decide_needs_no_data_source() -> None:
    snapshot = MarketSnapshot(
        symbol="BTCUSDT", clusters=[cluster(103.5, "short", 0.8)], mark_price=100.0, now=NOW
    )

    assert isinstance(LiquidationHunter(min_reward_risk=0).decide(snapshot), EntryIntent)
