"""Property-based fuzzing of the REST API from its own OpenAPI document (schemathesis).

Every generated request, valid (positive) or not (negative), must answer
without a 500, with a status, content type and body that /openapi.json
documents for that operation. Path parameters are often swapped for the ids of
a real session (a fresh one per example, with nodes N001 and N002, a component
and a relationship), so the fuzzer reaches the success paths, not only 404s.
Derandomised and bounded: the same few hundred examples on every run.

schemathesis's own pytest integration (`schema.parametrize()`) does not work
with pytest 9 (it writes a private node attribute that pytest 9 removed), so
each operation's strategy (`as_strategy`, its documented Hypothesis API) runs
under a plain `@given`.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import hypothesis.strategies as st
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.python import asgi as schemathesis_asgi

from graph_api.app import create_app
from graph_api.config import Settings

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# 20 per operation in CI (a few hundred in all); raise it for a deeper local run.
EXAMPLES_PER_OPERATION = int(os.environ.get("GRAPH_API_FUZZ_EXAMPLES", "20"))
# Path parameters that a generated example may swap for a real one.
REAL_KEYS = ("session_id", "node_id", "relationship_id")


class Fuzzer:
    """The app's schema, and a small real graph per example, made through the API itself."""

    def __init__(self, schema: Any) -> None:
        self.schema = schema
        self.examples = 0
        self.statuses: Counter[int] = Counter()

    def _call(self, path: str, method: str, **kwargs: Any) -> Any:
        response = self.schema[path][method].Case(**kwargs).call()
        assert response.status_code < 300, response.text
        return response.json()

    def real_ids(self) -> dict[str, str]:
        session_id = self._call("/session/create", "POST", body={"name": "fuzz"})["id"]
        self._call(
            "/session/{session_id}/nodes/{node_id}/components",
            "POST",
            path_parameters={"session_id": session_id, "node_id": "N001"},
            body={"component": {"type": "text", "content": "hello"}},
        )
        relationship = self._call(
            "/session/{session_id}/relationships",
            "POST",
            path_parameters={"session_id": session_id},
            body={"source_id": "N001", "target_id": "N002", "type": "LINKS"},
        )
        return {"session_id": session_id, "node_id": "N001", "relationship_id": relationship["id"]}

    def run(self, operation: Any, mode: GenerationMode) -> None:
        cases = operation.as_strategy(generation_mode=mode)
        swaps = st.fixed_dictionaries({key: st.booleans() for key in REAL_KEYS})

        @given(case=cases, swap=swaps)
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any, swap: dict[str, bool]) -> None:
            self.examples += 1
            wanted = [key for key in case.path_parameters if swap.get(key)]
            if wanted:
                real = self.real_ids()
                for key in wanted:
                    case.path_parameters[key] = real[key]
            response = case.call_and_validate(checks=CHECKS)
            self.statuses[response.status_code] += 1

        check()


def _has_body_or_query(definition: dict[str, Any]) -> bool:
    parameters = definition.get("parameters", [])
    return "requestBody" in definition or any(p.get("in") == "query" for p in parameters)


@pytest.fixture
def fuzzer(settings: Settings) -> Iterator[Fuzzer]:
    app = create_app(settings)
    # The progress stream waits for an import the fuzzer never sends (tests/csv/test_progress.py).
    schema = (
        schemathesis.openapi.from_asgi("/openapi.json", app)
        .include(path_regex="^/session")
        .exclude(path_regex="/progress$")
    )
    try:
        yield Fuzzer(schema)
    finally:
        # schemathesis runs the app's lifespan on its own event-loop thread: stop it
        # here, so the engine is disposed before the test's database goes.
        schemathesis_asgi.shutdown_lifespans()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_rest_api_answers_as_its_openapi_says(fuzzer: Fuzzer, mode: GenerationMode) -> None:
    operations = [result.ok() for result in fuzzer.schema.get_all_operations()]
    assert len(operations) >= 16
    if mode == GenerationMode.NEGATIVE:
        # A plain string path parameter has no invalid values; only bodies and queries do.
        operations = [op for op in operations if _has_body_or_query(op.definition.raw)]
    for operation in operations:
        fuzzer.run(operation, mode)
    print(f"{mode.value}: {fuzzer.examples} examples, {len(operations)} operations,", end=" ")
    print(f"statuses {sorted(fuzzer.statuses.items())}")
    assert fuzzer.examples >= 5 * len(operations)
    if mode == GenerationMode.POSITIVE:  # the real ids reach the success paths
        assert sum(n for status, n in fuzzer.statuses.items() if status < 300) >= len(operations)
