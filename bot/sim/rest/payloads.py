"""Account and order payloads, shaped as Binance's USDⓈ-M REST answers.

ccxt's parsers read these fields: orders ``orderId``, ``clientOrderId``, ``status``,
``executedQty``, ``avgPrice``, ``cumQuote``, ``origQty``, ``price``, ``type``, ``side``,
``reduceOnly``, ``stopPrice``, ``updateTime`` (``positionSide`` or ``cumQuote`` marks a
contract order); algo orders ``algoId``, ``clientAlgoId``, ``algoStatus``, ``orderType``,
``quantity``, ``triggerPrice``, ``createTime``; balances the ``assets`` entries with a
non-zero ``updateTime`` (``availableBalance``, ``initialMargin``, ``marginBalance``);
positions ``positionAmt``, ``entryPrice``, ``unRealizedProfit``, ``liquidationPrice``,
``isolatedMargin``, ``notional``, ``markPrice``, ``initialMargin``, ``maintMargin``.
Decimals are strings, times integer milliseconds, as Binance sends them.
"""

from __future__ import annotations

from decimal import Decimal

from bot.sim.rest.brackets import Brackets
from bot.sim.rest.filters import QUOTE_ASSET, SymbolFilters
from bot.sim.rest.orders import AlgoOrder, Order
from bot.sim.rest.params import fmt_money
from bot.sim.rest.views import AccountView, PositionView

JsonObject = dict[str, object]


def order_json(order: Order, f: SymbolFilters, *, query: bool) -> JsonObject:
    """An order as ``POST``/``DELETE`` answer it (``query``: as ``GET`` shows it, with
    ``time``)."""
    payload: JsonObject = {
        "orderId": order.order_id,
        "symbol": order.symbol,
        "status": order.status,
        "clientOrderId": order.client_order_id,
        "price": f.price_text(order.price),
        "avgPrice": fmt_money(order.avg_price),
        "origQty": f.qty_text(order.quantity),
        "executedQty": f.qty_text(order.executed_qty),
        "cumQty": f.qty_text(order.executed_qty),
        "cumQuote": fmt_money(order.cum_quote),
        "timeInForce": order.time_in_force,
        "type": order.order_type,
        "reduceOnly": order.reduce_only,
        "closePosition": order.close_position,
        "side": order.side,
        "positionSide": "BOTH",
        "stopPrice": f.price_text(order.stop_price),
        "workingType": order.working_type,
        "priceProtect": False,
        "origType": order.orig_type or order.order_type,
        "priceMatch": "NONE",
        "selfTradePreventionMode": "EXPIRE_MAKER",
        "goodTillDate": 0,
        "updateTime": order.update_ms,
    }
    if query:
        payload["time"] = order.time_ms
    return payload


def algo_json(algo: AlgoOrder, f: SymbolFilters) -> JsonObject:
    """An algo order as ``POST``/``GET /fapi/v1/algoOrder`` and ``openAlgoOrders`` show it."""
    return {
        "algoId": algo.algo_id,
        "clientAlgoId": algo.client_algo_id,
        "algoType": "CONDITIONAL",
        "orderType": algo.order_type,
        "symbol": algo.symbol,
        "side": algo.side,
        "positionSide": "BOTH",
        "timeInForce": algo.time_in_force,
        "quantity": f.qty_text(algo.quantity),
        "algoStatus": algo.status,
        "actualOrderId": "" if algo.actual_order_id is None else str(algo.actual_order_id),
        "actualPrice": fmt_money(algo.actual_price),
        "triggerPrice": f.price_text(algo.trigger_price),
        "price": f.price_text(algo.price),
        "icebergQuantity": None,
        "selfTradePreventionMode": "EXPIRE_MAKER",
        "workingType": algo.working_type,
        "priceMatch": "NONE",
        "closePosition": algo.close_position,
        "priceProtect": algo.price_protect,
        "reduceOnly": algo.reduce_only,
        "createTime": algo.create_ms,
        "updateTime": algo.update_ms,
        "triggerTime": algo.trigger_ms,
        "goodTillDate": 0,
    }


def algo_cancel_json(algo: AlgoOrder) -> JsonObject:
    """``DELETE /fapi/v1/algoOrder``'s answer."""
    return {
        "algoId": algo.algo_id,
        "clientAlgoId": algo.client_algo_id,
        "code": "200",
        "msg": "success",
    }


def account_json(view: AccountView) -> JsonObject:
    """``GET /fapi/v3/account``: totals, the USDT asset and the open positions."""
    t = view.totals
    max_withdraw = max(min(t.available, t.wallet_balance), Decimal(0))
    asset = {
        "asset": QUOTE_ASSET,
        "walletBalance": fmt_money(t.wallet_balance),
        "unrealizedProfit": fmt_money(t.unrealised),
        "marginBalance": fmt_money(t.margin_balance),
        "maintMargin": fmt_money(t.maintenance_margin),
        "initialMargin": fmt_money(t.initial_margin),
        "positionInitialMargin": fmt_money(t.position_initial_margin),
        "openOrderInitialMargin": fmt_money(t.open_order_margin),
        "crossWalletBalance": fmt_money(t.cross_wallet),
        "crossUnPnl": fmt_money(t.cross_unrealised),
        "availableBalance": fmt_money(t.available),
        "maxWithdrawAmount": fmt_money(max_withdraw),
        "updateTime": view.update_ms,
    }
    return {
        "totalInitialMargin": asset["initialMargin"],
        "totalMaintMargin": asset["maintMargin"],
        "totalWalletBalance": asset["walletBalance"],
        "totalUnrealizedProfit": asset["unrealizedProfit"],
        "totalMarginBalance": asset["marginBalance"],
        "totalPositionInitialMargin": asset["positionInitialMargin"],
        "totalOpenOrderInitialMargin": asset["openOrderInitialMargin"],
        "totalCrossWalletBalance": asset["crossWalletBalance"],
        "totalCrossUnPnl": asset["crossUnPnl"],
        "availableBalance": asset["availableBalance"],
        "maxWithdrawAmount": asset["maxWithdrawAmount"],
        "assets": [asset],
        "positions": [_account_position(p) for p in view.positions],
    }


def _account_position(p: PositionView) -> JsonObject:
    return {
        "symbol": p.symbol,
        "positionSide": "BOTH",
        "positionAmt": format(p.amount, "f"),
        "unrealizedProfit": fmt_money(p.unrealised),
        "isolatedMargin": fmt_money(p.isolated_margin),
        "notional": fmt_money(p.notional),
        "isolatedWallet": fmt_money(p.isolated_wallet),
        "initialMargin": fmt_money(p.initial_margin + p.open_order_margin),
        "maintMargin": fmt_money(p.maintenance_margin),
        "updateTime": p.update_ms,
    }


def position_risk_json(p: PositionView, f: SymbolFilters) -> JsonObject:
    """One ``GET /fapi/v3/positionRisk`` entry (v3 has no ``leverage`` / ``marginType``:
    ccxt infers the margin mode from ``isolatedMargin``)."""
    return {
        "symbol": p.symbol,
        "positionSide": "BOTH",
        "positionAmt": f.qty_text(p.amount),
        "entryPrice": fmt_money(p.entry_price),
        "breakEvenPrice": fmt_money(p.break_even_price),
        "markPrice": fmt_money(p.mark_price),
        "unRealizedProfit": fmt_money(p.unrealised),
        "liquidationPrice": fmt_money(p.liquidation_price),
        "isolatedMargin": fmt_money(p.isolated_margin),
        "notional": fmt_money(p.notional),
        "marginAsset": QUOTE_ASSET,
        "isolatedWallet": fmt_money(p.isolated_wallet),
        "initialMargin": fmt_money(p.initial_margin + p.open_order_margin),
        "maintMargin": fmt_money(p.maintenance_margin),
        "positionInitialMargin": fmt_money(p.initial_margin),
        "openOrderInitialMargin": fmt_money(p.open_order_margin),
        "adl": 1,
        "bidNotional": "0",
        "askNotional": "0",
        "updateTime": p.update_ms,
    }


def leverage_bracket_json(symbol: str, brackets: Brackets) -> JsonObject:
    """One symbol's ``GET /fapi/v1/leverageBracket`` entry."""
    return {
        "symbol": symbol,
        "notionalCoef": 1.0,
        "brackets": [
            {
                "bracket": t.bracket,
                "initialLeverage": t.initial_leverage,
                "notionalCap": int(t.notional_cap),
                "notionalFloor": int(t.notional_floor),
                "maintMarginRatio": float(t.maint_margin_ratio),
                "cum": float(t.cum),
            }
            for t in brackets.tiers
        ],
    }
