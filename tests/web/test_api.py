"""The read API of a real ``bot run --paper --sim --web`` (real uvicorn on a free port)."""

from __future__ import annotations

import json
import time

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.web.helpers import TOKEN, RunningBot, wait_for

CLUSTER_FIELDS = {"symbol", "price_level", "side", "liquidation_count", "total_notional",
                  "strength", "distance_from_price", "last_updated", "kind"}
TRADE_FIELDS = {"id", "symbol", "side", "mode", "status", "entry_time", "entry_price",
                "quantity", "exit_time", "exit_price", "pnl", "fees", "client_order_id"}


def test_health_reports_ok_with_the_stream(bot: RunningBot) -> None:
    with bot.client() as http:
        body = http.get("/api/v1/health").json()
    assert body["status"] == "ok"
    assert body["live"] is True
    assert set(body["stream"]) >= {"connected", "messages", "parse_errors", "reconnects",
                                   "last_message_at"}
    assert "binance" in body["venues"]


def test_status_shows_mode_symbols_account_and_pause(bot: RunningBot) -> None:
    with bot.client() as http:
        body = http.get("/api/v1/status").json()
    assert body["mode"] == "paper"
    assert [s["symbol"] for s in body["symbols"]] == ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
    assert body["equity"] > 0
    assert body["balance"] > 0
    assert isinstance(body["positions"], list)
    assert {"entries_paused", "paused_reason", "kill_switch"} <= set(body)
    assert body["control_enabled"] is True


def test_heatmap_has_the_contract_cluster_fields_in_both_symbol_forms(bot: RunningBot) -> None:
    with bot.client() as http:
        body = wait_for(lambda: (b := http.get("/api/v1/heatmap/BTCUSDT").json())["clusters"]
                        and b)
        unified = http.get("/api/v1/heatmap/BTC/USDT:USDT", params={"layer": "both"})
        projected = http.get("/api/v1/heatmap/BTCUSDT", params={"layer": "projected"})
        bad_layer = http.get("/api/v1/heatmap/BTCUSDT", params={"layer": "sideways"})
    assert isinstance(body, dict)
    assert body["symbol"] == "BTCUSDT"
    assert body["price"] > 0
    cluster = body["clusters"][0]
    assert set(cluster) >= CLUSTER_FIELDS
    assert cluster["kind"] == "realized"
    assert cluster["side"] in ("long", "short")
    strengths = [c["strength"] for c in body["clusters"]]
    assert strengths == sorted(strengths, reverse=True)
    assert unified.status_code == 200
    assert unified.json()["symbol"] == "BTCUSDT"
    assert projected.json()["clusters"] == []  # no projection in this bot: an empty layer
    assert bad_layer.status_code == 422


def test_unknown_symbol_is_404(bot: RunningBot) -> None:
    with bot.client() as http:
        response = http.get("/api/v1/heatmap/DOGEUSDT")
    assert response.status_code == 404
    assert "not traded" in response.json()["detail"]


def test_trades_are_the_objects_of_bot_journal_json(bot: RunningBot) -> None:
    with bot.client() as http:
        trades = wait_for(lambda: http.get("/api/v1/trades").json(), timeout=60)
        one = http.get("/api/v1/trades", params={"limit": 1}).json()
    assert isinstance(trades, list)
    assert set(trades[0]) >= TRADE_FIELDS
    assert trades[0]["mode"] == "paper"
    assert len(one) == 1
    assert one[0]["id"] == trades[-1]["id"]


def test_equity_and_signals(bot: RunningBot) -> None:
    with bot.client() as http:
        equity = wait_for(lambda: http.get("/api/v1/equity").json())
        signals = wait_for(lambda: http.get("/api/v1/signals").json(), timeout=60)
    assert isinstance(equity, list)
    assert {"time", "equity", "balance"} <= set(equity[0])
    assert isinstance(signals, list)
    assert signals[0]["outcome"] in ("entered", "rejected", "ignored")


def test_price_history_grows(bot: RunningBot) -> None:
    with bot.client() as http:
        first = len(http.get("/api/v1/prices/ETHUSDT").json()["points"])
        time.sleep(2.2)
        later = len(http.get("/api/v1/prices/ETHUSDT").json()["points"])
    assert later >= first + 1


def test_events_stream_status_heatmap_and_trade(bot: RunningBot) -> None:
    first: dict[str, dict[str, object]] = {}
    statuses = 0
    with bot.client() as http, http.stream(
            "GET", "/api/v1/events", params={"symbol": "BTCUSDT"}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        event = None
        deadline = time.monotonic() + 30
        for line in response.iter_lines():
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: ") and event:
                first.setdefault(event, json.loads(line.removeprefix("data: ")))
                statuses += event == "status"
            if (len(first) == 3 and statuses >= 2) or time.monotonic() > deadline:
                break
    assert set(first) == {"status", "heatmap", "trade"}, first.keys()
    assert statuses >= 2  # pushed again without asking
    assert first["heatmap"]["symbol"] == "BTCUSDT"
    assert first["status"]["mode"] == "paper"
    assert set(first["trade"]) >= TRADE_FIELDS


def test_openapi_schema_is_served(bot: RunningBot) -> None:
    with bot.client() as http:
        schema = http.get("/api/v1/openapi.json").json()
        docs = http.get("/docs")
    for path in ("/api/v1/health", "/api/v1/status", "/api/v1/heatmap/{symbol}",
                 "/api/v1/trades", "/api/v1/equity", "/api/v1/events", "/api/v1/pause",
                 "/api/v1/resume", "/api/v1/kill-switch", "/api/v1/positions/{symbol}/close"):
        assert path in schema["paths"], path
    assert docs.status_code == 404  # Swagger UI would load from a CDN


def test_metrics_are_prometheus_text(bot: RunningBot) -> None:
    with bot.client() as http:
        wait_for(lambda: http.get("/api/v1/signals").json(), timeout=60)
        response = http.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    for name in ("bot_equity_usdt", "bot_balance_usdt", "bot_open_positions",
                 "bot_trades_closed", "bot_signals", "bot_stream_messages",
                 "bot_stream_reconnects", "bot_order_latency_seconds"):
        assert name in families, name
    assert families["bot_equity_usdt"].samples[0].value > 0
    messages = families["bot_stream_messages"].samples
    assert messages[0].labels == {"venue": "binance"}
    assert messages[0].value > 0
    assert sum(s.value for s in families["bot_signals"].samples) > 0


def test_no_cors_and_no_secret_in_any_answer_or_log(bot: RunningBot) -> None:
    answers = []
    with bot.client() as http:
        for path in ("/", "/static/app.js", "/api/v1/status", "/api/v1/health",
                     "/api/v1/openapi.json", "/metrics", "/api/v1/trades"):
            response = http.get(path, headers={"Origin": "http://evil.example"})
            assert response.status_code == 200, path
            assert "access-control-allow-origin" not in response.headers
            answers.append(response.text)
        answers.append(http.post("/api/v1/pause", headers={
            "Authorization": "Bearer wrong"}).text)
    assert all(TOKEN not in text for text in answers)
    assert TOKEN not in bot.log()


def test_page_and_static_files_are_served(bot: RunningBot) -> None:
    with bot.client() as http:
        page = http.get("/")
        script = http.get("/static/app.js")
        css = http.get("/static/style.css")
    assert page.headers["content-type"].startswith("text/html")
    assert "/static/app.js" in page.text
    assert 'src="http' not in page.text
    assert 'href="http' not in page.text
    assert script.status_code == 200
    assert "EventSource" in script.text
    assert css.status_code == 200


def test_dashboard_url_is_logged(bot: RunningBot) -> None:
    assert httpx.get(bot.url, timeout=5).status_code == 200
    assert f"dashboard at {bot.url}" in bot.log()
