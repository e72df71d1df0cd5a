"""schemathesis over the served OpenAPI schema of the running bot: no input makes a 5xx,
and every answer matches its documented schema.

Driven through schemathesis's Python API (operations as Hypothesis strategies) because its
pytest fixture loader does not run under this pytest.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.web.helpers import RunningBot

EXAMPLES = 25


def test_no_input_makes_a_server_error(bot: RunningBot) -> None:
    schema = schemathesis.openapi.from_url(bot.url + "api/v1/openapi.json")
    base_url = bot.url.rstrip("/")
    fuzzed = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == "/api/v1/events":  # an endless stream: tested on its own
            continue

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case: schemathesis.Case) -> None:
            case.call_and_validate(base_url=base_url,
                                   checks=[not_a_server_error, response_schema_conformance])

        fuzz()
        fuzzed.append(f"{operation.method.upper()} {operation.path}")
    assert "GET /api/v1/heatmap/{symbol}" in fuzzed
    assert "POST /api/v1/positions/{symbol}/close" in fuzzed
