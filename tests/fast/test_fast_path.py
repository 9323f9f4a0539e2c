"""The compiled read path is what answers plain reads (issue 6), with a fixed number of
statements; anything else (unsupported fields, errors, mutations) gets the general path."""

from __future__ import annotations

import logging
import uuid

import pytest

from tests.factories import make_nodes, make_relationships, make_session

BENCHMARK = """query($s: ID!, $first: Int) { session(id: $s) { nodes(first: $first) { nodes {
    nodeId label type components { position type content }
    outgoing { type target { nodeId label } } } } } }"""
ONE_NODE = """query($s: ID!, $n: String!) {
    node(sessionId: $s, nodeId: $n) { nodeId label type components { position type content } } }"""


@pytest.fixture
def fast_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="graph_api.graphql.fast")
    return caplog


def decisions(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "graph_api.graphql.fast"]


async def _graph(gql, size: int) -> str:
    session_id = await make_session(gql, withDefaultNodes=False)
    ids = await make_nodes(gql, session_id, size, components=2)
    pairs = list(zip(ids, ids[1:] + ids[:1], strict=True)) + list(zip(ids, ids[2:], strict=False))
    await make_relationships(gql, session_id, pairs)
    return session_id


async def test_benchmark_query_takes_the_compiled_path_in_five_statements(
    gql, count_statements, fast_log
):
    counts = []
    for size in (3, 40):
        session_id = await _graph(gql, size)
        fast_log.clear()
        with count_statements() as counter:
            data = await gql.ok(BENCHMARK, {"s": session_id, "first": 1000})
        nodes = data["session"]["nodes"]["nodes"]
        assert len(nodes) == size
        assert all(len(node["components"]) == 2 for node in nodes)
        assert decisions(fast_log) == ["compiled read path"]
        counts.append(counter.count)
    # session, page, components, outgoing relationships, their targets: whatever the size
    assert counts == [5, 5], counts


async def test_one_node_by_key_takes_the_compiled_path(gql, count_statements, fast_log):
    session_id = await _graph(gql, 3)
    fast_log.clear()
    with count_statements() as counter:
        data = await gql.ok(ONE_NODE, {"s": session_id, "n": "N002"})
    assert data["node"]["nodeId"] == "N002"
    assert decisions(fast_log) == ["compiled read path"]
    # The node, its components: a found node proves its session exists, so no session read.
    assert counter.count == 2


async def test_a_missing_node_reads_its_session_to_tell_null_from_not_found(gql, count_statements):
    session_id = await _graph(gql, 3)
    with count_statements() as counter:
        data = await gql.ok(ONE_NODE, {"s": session_id, "n": "N999"})
    assert data == {"node": None}
    assert counter.count == 2  # the node (none), then the session (it exists)
    body = await gql(ONE_NODE, {"s": str(uuid.uuid4()), "n": "N001"})
    assert body["data"] == {"node": None}
    assert body["errors"][0]["extensions"]["code"] == "SESSION_NOT_FOUND"


async def test_unsupported_fields_take_the_general_path(gql, fast_log):
    session_id = await _graph(gql, 3)
    fast_log.clear()
    data = await gql.ok(
        "query($s: ID!) { session(id: $s) { nodes { nodes { nodeId neighbors { nodeId } } } } }",
        {"s": session_id},
    )
    assert len(data["session"]["nodes"]["nodes"]) == 3
    assert decisions(fast_log) == ["general path: Unsupported: Node.neighbors"]


async def test_an_error_is_answered_by_the_general_path(gql, fast_log):
    session_id = await _graph(gql, 2)
    fast_log.clear()
    body = await gql(
        "query($s: ID!) { session(id: $s) { id nodes(first: -1) { totalCount } } }",
        {"s": session_id},
    )
    assert body["data"] == {"session": None}
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "first"}
    assert body["errors"][0]["path"] == ["session", "nodes"]
    assert decisions(fast_log) == ["general path: BadUserInput: first must not be negative"]


async def test_mutations_never_take_the_compiled_path(gql, fast_log):
    fast_log.clear()
    await gql.ok("mutation { createSession { id nodes { nodes { nodeId } } } }")
    assert decisions(fast_log) == []
