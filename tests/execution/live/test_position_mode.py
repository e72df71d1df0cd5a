"""Case 10 of issue 11: live trading refuses an account in hedge (dual-side) mode."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.exchange import BinanceGateway
from bot.execution.live.position_mode import HedgeModeRefused, require_one_way_mode
from bot.sim import SimExchange
from tests.execution.live.helpers import SYMBOL

BOT = [sys.executable, "-c", "from bot.cli.app import main; main()"]


def test_one_way_mode_passes(gateway: BinanceGateway) -> None:
    require_one_way_mode(gateway)  # raises otherwise

    assert gateway.fetch_position_mode().dual_side is False


def test_hedge_mode_is_refused(sim: SimExchange, gateway: BinanceGateway) -> None:
    sim.rest.engine.set_dual_side(True)

    with pytest.raises(HedgeModeRefused, match="hedge"):
        require_one_way_mode(gateway)


def test_bot_run_live_refuses_hedge_mode_in_one_line(sim: SimExchange, tmp_path: Path) -> None:
    # Arrange: the simulator's account switched to dual-side mode
    sim.rest.engine.set_dual_side(True)
    described = sim.describe()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update({
        "BOT_EXCHANGE__REST_URL": str(described["rest_url"]),
        "BOT_EXCHANGE__WS_URL": str(described["ws_url"]),
        "BOT_EXCHANGE__API_KEY": str(described["api_key"]),
        "BOT_EXCHANGE__API_SECRET": str(described["api_secret"]),
        "BOT_JOURNAL__URL": f"sqlite:///{tmp_path}/j.db",
    })

    # Act
    result = subprocess.run([*BOT, "run", "--live", "--symbols", SYMBOL, "--duration", "5"],
                            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=90,
                            check=False)

    # Assert
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "hedge (dual-side) position mode" in errors[0]
    assert "Traceback" not in result.stderr
