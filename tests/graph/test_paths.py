"""Session.shortestPath (CONTRACT.md §12): the rules one by one, then random graphs
against networkx (length) and a brute-force reference (the exact tie-broken path)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from itertools import product
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_api.config import Settings
from graph_api.db.engine import create_engine
from graph_api.db.models import nodes, relationships, sessions
from graph_api.db.transaction import transaction_context
from graph_api.services.graph.paths import shortest_path
from tests.factories import make_session
from tests.graphql.helpers import code

PATH = """query($s: ID!, $from: String!, $to: String!, $direction: Direction, $types: [String!],
  $maxDepth: Int) {
  session(id: $s) { shortestPath(from: $from, to: $to, direction: $direction, types: $types,
    maxDepth: $maxDepth) { length nodes { nodeId } relationships { id type sourceId targetId } } }
}"""


async def build(
    gql: Any, edges: list[tuple[str, str, str]], extra: str = ""
) -> tuple[str, list[str]]:
    """A session holding the edges' nodes (and `extra` ones); relationship ids in edge order."""
    s = await make_session(gql)
    names = dict.fromkeys(
        [n for source, target, _ in edges for n in (source, target)] + list(extra)
    )
    await gql.ok(
        "mutation($s: ID!, $i: [NodeInput!]!) {"
        " createNodes(sessionId: $s, inputs: $i) { nodeId } }",
        {"s": s, "i": [{"nodeId": n, "label": n} for n in names]},
    )
    ids = []
    for source, target, type_ in edges:  # one by one: ids in this order
        data = await gql.ok(
            "mutation($s: ID!, $i: RelationshipInput!) {"
            " createRelationship(sessionId: $s, input: $i) { id } }",
            {"s": s, "i": {"sourceId": source, "targetId": target, "type": type_}},
        )
        ids.append(data["createRelationship"]["id"])
    return s, ids


async def path(gql: Any, s: str, source: str, target: str, **args: Any) -> Any:
    data = await gql.ok(PATH, {"s": s, "from": source, "to": target, **args})
    return data["session"]["shortestPath"]


def node_ids(found: Any) -> list[str]:
    return [node["nodeId"] for node in found["nodes"]]


async def test_fewest_hops_and_the_smallest_node_sequence(gql):
    # A->Z->D and A->B->D and A->C->D are equally short; B < C < Z by code point.
    # The longer A->X->Y->D never wins.
    s, _ = await build(
        gql,
        [("A", "Z", "R"), ("Z", "D", "R"), ("A", "C", "R"), ("C", "D", "R"), ("A", "B", "R"),
         ("B", "D", "R"), ("A", "X", "R"), ("X", "Y", "R"), ("Y", "D", "R")],
    )  # fmt: skip
    found = await path(gql, s, "A", "D")
    assert (found["length"], node_ids(found)) == (2, ["A", "B", "D"])
    assert [(r["sourceId"], r["targetId"]) for r in found["relationships"]] == [
        ("A", "B"),
        ("B", "D"),
    ]


async def test_the_sequence_is_compared_element_by_element_by_code_point(gql):
    # Through "B" then "z" beats through "a" then "A": the second element decides ("B" < "a").
    s, _ = await build(
        gql,
        [("S", "a", "R"), ("a", "A", "R"), ("A", "T", "R"), ("S", "B", "R"), ("B", "z", "R"),
         ("z", "T", "R")],
    )  # fmt: skip
    assert node_ids(await path(gql, s, "S", "T")) == ["S", "B", "z", "T"]


async def test_between_two_nodes_the_smallest_type_then_the_oldest(gql):
    s, ids = await build(
        gql, [("A", "B", "b"), ("A", "B", "a"), ("B", "C", "x"), ("C", "B", "x"), ("B", "C", "y")]
    )
    found = await path(gql, s, "A", "C", direction="BOTH")
    assert [r["id"] for r in found["relationships"]] == [ids[1], ids[2]]
    found = await path(gql, s, "C", "A", direction="BOTH")
    # C-B: C->B (x, newer) and B->C (x, older) are both usable: the oldest wins.
    assert [r["id"] for r in found["relationships"]] == [ids[2], ids[1]]


async def test_directions(gql):
    s, _ = await build(gql, [("A", "B", "R"), ("C", "B", "R")])
    assert await path(gql, s, "A", "C") is None  # OUT is the default
    assert await path(gql, s, "A", "C", direction="OUT") is None
    assert await path(gql, s, "A", "C", direction="IN") is None
    assert node_ids(await path(gql, s, "A", "C", direction="BOTH")) == ["A", "B", "C"]
    assert node_ids(await path(gql, s, "B", "A", direction="IN")) == ["B", "A"]
    assert await path(gql, s, "B", "A", direction="OUT") is None


async def test_types_filter(gql):
    s, _ = await build(gql, [("A", "B", "R1"), ("B", "C", "R1"), ("A", "C", "R2")])
    assert node_ids(await path(gql, s, "A", "C")) == ["A", "C"]
    assert node_ids(await path(gql, s, "A", "C", types=["R1"])) == ["A", "B", "C"]
    assert node_ids(await path(gql, s, "A", "C", types=["R1", "R2"])) == ["A", "C"]
    assert await path(gql, s, "A", "C", types=["R3"]) is None
    assert await path(gql, s, "A", "C", types=[]) is None


async def test_from_equal_to_is_a_path_of_length_zero(gql):
    s, _ = await build(gql, [], extra="A")
    found = await path(gql, s, "A", "A")
    assert (found["length"], node_ids(found), found["relationships"]) == (0, ["A"], [])


async def test_max_depth_bounds_the_search_and_null_when_unreachable(gql):
    chain = [(f"n{i}", f"n{i + 1}", "R") for i in range(10)]
    s, _ = await build(gql, chain, extra="x")
    assert await path(gql, s, "n0", "n7") is None  # default maxDepth 6
    assert (await path(gql, s, "n0", "n6"))["length"] == 6
    assert (await path(gql, s, "n0", "n10", maxDepth=10))["length"] == 10
    assert await path(gql, s, "n0", "n2", maxDepth=1) is None
    assert await path(gql, s, "n0", "x", maxDepth=10) is None
    assert await path(gql, s, "n5", "n0", maxDepth=10) is None


@pytest.mark.parametrize("depth", [0, 11, -1])
async def test_max_depth_outside_1_to_10_is_bad_user_input(gql, depth):
    s, _ = await build(gql, [("A", "B", "R")])
    error = await gql.error(PATH, {"s": s, "from": "A", "to": "B", "maxDepth": depth})
    assert (code(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", "maxDepth")


@pytest.mark.parametrize(
    ("source", "target", "field"),
    [("missing", "A", "from"), ("A", "missing", "to"), ("bad id", "A", "from"), ("A", "é", "to")],
)
async def test_unknown_ends_are_node_not_found(gql, source, target, field):
    s, _ = await build(gql, [("A", "B", "R")])
    await build(gql, [("A", "missing", "R")])  # another session has "missing"
    error = await gql.error(PATH, {"s": s, "from": source, "to": target})
    assert (code(error), error["extensions"]["field"]) == ("NODE_NOT_FOUND", field)


async def test_sessions_are_isolated(gql):
    s, _ = await build(gql, [], extra="AB")
    await build(gql, [("A", "B", "R")])
    assert await path(gql, s, "A", "B", direction="BOTH") is None


# ---------------------------------------------------------------- random graphs

NAMES = ["N1", "N10", "N2", "a", "B", "b.c", "Z:1"]
TYPES = ["R1", "R2"]


def reference(
    edges: list[tuple[str, str, str]], source: str, target: str, direction: str, max_depth: int
) -> list[str] | None:
    """Brute force: every walk of the shortest length; the smallest node sequence."""
    hops: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for index, (a, b, type_) in enumerate(edges):
        if a == b:
            continue
        pairs = {"OUT": [(a, b)], "IN": [(b, a)], "BOTH": [(a, b), (b, a)]}[direction]
        for pair in pairs:
            hops.setdefault(pair, []).append((type_, index))
    names = sorted({n for pair in hops for n in pair} | {source, target})
    for length in range(1, max_depth + 1):
        walks = [
            [source, *middle, target]
            for middle in product(names, repeat=length - 1)
            if all(
                (x, y) in hops for x, y in zip([source, *middle], [*middle, target], strict=True)
            )
        ]
        if walks:
            return min(walks)
    return None


graphs = st.lists(
    st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES), st.sampled_from(TYPES)),
    unique=True,
    max_size=14,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    edges=graphs,
    source=st.sampled_from(NAMES),
    target=st.sampled_from(NAMES),
    direction=st.sampled_from(["OUT", "IN", "BOTH"]),
    max_depth=st.integers(1, 5),
)
async def test_random_graphs_against_networkx_and_brute_force(
    settings: Settings, edges, source, target, direction, max_depth
) -> None:
    engine = create_engine(settings)
    session_id = str(uuid.uuid4())
    now = datetime(2026, 1, 1, tzinfo=UTC)
    stamp = {"created_at": now, "updated_at": now}
    try:
        async with transaction_context(engine, write=True) as db:
            await db.execute(
                sessions.insert(),
                {"id": session_id, "metadata": {}, "created_at": stamp["created_at"],
                 "last_accessed": stamp["created_at"], "expires_at": stamp["created_at"]},
            )  # fmt: skip
            await db.execute(
                nodes.insert(),
                [{"session_id": session_id, "node_id": n, "label": n, "type": "t",
                  "metadata": {}, **stamp} for n in NAMES],
            )  # fmt: skip
            for a, b, type_ in edges:
                await db.execute(
                    relationships.insert(),
                    {"session_id": session_id, "source_id": a, "target_id": b, "type": type_,
                     "properties": {}, **stamp},
                )  # fmt: skip
        async with transaction_context(engine, write=False) as db:
            found = await shortest_path(
                db=db, session_id=session_id, source=source, target=target,
                direction=direction, max_depth=max_depth,
            )  # fmt: skip
    finally:
        await engine.dispose()
    graph = nx.MultiDiGraph() if direction != "BOTH" else nx.MultiGraph()
    graph.add_nodes_from(NAMES)
    graph.add_edges_from((b, a) if direction == "IN" else (a, b) for a, b, _ in edges)
    try:
        expected_length: int | None = nx.shortest_path_length(graph, source, target)
    except nx.NetworkXNoPath:
        expected_length = None
    if expected_length is not None and expected_length > max_depth:
        expected_length = None
    assert (len(found.relationships) if found else None) == expected_length
    if found is None or source == target:
        return
    assert [row.node_id for row in found.nodes] == reference(
        edges, source, target, direction, max_depth
    )
    for row, (a, b) in zip(
        found.relationships,
        zip([r.node_id for r in found.nodes], [r.node_id for r in found.nodes][1:], strict=False),
        strict=True,
    ):
        candidates = [
            (t, i)
            for i, (x, y, t) in enumerate(edges)
            if ((x, y) == (a, b) and direction != "IN") or ((y, x) == (a, b) and direction != "OUT")
        ]
        best_type, best_index = min(candidates)
        assert (row.type, (row.source_id, row.target_id)) == (best_type, edges[best_index][:2])
