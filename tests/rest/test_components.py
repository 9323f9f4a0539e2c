"""REST component sequence routes: read (GET), replace (PUT), append or insert (POST)."""

from __future__ import annotations

import pytest

from tests.rest.helpers import error_of, new_node, new_session, ok, revision


@pytest.fixture
async def session_id(client):
    session_id = await new_session(client)
    await new_node(
        client, session_id, node_id="doc", components=[{"type": "h1", "content": "Title"}]
    )
    return session_id


def url(session_id: str, node_id: str = "doc") -> str:
    return f"/session/{session_id}/nodes/{node_id}/components"


async def snapshot(client, session_id):
    """Everything a component write could change."""
    return (
        ok(await client.get(url(session_id))),
        ok(await client.get(f"/session/{session_id}/nodes/doc")),
        await revision(client, session_id),
    )


async def test_get_answers_the_sequence_with_the_node_version(client, session_id):
    sequence = ok(await client.get(url(session_id)))
    assert (sequence["session_id"], sequence["node_id"], sequence["version"]) == (
        session_id,
        "doc",
        1,
    )
    [component] = sequence["components"]
    assert (component["position"], component["type"], component["content"]) == (0, "h1", "Title")
    assert component["node_id"] == "doc" and component["properties"] == {}


async def test_put_replaces_the_sequence(client, session_id):
    body = {"components": [{"type": "p", "content": "one"}, {"type": "p", "content": "two"}]}
    sequence = ok(await client.put(url(session_id), json=body))
    assert sequence["version"] == 2
    assert [(c["position"], c["content"]) for c in sequence["components"]] == [
        (0, "one"),
        (1, "two"),
    ]
    # An identical sequence keeps the ids and bumps nothing.
    again = ok(await client.put(url(session_id), json=body | {"expected_version": 2}))
    assert again == sequence
    assert await revision(client, session_id) == 3
    emptied = ok(await client.put(url(session_id), json={"components": []}))
    assert (emptied["components"], emptied["version"]) == ([], 3)


async def test_a_put_that_fails_validation_changes_nothing(client, session_id):
    before = await snapshot(client, session_id)
    body = {"components": [{"type": "p", "content": "fine"}, {"type": "", "content": "bad"}]}
    error = error_of(await client.put(url(session_id), json=body), 422, "BAD_USER_INPUT")
    assert error["field"] == "components[1].type"
    too_big = {"type": "p", "properties": {"blob": "x" * 70_000}}
    error = error_of(
        await client.put(url(session_id), json={"components": [too_big]}), 422, "BAD_USER_INPUT"
    )
    assert error["field"] == "components[0].properties"
    error = error_of(
        await client.put(url(session_id), json={"components": [{"content": "no type"}]}),
        422,
        "BAD_USER_INPUT",
    )
    assert error["field"] == "components[0].type"
    assert await snapshot(client, session_id) == before


async def test_a_stale_expected_version_changes_nothing(client, session_id):
    before = await snapshot(client, session_id)
    for method, body in (
        ("PUT", {"components": [], "expected_version": 7}),
        ("POST", {"component": {"type": "p"}, "expected_version": 7}),
    ):
        response = await client.request(method, url(session_id), json=body)
        assert error_of(response, 409, "VERSION_CONFLICT")["current_version"] == 1
    assert await snapshot(client, session_id) == before


async def test_post_appends_or_inserts(client, session_id):
    appended = ok(await client.post(url(session_id), json={"component": {"type": "p"}}), 201)
    assert [c["type"] for c in appended["components"]] == ["h1", "p"]
    first = ok(
        await client.post(
            url(session_id),
            json={"component": {"type": "toc"}, "position": 0, "expected_version": 2},
        ),
        201,
    )
    assert [(c["position"], c["type"]) for c in first["components"]] == [
        (0, "toc"),
        (1, "h1"),
        (2, "p"),
    ]
    assert first["version"] == 3
    error = error_of(
        await client.post(url(session_id), json={"component": {"type": "p"}, "position": 4}),
        422,
        "BAD_USER_INPUT",
    )
    assert error["field"] == "position"
    error = error_of(
        await client.post(url(session_id), json={"component": {"type": "p", "content": 1}}),
        422,
        "BAD_USER_INPUT",
    )
    assert error["field"] == "component.content"


async def test_unknown_nodes_and_other_sessions_are_404(client, session_id):
    other = await new_session(client)
    for target in (url(session_id, "nope"), url(other, "doc"), url("malformed")):
        code = "SESSION_NOT_FOUND" if "malformed" in target else "NODE_NOT_FOUND"
        error_of(await client.get(target), 404, code)
        error_of(await client.put(target, json={"components": []}), 404, code)
        error_of(await client.post(target, json={"component": {"type": "p"}}), 404, code)
