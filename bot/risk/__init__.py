"""Risk: the limits and the one check every order intent passes.

What it offers:

* ``RiskLimits``: every limit as a validated, frozen settings object (``risk.*`` keys).
* ``RiskEngine(limits, state_store, clock)``: ``check(intent, context)`` approves and sizes an
  entry or refuses it with a reason; ``check_exit`` never blocks an exit; ``record_order``,
  ``record_exit``, ``record_equity`` feed it; ``is_reduce_only`` and ``set_kill_switch``.
* ``RiskContext`` (the world at the moment of a check, passed in: no I/O here) and
  ``RiskDecision`` (the sized ``SizedOrder`` or a ``RiskReason`` code with a detail).
* ``RiskStateStore``: the durable key-value port (the journal's ``bot_state`` implements it);
  ``InMemoryRiskStateStore`` for paper runs, backtests and tests; ``CallableRiskStateStore``
  to adapt a getter/setter pair.
* The pure pieces: ``size_entry``, ``check_stop`` and the gates in ``bot.risk.gates``.

Importing the package has no side effects.
"""

from bot.risk.decision import RiskContext, RiskDecision, RiskReason
from bot.risk.engine import Clock, RiskEngine
from bot.risk.limits import InvalidRiskLimit, RiskLimits
from bot.risk.sizing import check_stop, size_entry
from bot.risk.state import (
    CachedRiskStateStore,
    CallableRiskStateStore,
    DayStart,
    InMemoryRiskStateStore,
    KillSwitchState,
    RiskState,
    RiskStateStore,
    ScopedRiskStateStore,
)

__all__ = [
    "CachedRiskStateStore",
    "CallableRiskStateStore",
    "Clock",
    "DayStart",
    "InMemoryRiskStateStore",
    "InvalidRiskLimit",
    "KillSwitchState",
    "RiskContext",
    "RiskDecision",
    "RiskEngine",
    "RiskLimits",
    "RiskReason",
    "RiskState",
    "RiskStateStore",
    "ScopedRiskStateStore",
    "check_stop",
    "size_entry",
]
