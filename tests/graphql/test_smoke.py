"""A first end-to-end pass: create, nest, fail atomically."""

from __future__ import annotations

from tests.factories import make_nodes, make_relationships, make_session


async def test_create_session_has_default_nodes_at_revision_1(gql):
    data = await gql.ok(
        "mutation { createSession { id revision nodeCount nodes { nodes { nodeId } } } }"
    )
    session = data["createSession"]
    assert session["revision"] == 1
    assert [n["nodeId"] for n in session["nodes"]["nodes"]] == ["N001", "N002"]
    feed = await gql.ok(
        """query($s: ID!) {
          changes(sessionId: $s, sinceRevision: 0) { changes { revision op kind key } } }""",
        {"s": session["id"]},
    )
    assert [(c["op"], c["kind"], c["key"]) for c in feed["changes"]["changes"]] == [
        ("CREATE", "SESSION", session["id"]),
        ("CREATE", "NODE", "N001"),
        ("CREATE", "NODE", "N002"),
    ]


async def test_failed_last_field_rolls_back_whole_mutation(gql):
    session_id = await make_session(gql)
    body = await gql(
        """mutation($s: ID!) {
          a: createNode(sessionId: $s, input: {label: "kept?"}) { nodeId }
          b: createNode(sessionId: $s, input: {nodeId: "N001", label: "dup"}) { nodeId }
        }""",
        {"s": session_id},
    )
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "DUPLICATE"
    data = await gql.ok(
        "query($s: ID!) { session(id: $s) { revision nodeCount } }", {"s": session_id}
    )
    assert data["session"] == {"revision": 1, "nodeCount": 2}


async def test_nested_query_statement_count_does_not_grow(gql, count_statements):
    query = """query($s: ID!) { session(id: $s) { nodes(first: 1000) { nodes {
        nodeId components { position content } outgoing { type target { nodeId label } } } } } }"""
    counts = []
    for size in (5, 500):
        session_id = await make_session(gql, withDefaultNodes=False)
        ids = await make_nodes(gql, session_id, size, components=2)
        await make_relationships(gql, session_id, list(zip(ids, ids[1:] + ids[:1], strict=True)))
        with count_statements() as counter:
            data = await gql.ok(query, {"s": session_id})
        assert len(data["session"]["nodes"]["nodes"]) == size
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
