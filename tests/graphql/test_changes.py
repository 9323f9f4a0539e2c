"""The change log (CONTRACT.md §2, §9): revisions, net effect per request, whole-revision pages."""

from __future__ import annotations

import pytest

from tests.factories import make_nodes, make_relationships, make_session
from tests.graphql.helpers import CHANGES, change_list, code, revision, row_counts


async def _feed(gql, session_id, since, first=None):
    variables = {"s": session_id, "since": since}
    if first is not None:
        variables["first"] = first
    return (await gql.ok(CHANGES, variables))["changes"]


@pytest.fixture
async def session_id(gql):
    """Revisions: 1 (3 changes), 2 (4 nodes), 3 (1 node), 4 (2 relationships)."""
    session_id = await make_session(gql)
    await make_nodes(gql, session_id, 4)
    await make_nodes(gql, session_id, 1)
    await make_relationships(gql, session_id, [("N001", "N002"), ("N002", "N003")])
    return session_id


async def test_feed_fields(gql, session_id):
    feed = await _feed(gql, session_id, 0)
    assert (feed["sessionId"], feed["sinceRevision"], feed["revision"]) == (session_id, 0, 4)
    assert feed["hasMore"] is False
    assert [c["revision"] for c in feed["changes"]] == [1, 1, 1, 2, 2, 2, 2, 3, 4, 4]
    assert all(c["at"].endswith("+00:00") and c["saveId"] is None for c in feed["changes"])
    # One request's changes share one `at`.
    assert len({c["at"] for c in feed["changes"] if c["revision"] == 2}) == 1


async def test_since_revision_is_exclusive(gql, session_id):
    assert [c["revision"] for c in (await _feed(gql, session_id, 3))["changes"]] == [4, 4]
    feed = await _feed(gql, session_id, 4)
    assert (feed["changes"], feed["hasMore"], feed["revision"]) == ([], False, 4)
    assert (await _feed(gql, session_id, 99))["changes"] == []


@pytest.mark.parametrize(
    ("first", "pages"),
    [
        (1, [[1, 1, 1], [2, 2, 2, 2], [3], [4, 4]]),
        (2, [[1, 1, 1], [2, 2, 2, 2], [3, 4, 4]]),
        (3, [[1, 1, 1], [2, 2, 2, 2], [3, 4, 4]]),
        (4, [[1, 1, 1, 2, 2, 2, 2], [3, 4, 4]]),
        (7, [[1, 1, 1, 2, 2, 2, 2], [3, 4, 4]]),
        (8, [[1, 1, 1, 2, 2, 2, 2, 3], [4, 4]]),
        (9, [[1, 1, 1, 2, 2, 2, 2, 3, 4, 4]]),
        (10, [[1, 1, 1, 2, 2, 2, 2, 3, 4, 4]]),
    ],
)
async def test_pages_hold_whole_revisions(gql, session_id, first, pages):
    seen, since = [], 0
    for expected in pages:
        feed = await _feed(gql, session_id, since, first)
        revisions = [c["revision"] for c in feed["changes"]]
        seen.append(revisions)
        assert feed["hasMore"] is (expected is not pages[-1]), (first, seen)
        since = revisions[-1]
    assert seen == pages


async def test_default_first_is_1000(gql):
    session_id = await make_session(gql, withDefaultNodes=False)
    for _ in range(2):
        await make_nodes(gql, session_id, 600)
    feed = await _feed(gql, session_id, 0)
    # 1 + 600 changes, then revision 3 whole: 1201 changes, past the default of 1000.
    assert len(feed["changes"]) == 1201
    assert feed["hasMore"] is False


async def test_first_limits(gql, session_id):
    error = await gql.error(CHANGES, {"s": session_id, "since": 0, "first": -1})
    assert code(error) == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "first"
    error = await gql.error(CHANGES, {"s": session_id, "since": 0, "first": 5001})
    assert code(error) == "LIMIT_EXCEEDED"
    feed = await _feed(gql, session_id, 0, 0)
    assert (feed["changes"], feed["hasMore"]) == ([], True)


async def test_create_then_update_is_one_create(gql):
    session_id = await make_session(gql)
    await gql.ok(
        """mutation($s: ID!) {
          a: createNode(sessionId: $s, input: {nodeId: "new", label: "x"}) { nodeId }
          b: updateNode(sessionId: $s, nodeId: "new", patch: {label: "y"}) { version }
          c: addComponent(sessionId: $s, nodeId: "new", component: {type: "t"}) { version }
        }""",
        {"s": session_id},
    )
    assert await change_list(gql, session_id, since=1) == [(2, "CREATE", "NODE", "new")]


async def test_updates_collapse_to_one_update(gql):
    session_id = await make_session(gql)
    await gql.ok(
        """mutation($s: ID!) {
          a: updateNode(sessionId: $s, nodeId: "N001", patch: {label: "y"}) { version }
          b: addComponent(sessionId: $s, nodeId: "N001", component: {type: "t"}) { version }
          c: updateNode(sessionId: $s, nodeId: "N002", patch: {label: "z"}) { version }
          d: updateNode(sessionId: $s, nodeId: "N001", patch: {label: "w"}) { version }
        }""",
        {"s": session_id},
    )
    assert await change_list(gql, session_id, since=1) == [
        (2, "UPDATE", "NODE", "N001"),
        (2, "UPDATE", "NODE", "N002"),
    ]


async def test_update_then_delete_is_one_delete(gql):
    session_id = await make_session(gql)
    await gql.ok(
        """mutation($s: ID!) {
          a: updateNode(sessionId: $s, nodeId: "N001", patch: {label: "y"}) { version }
          b: updateNode(sessionId: $s, nodeId: "N002", patch: {label: "y"}) { version }
          c: deleteNode(sessionId: $s, nodeId: "N001") { revision }
        }""",
        {"s": session_id},
    )
    assert await change_list(gql, session_id, since=1) == [
        (2, "UPDATE", "NODE", "N002"),
        (2, "DELETE", "NODE", "N001"),
    ]


async def test_create_then_delete_leaves_no_trace(gql, engine):
    session_id = await make_session(gql)
    before = await row_counts(engine, session_id)
    data = await gql.ok(
        """mutation($s: ID!) {
          a: createNode(sessionId: $s, input: {nodeId: "tmp", label: "x"}) { nodeId }
          b: createRelationship(sessionId: $s,
               input: {sourceId: "tmp", targetId: "N001", type: "T"}) { id }
          c: deleteNode(sessionId: $s, nodeId: "tmp") { deleted relationships revision }
        }""",
        {"s": session_id},
    )
    assert data["c"] == {"deleted": True, "relationships": 1, "revision": 1}
    assert await revision(gql, session_id) == 1
    assert await change_list(gql, session_id, since=1) == []
    assert await row_counts(engine, session_id) == before


async def test_create_and_delete_beside_a_real_change(gql):
    session_id = await make_session(gql)
    await gql.ok(
        """mutation($s: ID!) {
          a: createNode(sessionId: $s, input: {nodeId: "tmp", label: "x"}) { nodeId }
          b: updateNode(sessionId: $s, nodeId: "N001", patch: {label: "kept"}) { version }
          c: deleteNode(sessionId: $s, nodeId: "tmp") { deleted }
        }""",
        {"s": session_id},
    )
    assert await change_list(gql, session_id, since=1) == [(2, "UPDATE", "NODE", "N001")]


async def test_one_revision_per_request_in_the_order_made(gql):
    session_id = await make_session(gql)
    data = await gql.ok(
        """mutation($s: ID!) {
          a: createNode(sessionId: $s, input: {nodeId: "z", label: "x"}) { nodeId }
          b: createRelationship(sessionId: $s,
               input: {sourceId: "z", targetId: "N001", type: "T"}) { id }
          c: updateSession(id: $s, patch: {name: "n"}) { revision }
          d: updateNode(sessionId: $s, nodeId: "N002", patch: {label: "y"}) { version }
        }""",
        {"s": session_id},
    )
    assert data["c"]["revision"] == 2
    assert await change_list(gql, session_id, since=1) == [
        (2, "CREATE", "NODE", "z"),
        (2, "CREATE", "RELATIONSHIP", data["b"]["id"]),
        (2, "UPDATE", "SESSION", session_id),
        (2, "UPDATE", "NODE", "N002"),
    ]


async def test_no_op_requests_record_nothing(gql, session_id):
    await gql.ok(
        """mutation($s: ID!) {
          a: updateNode(sessionId: $s, nodeId: "N001", patch: {label: "N001"}) { version }
          b: setComponents(sessionId: $s, nodeId: "N002", components: []) { version }
          c: touchSession(id: $s) { revision }
          d: validateSession(id: $s) { valid }
        }""",
        {"s": session_id},
    )
    assert await revision(gql, session_id) == 4
    assert await change_list(gql, session_id, since=4) == []


async def test_changes_of_another_session_are_not_listed(gql, session_id):
    other = await make_session(gql)
    assert await change_list(gql, other) == [
        (1, "CREATE", "SESSION", other),
        (1, "CREATE", "NODE", "N001"),
        (1, "CREATE", "NODE", "N002"),
    ]


async def test_delete_then_create_again_is_one_update(gql):
    session_id = await make_session(gql)
    await gql.ok(
        """mutation($s: ID!) {
          a: deleteNode(sessionId: $s, nodeId: "N001") { deleted }
          b: createNode(sessionId: $s, input: {nodeId: "N001", label: "again"}) { nodeId }
        }""",
        {"s": session_id},
    )
    assert await change_list(gql, session_id, since=1) == [(2, "UPDATE", "NODE", "N001")]
