"""Node.neighbors (CONTRACT.md §4, §7): depth 1..5, directions, type filter, distinct, isolated."""

from __future__ import annotations

import pytest

from tests.factories import make_session
from tests.graphql.helpers import code

CREATE_NODES = """mutation($s: ID!, $inputs: [NodeInput!]!) {
  createNodes(sessionId: $s, inputs: $inputs) { nodeId }
}"""
CREATE_RELATIONSHIPS = """mutation($s: ID!, $inputs: [RelationshipInput!]!) {
  createRelationships(sessionId: $s, inputs: $inputs) { id }
}"""
NEIGHBORS = """query($s: ID!, $n: String!, $direction: Direction, $depth: Int, $types: [String!]) {
  node(sessionId: $s, nodeId: $n) {
    neighbors(direction: $direction, depth: $depth, types: $types) { nodeId sessionId }
  }
}"""

# A chain A -T1-> B -T1-> C -T2-> D -T1-> E -T1-> F -T1-> G, a shortcut A -T3-> C,
# a cycle C -T2-> A, an incoming X -T1-> A, a self-loop on B and an island I.
EDGES = [
    ("A", "B", "T1"),
    ("B", "C", "T1"),
    ("C", "D", "T2"),
    ("D", "E", "T1"),
    ("E", "F", "T1"),
    ("F", "G", "T1"),
    ("A", "C", "T3"),
    ("C", "A", "T2"),
    ("X", "A", "T1"),
    ("B", "B", "T1"),
]


async def _graph(gql, session_id):
    inputs = [{"nodeId": n, "label": n} for n in "ABCDEFGXI"]
    await gql.ok(CREATE_NODES, {"s": session_id, "inputs": inputs})
    rels = [{"sourceId": s, "targetId": t, "type": ty} for s, t, ty in EDGES]
    await gql.ok(CREATE_RELATIONSHIPS, {"s": session_id, "inputs": rels})


@pytest.fixture
async def session_id(gql):
    session_id = await make_session(gql, withDefaultNodes=False)
    await _graph(gql, session_id)
    return session_id


async def _neighbors(gql, session_id, node_id="A", **arguments):
    data = await gql.ok(NEIGHBORS, {"s": session_id, "n": node_id, **arguments})
    found = [n["nodeId"] for n in data["node"]["neighbors"]]
    assert len(found) == len(set(found)), "neighbors must be distinct"
    assert {n["sessionId"] for n in data["node"]["neighbors"]} <= {session_id}
    return sorted(found)


@pytest.mark.parametrize(
    ("depth", "expected"),
    [
        (1, ["B", "C"]),
        (2, ["B", "C", "D"]),
        (3, ["B", "C", "D", "E"]),
        (4, ["B", "C", "D", "E", "F"]),
        (5, ["B", "C", "D", "E", "F", "G"]),
    ],
)
async def test_outgoing_neighbors_by_depth(gql, session_id, depth, expected):
    assert await _neighbors(gql, session_id, direction="OUT", depth=depth) == expected


async def test_depth_5_stops_before_the_sixth_hop(gql, session_id):
    # From B: C(1) D(2) E(3) F(4) G(5) and A(2, via the cycle); from X, G is 6 hops away.
    assert await _neighbors(gql, session_id, "X", direction="OUT", depth=5) == [
        "A",
        "B",
        "C",
        "D",
        "E",
        "F",
    ]


async def test_incoming_and_both_directions(gql, session_id):
    assert await _neighbors(gql, session_id, direction="IN") == ["C", "X"]
    assert await _neighbors(gql, session_id, direction="IN", depth=2) == ["B", "C", "X"]
    assert await _neighbors(gql, session_id, direction="BOTH") == ["B", "C", "X"]
    # BOTH is the default direction, 1 the default depth.
    assert await _neighbors(gql, session_id) == ["B", "C", "X"]
    assert await _neighbors(gql, session_id, "D", direction="BOTH", depth=2) == [
        "A",
        "B",
        "C",
        "E",
        "F",
    ]


async def test_the_node_itself_is_excluded_even_through_cycles(gql, session_id):
    assert "A" not in await _neighbors(gql, session_id, direction="OUT", depth=5)
    assert "B" not in await _neighbors(gql, session_id, "B", direction="BOTH", depth=5)
    assert await _neighbors(gql, session_id, "I", depth=5) == []


async def test_types_filter_follows_only_those_types(gql, session_id):
    assert await _neighbors(gql, session_id, direction="OUT", depth=5, types=["T1"]) == ["B", "C"]
    assert await _neighbors(gql, session_id, direction="OUT", depth=5, types=["T3", "T2"]) == [
        "C",
        "D",
    ]
    assert await _neighbors(gql, session_id, direction="OUT", depth=5, types=[]) == []
    assert await _neighbors(gql, session_id, direction="OUT", types=["NOPE"]) == []


@pytest.mark.parametrize("depth", [0, 6, -1, 100])
async def test_depth_out_of_range_is_bad_user_input(gql, session_id, depth):
    error = await gql.error(NEIGHBORS, {"s": session_id, "n": "A", "depth": depth})
    assert code(error) == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "depth"


async def test_neighbors_of_many_nodes_in_one_request(gql, session_id):
    data = await gql.ok(
        """query($s: ID!) { session(id: $s) { nodes {
          nodes { nodeId out: neighbors(direction: OUT) { nodeId }
                  two: neighbors(direction: IN, depth: 2, types: ["T1"]) { nodeId } } } } }""",
        {"s": session_id},
    )
    found = {
        n["nodeId"]: (sorted(x["nodeId"] for x in n["out"]), sorted(x["nodeId"] for x in n["two"]))
        for n in data["session"]["nodes"]["nodes"]
    }
    assert found == {
        "A": (["B", "C"], ["X"]),
        "B": (["C"], ["A", "X"]),
        "C": (["A", "D"], ["A", "B"]),
        "D": (["E"], []),
        "E": (["F"], ["D"]),
        "F": (["G"], ["D", "E"]),
        "G": ([], ["E", "F"]),
        "I": ([], []),
        "X": (["A"], []),
    }


async def test_neighbors_stay_in_their_session(gql, session_id):
    other = await make_session(gql, withDefaultNodes=False)
    await gql.ok(
        CREATE_NODES, {"s": other, "inputs": [{"nodeId": n, "label": n} for n in ("A", "Q")]}
    )
    await gql.ok(
        CREATE_RELATIONSHIPS,
        {"s": other, "inputs": [{"sourceId": "A", "targetId": "Q", "type": "T1"}]},
    )
    assert await _neighbors(gql, session_id, direction="OUT") == ["B", "C"]
    assert await _neighbors(gql, other, direction="BOTH", depth=5) == ["Q"]
