"""Errors and limits (CONTRACT.md §2, §5, §7): codes, atomic mutations, masking, one transaction.

The limits are configured small here (the `limits` fixture) so that each is cheap to cross.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from graph_api.config import Limits
from graph_api.db.transaction import UnitOfWork, transaction_context
from graph_api.services import changes as change_service
from graph_api.services import nodes as node_service
from graph_api.services import reads
from graph_api.services.specs import NodeSpec
from tests.factories import make_relationships, make_session
from tests.graphql.helpers import code, revision, row_counts

SMALL = Limits(
    max_depth=5,
    max_aliases=4,
    max_page_size=10,
    default_page_size=5,
    max_list_length=3,
    max_label_length=10,
    max_type_length=10,  # RELATES_TO (the factories' type) fits
    max_content_bytes=8,
    max_json_bytes=20,
)


@pytest.fixture
def limits():
    return SMALL


@pytest.fixture
async def session_id(gql):
    return await make_session(gql)


def test_default_limits_are_the_contract_table():
    limits = Limits()
    assert (limits.max_depth, limits.max_aliases) == (15, 500)
    assert (limits.max_page_size, limits.default_page_size) == (5_000, 100)
    assert limits.max_list_length == 10_000
    assert limits.max_body_bytes == 64 * 1024 * 1024
    assert (limits.max_label_length, limits.max_type_length, limits.max_node_id_length) == (
        1_000,
        100,
        64,
    )
    assert limits.max_content_bytes == 1024 * 1024
    assert limits.max_json_bytes == 64 * 1024
    assert limits.max_neighbor_depth == 5


# ---------------------------------------------------------------- depth and aliases


def _nested(depth):
    """A query whose deepest field is `depth` levels below the root field `session`."""
    fields, on_session = [], True
    for _ in range(depth - 1):
        fields.append('node(nodeId: "N001")' if on_session else "session")
        on_session = not on_session
    inner = "id" if on_session else "nodeId"
    for field in reversed(fields):
        inner = f"{field} {{ {inner} }}"
    return f"query($s: ID!) {{ session(id: $s) {{ {inner} }} }}"


async def test_depth_at_the_limit_is_answered(gql, session_id):
    data = await gql.ok(_nested(5), {"s": session_id})
    assert data["session"] is not None


async def test_depth_over_the_limit_is_limit_exceeded(gql, session_id):
    body = await gql(_nested(6), {"s": session_id})
    assert "data" not in body or body["data"] is None
    assert [code(e) for e in body["errors"]] == ["LIMIT_EXCEEDED"]


async def test_aliases_over_the_limit_are_limit_exceeded(gql, session_id, engine):
    fields = " ".join(
        f'a{i}: createNode(sessionId: $s, input: {{label: "x"}}) {{ nodeId }}' for i in range(5)
    )
    body = await gql(f"mutation($s: ID!) {{ {fields} }}", {"s": session_id})
    assert [code(e) for e in body["errors"]] == ["LIMIT_EXCEEDED"]
    assert (await row_counts(engine, session_id))["nodes"] == 2
    fields = " ".join(f"a{i}: __typename" for i in range(4))
    assert await gql.ok(f"{{ {fields} }}")


# ---------------------------------------------------------------- page size and list lengths


@pytest.mark.parametrize(
    "query",
    [
        "query($s: ID!, $f: Int) { session(id: $s) { nodes(first: $f) { totalCount } } }",
        "query($s: ID!, $f: Int) { session(id: $s) { relationships(first: $f) { totalCount } } }",
        "query($s: ID!, $f: Int) { changes(sessionId: $s, sinceRevision: 0, first: $f) { "
        "revision } }",
    ],
    ids=["nodes", "relationships", "changes"],
)
async def test_first_over_the_page_limit_is_limit_exceeded(gql, session_id, query):
    assert await gql.ok(query, {"s": session_id, "f": 10})
    error = await gql.error(query, {"s": session_id, "f": 11})
    assert code(error) == "LIMIT_EXCEEDED"


LIST_CASES = {
    "createNodes": (
        "mutation($s: ID!, $l: [NodeInput!]!) { createNodes(sessionId: $s, inputs: $l) { nodeId "
        "} }",
        lambda n: [{"label": f"x{i}"} for i in range(n)],
    ),
    "createNode.components": (
        """mutation($s: ID!, $l: [ComponentInput!]) {
          createNode(sessionId: $s, input: {label: "x", components: $l}) { nodeId } }""",
        lambda n: [{"type": "t"}] * n,
    ),
    "setComponents": (
        """mutation($s: ID!, $l: [ComponentInput!]!) {
          setComponents(sessionId: $s, nodeId: "N001", components: $l) { version } }""",
        lambda n: [{"type": "t"}] * n,
    ),
    "deleteNodes": (
        "mutation($s: ID!, $l: [String!]!) { deleteNodes(sessionId: $s, nodeIds: $l) { deleted } }",
        lambda n: ["N001", "N002", "a", "b", "c"][:n] if n > 3 else ["N001", "N002"][: min(n, 2)],
    ),
    "createRelationships": (
        """mutation($s: ID!, $l: [RelationshipInput!]!) {
          createRelationships(sessionId: $s, inputs: $l) { id } }""",
        lambda n: [{"sourceId": "N001", "targetId": "N002", "type": f"T{i}"} for i in range(n)],
    ),
    "deleteRelationships": (
        "mutation($s: ID!, $l: [ID!]!) { deleteRelationships(sessionId: $s, ids: $l) { deleted } }",
        lambda n: ["1", "2", "3", "4"][:n] if n > 3 else [],
    ),
    "filter.nodeIds": (
        "query($s: ID!, $l: [String!]) { session(id: $s) { nodes(first: 5, filter: {nodeIds: "
        "$l}) { totalCount } } }",
        lambda n: [f"n{i}" for i in range(n)],
    ),
    "filter.types": (
        "query($s: ID!, $l: [String!]) { session(id: $s) { nodes(first: 5, filter: {types: $l}) "
        "{ totalCount } } }",
        lambda n: [f"t{i}" for i in range(n)],
    ),
    "relationships.filter": (
        """query($s: ID!, $l: [String!]) {
          session(id: $s) { relationships(first: 5, filter: {sourceIds: $l}) { totalCount } } }""",
        lambda n: [f"n{i}" for i in range(n)],
    ),
    "outgoing.types": (
        """query($s: ID!, $l: [String!]) {
          node(sessionId: $s, nodeId: "N001") { outgoing(types: $l) { id } } }""",
        lambda n: [f"t{i}" for i in range(n)],
    ),
    "incoming.types": (
        """query($s: ID!, $l: [String!]) {
          node(sessionId: $s, nodeId: "N001") { incoming(types: $l) { id } } }""",
        lambda n: [f"t{i}" for i in range(n)],
    ),
    "neighbors.types": (
        """query($s: ID!, $l: [String!]) {
          node(sessionId: $s, nodeId: "N001") { neighbors(types: $l) { nodeId } } }""",
        lambda n: [f"t{i}" for i in range(n)],
    ),
}


@pytest.mark.parametrize("case", LIST_CASES)
async def test_list_over_the_limit_is_limit_exceeded(gql, session_id, engine, case):
    query, items = LIST_CASES[case]
    before = await row_counts(engine, session_id)
    error = await gql.error(query, {"s": session_id, "l": items(4)})
    assert code(error) == "LIMIT_EXCEEDED", error
    assert await row_counts(engine, session_id) == before
    body = await gql(query, {"s": session_id, "l": items(3)})
    assert all(code(e) != "LIMIT_EXCEEDED" for e in body.get("errors", [])), body


# ---------------------------------------------------------------- single values


CREATE = """mutation($s: ID!, $input: NodeInput!) {
  createNode(sessionId: $s, input: $input) { nodeId }
}"""


@pytest.mark.parametrize(
    ("input_", "field"),
    [
        ({"label": "x" * 11}, "label"),
        ({"label": ""}, "label"),
        ({"label": "x", "type": "x" * 11}, "type"),
        ({"label": "x", "type": ""}, "type"),
        ({"label": "x", "nodeId": "N" * 65}, "nodeId"),
        ({"label": "x", "metadata": {"k": "x" * 20}}, "metadata"),
        ({"label": "x", "metadata": [1]}, "metadata"),
        (
            {"label": "x", "metadata": None, "components": [{"type": "t", "content": "é" * 5}]},
            "content",
        ),
        ({"label": "x", "components": [{"type": "x" * 11}]}, "type"),
        (
            {"label": "x", "components": [{"type": "t", "properties": {"k": "x" * 20}}]},
            "properties",
        ),
        ({"label": "x", "components": [{"type": "t", "properties": "text"}]}, "properties"),
    ],
)
async def test_one_value_out_of_its_rules_is_bad_user_input(gql, session_id, engine, input_, field):
    error = await gql.error(CREATE, {"s": session_id, "input": input_})
    assert code(error) == "BAD_USER_INPUT", error
    assert error["extensions"]["field"].endswith(field), error
    assert (await row_counts(engine, session_id))["nodes"] == 2


async def test_values_at_their_limits_are_accepted(gql, session_id):
    await gql.ok(
        CREATE,
        {
            "s": session_id,
            "input": {
                "label": "x" * 10,
                "type": "x" * 10,
                "metadata": {"k": "x" * 12},  # {"k":"xxxxxxxxxxxx"} is 20 bytes
                "components": [{"type": "t", "content": "é" * 4}],  # 8 bytes
            },
        },
    )


@pytest.mark.parametrize(
    ("mutation", "field"),
    [
        (
            'updateNode(sessionId: $s, nodeId: "N001", patch: {label: "xxxxxxxxxxx"}) { version }',
            "label",
        ),
        ('updateNode(sessionId: $s, nodeId: "N001", patch: {label: " "}) { version }', "label"),
        ('updateNode(sessionId: $s, nodeId: "N001", patch: {metadata: 1}) { version }', "metadata"),
        (
            'addComponent(sessionId: $s, nodeId: "N001", component: {type: "t", content: '
            '"123456789"}) { version }',
            "content",
        ),
        (
            'updateSession(id: $s, patch: {metadata: {k: "xxxxxxxxxxxxxxxxxxxx"}}) { id }',
            "metadata",
        ),
        (
            'createRelationship(sessionId: $s, input: {sourceId: "N001", targetId: "N002", '
            'type: "TYPES IS 11"}) { id }',
            "type",
        ),
        (
            'createRelationship(sessionId: $s, input: {sourceId: "N001", targetId: "N002", '
            'type: "T", properties: [1]}) { id }',
            "properties",
        ),
    ],
)
async def test_patches_are_checked_too(gql, session_id, mutation, field):
    error = await gql.error(f"mutation($s: ID!) {{ {mutation} }}", {"s": session_id})
    assert code(error) == "BAD_USER_INPUT", error
    assert error["extensions"]["field"].endswith(field), error
    assert await revision(gql, session_id) == 1


async def test_expected_version_below_one_is_bad_user_input(gql, session_id):
    error = await gql.error(
        'mutation($s: ID!) { updateNode(sessionId: $s, nodeId: "N001", patch: {label: "y"}, '
        "expectedVersion: 0) { version } }",
        {"s": session_id},
    )
    assert code(error) == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "expectedVersion"


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

    monkeypatch.setattr(reads, "count_nodes", broken)
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
    engine = app.state.engine
    original = UnitOfWork.execute
    wrote = []

    async def execute_then_write(self, statement, params=None):
        result = await original(self, statement, params)
        if not self.write and not wrote:
            wrote.append(True)
            async with transaction_context(engine, write=True, limits=self.limits) as writer:
                await node_service.create_nodes(
                    db=writer, session_id=session_id, specs=[NodeSpec(label="late", node_id="late")]
                )
        return result

    monkeypatch.setattr(UnitOfWork, "execute", execute_then_write)
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
