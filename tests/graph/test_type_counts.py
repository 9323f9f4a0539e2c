"""Session.typeCounts (CONTRACT.md §12): per type, largest count first, then type by code point."""

from __future__ import annotations

from tests.factories import make_session

COUNTS = """query($s: ID!) { session(id: $s) {
  typeCounts { nodes { type count } relationships { type count } } } }"""


async def test_counts_per_type_largest_first_then_by_code_point(gql):
    s = await make_session(gql, withDefaultNodes=False)
    other = await make_session(gql)
    types = ["b", "B", "a", "b", "é", "a", "Z"]
    await gql.ok(
        "mutation($s: ID!, $i: [NodeInput!]!) {"
        " createNodes(sessionId: $s, inputs: $i) { nodeId } }",
        {"s": s, "i": [{"nodeId": f"n{i}", "label": "x", "type": t} for i, t in enumerate(types)]},
    )
    await gql.ok(
        "mutation($s: ID!, $i: [RelationshipInput!]!) {"
        " createRelationships(sessionId: $s, inputs: $i) { id } }",
        {
            "s": s,
            "i": [
                {"sourceId": "n0", "targetId": f"n{i}", "type": "R" if i % 3 else "Q"}
                for i in range(7)
            ],
        },
    )
    data = await gql.ok(COUNTS, {"s": s})
    assert data["session"]["typeCounts"] == {
        "nodes": [
            {"type": "a", "count": 2},
            {"type": "b", "count": 2},
            {"type": "B", "count": 1},
            {"type": "Z", "count": 1},
            {"type": "é", "count": 1},
        ],
        "relationships": [{"type": "R", "count": 4}, {"type": "Q", "count": 3}],
    }
    data = await gql.ok(COUNTS, {"s": other})
    assert data["session"]["typeCounts"] == {
        "nodes": [{"type": "concept", "count": 2}],
        "relationships": [],
    }


async def test_counts_follow_deletes(gql):
    s = await make_session(gql)
    await gql.ok(
        'mutation($s: ID!) { deleteNode(sessionId: $s, nodeId: "N001") { deleted } }', {"s": s}
    )
    data = await gql.ok(COUNTS, {"s": s})
    assert data["session"]["typeCounts"]["nodes"] == [{"type": "concept", "count": 1}]
