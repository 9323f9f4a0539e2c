"""Batched requests as one unit of work (CONTRACT.md §13): results in order, one
transaction, one revision, all-or-nothing when the batch writes, one snapshot when it
reads. Over real HTTP through the ASGI app, on the test engine."""

from __future__ import annotations

import logging

import httpx
import pytest
from sqlalchemy import event

from graph_api.app import create_app
from graph_api.db.errors import UNAVAILABLE
from graph_api.services.changes import log as change_service
from tests.factories import make_session
from tests.graphql.batching import (
    ABORTED,
    CREATE_NODE,
    CREATE_SESSION,
    DELETE_NODE,
    READ_NODE,
    READ_SESSION,
    UPDATE_LABEL,
    codes,
    database_dump,
    export_json,
    op,
    run_batch,
)
from tests.graphql.helpers import change_list, commit_a_node_after_the_first_read, revision


@pytest.fixture
async def session_id(gql):
    return await make_session(gql)


# ---------------------------------------------------------------- order and one transaction


async def test_results_come_back_in_order(client, session_id):
    results = await run_batch(
        client,
        [
            op(READ_NODE, s=session_id, n="N002"),
            op("{ __typename }"),
            op(READ_NODE, s=session_id, n="N001"),
            op(READ_NODE, s=session_id, n="nope"),
        ],
    )
    assert results == [
        {"data": {"node": {"nodeId": "N002", "label": "N002", "version": 1, "components": []}}},
        {"data": {"__typename": "Query"}},
        {"data": {"node": {"nodeId": "N001", "label": "N001", "version": 1, "components": []}}},
        {"data": {"node": None}},
    ]


@pytest.mark.parametrize("writes", [False, True], ids=["reads", "writes"])
async def test_a_batch_is_one_transaction(app, client, session_id, writes):
    first = (
        op(CREATE_NODE, s=session_id, id="A", label="a")
        if writes
        else op(READ_NODE, s=session_id, n="N001")
    )
    begins = []
    listener = lambda conn: begins.append(conn)  # noqa: E731
    event.listen(app.state.engine.sync_engine, "begin", listener)
    try:
        results = await run_batch(
            client, [first, op(READ_SESSION, s=session_id), op(READ_NODE, s=session_id, n="N002")]
        )
    finally:
        event.remove(app.state.engine.sync_engine, "begin", listener)
    assert all("errors" not in result for result in results), results
    assert len(begins) == 1


# ---------------------------------------------------------------- batches that write


async def test_later_operations_see_earlier_writes(client, session_id):
    results = await run_batch(
        client,
        [
            op(CREATE_NODE, s=session_id, id="A", label="first"),
            op(UPDATE_LABEL, s=session_id, n="A", label="second"),
            op(READ_NODE, s=session_id, n="A"),
            op(DELETE_NODE, s=session_id, n="N002"),
            op(READ_SESSION, s=session_id),
        ],
    )
    assert [result.get("errors") for result in results] == [None] * 5
    assert results[1]["data"]["updateNode"] == {"nodeId": "A", "label": "second", "version": 2}
    assert results[2]["data"]["node"]["label"] == "second"
    session = results[4]["data"]["session"]
    assert session["nodeCount"] == 2
    assert [n["nodeId"] for n in session["nodes"]["nodes"]] == ["A", "N001"]
    # The revision moved once, to the batch's revision, already visible inside the batch.
    assert session["revision"] == 2


async def test_the_revision_moves_once_with_one_change_per_entity(gql, client, session_id):
    other = await make_session(gql)
    results = await run_batch(
        client,
        [
            op(CREATE_NODE, s=session_id, id="A", label="a"),
            op(UPDATE_LABEL, s=session_id, n="A", label="b"),  # create + update: CREATE
            op(UPDATE_LABEL, s=session_id, n="N001", label="x"),
            op(UPDATE_LABEL, s=session_id, n="N001", label="y"),  # update + update: UPDATE
            op(CREATE_NODE, s=session_id, id="B", label="b"),
            op(DELETE_NODE, s=session_id, n="B"),  # create + delete: nothing
            op(UPDATE_LABEL, s=other, n="N002", label="z"),
            op(DELETE_NODE, s=other, n="N002"),  # update + delete: DELETE
        ],
    )
    assert [result.get("errors") for result in results] == [None] * 8
    assert await revision(gql, session_id) == 2
    assert await revision(gql, other) == 2
    assert await change_list(gql, session_id, since=1) == [
        (2, "CREATE", "NODE", "A"),
        (2, "UPDATE", "NODE", "N001"),
    ]
    assert await change_list(gql, other, since=1) == [(2, "DELETE", "NODE", "N002")]
    node = results[3]["data"]["updateNode"]
    assert node == {"nodeId": "N001", "label": "y", "version": 3}


async def test_fifty_sessions_in_one_batch(client, engine):
    results = await run_batch(client, [op(CREATE_SESSION)] * 50)
    ids = {result["data"]["createSession"]["id"] for result in results}
    assert len(ids) == 50
    assert {result["data"]["createSession"]["revision"] for result in results} == {1}
    assert len((await database_dump(engine))["sessions"]) == 50


# ---------------------------------------------------------------- one failure aborts all


FAILURES = {
    # A service error in the middle: the operations around it ran, or would have.
    "service": (op(UPDATE_LABEL, n="N001", label=""), "BAD_USER_INPUT"),
    "duplicate": (op(CREATE_NODE, id="A", label="again"), "DUPLICATE"),  # A: the batch's own
    # None: the code the same operation gets when sent alone.
    "variable": (op(UPDATE_LABEL, n="N001", label=42), None),
    "validation": (op("mutation($s: ID!) { nope(sessionId: $s) }"), "GRAPHQL_VALIDATION_FAILED"),
    "syntax": (op("mutation { createSession { id }"), "GRAPHQL_PARSE_FAILED"),
    "query": (op('query { node(sessionId: "bad", nodeId: "N001") { nodeId } }'), None),
    "query_in_the_middle": (op(READ_NODE, n=["N001"]), None),
}


@pytest.mark.parametrize("failure", FAILURES)
async def test_any_failure_rolls_the_whole_batch_back(client, engine, session_id, failure):
    failing, code = FAILURES[failure]
    failing = {**failing, "variables": {"s": session_id, **failing["variables"]}}
    before = (await database_dump(engine), await export_json(client, session_id))
    results = await run_batch(
        client,
        [
            op(CREATE_NODE, s=session_id, id="A", label="a"),
            op(UPDATE_LABEL, s=session_id, n="N002", label="changed"),
            failing,
            op(DELETE_NODE, s=session_id, n="N001"),
            op(READ_SESSION, s=session_id),
        ],
    )
    assert [result["data"] for result in results] == [None] * 5
    assert [results[i] for i in (0, 1, 3, 4)] == [ABORTED] * 4
    assert len(results[2]["errors"]) == 1
    if code is None:
        alone = (await client.post("/graphql", json=failing)).json()
        assert results[2] == {"data": None, "errors": alone["errors"]}
    else:
        assert codes(results[2]) == [code]
    assert (await database_dump(engine), await export_json(client, session_id)) == before


async def test_the_failing_operation_keeps_its_own_error_shape(client, session_id):
    results = await run_batch(
        client,
        [
            op(UPDATE_LABEL, s=session_id, n="N001", label="fine"),
            op(UPDATE_LABEL, s=session_id, n="N404", label="x"),
        ],
    )
    assert results[0] == ABORTED
    assert results[1] == {
        "data": None,
        "errors": [
            {
                "message": "Node N404 not found",
                "locations": [{"line": 2, "column": 3}],
                "path": ["updateNode"],
                "extensions": {"code": "NODE_NOT_FOUND"},
            }
        ],
    }


async def test_a_failed_commit_answers_every_operation_and_keeps_nothing(
    client, engine, session_id, monkeypatch
):
    async def broken(_db, _pending):
        raise RuntimeError("the disk is full")

    before = await database_dump(engine)
    monkeypatch.setattr(change_service, "_flush", broken)
    results = await run_batch(
        client,
        [op(CREATE_NODE, s=session_id, id="A", label="a"), op(READ_SESSION, s=session_id)],
    )
    monkeypatch.undo()
    assert [result["data"] for result in results] == [None, None]
    assert [codes(result) for result in results] == [["INTERNAL_ERROR"]] * 2
    assert "disk" not in str(results)
    assert await database_dump(engine) == before


async def test_a_batch_after_an_aborted_one_works(client, gql, session_id):
    aborted = await run_batch(
        client,
        [op(CREATE_NODE, s=session_id, id="A", label="a"), op(CREATE_NODE, s=session_id, label="")],
    )
    assert aborted[0] == ABORTED
    results = await run_batch(client, [op(CREATE_NODE, s=session_id, id="A", label="a")])
    assert results == [{"data": {"createNode": {"nodeId": "A", "label": "a", "version": 1}}}]
    assert await revision(gql, session_id) == 2


# ---------------------------------------------------------------- batches that only read


async def test_queries_fail_independently(client, session_id):
    results = await run_batch(
        client,
        [
            op(READ_NODE, s=session_id, n="N001"),
            op('query { node(sessionId: "bad", nodeId: "N001") { nodeId } }'),
            op("{ nope }"),
            op("{ session(id: "),
            op(READ_NODE, s=session_id, n="N002"),
        ],
    )
    assert results[0]["data"]["node"]["nodeId"] == "N001"
    assert codes(results[1]) == ["SESSION_NOT_FOUND"]
    assert codes(results[2]) == ["GRAPHQL_VALIDATION_FAILED"]
    assert codes(results[3]) == ["GRAPHQL_PARSE_FAILED"]
    assert results[4]["data"]["node"]["nodeId"] == "N002"
    assert "errors" not in results[0] and "errors" not in results[4]


async def test_a_read_only_batch_reads_one_snapshot(app, client, session_id, monkeypatch):
    """A writer that commits after the batch's first statement is seen by none of its
    operations, not even the later ones."""
    wrote = commit_a_node_after_the_first_read(monkeypatch, app.state.engine, session_id)
    results = await run_batch(
        client,
        [
            op(READ_SESSION, s=session_id),
            op(READ_NODE, s=session_id, n="late"),
            op(READ_SESSION, s=session_id),
        ],
    )
    monkeypatch.undo()
    assert wrote
    assert results[0] == results[2]
    assert results[0]["data"]["session"]["revision"] == 1
    assert results[0]["data"]["session"]["nodeCount"] == 2
    assert results[1] == {"data": {"node": None}}
    after = await run_batch(client, [op(READ_NODE, s=session_id, n="late")])
    assert after[0]["data"]["node"]["nodeId"] == "late"


async def test_the_compiled_read_path_serves_queries_in_a_batch(client, session_id, caplog):
    caplog.set_level(logging.DEBUG, logger="graph_api.graphql.fast")
    results = await run_batch(
        client,
        [op(READ_SESSION, s=session_id), op(READ_NODE, s=session_id, n="N001")],
    )
    assert results[1]["data"]["node"]["nodeId"] == "N001"
    decisions = [r.getMessage() for r in caplog.records if r.name == "graph_api.graphql.fast"]
    assert decisions == ["compiled read path", "compiled read path"]
    # And inside a batch that writes, after the writes.
    caplog.clear()
    results = await run_batch(
        client,
        [op(CREATE_NODE, s=session_id, id="A", label="a"), op(READ_NODE, s=session_id, n="A")],
    )
    assert results[1] == {
        "data": {"node": {"nodeId": "A", "label": "a", "version": 1, "components": []}}
    }
    decisions = [r.getMessage() for r in caplog.records if r.name == "graph_api.graphql.fast"]
    assert decisions == ["compiled read path"]


async def test_a_database_that_is_down_answers_every_operation(settings):
    down = settings.model_copy(
        update={
            "database_url": "postgresql+asyncpg://postgres@127.0.0.1:1/graph_api",
            "connect_timeout_s": 1.0,
        }
    )
    app = create_app(down)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as http,
    ):
        results = await run_batch(http, [op(CREATE_SESSION), op("{ __typename }")])
    expected = {"message": UNAVAILABLE, "extensions": {"code": "INTERNAL_ERROR", "retryable": True}}
    assert results == [{"data": None, "errors": [expected]}] * 2
