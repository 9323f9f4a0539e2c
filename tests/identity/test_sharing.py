"""me, mySessions, myRole, members, shareSession and unshareSession; and mode none."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.conftest import GraphQLClient
from tests.identity.world import World


async def _gql(
    http: httpx.AsyncClient, world: World, actor: str, query: str, **variables: Any
) -> dict[str, Any]:
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers=world.headers(actor),
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


MY_SESSIONS = """query($first: Int, $after: String) {
  mySessions(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id name myRole } }
  }
}"""


async def test_my_sessions_are_mine_and_shared_most_recent_first(
    world: World, auth_client: httpx.AsyncClient
) -> None:
    created = []
    for name in ("one", "two"):
        body = await _gql(
            auth_client,
            world,
            "viewer",
            "mutation($n: String) { createSession(input: {name: $n}) { id userId } }",
            n=name,
        )
        created.append(body["data"]["createSession"]["id"])
        assert body["data"]["createSession"]["userId"] == "viewer"
    # The shared session was accessed most recently.
    await _gql(
        auth_client,
        world,
        "viewer",
        "mutation($s: ID!) { touchSession(id: $s) { id } }",
        s=world.session_id,
    )
    first = (await _gql(auth_client, world, "viewer", MY_SESSIONS, first=2))["data"]["mySessions"]
    assert first["totalCount"] == 3 and first["pageInfo"]["hasNextPage"] is True
    assert [edge["node"]["id"] for edge in first["edges"]] == [world.session_id, created[1]]
    assert [edge["node"]["myRole"] for edge in first["edges"]] == ["VIEWER", "OWNER"]
    rest = await _gql(
        auth_client, world, "viewer", MY_SESSIONS, first=2, after=first["pageInfo"]["endCursor"]
    )
    page = rest["data"]["mySessions"]
    assert [edge["node"]["id"] for edge in page["edges"]] == [created[0]]
    assert page["pageInfo"]["hasNextPage"] is False
    stranger = await _gql(auth_client, world, "stranger", MY_SESSIONS)
    assert stranger["data"]["mySessions"]["totalCount"] == 0


async def test_share_change_role_unshare(world: World, auth_client: httpx.AsyncClient) -> None:
    share = "mutation($s: ID!, $u: String!, $r: SessionRole!) { shareSession(id: $s, userId: $u, role: $r) { members { userId role } } }"  # noqa: E501
    body = await _gql(
        auth_client, world, "owner", share, s=world.session_id, u="stranger", r="EDITOR"
    )
    members = body["data"]["shareSession"]["members"]
    assert {m["userId"]: m["role"] for m in members} == {
        "editor": "EDITOR",
        "viewer": "VIEWER",
        "stranger": "EDITOR",
    }
    body = await _gql(
        auth_client, world, "owner", share, s=world.session_id, u="stranger", r="VIEWER"
    )
    roles = {m["userId"]: m["role"] for m in body["data"]["shareSession"]["members"]}
    assert roles["stranger"] == "VIEWER"
    seen = await _gql(
        auth_client,
        world,
        "stranger",
        "query($s: ID!) { session(id: $s) { myRole } }",
        s=world.session_id,
    )
    assert seen["data"]["session"] == {"myRole": "VIEWER"}
    unshare = "mutation($s: ID!, $u: String!) { unshareSession(id: $s, userId: $u) { id } }"
    await _gql(auth_client, world, "owner", unshare, s=world.session_id, u="stranger")
    gone = await _gql(
        auth_client,
        world,
        "stranger",
        "query($s: ID!) { session(id: $s) { id } }",
        s=world.session_id,
    )
    assert gone["data"]["session"] is None


async def test_bad_sharing_input(world: World, auth_client: httpx.AsyncClient) -> None:
    share = "mutation($s: ID!, $u: String!, $r: SessionRole!) { shareSession(id: $s, userId: $u, role: $r) { id } }"  # noqa: E501
    cases = {
        ("someone", "OWNER"): "role",
        ("owner", "VIEWER"): "userId",
        ("", "VIEWER"): "userId",
        (" x", "VIEWER"): "userId",
    }
    for (user, role), field in cases.items():
        body = await _gql(auth_client, world, "owner", share, s=world.session_id, u=user, r=role)
        error = body["errors"][0]["extensions"]
        assert (error["code"], error["field"]) == ("BAD_USER_INPUT", field), (user, role, body)
    body = await _gql(
        auth_client,
        world,
        "editor",
        'mutation { createSession(input: {userId: "owner"}) { id } }',
    )
    error = body["errors"][0]["extensions"]
    assert (error["code"], error["field"]) == ("BAD_USER_INPUT", "userId")


async def test_mode_none_keeps_today(gql: GraphQLClient) -> None:
    data = await gql.ok(
        'mutation { createSession(input: {userId: "anyone"}) { id userId myRole members { userId } } }'  # noqa: E501
    )
    session = data["createSession"]
    assert session["userId"] == "anyone" and session["myRole"] == "OWNER"
    assert session["members"] == []
    assert await gql.ok("{ me { id } mySessions { totalCount edges { cursor } } }") == {
        "me": None,
        "mySessions": {"totalCount": 0, "edges": []},
    }
    error = await gql.error(
        'mutation($s: ID!) { shareSession(id: $s, userId: "b", role: VIEWER) { id } }',
        {"s": session["id"]},
    )
    assert error["extensions"]["code"] == "FORBIDDEN"
    error = await gql.error(
        'mutation($s: ID!) { unshareSession(id: $s, userId: "b") { id } }', {"s": session["id"]}
    )
    assert error["extensions"]["code"] == "FORBIDDEN"
    # Credentials mean nothing without authentication: the session stays everybody's.
    response = await gql.http.post(
        "/graphql",
        json={
            "query": "query($s: ID!) { session(id: $s) { myRole } me { id } }",
            "variables": {"s": session["id"]},
        },
        headers={"Authorization": "Bearer whatever"},
    )
    assert response.json() == {"data": {"session": {"myRole": "OWNER"}, "me": None}}


async def test_free_paths_need_no_token(auth_client: httpx.AsyncClient) -> None:
    assert (await auth_client.get("/health")).status_code == 200
    assert (await auth_client.get("/")).status_code == 200
    page = await auth_client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "<html" in page.text.lower()
    query = await auth_client.get("/graphql", params={"query": "{ me { id } }"})
    assert query.status_code == 401
    assert (await auth_client.get("/session/validate/x")).status_code == 401


async def test_only_readers_of_the_session_may_watch_its_imports(auth_client, world):
    """An import's progress stream (REST, server-sent events) goes through the same policy:
    to a stranger the session is unknown, without a token the request is unauthenticated.
    (A reader's stream would wait for an import; the policy answers before it starts.)"""
    path = f"/session/{world.session_id}/bulk/import/watch-1/progress"
    # Bounded: a stream that was let through would wait for an import that never comes.
    stranger = await asyncio.wait_for(auth_client.get(path, headers=world.headers("stranger")), 10)
    assert (stranger.status_code, stranger.json()["error"]["code"]) == (404, "SESSION_NOT_FOUND")
    nobody = await auth_client.get(path)
    assert (nobody.status_code, nobody.json()["error"]["code"]) == (401, "UNAUTHENTICATED")
