"""Connections (CONTRACT.md §4, §9): orderings, filters, cursors and totalCount."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import make_relationships, make_session
from tests.graphql.helpers import code, dt

NODES = """query($s: ID!, $first: Int, $after: String, $filter: NodeFilter, $order: NodeOrder) {
  session(id: $s) {
    nodes(first: $first, after: $after, filter: $filter, orderBy: $order) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { nodeId label updatedAt } }
      nodes { nodeId }
    }
  }
}"""
RELATIONSHIPS = """query($s: ID!, $first: Int, $after: String, $filter: RelationshipFilter) {
  session(id: $s) {
    relationships(first: $first, after: $after, filter: $filter) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { id sourceId targetId type } }
      nodes { id }
    }
  }
}"""
CREATE_NODES = """mutation($s: ID!, $inputs: [NodeInput!]!) {
  createNodes(sessionId: $s, inputs: $inputs) { nodeId updatedAt }
}"""

# Code-point order: digits < upper case < "_" < lower case; for labels also é, Ω, U+FFFD, 😀
# (UTF-16 order would put the emoji before U+FFFD; a locale would interleave the cases).
NODE_IDS = ["b", "B", "a", "A", "Z_", "9", "Zz", "aa", "a-b", "a.b", "a:b", "a_b", "a0"]
LABELS = ["zeta", "Zeta", "\u00e9clair", "\u03a9mega", "\ufffd", "\U0001f600", "apple", "10", "2"]


async def _connection(gql, session_id, **variables):
    data = await gql.ok(NODES, {"s": session_id, **variables})
    return data["session"]["nodes"]


async def _all_pages(gql, session_id, first, **variables):
    """Walk every page with `first`; returns the nodeIds in order."""
    seen, after = [], None
    for _ in range(100):
        page = await _connection(gql, session_id, first=first, after=after, **variables)
        assert [e["node"]["nodeId"] for e in page["edges"]] == [n["nodeId"] for n in page["nodes"]]
        seen += [n["nodeId"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]
    raise AssertionError("pagination does not end")


@pytest.fixture
async def session_id(gql):
    session_id = await make_session(gql, withDefaultNodes=False)
    inputs = [{"nodeId": node_id, "label": f"L{node_id}"} for node_id in NODE_IDS]
    await gql.ok(CREATE_NODES, {"s": session_id, "inputs": inputs})
    return session_id


@pytest.mark.parametrize("first", [1, 2, 5, 100])
async def test_node_id_orders_compare_code_points(gql, session_id, first):
    assert await _all_pages(gql, session_id, first) == sorted(NODE_IDS)
    descending = await _all_pages(gql, session_id, first, order="NODE_ID_DESC")
    assert descending == sorted(NODE_IDS, reverse=True)


async def test_label_order_compares_code_points_then_node_id(gql):
    session_id = await make_session(gql, withDefaultNodes=False)
    inputs = [{"nodeId": f"n{index}", "label": label} for index, label in enumerate(LABELS)]
    inputs += [{"nodeId": "dup2", "label": "same"}, {"nodeId": "dup1", "label": "same"}]
    await gql.ok(CREATE_NODES, {"s": session_id, "inputs": inputs})
    expected = [i["nodeId"] for i in sorted(inputs, key=lambda i: (i["label"], i["nodeId"]))]
    for first in (1, 3, 100):
        assert await _all_pages(gql, session_id, first, order="LABEL_ASC") == expected


async def test_updated_at_desc_breaks_ties_by_node_id(gql, session_id):
    update = """mutation($s: ID!, $n: String!) {
      updateNode(sessionId: $s, nodeId: $n, patch: {label: "changed"}) { nodeId } }"""
    for node_id in ("a", "B"):
        await gql.ok(update, {"s": session_id, "n": node_id})
    untouched = sorted(set(NODE_IDS) - {"a", "B"})
    for first in (1, 4, 100):
        ordered = await _all_pages(gql, session_id, first, order="UPDATED_AT_DESC")
        assert ordered == ["B", "a", *untouched]


async def test_total_count_and_page_info(gql, session_id):
    page = await _connection(gql, session_id, first=3)
    assert page["totalCount"] == len(NODE_IDS)
    assert len(page["edges"]) == 3
    assert page["pageInfo"]["hasNextPage"] is True
    last = await _connection(gql, session_id, first=len(NODE_IDS))
    assert last["pageInfo"]["hasNextPage"] is False
    empty = await _connection(gql, session_id, first=0)
    assert empty["edges"] == []
    assert empty["pageInfo"] == {"hasNextPage": True, "endCursor": None}
    assert empty["totalCount"] == len(NODE_IDS)
    filtered = await _connection(gql, session_id, first=1, filter={"nodeIds": ["a", "b", "zz"]})
    assert filtered["totalCount"] == 2


async def test_default_page_size_is_100(gql):
    session_id = await make_session(gql, withDefaultNodes=False)
    await gql.ok(CREATE_NODES, {"s": session_id, "inputs": [{"label": "x"}] * 101})
    page = await _connection(gql, session_id)
    assert len(page["nodes"]) == 100
    assert page["pageInfo"]["hasNextPage"] is True


@pytest.mark.parametrize("empty", ["nodeIds", "types"])
async def test_an_empty_list_filter_matches_nothing(gql, session_id, empty):
    page = await _connection(gql, session_id, filter={empty: []})
    assert page["nodes"] == []
    assert page["totalCount"] == 0


async def test_node_ids_and_types_filters(gql, session_id):
    await gql.ok(
        CREATE_NODES, {"s": session_id, "inputs": [{"nodeId": "t1", "label": "x", "type": "T"}]}
    )
    page = await _connection(gql, session_id, filter={"nodeIds": ["A", "t1", "nope"]})
    assert [n["nodeId"] for n in page["nodes"]] == ["A", "t1"]
    page = await _connection(gql, session_id, filter={"types": ["T"]})
    assert [n["nodeId"] for n in page["nodes"]] == ["t1"]


@pytest.mark.parametrize(
    ("needle", "expected"),
    [
        ("\u00e9COLE", ["e1"]),  # éCOLE finds École: case folding beyond ASCII
        ("\u00c4PF", ["e2"]),  # ÄPF finds äpfel
        ("normale", ["e1"]),
        ("%", ["e3"]),  # LIKE wildcards are literal
        ("_", ["e4"]),
        ("\\", ["e5"]),
    ],
)
async def test_label_contains_is_case_insensitive_and_literal(gql, needle, expected):
    session_id = await make_session(gql, withDefaultNodes=False)
    labels = ["\u00c9cole Normale", "\u00e4pfel", "100% sure", "snake_case", "back\\slash", "plain"]
    inputs = [{"nodeId": f"e{index}", "label": label} for index, label in enumerate(labels, 1)]
    await gql.ok(CREATE_NODES, {"s": session_id, "inputs": inputs})
    page = await _connection(gql, session_id, filter={"labelContains": needle})
    assert [n["nodeId"] for n in page["nodes"]] == expected
    assert page["totalCount"] == len(expected)


async def test_updated_since_is_inclusive_and_takes_any_offset(gql, session_id):
    update = """mutation($s: ID!) {
      updateNode(sessionId: $s, nodeId: "a", patch: {label: "new"}) { updatedAt } }"""
    stamp = dt((await gql.ok(update, {"s": session_id}))["updateNode"]["updatedAt"])
    as_utc = stamp.isoformat()
    plus_two = stamp.astimezone(UTC).astimezone(tz=_tz(2)).isoformat()
    naive = stamp.astimezone(UTC).replace(tzinfo=None).isoformat()
    zulu = stamp.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"
    for since in (as_utc, plus_two, naive, zulu):
        page = await _connection(gql, session_id, filter={"updatedSince": since})
        assert [n["nodeId"] for n in page["nodes"]] == ["a"], since
    later = (stamp + timedelta(microseconds=1)).isoformat()
    assert (await _connection(gql, session_id, filter={"updatedSince": later}))["nodes"] == []


def _tz(hours):
    from datetime import timezone

    return timezone(timedelta(hours=hours))


async def test_cursor_from_another_list_is_bad_user_input(gql, session_id):
    cursor = (await _connection(gql, session_id, first=1))["pageInfo"]["endCursor"]
    other = await make_session(gql)
    rel_cursor = await _relationship_cursor(gql, other)
    cases = [
        {"s": other, "after": cursor},  # another session
        {"s": session_id, "after": cursor, "order": "NODE_ID_DESC"},  # another order
        {"s": session_id, "after": cursor, "filter": {"types": ["concept"]}},  # another filter
        {"s": session_id, "after": rel_cursor},  # another connection
        {"s": session_id, "after": "garbage"},
        {"s": session_id, "after": ""},
        {"s": session_id, "after": "eyJhIjoxfQ"},  # base64 JSON, but not ours
        {"s": session_id, "after": cursor[:-2]},
    ]
    for variables in cases:
        body = await gql(NODES, variables)
        assert body["data"] == {"session": None} or body["data"] is None, variables
        error = body["errors"][0]
        assert code(error) == "BAD_USER_INPUT", variables
        assert error["extensions"]["field"] == "after", variables


async def _relationship_cursor(gql, session_id):
    await make_relationships(gql, session_id, [("N001", "N002"), ("N002", "N001")])
    data = await gql.ok(RELATIONSHIPS, {"s": session_id, "first": 1})
    return data["session"]["relationships"]["pageInfo"]["endCursor"]


async def test_relationships_list_in_creation_order(gql):
    session_id = await make_session(gql, withDefaultNodes=False)
    await gql.ok(
        CREATE_NODES, {"s": session_id, "inputs": [{"nodeId": n, "label": n} for n in "zyxa"]}
    )
    pairs = [("z", "a"), ("a", "z"), ("y", "x"), ("x", "y"), ("a", "a"), ("z", "y")]
    ids = []
    for pair in pairs:  # one request each: ids in request order
        ids += await make_relationships(gql, session_id, [pair])
    seen, after = [], None
    while True:
        data = await gql.ok(RELATIONSHIPS, {"s": session_id, "first": 4, "after": after})
        connection = data["session"]["relationships"]
        assert connection["totalCount"] == len(pairs)
        seen += [n["id"] for n in connection["nodes"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert seen == ids
    data = await gql.ok(RELATIONSHIPS, {"s": session_id, "filter": {"touching": "y"}})
    touching = [(e["node"]["sourceId"], e["node"]["targetId"]) for e in _edges(data)]
    assert touching == [("y", "x"), ("x", "y"), ("z", "y")]
    data = await gql.ok(
        RELATIONSHIPS, {"s": session_id, "filter": {"sourceIds": ["a", "z"], "targetIds": ["z"]}}
    )
    assert [(e["node"]["sourceId"], e["node"]["targetId"]) for e in _edges(data)] == [("a", "z")]
    data = await gql.ok(RELATIONSHIPS, {"s": session_id, "filter": {"types": []}})
    assert _edges(data) == []


def _edges(data):
    return data["session"]["relationships"]["edges"]


async def test_relationship_cursor_from_another_filter_is_bad_user_input(gql):
    session_id = await make_session(gql)
    cursor = await _relationship_cursor(gql, session_id)
    body = await gql(
        RELATIONSHIPS, {"s": session_id, "after": cursor, "filter": {"types": ["RELATES_TO"]}}
    )
    assert code(body["errors"][0]) == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["field"] == "after"


async def test_negative_first_is_bad_user_input(gql, session_id):
    for query in (NODES, RELATIONSHIPS):
        error = await gql.error(query, {"s": session_id, "first": -1})
        assert code(error) == "BAD_USER_INPUT"
        assert error["extensions"]["field"] == "first"


def test_cursor_module_round_trip():
    from graph_api.services.reads.pagination import decode_cursor, encode_cursor, scope_digest

    scope = scope_digest("nodes", "s", None, "NODE_ID_ASC")
    key = ["\u00e9", datetime(2026, 1, 1, tzinfo=UTC).isoformat(), 3]
    assert decode_cursor(encode_cursor(scope, key), scope) == key
