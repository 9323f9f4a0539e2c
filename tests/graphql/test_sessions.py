"""Sessions (CONTRACT.md §3): ids, lifetime, validate/touch, create/update/delete."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest

from graph_api.services import clock
from tests.factories import make_nodes, make_relationships, make_session
from tests.graphql.helpers import SESSION_STATE, change_list, code, dt, row_counts

CANONICAL = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")
UNKNOWN = "6f1c2a9e-1d2b-4c3d-8e4f-5a6b7c8d9e0f"
MALFORMED = [
    "not-a-uuid",
    "",
    "6f1c2a9e1d2b4c3d8e4f5a6b7c8d9e0f",  # 32 hex digits, but not in the 8-4-4-4-12 layout
    "{6f1c2a9e-1d2b-4c3d-8e4f-5a6b7c8d9e0f}",
    "urn:uuid:6f1c2a9e-1d2b-4c3d-8e4f-5a6b7c8d9e0f",
    "6f1c2a9e-1d2b-4c3d-8e4f-5a6b7c8d9e0f\n",
    "6f1c2a9e-1d2b-4c3d-8e4f-5a6b7c8d9e0g",
    "6f1c2a9e-1d2b-4c3d-8e4f-5a6b7c8d9e0f0",
]

VALIDATE = "mutation($id: ID!) { validateSession(id: $id) { valid reason session { id } } }"
FULL = """mutation($input: CreateSessionInput) { createSession(input: $input) {
  id userId name metadata createdAt lastAccessed expiresAt revision nodeCount relationshipCount
  nodes { nodes { nodeId label type version } } } }"""

# Every operation other than validateSession/session answers SESSION_NOT_FOUND for a bad id.
OTHER_OPERATIONS = [
    'query($s: ID!) { node(sessionId: $s, nodeId: "N001") { nodeId } }',
    "query($s: ID!) { changes(sessionId: $s, sinceRevision: 0) { revision } }",
    "mutation($s: ID!) { touchSession(id: $s) { id } }",
    'mutation($s: ID!) { updateSession(id: $s, patch: {name: "x"}) { id } }',
    "mutation($s: ID!) { deleteSession(id: $s) { deleted } }",
    'mutation($s: ID!) { createNode(sessionId: $s, input: {label: "x"}) { nodeId } }',
    'mutation($s: ID!) { createNodes(sessionId: $s, inputs: [{label: "x"}]) { nodeId } }',
    """mutation($s: ID!) {
         updateNode(sessionId: $s, nodeId: "N001", patch: {label: "x"}) { label } }""",
    'mutation($s: ID!) { deleteNode(sessionId: $s, nodeId: "N001") { deleted } }',
    'mutation($s: ID!) { deleteNodes(sessionId: $s, nodeIds: ["N001"]) { deleted } }',
    'mutation($s: ID!) { setComponents(sessionId: $s, nodeId: "N001", components: []) { nodeId } }',
    """mutation($s: ID!) {
         addComponent(sessionId: $s, nodeId: "N001", component: {type: "t"}) { type } }""",
    """mutation($s: ID!) {
         updateComponent(sessionId: $s, componentId: "1", patch: {type: "x"}) { type } }""",
    'mutation($s: ID!) { moveComponent(sessionId: $s, componentId: "1", toPosition: 0) { type } }',
    'mutation($s: ID!) { removeComponent(sessionId: $s, componentId: "1") { nodeId } }',
    """mutation($s: ID!) { createRelationship(sessionId: $s,
         input: {sourceId: "N001", targetId: "N002", type: "T"}) { id } }""",
    """mutation($s: ID!) { createRelationships(sessionId: $s,
         inputs: [{sourceId: "N001", targetId: "N002", type: "T"}]) { id } }""",
    'mutation($s: ID!) { updateRelationship(sessionId: $s, id: "1", patch: {weight: 1}) { id } }',
    'mutation($s: ID!) { deleteRelationship(sessionId: $s, id: "1") { deleted } }',
    'mutation($s: ID!) { deleteRelationships(sessionId: $s, ids: ["1"]) { deleted } }',
]


def _operation_name(operation: str) -> str:
    return re.search(r"\{\s*(\w+)", operation).group(1)  # type: ignore[union-attr]


async def test_session_id_is_a_canonical_lowercase_uuid4(gql):
    session_id = await make_session(gql)
    assert CANONICAL.match(session_id)
    assert uuid.UUID(session_id).version == 4
    assert str(uuid.UUID(session_id)) == session_id


async def test_input_session_ids_are_case_insensitive(gql):
    session_id = await make_session(gql)
    upper = session_id.upper()
    data = await gql.ok(SESSION_STATE, {"s": upper})
    assert data["session"]["id"] == session_id
    data = await gql.ok(
        'query($s: ID!) { node(sessionId: $s, nodeId: "N001") { sessionId nodeId } }', {"s": upper}
    )
    assert data["node"] == {"sessionId": session_id, "nodeId": "N001"}
    data = await gql.ok(
        'mutation($s: ID!) { createNode(sessionId: $s, input: {label: "x"}) { sessionId } }',
        {"s": upper},
    )
    assert data["createNode"]["sessionId"] == session_id
    data = await gql.ok(VALIDATE, {"id": upper})
    assert data["validateSession"] == {"valid": True, "reason": None, "session": {"id": session_id}}


@pytest.mark.parametrize("bad", MALFORMED)
async def test_malformed_id_is_malformed_for_validate_and_null_for_session(gql, bad):
    data = await gql.ok(VALIDATE, {"id": bad})
    assert data["validateSession"] == {"valid": False, "reason": "MALFORMED_ID", "session": None}
    assert (await gql.ok(SESSION_STATE, {"s": bad}))["session"] is None


async def test_unknown_id_is_not_found_for_validate_and_null_for_session(gql):
    data = await gql.ok(VALIDATE, {"id": UNKNOWN})
    assert data["validateSession"] == {"valid": False, "reason": "NOT_FOUND", "session": None}
    assert (await gql.ok(SESSION_STATE, {"s": UNKNOWN}))["session"] is None


@pytest.mark.parametrize("operation", OTHER_OPERATIONS, ids=_operation_name)
@pytest.mark.parametrize(
    "bad", [MALFORMED[0], MALFORMED[5], UNKNOWN], ids=["bad", "newline", "unknown"]
)
async def test_malformed_or_unknown_id_is_session_not_found_elsewhere(gql, operation, bad):
    body = await gql(operation, {"s": bad})
    assert body["data"] in (None, {"node": None})
    assert [code(error) for error in body["errors"]] == ["SESSION_NOT_FOUND"]


async def test_expires_at_is_created_at_plus_100_calendar_years(gql):
    data = await gql.ok(FULL)
    session = data["createSession"]
    created, expires = dt(session["createdAt"]), dt(session["expiresAt"])
    assert expires == created.replace(year=created.year + 100)
    assert session["lastAccessed"] == session["createdAt"]


async def test_created_on_29_february_expires_on_28_february(gql, monkeypatch):
    leap = datetime(2000, 2, 29, 12, 30, 0, 123456, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: leap)
    session = (await gql.ok(FULL))["createSession"]
    assert session["createdAt"] == "2000-02-29T12:30:00.123456+00:00"
    assert session["expiresAt"] == "2100-02-28T12:30:00.123456+00:00"


async def test_create_session_with_default_nodes(gql):
    data = await gql.ok(FULL, {"input": {"userId": "u1", "name": "Demo", "metadata": {"a": [1]}}})
    session = data["createSession"]
    for field in ("createdAt", "lastAccessed", "expiresAt"):
        assert DATETIME.match(session[field]), session[field]
    assert session["userId"] == "u1"
    assert session["name"] == "Demo"
    assert session["metadata"] == {"a": [1]}
    assert session["revision"] == 1
    assert session["nodeCount"] == 2
    assert session["relationshipCount"] == 0
    assert session["nodes"]["nodes"] == [
        {"nodeId": "N001", "label": "N001", "type": "concept", "version": 1},
        {"nodeId": "N002", "label": "N002", "type": "concept", "version": 1},
    ]
    assert await change_list(gql, session["id"]) == [
        (1, "CREATE", "SESSION", session["id"]),
        (1, "CREATE", "NODE", "N001"),
        (1, "CREATE", "NODE", "N002"),
    ]


async def test_create_session_without_default_nodes(gql):
    data = await gql.ok(FULL, {"input": {"withDefaultNodes": False}})
    session = data["createSession"]
    assert session["revision"] == 1
    assert session["nodeCount"] == 0
    assert session["metadata"] == {}
    assert session["userId"] is None and session["name"] is None
    assert await change_list(gql, session["id"]) == [(1, "CREATE", "SESSION", session["id"])]


@pytest.mark.parametrize("metadata", [[1, 2], "text", 3])
async def test_create_session_metadata_must_be_an_object(gql, engine, metadata):
    error = await gql.error(FULL, {"input": {"metadata": metadata}})
    assert code(error) == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "metadata"
    assert (await row_counts(engine))["sessions"] == 0


async def test_validate_session_touches_last_accessed_only(gql):
    session_id = await make_session(gql)
    before = (await gql.ok(SESSION_STATE, {"s": session_id}))["session"]
    data = await gql.ok(
        "mutation($id: ID!) { validateSession(id: $id) { valid reason session { lastAccessed } } }",
        {"id": session_id},
    )
    assert data["validateSession"]["valid"] is True
    assert data["validateSession"]["reason"] is None
    touched = dt(data["validateSession"]["session"]["lastAccessed"])
    assert touched > dt(before["lastAccessed"])
    after = (await gql.ok(SESSION_STATE, {"s": session_id}))["session"]
    assert dt(after["lastAccessed"]) == touched
    assert after["revision"] == before["revision"] == 1
    assert len(await change_list(gql, session_id)) == 3


async def test_reading_a_session_does_not_touch_it(gql):
    session_id = await make_session(gql)
    first = (await gql.ok(SESSION_STATE, {"s": session_id}))["session"]["lastAccessed"]
    await gql.ok(
        'query($s: ID!) { node(sessionId: $s, nodeId: "N001") { nodeId } }', {"s": session_id}
    )
    second = (await gql.ok(SESSION_STATE, {"s": session_id}))["session"]["lastAccessed"]
    assert first == second


async def test_touch_session_updates_last_accessed_without_revision(gql):
    session_id = await make_session(gql)
    before = (await gql.ok(SESSION_STATE, {"s": session_id}))["session"]
    data = await gql.ok(
        "mutation($id: ID!) { touchSession(id: $id) { id revision lastAccessed } }",
        {"id": session_id},
    )
    assert data["touchSession"]["revision"] == 1
    assert dt(data["touchSession"]["lastAccessed"]) > dt(before["lastAccessed"])
    assert len(await change_list(gql, session_id)) == 3


async def test_update_session_changes_name_and_metadata(gql):
    session_id = await make_session(gql, name="old")
    update = """mutation($id: ID!, $patch: SessionPatch!) {
      updateSession(id: $id, patch: $patch) { name metadata revision } }"""
    data = await gql.ok(update, {"id": session_id, "patch": {"name": "new", "metadata": {"k": 1}}})
    assert data["updateSession"] == {"name": "new", "metadata": {"k": 1}, "revision": 2}
    # Absent fields are left unchanged.
    data = await gql.ok(update, {"id": session_id, "patch": {"metadata": {"k": 2}}})
    assert data["updateSession"] == {"name": "new", "metadata": {"k": 2}, "revision": 3}
    assert (await change_list(gql, session_id, since=1)) == [
        (2, "UPDATE", "SESSION", session_id),
        (3, "UPDATE", "SESSION", session_id),
    ]
    # The same values again: a no-op, no revision, no change.
    data = await gql.ok(update, {"id": session_id, "patch": {"name": "new", "metadata": {"k": 2}}})
    assert data["updateSession"]["revision"] == 3
    assert len(await change_list(gql, session_id, since=1)) == 2


async def test_update_session_metadata_must_be_an_object(gql):
    session_id = await make_session(gql)
    error = await gql.error(
        "mutation($id: ID!) { updateSession(id: $id, patch: {metadata: [1]}) { id } }",
        {"id": session_id},
    )
    assert code(error) == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "metadata"


async def test_delete_session_removes_everything_and_nothing_else(gql, engine):
    keep = await make_session(gql)
    await make_relationships(gql, keep, [("N001", "N002")])
    kept_before = await row_counts(engine, keep)
    session_id = await make_session(gql)
    ids = await make_nodes(gql, session_id, 2, components=3)
    await make_relationships(
        gql, session_id, [("N001", ids[0]), (ids[0], ids[1]), (ids[1], ids[1])]
    )
    data = await gql.ok(
        """mutation($id: ID!) {
          deleteSession(id: $id) { deleted nodes components relationships revision } }""",
        {"id": session_id.upper()},
    )
    assert data["deleteSession"] == {
        "deleted": True,
        "nodes": 4,
        "components": 6,
        "relationships": 3,
        "revision": None,
    }
    assert (await gql.ok(SESSION_STATE, {"s": session_id}))["session"] is None
    assert set((await row_counts(engine, session_id)).values()) == {0}
    assert await row_counts(engine, keep) == kept_before
    error = await gql.error(
        "mutation($id: ID!) { deleteSession(id: $id) { deleted } }", {"id": session_id}
    )
    assert code(error) == "SESSION_NOT_FOUND"


async def test_changes_then_delete_session_in_one_request(gql, engine):
    session_id = await make_session(gql)
    data = await gql.ok(
        """mutation($id: ID!) {
          createNode(sessionId: $id, input: {label: "x"}) { nodeId }
          deleteSession(id: $id) { deleted nodes }
        }""",
        {"id": session_id},
    )
    assert data["deleteSession"] == {"deleted": True, "nodes": 3}
    assert set((await row_counts(engine, session_id)).values()) == {0}


async def test_validate_session_reports_expired_without_touching(gql, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(1900, 1, 1, tzinfo=UTC))
    session_id = await make_session(gql)
    monkeypatch.undo()
    data = await gql.ok(
        "mutation($id: ID!) { validateSession(id: $id) { valid reason session { id } } }",
        {"id": session_id},
    )
    assert data["validateSession"] == {"valid": False, "reason": "EXPIRED", "session": None}
    state = (await gql.ok(SESSION_STATE, {"s": session_id}))["session"]
    assert state["lastAccessed"] == "1900-01-01T00:00:00.000000+00:00"
