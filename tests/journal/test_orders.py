"""Orders and fills: journaled before sending, updated, unique by client order id."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from bot.domain import OrderSide
from bot.journal import (
    DuplicateClientOrderId,
    JournalRepository,
    NotInJournal,
    OrderStatus,
    TradeMode,
    make_session_factory,
)
from bot.journal.models import FillRow

from .builders import T0, FakeClock, new_order, new_trade


def test_order_round_trip(repo: JournalRepository) -> None:
    order_id = repo.record_order(new_order(price=None, stop_price=89_000.0, reduce_only=True))

    found = repo.find_order("cid-1")

    assert found is not None
    assert found.id == order_id
    assert (found.symbol, found.type, found.side) == ("BTCUSDT", "market", OrderSide.BUY)
    assert (found.quantity, found.filled_quantity, found.average_price) == (0.01, 0.0, None)
    assert (found.price, found.stop_price, found.reduce_only) == (None, 89_000.0, True)
    assert (found.status, found.purpose, found.mode) == ("pending", "entry", TradeMode.PAPER)
    assert found.created_at == found.updated_at == T0
    assert (found.exchange_order_id, found.error, found.trade_id) == (None, None, None)


def test_update_order_changes_only_what_is_given(repo: JournalRepository, clock: FakeClock) -> None:
    repo.record_order(new_order())
    trade_id = repo.open_trade(new_trade())
    later = clock.advance(1.5)

    repo.update_order("cid-1", status=OrderStatus.NEW, exchange_order_id="8389765")
    updated = repo.update_order(
        "cid-1",
        status=OrderStatus.FILLED,
        filled_quantity=0.01,
        average_price=90_010.0,
        trade_id=trade_id,
    )

    assert updated == repo.find_order("cid-1")
    assert (updated.status, updated.exchange_order_id) == ("filled", "8389765")
    assert (updated.filled_quantity, updated.average_price) == (0.01, 90_010.0)
    assert (updated.trade_id, updated.created_at, updated.updated_at) == (trade_id, T0, later)
    assert [o.client_order_id for o in repo.orders_for_trade(trade_id)] == ["cid-1"]


def test_update_order_records_the_error_text(repo: JournalRepository) -> None:
    repo.record_order(new_order())

    updated = repo.update_order("cid-1", status=OrderStatus.REJECTED, error="-2019 margin")

    assert (updated.status, updated.error) == ("rejected", "-2019 margin")


def test_update_of_an_unknown_order_is_refused(repo: JournalRepository) -> None:
    with pytest.raises(NotInJournal):
        repo.update_order("nope", status=OrderStatus.CANCELED)


def test_client_order_id_is_unique(repo: JournalRepository) -> None:
    first = repo.record_order(new_order("dup"))

    with pytest.raises(DuplicateClientOrderId) as caught:
        repo.record_order(new_order("dup", symbol="ETHUSDT"))

    assert caught.value.client_order_id == "dup"
    found = repo.find_order("dup")
    assert found is not None
    assert (found.id, found.symbol) == (first, "BTCUSDT")


def test_find_unknown_order_gives_none(repo: JournalRepository) -> None:
    assert repo.find_order("never-sent") is None


def test_fill_round_trip(repo: JournalRepository) -> None:
    order_id = repo.record_order(new_order())
    later = T0 + timedelta(seconds=1)

    first = repo.record_fill(
        order_id, price=90_000.0, quantity=0.004, time=later, fee=0.14, exchange_trade_id="t1"
    )
    second = repo.record_fill(
        order_id, price=90_020.0, quantity=0.006, time=later, fee=0.22, fee_asset="USDT"
    )

    fills = repo.fills_for_order(order_id)
    assert [f.id for f in fills] == [first, second]
    assert (fills[0].price, fills[0].quantity, fills[0].fee) == (90_000.0, 0.004, 0.14)
    assert (fills[0].time, fills[0].exchange_trade_id, fills[0].fee_asset) == (later, "t1", None)
    assert (fills[1].fee_asset, fills[1].exchange_trade_id) == ("USDT", None)


def test_the_same_exchange_fill_is_stored_once(repo: JournalRepository) -> None:
    order_id = repo.record_order(new_order())

    first = repo.record_fill(order_id, price=1.0, quantity=1.0, time=T0, exchange_trade_id="t9")
    again = repo.record_fill(order_id, price=1.0, quantity=1.0, time=T0, exchange_trade_id="t9")

    assert again == first
    assert len(repo.fills_for_order(order_id)) == 1


def test_fill_of_an_unknown_order_is_refused(repo: JournalRepository) -> None:
    with pytest.raises(NotInJournal):
        repo.record_fill(12345, price=1.0, quantity=1.0, time=T0, exchange_trade_id="t1")


def test_failed_write_leaves_nothing_behind(repo: JournalRepository, engine: Engine) -> None:
    with pytest.raises(NotInJournal):
        repo.record_fill(777, price=1.0, quantity=1.0, time=T0)

    with make_session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(FillRow)) == 0


def test_signatures_and_keys_in_error_texts_are_never_stored(repo: JournalRepository) -> None:
    repo.record_order(new_order())
    leaked = (
        "binance POST https://fapi.binance.com/fapi/v1/order?symbol=BTCUSDT"
        "&timestamp=1&signature=0123abcd 503 {'X-MBX-APIKEY': 'k3yk3y'} apiKey=k3yk3y"
    )

    stored = repo.update_order("cid-1", status=OrderStatus.UNKNOWN, error=leaked)

    assert stored.error is not None
    assert "0123abcd" not in stored.error
    assert "k3yk3y" not in stored.error
    assert "signature=***" in stored.error
    assert "symbol=BTCUSDT" in stored.error
