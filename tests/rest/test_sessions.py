"""REST session routes: create, validate, touch, delete."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import datetime

from tests.rest.helpers import error_of, new_node, new_session, ok

UTC_MICROS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")


async def test_create_without_body_makes_default_nodes_at_revision_1(client):
    session = ok(await client.post("/session/create"), 201)
    assert session["id"] == str(uuid.UUID(session["id"]))
    assert (session["revision"], session["node_count"], session["relationship_count"]) == (1, 2, 0)
    assert session["metadata"] == {} and session["name"] is None and session["user_id"] is None
    for key in ("created_at", "last_accessed", "expires_at"):
        assert UTC_MICROS.match(session[key]), session[key]
    created = datetime.fromisoformat(session["created_at"])
    expires = datetime.fromisoformat(session["expires_at"])
    assert expires.year == created.year + 100
    nodes = ok(await client.get(f"/session/{session['id']}/nodes"))
    assert [n["node_id"] for n in nodes["items"]] == ["N001", "N002"]


async def test_create_with_body(client):
    body = {"user_id": "u1", "name": "Notes", "metadata": {"a": [1]}, "with_default_nodes": False}
    session = ok(await client.post("/session/create", json=body), 201)
    assert (session["user_id"], session["name"], session["metadata"]) == ("u1", "Notes", {"a": [1]})
    assert session["node_count"] == 0


async def test_create_rejects_bad_input_in_the_rest_error_shape(client):
    error = error_of(
        await client.post("/session/create", json={"metadata": [1]}), 422, "BAD_USER_INPUT"
    )
    assert error["field"] == "metadata"
    # camelCase (or any unknown field) is refused, not silently ignored.
    error = error_of(
        await client.post("/session/create", json={"withDefaultNodes": False}),
        422,
        "BAD_USER_INPUT",
    )
    assert error["field"] == "withDefaultNodes"
    error = error_of(
        await client.post("/session/create", json={"name": "a\u0000b"}), 422, "BAD_USER_INPUT"
    )
    assert error["field"] == "name"


async def test_validate_touches_last_accessed_only(client):
    session_id = await new_session(client)
    before = ok(await client.get(f"/session/validate/{session_id}"))["session"]
    await asyncio.sleep(0.002)
    result = ok(await client.get(f"/session/validate/{session_id.upper()}"))
    assert result["valid"] is True and result["reason"] is None
    after = result["session"]
    assert after["id"] == session_id
    assert after["last_accessed"] > before["last_accessed"]
    assert after["revision"] == before["revision"] == 1


async def test_validate_unknown_and_malformed_ids_are_404_with_a_reason(client):
    unknown = await client.get(f"/session/validate/{uuid.uuid4()}")
    assert unknown.status_code == 404
    assert unknown.json() == {"valid": False, "session": None, "reason": "NOT_FOUND"}
    for malformed in ("nope", "12345678-1234-1234-1234-12345678901g", "%20"):
        response = await client.get(f"/session/validate/{malformed}")
        assert response.status_code == 404
        assert response.json() == {"valid": False, "session": None, "reason": "MALFORMED_ID"}


async def test_touch(client):
    session_id = await new_session(client)
    before = ok(await client.get(f"/session/validate/{session_id}"))["session"]
    await asyncio.sleep(0.002)
    touched = ok(await client.put(f"/session/{session_id}/touch"))
    assert touched["last_accessed"] > before["last_accessed"]
    assert touched["revision"] == 1
    error_of(await client.put(f"/session/{uuid.uuid4()}/touch"), 404, "SESSION_NOT_FOUND")
    error_of(await client.put("/session/not-a-uuid/touch"), 404, "SESSION_NOT_FOUND")


async def test_delete_removes_everything_and_answers_counts(client):
    session_id = await new_session(client)
    await new_node(client, session_id, components=[{"type": "text"}, {"type": "text"}])
    await client.post(
        f"/session/{session_id}/relationships",
        json={"source_id": "N001", "target_id": "N002", "type": "R"},
    )
    result = ok(await client.delete(f"/session/{session_id}"))
    assert result == {
        "deleted": True,
        "nodes": 3,
        "components": 2,
        "relationships": 1,
        "revision": None,
    }
    gone = await client.get(f"/session/validate/{session_id}")
    assert gone.status_code == 404 and gone.json()["reason"] == "NOT_FOUND"
    error_of(await client.delete(f"/session/{session_id}"), 404, "SESSION_NOT_FOUND")
    error_of(await client.delete("/session/bad-id"), 404, "SESSION_NOT_FOUND")


async def test_rest_writes_reach_subscribers_and_failures_do_not(app, client):
    session_id = await new_session(client)
    with app.state.broker.subscribe(session_id) as subscription:
        await new_node(client, session_id)
        notice = await asyncio.wait_for(subscription.get(), 5)
        assert (notice.session_id, notice.revision) == (session_id, 2)
        failed = await client.post(
            f"/session/{session_id}/nodes", json={"node_id": "N001", "label": "x"}
        )
        error_of(failed, 409, "DUPLICATE")
        await client.delete(f"/session/{session_id}")
        notice = await asyncio.wait_for(subscription.get(), 5)
        # The failed request published nothing: the next notice is the delete.
        assert (notice.revision, notice.deleted) == (3, True)
