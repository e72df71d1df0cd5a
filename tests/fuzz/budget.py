"""One time budget for the fuzz suite, so CI stays bounded (a few seconds per test)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
"""Inputs per test; raise it for a longer local run (``FUZZ_EXAMPLES=20000``)."""

FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.filter_too_much])
