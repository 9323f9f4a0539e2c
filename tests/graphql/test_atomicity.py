"""Atomic requests, masking and snapshots (CONTRACT.md §2, §5): a failed mutation keeps
nothing, unexpected errors leave as INTERNAL_ERROR, a request is one transaction.

The limits are the small ones of test_errors_and_limits.py (a list of 4 is over the limit).
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from graph_api.services import nodes as node_service
from graph_api.services.changes import log as change_service
from graph_api.services.reads import pages
from tests.factories import make_relationships, make_session
from tests.graphql.helpers import (
    SMALL_LIMITS,
    code,
    commit_a_node_after_the_first_read,
    revision,
    row_counts,
)


@pytest.fixture
def limits():
    return SMALL_LIMITS


@pytest.fixture
async def session_id(gql):
    return await make_session(gql)


# ---------------------------------------------------------------- atomic mutations


FAILING_LAST_FIELDS = {
    "version": (
        'updateNode(sessionId: $s, nodeId: "N001", patch: {label: "z"}, expectedVersion: '
        "9) { version }"
    ),
    "duplicate": 'createNode(sessionId: $s, input: {nodeId: "new", label: "dup"}) { nodeId }',
    "not_found": 'deleteRelationship(sessionId: $s, id: "999") { deleted }',
    "bad_input": 'updateNode(sessionId: $s, nodeId: "N001", patch: {label: ""}) { version }',
    "limit": 'deleteNodes(sessionId: $s, nodeIds: ["a", "b", "c", "d"]) { deleted }',
    "session": 'touchSession(id: "6f1c2a9e-1d2b-4c3d-8e4f-5a6b7c8d9e0f") { id }',
}


@pytest.mark.parametrize("failure", FAILING_LAST_FIELDS)
async def test_a_failing_last_field_rolls_back_the_whole_request(gql, session_id, engine, failure):
    await make_relationships(gql, session_id, [("N001", "N002")])
    before = await row_counts(engine)
    body = await gql(
        f"""mutation($s: ID!) {{
          a: createNode(sessionId: $s, input: {{nodeId: "new", label: "x", components:
            [{{type: "t"}}]}}) {{ nodeId }}
          b: updateNode(sessionId: $s, nodeId: "N001", patch: {{label: "changed"}}) {{ version }}
          c: deleteNode(sessionId: $s, nodeId: "N002") {{ relationships }}
          d: {FAILING_LAST_FIELDS[failure]}
        }}""",
        {"s": session_id},
    )
    assert body["data"] is None
    assert len(body["errors"]) == 1
    assert body["errors"][0]["path"] == ["d"]
    assert await row_counts(engine) == before
    assert await revision(gql, session_id) == 2
    node = (
        await gql.ok(
            'query($s: ID!) { node(sessionId: $s, nodeId: "N001") { label version } }',
            {"s": session_id},
        )
    )["node"]
    assert node == {"label": "N001", "version": 1}


# ---------------------------------------------------------------- masking


async def test_unexpected_exception_is_masked_as_internal_error(
    gql, session_id, monkeypatch, caplog
):
    async def broken(**_kwargs):
        raise RuntimeError("SELECT password FROM secret_table -- hunter2")

    monkeypatch.setattr(node_service, "update_node", broken)
    caplog.set_level(logging.ERROR)
    response = await gql.http.post(
        "/graphql",
        json={
            "query": (
                'mutation($s: ID!) { updateNode(sessionId: $s, nodeId: "N001", patch: '
                '{label: "y"}) { version } }'
            ),
            "variables": {"s": session_id},
        },
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "INTERNAL_ERROR"}
    assert body["errors"][0]["message"] == "Internal server error"
    for leak in ("secret_table", "hunter2", "Traceback", "RuntimeError", "SELECT"):
        assert leak not in response.text
    assert any("secret_table" in (r.exc_text or "") or r.exc_info for r in caplog.records)


async def test_database_error_in_a_query_is_masked(gql, session_id, monkeypatch, caplog):
    statement = "SELECT count(*) FROM nodes WHERE secret = 'hunter2'"

    async def broken(**_kwargs):
        raise OperationalError(statement, {}, Exception("disk I/O error on /var/secret"))

    monkeypatch.setattr(pages, "count_nodes", broken)
    caplog.set_level(logging.ERROR)
    response = await gql.http.post(
        "/graphql",
        json={
            "query": "query($s: ID!) { session(id: $s) { nodes(first: 5) { totalCount } } }",
            "variables": {"s": session_id},
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert code(body["errors"][0]) == "INTERNAL_ERROR"
    for leak in ("hunter2", "/var/secret", "SELECT", "Traceback"):
        assert leak not in response.text


async def test_a_failed_commit_is_reported_and_keeps_nothing(gql, session_id, engine, monkeypatch):
    async def broken(_db, _pending):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(change_service, "_flush", broken)
    before = await row_counts(engine)
    body = await gql(
        'mutation($s: ID!) { createNode(sessionId: $s, input: {label: "x"}) { nodeId } }',
        {"s": session_id},
    )
    assert body["data"] is None
    assert code(body["errors"][0]) == "INTERNAL_ERROR"
    assert "disk" not in str(body)
    monkeypatch.undo()
    assert await row_counts(engine) == before


async def test_graphql_syntax_and_validation_errors_keep_their_form(gql):
    body = await gql("{ session(id: ")
    assert body["errors"][0]["message"].startswith("Syntax Error")
    assert "code" in body["errors"][0]["extensions"]
    body = await gql("{ nope }")
    assert "Cannot query field" in body["errors"][0]["message"]
    assert "code" in body["errors"][0]["extensions"]


async def test_an_invalid_variable_is_bad_user_input(gql, session_id):
    body = await gql(
        "query($s: ID!, $f: NodeFilter) { session(id: $s) { nodes(filter: $f) { totalCount } } }",
        {"s": session_id, "f": {"updatedSince": "yesterday"}},
    )
    assert code(body["errors"][0]) == "BAD_USER_INPUT"


# ---------------------------------------------------------------- one transaction, one snapshot


async def test_a_failing_field_leaves_its_siblings_and_the_transaction_intact(gql, session_id):
    """graphql-core cancels the siblings of a failed field; their statements must not
    break the request's connection (that turned the answer into INTERNAL_ERROR)."""
    body = await gql(
        """query($s: ID!) {
          ok: session(id: $s) { revision }
          session(id: $s) { nodeCount relationshipCount nodes(first: 11) { totalCount } }
          node(sessionId: $s, nodeId: "N001") { componentCount outgoing { id } }
        }""",
        {"s": session_id},
    )
    assert [code(e) for e in body["errors"]] == ["LIMIT_EXCEEDED"]
    assert body["data"] == {
        "ok": {"revision": 1},
        "session": None,
        "node": {"componentCount": 0, "outgoing": []},
    }


async def test_a_request_is_one_transaction(app, gql, session_id):
    await make_relationships(gql, session_id, [("N001", "N002")])
    begins = []
    listener = lambda conn: begins.append(conn)  # noqa: E731
    event.listen(app.state.engine.sync_engine, "begin", listener)
    try:
        await gql.ok(
            """query($s: ID!) { session(id: $s) { revision nodeCount
              nodes(first: 5) { totalCount nodes { nodeId componentCount outgoing { target {
                nodeId } } } }
              relationships(first: 5) { nodes { source { nodeId } } } }
              node(sessionId: $s, nodeId: "N002") { components { id } incoming { id }
                neighbors(depth: 2) { nodeId } }
              changes(sessionId: $s, sinceRevision: 0, first: 5) { revision } }""",
            {"s": session_id},
        )
        assert len(begins) == 1
        await gql.ok(
            """mutation($s: ID!) { a: createNode(sessionId: $s, input: {label: "x"}) { nodeId }
              b: updateNode(sessionId: $s, nodeId: "N001", patch: {label: "y"}) { version } }""",
            {"s": session_id},
        )
        assert len(begins) == 2
    finally:
        event.remove(app.state.engine.sync_engine, "begin", listener)


async def test_a_query_reads_one_snapshot(app, gql, session_id, monkeypatch):
    """A writer that commits between two statements of a query is not seen by the query."""
    wrote = commit_a_node_after_the_first_read(monkeypatch, app.state.engine, session_id)
    data = await gql.ok(
        """query($s: ID!) { session(id: $s) { revision nodeCount
          nodes(first: 5) { totalCount nodes { nodeId } } } }""",
        {"s": session_id},
    )
    assert wrote
    assert data["session"] == {
        "revision": 1,
        "nodeCount": 2,
        "nodes": {"totalCount": 2, "nodes": [{"nodeId": "N001"}, {"nodeId": "N002"}]},
    }
    monkeypatch.undo()
    assert await revision(gql, session_id) == 2
