"""REST node routes: create, read, patch, delete, and the paginated list."""

from __future__ import annotations

import uuid

import pytest

from tests.rest.helpers import error_of, new_node, new_relationship, new_session, ok, revision


@pytest.fixture
async def session_id(client):
    return await new_session(client)


async def test_create_assigns_the_next_id_and_keeps_components_in_order(client, session_id):
    node = await new_node(
        client,
        session_id,
        label="Idea",
        metadata={"k": "v"},
        components=[{"type": "text", "content": "a"}, {"type": "image", "properties": {"w": 2}}],
    )
    assert (node["node_id"], node["label"], node["type"], node["version"]) == (
        "N003",
        "Idea",
        "concept",
        1,
    )
    assert node["session_id"] == session_id and node["metadata"] == {"k": "v"}
    assert [(c["position"], c["type"], c["content"]) for c in node["components"]] == [
        (0, "text", "a"),
        (1, "image", ""),
    ]
    assert node["components"][1]["properties"] == {"w": 2}
    assert ok(await client.get(f"/session/{session_id}/nodes/N003")) == node
    assert await revision(client, session_id) == 2


async def test_create_with_an_id_and_its_failures(client, session_id):
    assert (await new_node(client, session_id, node_id="topic:a.b-c_1"))[
        "node_id"
    ] == "topic:a.b-c_1"
    url = f"/session/{session_id}/nodes"
    error = error_of(
        await client.post(url, json={"node_id": "N001", "label": "x"}), 409, "DUPLICATE"
    )
    assert error["field"] == "node_id"
    error = error_of(
        await client.post(url, json={"node_id": "-bad", "label": "x"}), 422, "BAD_USER_INPUT"
    )
    assert error["field"] == "node_id"
    error = error_of(await client.post(url, json={"label": "  "}), 422, "BAD_USER_INPUT")
    assert error["field"] == "label"
    error = error_of(await client.post(url, json={"label": "x" * 1001}), 422, "BAD_USER_INPUT")
    assert error["field"] == "label"
    error = error_of(await client.post(url, json={}), 422, "BAD_USER_INPUT")
    assert error["field"] == "label"
    error = error_of(await client.post(url, json={"label": 5}), 422, "BAD_USER_INPUT")
    assert error["field"] == "label"


async def test_a_node_that_fails_validation_is_not_created(client, session_id):
    body = {"label": "x", "components": [{"type": "ok"}, {"type": ""}]}
    error = error_of(
        await client.post(f"/session/{session_id}/nodes", json=body), 422, "BAD_USER_INPUT"
    )
    assert error["field"] == "components[1].type"
    listing = ok(await client.get(f"/session/{session_id}/nodes"))
    assert listing["total_count"] == 2
    assert await revision(client, session_id) == 1


async def test_unknown_and_malformed_sessions_are_404_never_422(client):
    for session_id in (str(uuid.uuid4()), "not-a-session"):
        base = f"/session/{session_id}/nodes"
        error_of(await client.get(base), 404, "SESSION_NOT_FOUND")
        error_of(await client.post(base, json={"label": "x"}), 404, "SESSION_NOT_FOUND")
        error_of(await client.get(f"{base}/N001"), 404, "SESSION_NOT_FOUND")
        error_of(await client.patch(f"{base}/N001", json={}), 404, "SESSION_NOT_FOUND")
        error_of(await client.delete(f"{base}/N001"), 404, "SESSION_NOT_FOUND")
    # Even a body FastAPI would reject does not turn a malformed session id into a 422.
    error_of(
        await client.post("/session/not-a-session/nodes", json={"label": 5}),
        404,
        "SESSION_NOT_FOUND",
    )


async def test_sessions_are_isolated(client, session_id):
    other = await new_session(client)
    await new_node(client, other, node_id="theirs")
    base = f"/session/{session_id}/nodes"
    error_of(await client.get(f"{base}/theirs"), 404, "NODE_NOT_FOUND")
    error_of(await client.patch(f"{base}/theirs", json={"label": "mine"}), 404, "NODE_NOT_FOUND")
    error_of(await client.delete(f"{base}/theirs"), 404, "NODE_NOT_FOUND")
    listing = ok(await client.get(base, params={"node_ids": ["theirs", "N001"]}))
    assert [n["node_id"] for n in listing["items"]] == ["N001"]
    assert ok(await client.get(f"/session/{other}/nodes/theirs"))["label"] == "a node"


async def test_patch_bumps_the_version_and_checks_expected_version(client, session_id):
    url = f"/session/{session_id}/nodes/N001"
    node = ok(await client.patch(url, json={"label": "New", "metadata": {"x": 1}}))
    assert (node["label"], node["metadata"], node["version"]) == ("New", {"x": 1}, 2)
    # The same values again change nothing.
    same = ok(await client.patch(url, json={"label": "New", "expected_version": 2}))
    assert (same["version"], same["updated_at"]) == (2, node["updated_at"])
    error = error_of(
        await client.patch(url, json={"type": "person", "expected_version": 1}),
        409,
        "VERSION_CONFLICT",
    )
    assert (error["current_version"], error["expected_version"]) == (2, 1)
    assert ok(await client.get(url))["type"] == "concept"
    error = error_of(await client.patch(url, json={"expected_version": 0}), 422, "BAD_USER_INPUT")
    assert error["field"] == "expected_version"
    error = error_of(await client.patch(url, json={"metadata": "text"}), 422, "BAD_USER_INPUT")
    assert error["field"] == "metadata"
    error_of(
        await client.patch(f"/session/{session_id}/nodes/N404", json={}), 404, "NODE_NOT_FOUND"
    )
    assert await revision(client, session_id) == 2


async def test_delete_removes_components_and_relationships(client, session_id):
    await new_node(client, session_id, node_id="hub", components=[{"type": "t"}])
    await new_relationship(client, session_id, "hub", "N001")
    await new_relationship(client, session_id, "N002", "hub")
    result = ok(await client.delete(f"/session/{session_id}/nodes/hub"))
    assert result == {
        "deleted": True,
        "nodes": 1,
        "components": 1,
        "relationships": 2,
        "revision": 5,
    }
    error_of(await client.get(f"/session/{session_id}/nodes/hub"), 404, "NODE_NOT_FOUND")
    assert ok(await client.get(f"/session/{session_id}/relationships"))["items"] == []
    error = error_of(await client.delete(f"/session/{session_id}/nodes/hub"), 404, "NODE_NOT_FOUND")
    assert error["field"] == "node_id"


async def test_pages_round_trip_with_the_cursor(client, session_id):
    for index in range(5):
        await new_node(client, session_id, node_id=f"n{index}")
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = ok(await client.get(f"/session/{session_id}/nodes", params=params))
        assert page["total_count"] == 7
        seen += [node["node_id"] for node in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        assert (cursor is not None) == page["has_next_page"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == ["N001", "N002", "n0", "n1", "n2", "n3", "n4"]


async def test_page_order_and_filters(client, session_id):
    await new_node(client, session_id, node_id="a", label="Apple pie", type="food")
    await new_node(client, session_id, node_id="b", label="Banana", type="food")
    base = f"/session/{session_id}/nodes"

    async def ids(**params):
        return [n["node_id"] for n in ok(await client.get(base, params=params))["items"]]

    assert await ids(order="NODE_ID_DESC") == ["b", "a", "N002", "N001"]
    assert await ids(types=["food"]) == ["a", "b"]
    assert await ids(label_contains="APPLE") == ["a"]
    assert await ids(node_ids=["b", "N002", "zzz"]) == ["N002", "b"]
    assert await ids(types=["food"], order="LABEL_ASC", limit=1) == ["a"]
    assert await ids(updated_since="2000-01-01T00:00:00") == ["N001", "N002", "a", "b"]
    assert await ids(updated_since="2999-01-01T00:00:00+02:00") == []
    error = error_of(await client.get(base, params={"order": "SIDEWAYS"}), 422, "BAD_USER_INPUT")
    assert error["field"] == "order"


async def test_page_size_and_cursor_errors(client, session_id):
    base = f"/session/{session_id}/nodes"
    error = error_of(await client.get(base, params={"limit": -1}), 422, "BAD_USER_INPUT")
    assert error["field"] == "limit"
    error = error_of(await client.get(base, params={"limit": 5001}), 422, "LIMIT_EXCEEDED")
    assert error["field"] == "limit"
    error = error_of(await client.get(base, params={"limit": "many"}), 422, "BAD_USER_INPUT")
    assert error["field"] == "limit"
    empty = ok(await client.get(base, params={"limit": 0}))
    assert (empty["items"], empty["has_next_page"], empty["total_count"]) == ([], True, 2)
    error = error_of(await client.get(base, params={"cursor": "garbage"}), 422, "BAD_USER_INPUT")
    assert error["field"] == "cursor"
    # A cursor is valid only for the list, session and order that issued it.
    cursor = ok(await client.get(base, params={"limit": 1}))["next_cursor"]
    other = await new_session(client)
    for url, params in (
        (f"/session/{other}/nodes", {"cursor": cursor}),
        (base, {"cursor": cursor, "order": "NODE_ID_DESC"}),
        (base, {"cursor": cursor, "types": ["concept"]}),
        (f"/session/{session_id}/relationships", {"cursor": cursor}),
    ):
        error = error_of(await client.get(url, params=params), 422, "BAD_USER_INPUT")
        assert error["field"] == "cursor"
    page = ok(await client.get(base, params={"cursor": cursor}))
    assert [n["node_id"] for n in page["items"]] == ["N002"]


async def test_text_no_engine_can_store_is_bad_input_and_finds_nothing(client, session_id):
    """U+0000, lone surrogates and NaN are refused the same way on SQLite and PostgreSQL."""
    url = f"/session/{session_id}/nodes"
    for raw, field in (
        (b'{"label": "a\\u0000b"}', "label"),
        (b'{"label": "\\ud800"}', "label"),
        (b'{"label": "x", "type": "t\\u0000"}', "type"),
        (b'{"label": "x", "metadata": {"k\\u0000": 1}}', "metadata"),
        (b'{"label": "x", "metadata": {"k": ["\\u0000"]}}', "metadata"),
        (b'{"label": "x", "metadata": {"k": NaN}}', "metadata"),
        (
            b'{"label": "x", "components": [{"type": "t", "content": "\\u0000"}]}',
            "components[0].content",
        ),
    ):
        response = await client.post(url, content=raw, headers={"content-type": "application/json"})
        assert error_of(response, 422, "BAD_USER_INPUT")["field"] == field, raw
    # An escaped backslash before "u0000" is ordinary text.
    node = ok(await client.post(url, json={"label": "x", "metadata": {"k": "\\u0000"}}), 201)
    assert node["metadata"] == {"k": "\\u0000"}
    error_of(await client.get(f"{url}/%00"), 404, "NODE_NOT_FOUND")
    for params in ({"label_contains": "\u0000"}, {"types": ["\u0000"]}, {"node_ids": ["\u0000"]}):
        assert ok(await client.get(url, params=params))["items"] == [], params
    assert await revision(client, session_id) == 2
