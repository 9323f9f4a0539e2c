"""REST relationship routes: create, patch, delete, and the paginated list."""

from __future__ import annotations

import pytest

from tests.rest.helpers import error_of, new_node, new_relationship, new_session, ok, revision


@pytest.fixture
async def session_id(client):
    return await new_session(client)


def url(session_id: str, relationship_id: str | None = None) -> str:
    base = f"/session/{session_id}/relationships"
    return base if relationship_id is None else f"{base}/{relationship_id}"


async def test_create(client, session_id):
    body = {"source_id": "N001", "target_id": "N002", "type": "CITES", "weight": 2}
    created = ok(await client.post(url(session_id), json=body | {"properties": {"p": True}}), 201)
    assert created["session_id"] == session_id and created["id"].isdigit()
    assert (created["source_id"], created["target_id"], created["type"]) == (
        "N001",
        "N002",
        "CITES",
    )
    assert (created["weight"], created["properties"], created["version"]) == (2.0, {"p": True}, 1)
    error = error_of(await client.post(url(session_id), json=body), 409, "DUPLICATE")
    assert error["field"] == "type"
    self_loop = ok(await client.post(url(session_id), json=body | {"target_id": "N001"}), 201)
    assert self_loop["target_id"] == "N001"


async def test_create_needs_both_endpoints_in_the_same_session(client, session_id):
    other = await new_session(client)
    await new_node(client, other, node_id="theirs")
    for body, field in (
        ({"source_id": "theirs", "target_id": "N001", "type": "R"}, "source_id"),
        ({"source_id": "N001", "target_id": "nobody", "type": "R"}, "target_id"),
    ):
        error = error_of(await client.post(url(session_id), json=body), 404, "NODE_NOT_FOUND")
        assert error["field"] == field
    error = error_of(
        await client.post(
            url(session_id), json={"source_id": "N001", "target_id": "N002", "type": ""}
        ),
        422,
        "BAD_USER_INPUT",
    )
    assert error["field"] == "type"
    error_of(
        await client.post(
            url("nope"), json={"source_id": "N001", "target_id": "N002", "type": "R"}
        ),
        404,
        "SESSION_NOT_FOUND",
    )
    assert await revision(client, session_id) == 1


async def test_patch(client, session_id):
    rel = await new_relationship(client, session_id, "N001", "N002")
    await new_relationship(client, session_id, "N001", "N002", "OTHER")
    target = url(session_id, rel["id"])
    patched = ok(await client.patch(target, json={"weight": 0.5, "properties": {"a": 1}}))
    assert (patched["weight"], patched["properties"], patched["version"]) == (0.5, {"a": 1}, 2)
    # An absent weight is kept; an explicit null clears it.
    assert ok(await client.patch(target, json={"properties": {"a": 2}}))["weight"] == 0.5
    cleared = ok(await client.patch(target, json={"weight": None, "expected_version": 3}))
    assert (cleared["weight"], cleared["version"]) == (None, 4)
    error = error_of(await client.patch(target, json={"type": "OTHER"}), 409, "DUPLICATE")
    assert error["field"] == "type"
    error = error_of(
        await client.patch(target, json={"weight": 1, "expected_version": 1}),
        409,
        "VERSION_CONFLICT",
    )
    assert error["current_version"] == 4
    assert ok(await client.get(url(session_id)))["items"][0]["weight"] is None


async def test_ids_are_matched_exactly_and_per_session(client, session_id):
    rel = await new_relationship(client, session_id, "N001", "N002")
    other = await new_session(client)
    for target in (
        url(other, rel["id"]),
        url(session_id, f"0{rel['id']}"),
        url(session_id, "abc"),
        url(session_id, "99999999999999999999999"),
    ):
        error_of(await client.patch(target, json={"weight": 1}), 404, "RELATIONSHIP_NOT_FOUND")
        error_of(await client.delete(target), 404, "RELATIONSHIP_NOT_FOUND")
    assert ok(await client.get(url(session_id)))["items"][0]["version"] == 1


async def test_delete(client, session_id):
    rel = await new_relationship(client, session_id, "N001", "N002")
    result = ok(await client.delete(url(session_id, rel["id"])))
    assert result == {
        "deleted": True,
        "nodes": 0,
        "components": 0,
        "relationships": 1,
        "revision": 3,
    }
    error_of(await client.delete(url(session_id, rel["id"])), 404, "RELATIONSHIP_NOT_FOUND")
    # Deleting a relationship leaves its endpoints' versions alone.
    assert ok(await client.get(f"/session/{session_id}/nodes/N001"))["version"] == 1


async def test_pages_in_creation_order_with_filters(client, session_id):
    await new_node(client, session_id, node_id="c")
    made = [
        await new_relationship(client, session_id, "N002", "N001", "B"),
        await new_relationship(client, session_id, "N001", "c", "A"),
        await new_relationship(client, session_id, "c", "N002", "B"),
    ]
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = ok(await client.get(url(session_id), params=params))
        assert page["total_count"] == 3
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [r["id"] for r in made]

    async def ids(**params):
        return [r["id"] for r in ok(await client.get(url(session_id), params=params))["items"]]

    assert await ids(types=["B"]) == [made[0]["id"], made[2]["id"]]
    assert await ids(touching="c") == [made[1]["id"], made[2]["id"]]
    assert await ids(source_ids=["N001", "c"], target_ids=["N002"]) == [made[2]["id"]]
    assert await ids(touching="\u0000") == []
    error = error_of(
        await client.get(url(session_id), params={"cursor": "x"}), 422, "BAD_USER_INPUT"
    )
    assert error["field"] == "cursor"
    error = error_of(await client.get(url(session_id), params={"limit": -5}), 422, "BAD_USER_INPUT")
    assert error["field"] == "limit"
    error_of(await client.get(url("nope")), 404, "SESSION_NOT_FOUND")
