"""Binance's REST error answers: ``{"code": -XXXX, "msg": "..."}`` with its HTTP status.

Handlers raise ``ApiError``; the server turns it into the JSON body and status Binance
sends. The messages are Binance's own wording, because clients (ccxt among them) match
some errors by message as well as by code.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus


class ApiError(Exception):
    """One Binance error answer.

    Args:
        code: Binance's (negative) error code.
        msg: the message, in Binance's words.
        status: the HTTP status it comes with (400 for almost everything).
    """

    def __init__(self, code: int, msg: str, status: int = HTTPStatus.BAD_REQUEST) -> None:
        """Keep the code, message and status."""
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg
        self.status = status

    def body(self) -> dict[str, object]:
        """The JSON object Binance answers with."""
        return {"code": self.code, "msg": self.msg}


@dataclass(frozen=True, slots=True)
class Rejection:
    """An immutable error template; calling it gives a fresh ``ApiError`` to raise.

    (Exception instances carry tracebacks, so one shared instance must never be raised from
    several threads; the templates are shared instead.)
    """

    code: int
    msg: str
    status: int = HTTPStatus.BAD_REQUEST

    def __call__(self) -> ApiError:
        """A new ``ApiError`` with this code, message and status."""
        return ApiError(self.code, self.msg, self.status)


def mandatory(name: str) -> ApiError:
    """-1102: a required parameter is missing or empty."""
    return ApiError(
        -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
    )


def illegal(name: str) -> ApiError:
    """-1100: a parameter is not a number where one is expected."""
    return ApiError(
        -1100,
        f"Illegal characters found in parameter '{name}'; "
        "legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.",
    )


def invalid_value(name: str) -> ApiError:
    """-1130: a parameter holds a value outside its allowed set."""
    return ApiError(-1130, f"Data sent for parameter '{name}' is not valid.")


def not_required(name: str) -> ApiError:
    """-1106: a parameter was sent that this kind of request must not carry."""
    return ApiError(-1106, f"Parameter '{name}' sent when not required.")


INVALID_API_KEY = Rejection(
    -2015, "Invalid API-key, IP, or permissions for action.", HTTPStatus.UNAUTHORIZED
)
BAD_SIGNATURE = Rejection(-1022, "Signature for this request is not valid.")
STALE_TIMESTAMP = Rejection(-1021, "Timestamp for this request is outside of the recvWindow.")
FUTURE_TIMESTAMP = Rejection(
    -1021, "Timestamp for this request was 1000ms ahead of the server's time."
)
RECV_WINDOW_TOO_LARGE = Rejection(-1131, "recvWindow must be less than 60000")
INVALID_SYMBOL = Rejection(-1121, "Invalid symbol.")
INVALID_SIDE = Rejection(-1117, "Invalid side.")
INVALID_ORDER_TYPE = Rejection(-1116, "Invalid orderType.")
INVALID_TIME_IN_FORCE = Rejection(-1115, "Invalid timeInForce.")
ALGO_ONLY_TYPE = Rejection(
    -4120,
    "Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.",
)
MARGIN_INSUFFICIENT = Rejection(-2019, "Margin is insufficient.")
REDUCE_ONLY_REJECTED = Rejection(-2022, "ReduceOnly Order is rejected.")
WOULD_TRIGGER = Rejection(-2021, "Order would immediately trigger.")
DUPLICATE_CLIENT_ID = Rejection(-4116, "ClientOrderId is duplicated.")
INVALID_CLIENT_ID = Rejection(-4015, "Client order id is not valid.")
ORDER_NOT_FOUND = Rejection(-2013, "Order does not exist.")
UNKNOWN_ORDER = Rejection(-2011, "Unknown order sent.")
ORDER_ID_REQUIRED = Rejection(-1102, "Either orderId or origClientOrderId must be sent.")
ALGO_ID_REQUIRED = Rejection(-1102, "Either algoId or clientAlgoId must be sent.")
QTY_NOT_POSITIVE = Rejection(-4003, "Quantity less than or equal to zero.")
QTY_BELOW_MIN = Rejection(-4004, "Quantity less than min quantity.")
QTY_ABOVE_MAX = Rejection(-4005, "Quantity greater than max quantity.")
QTY_PRECISION = Rejection(-1111, "Precision is over the maximum defined for this asset.")
PRICE_NOT_POSITIVE = Rejection(-4001, "Price less than 0.")
PRICE_BELOW_MIN = Rejection(-4013, "Price less than min price.")
PRICE_ABOVE_MAX = Rejection(-4002, "Price greater than max price.")
PRICE_TICK = Rejection(-4014, "Price not increased by tick size.")
POST_ONLY_REJECTED = Rejection(
    -5022, "Due to the order could not be executed as maker, the Post Only order will be rejected."
)
FOK_REJECTED = Rejection(
    -5021, "Due to the order could not be filled immediately, the FOK order has been rejected."
)
NO_NEED_TO_CHANGE_MARGIN_TYPE = Rejection(-4046, "No need to change margin type.")
MARGIN_TYPE_OPEN_ORDERS = Rejection(
    -4047, "Margin type cannot be changed if there exists open orders."
)
MARGIN_TYPE_POSITION = Rejection(-4048, "Margin type cannot be changed if there exists position.")
POSITION_ABOVE_LEVERAGE_CAP = Rejection(
    -2027, "Exceeded the maximum allowable position at current leverage."
)
INTERNAL = Rejection(
    -1000,
    "An unknown error occured while processing the request.",
    HTTPStatus.INTERNAL_SERVER_ERROR,
)


def notional_too_small(min_notional: str) -> ApiError:
    """-4164: a position-opening order below the symbol's MIN_NOTIONAL."""
    return ApiError(
        -4164,
        f"Order's notional must be no smaller than {min_notional} (unless you choose reduce only).",
    )


def invalid_leverage(leverage: str) -> ApiError:
    """-4028: leverage outside 1..125."""
    return ApiError(-4028, f"Leverage {leverage} is not valid")


def price_above_cap(cap: str) -> ApiError:
    """-4016: a BUY limit above the PERCENT_PRICE band."""
    return ApiError(-4016, f"Limit price can't be higher than {cap}.")


def price_below_floor(floor: str) -> ApiError:
    """-4024: a SELL limit below the PERCENT_PRICE band."""
    return ApiError(-4024, f"Limit price can't be lower than {floor}.")
