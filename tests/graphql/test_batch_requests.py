"""Batches refused as a whole, and the limits of a batch (CONTRACT.md §13, §7): malformed
batches, subscriptions and GET are request errors; over GRAPH_API_MAX_BATCH or a summed
limit, one LIMIT_EXCEEDED at 413. In every case nothing runs."""

from __future__ import annotations

import time

import orjson
import pytest

from graph_api.config import Limits, Settings
from graph_api.graphql.batch import INLINE_BYTES
from tests.graphql.batching import (
    ABORTED,
    CREATE_SESSION,
    codes,
    database_dump,
    op,
    post_batch,
    run_batch,
)

# Small limits, so that each is cheap to cross.
LIMITS = Limits(max_depth=4, max_aliases=4, max_list_length=3, max_fields=100)

# At the depth limit (4), and one level over it.
DEEP = "{ node(sessionId: $s, nodeId: $n) { session { node(nodeId: $n) { session { id } } } } }"
DEEPER = (
    "{ node(sessionId: $s, nodeId: $n) { session { node(nodeId: $n) { session {"
    " node(nodeId: $n) { nodeId } } } } } }"
)


@pytest.fixture
def limits():
    return LIMITS


def _assert_refused(response, status, code=None):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, dict) and list(body) == ["errors"], body
    [error] = body["errors"]
    assert isinstance(error["message"], str) and error["message"]
    assert error.get("extensions", {}).get("code") == code
    return error


async def _nothing_ran(engine):
    assert (await database_dump(engine))["sessions"] == []


MALFORMED = {
    "empty": [],
    "number": [op(CREATE_SESSION), 1],
    "string": [op(CREATE_SESSION), "{ __typename }"],
    "null": [op(CREATE_SESSION), None],
    "nested batch": [op(CREATE_SESSION), [op(CREATE_SESSION)]],
    "no query": [op(CREATE_SESSION), {"variables": {}}],
    "empty query": [op(CREATE_SESSION), {"query": ""}],
    "query not a string": [op(CREATE_SESSION), {"query": 42}],
    "variables not an object": [op(CREATE_SESSION), {"query": "{ __typename }", "variables": []}],
    "extensions not an object": [op(CREATE_SESSION), {"query": "{ __typename }", "extensions": 1}],
    "operationName not a string": [
        op(CREATE_SESSION),
        {"query": "{ __typename }", "operationName": 1},
    ],
    "unknown operationName": [
        op(CREATE_SESSION),
        {"query": "query A { __typename }", "operationName": "B"},
    ],
    "no operation": [op(CREATE_SESSION), {"query": "fragment F on Query { __typename }"}],
    "subscription": [
        op(CREATE_SESSION),
        op("subscription($s: ID!) { sessionChanges(sessionId: $s) { revision } }", s="x"),
    ],
    "named subscription": [
        op(CREATE_SESSION),
        {
            "query": "query Q { __typename } subscription S { sessionChanges(sessionId: "
            '"x") { revision } }',
            "operationName": "S",
        },
    ],
}


@pytest.mark.parametrize("batch", MALFORMED)
async def test_a_malformed_batch_is_a_request_error_and_runs_nothing(client, engine, batch):
    _assert_refused(await post_batch(client, MALFORMED[batch]), 400)
    await _nothing_ran(engine)


async def test_an_unparseable_batch_is_a_request_error(client, engine):
    body = orjson.dumps([op(CREATE_SESSION)])[:-3]
    response = await client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    _assert_refused(response, 400)
    await _nothing_ran(engine)


async def test_a_batch_over_get_is_a_request_error(client, engine):
    batch = orjson.dumps([op("{ __typename }"), op(CREATE_SESSION)])
    response = await client.request(
        "GET", "/graphql", content=batch, headers={"content-type": "application/json"}
    )
    _assert_refused(response, 405)
    response = await client.get(
        "/graphql", params={"query": batch.decode()}, headers={"accept": "application/json"}
    )
    _assert_refused(response, 405)
    await _nothing_ran(engine)


# ---------------------------------------------------------------- GRAPH_API_MAX_BATCH


async def test_fifty_operations_run_and_fifty_one_are_refused(client, engine):
    results = await run_batch(client, [op("{ __typename }")] * 50)
    assert results == [{"data": {"__typename": "Query"}}] * 50
    error = _assert_refused(
        await post_batch(client, [op(CREATE_SESSION)] * 51), 413, "LIMIT_EXCEEDED"
    )
    assert "50" in error["message"]
    await _nothing_ran(engine)


class TestConfiguredMaxBatch:
    @pytest.fixture
    def settings(self, database_url, limits):
        return Settings(
            database_url=database_url, migrate_on_start=False, limits=limits, max_batch=3
        )

    async def test_max_batch_is_a_setting(self, client, engine):
        assert len(await run_batch(client, [op("{ __typename }")] * 3)) == 3
        _assert_refused(await post_batch(client, [op(CREATE_SESSION)] * 4), 413, "LIMIT_EXCEEDED")
        await _nothing_ran(engine)


def test_max_batch_reads_graph_api_max_batch(monkeypatch):
    monkeypatch.setenv("GRAPH_API_MAX_BATCH", "7")
    assert Settings().max_batch == 7
    monkeypatch.delenv("GRAPH_API_MAX_BATCH")
    assert Settings().max_batch == 50


# ---------------------------------------------------------------- limits per operation and summed


def _aliases(count: int, mutation: bool = False) -> dict:
    fields = " ".join(f"a{i}: __typename" for i in range(count))
    if mutation:
        return op(f"mutation {{ {fields} createSession {{ id }} }}")
    return op(f"{{ {fields} }}")


async def test_aliases_are_limited_over_the_whole_batch(client, engine):
    results = await run_batch(client, [_aliases(2), _aliases(2, mutation=True)])
    assert all("errors" not in result for result in results), results
    assert len((await database_dump(engine))["sessions"]) == 1
    error = _assert_refused(
        await post_batch(client, [_aliases(3, mutation=True), _aliases(2)]), 413, "LIMIT_EXCEEDED"
    )
    assert "5 aliases" in error["message"]
    assert len((await database_dump(engine))["sessions"]) == 1


async def test_aliases_in_fragments_count_towards_the_batch(client):
    fragment = "fragment F on Query { x: __typename y: __typename }"
    two = op(f"{{ ...F }} {fragment}")
    assert len(await run_batch(client, [two, two])) == 2
    _assert_refused(await post_batch(client, [two, two, _aliases(1)]), 413, "LIMIT_EXCEEDED")


async def test_fields_after_expansion_are_limited_over_the_whole_batch(client, engine):
    fragment = "fragment F on Query { __typename __typename __typename __typename __typename }"
    fifty = op(f"{{ {' '.join(['...F'] * 10)} }} {fragment}")  # 50 fields once expanded
    assert len(await run_batch(client, [fifty, fifty])) == 2  # 100: at the limit
    mutation = op("mutation { createSession { id } }")
    error = _assert_refused(
        await post_batch(client, [fifty, fifty, mutation]), 413, "LIMIT_EXCEEDED"
    )
    assert "fields after fragment expansion" in error["message"], error
    assert (await database_dump(engine))["sessions"] == []


async def test_depth_is_limited_per_operation_only(client, gql):
    session_id = (await gql.ok(CREATE_SESSION))["createSession"]["id"]
    deep = op(f"query($s: ID!, $n: String!) {DEEP}", s=session_id, n="N001")
    results = await run_batch(client, [deep] * 5)  # each at the limit; 5 x 4 levels in all
    expected = {"data": {"node": {"session": {"node": {"session": {"id": session_id}}}}}}
    assert results == [expected] * 5
    deeper = op(f"query($s: ID!, $n: String!) {DEEPER}", s=session_id, n="N001")
    results = await run_batch(client, [deep, deeper, deep])
    assert results[0] == results[2] == expected
    assert codes(results[1]) == ["LIMIT_EXCEEDED"]


async def test_list_limits_apply_per_operation(client, gql, engine):
    session_id = (await gql.ok(CREATE_SESSION))["createSession"]["id"]
    create = (
        "mutation($s: ID!, $i: [NodeInput!]!) { createNodes(sessionId: $s, inputs: $i) { nodeId } }"
    )
    three = [{"label": f"n{i}"} for i in range(3)]
    results = await run_batch(client, [op(create, s=session_id, i=three)] * 3)
    assert all("errors" not in result for result in results), results
    before = await database_dump(engine)
    results = await run_batch(
        client, [op(create, s=session_id, i=three), op(create, s=session_id, i=[*three, *three])]
    )
    assert results[0] == ABORTED
    assert codes(results[1]) == ["LIMIT_EXCEEDED"]
    assert await database_dump(engine) == before


async def test_a_fan_out_of_fragments_is_measured_without_expanding_it(client, engine):
    """30 fragments each spreading the previous one twice hold 2^31 aliases: refused at
    once, not walked."""
    fragments = ["fragment F0 on Query { a: __typename b: __typename }"]
    fragments += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 31)]
    fan_out = op(
        f"mutation {{ createSession {{ id }} }} query Q {{ ...F30 }} {' '.join(fragments)}"
    )
    started = time.monotonic()
    error = _assert_refused(await post_batch(client, [fan_out]), 413, "LIMIT_EXCEEDED")
    assert time.monotonic() - started < 5
    assert f"{2**31} aliases" in error["message"]
    await _nothing_ran(engine)


async def test_a_large_operation_is_parsed_off_the_event_loop_and_runs(client):
    large = op("# " + "padding " * 3000 + "\n{ __typename }")  # ~24 KB, above INLINE_BYTES
    assert len(large["query"]) > INLINE_BYTES
    assert await run_batch(client, [large, large]) == [{"data": {"__typename": "Query"}}] * 2
