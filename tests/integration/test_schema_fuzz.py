"""schemathesis against the app's own /openapi.json with a valid token: no 5xx, responses match the schema."""

from __future__ import annotations

from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from interviewsim.app import create_app
from interviewsim.config import Settings
from tests.support.servers import thread_server

TOKEN = "fuzz-test-token-1234"
EXAMPLES_PER_OPERATION = 15
# A schema cannot say "a decodable recording": any bytes match `format: binary`, so a generated upload is
# rightly refused (415/400). The other checks (no 5xx, responses match their schema) still apply.
CONTENT_CHECKED_BEYOND_SCHEMA = {"/api/stt"}


def test_every_operation_conforms_to_its_schema(tmp_path: Path) -> None:
    config = Settings(
        data_dir=tmp_path,
        local_token=TOKEN,
        rate_limit_sessions="10000/hour",
        rate_limit_chat="10000/minute",
        rate_limit_tts="10000/minute",
        rate_limit_results="10000/minute",
        rate_limit_stt="10000/minute",
    )  # type: ignore[call-arg]
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with thread_server(create_app(config)) as base_url:
        schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        assert {op.path for op in operations} >= {"/api/start-session", "/api/chat", "/api/results", "/api/tts"}
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck))
            def check(case: schemathesis.Case) -> None:
                excluded = [positive_data_acceptance] if case.operation.path in CONTENT_CHECKED_BEYOND_SCHEMA else []
                case.call_and_validate(headers=headers, excluded_checks=excluded)

            check()
