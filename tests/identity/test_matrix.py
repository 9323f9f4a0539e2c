"""The access matrix (CONTRACT.md §11): every operation x every kind of caller.

Each row of OPERATIONS names an operation (a GraphQL field, a REST route, a CSV import
or export) and what it needs of its session; EXPECTED says what each caller gets. A
refusal must write nothing: the session (revision, lastAccessed, name, both CSV
exports, members) and the number of sessions are compared before and after.
The subscription's row is in test_websocket.py (it needs a real socket).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.identity.world import ACTORS, World

READ, WRITE, MANAGE, ANY = "read", "write", "manage", "any"

# What each caller may do, written out independently of the code under test.
MAY = {
    "owner": {READ, WRITE, MANAGE, ANY},
    "editor": {READ, WRITE, ANY},
    "viewer": {READ, ANY},
    "stranger": {ANY},
}


def expected(actor: str, need: str) -> str:
    if actor not in MAY:
        return "UNAUTHENTICATED"  # no, expired or revoked token
    if need in MAY[actor]:
        return "ok"
    return "NOT_FOUND" if actor == "stranger" else "FORBIDDEN"


Target = dict[str, Any]
Send = Callable[[httpx.AsyncClient, dict[str, str], str, Target], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class Operation:
    name: str
    need: str
    send: Send
    graphql: bool


def gql(name: str, need: str, document: str) -> Operation:
    used = dict.fromkeys(re.findall(r"\$(\w+)", document))
    document = document.replace("VARS", ", ".join(f"${v}: {TYPES[v]}" for v in used))

    async def send(
        http: httpx.AsyncClient, headers: dict[str, str], session_id: str, target: Target
    ) -> httpx.Response:
        variables = {"s": session_id, **target}
        return await http.post(
            "/graphql", json={"query": document, "variables": variables}, headers=headers
        )

    return Operation(name, need, send, graphql=True)


def rest(name: str, need: str, method: str, path: str, **kwargs: Any) -> Operation:
    async def send(
        http: httpx.AsyncClient, headers: dict[str, str], session_id: str, target: Target
    ) -> httpx.Response:
        values = {"s": session_id, **target}
        sent = dict(kwargs)
        if "json" in sent:
            sent["json"] = {
                key: value.format(**values) if isinstance(value, str) else value
                for key, value in sent["json"].items()
            }
        return await http.request(method, path.format(**values), headers=headers, **sent)

    return Operation(name, need, send, graphql=False)


# Documents declare their variables as VARS: gql() writes out those they use.
N = "VARS"
TYPES = {"s": "ID!", "node": "String!", "rel": "ID!", "component": "ID!", "fresh": "String!"}
TYPES.update(csv="String", save="ID!")
OPERATIONS = [
    # ---------------------------------------------------------------- GraphQL queries
    gql(
        "session (compiled path)", READ, "query($s: ID!) { session(id: $s) { id name nodeCount } }"
    ),
    gql(
        "session myRole members",
        READ,
        "query($s: ID!) { session(id: $s) { id myRole members { userId role } } }",
    ),
    gql("node", READ, f"query({N}) {{ node(sessionId: $s, nodeId: $node) {{ nodeId }} }}"),
    gql(
        "changes", READ, "query($s: ID!) { changes(sessionId: $s, sinceRevision: 0) { revision } }"
    ),
    gql("exportCsv", READ, "query($s: ID!) { session(id: $s) { exportCsv { nodesCsv } } }"),
    gql("me", ANY, "{ me { id } }"),
    gql("mySessions", ANY, "{ mySessions { totalCount nodes { id myRole } } }"),
    # ---------------------------------------------------------------- GraphQL mutations
    gql("createSession", ANY, 'mutation { createSession(input: {name: "x"}) { id myRole } }'),
    gql("validateSession", READ, "mutation($s: ID!) { validateSession(id: $s) { valid reason } }"),
    gql("touchSession", READ, "mutation($s: ID!) { touchSession(id: $s) { id } }"),
    gql(
        "updateSession",
        WRITE,
        'mutation($s: ID!) { updateSession(id: $s, patch: {name: "renamed"}) { name } }',
    ),
    gql("deleteSession", MANAGE, "mutation($s: ID!) { deleteSession(id: $s) { deleted } }"),
    gql(
        "shareSession",
        MANAGE,
        'mutation($s: ID!) { shareSession(id: $s, userId: "stranger", role: VIEWER) { id } }',
    ),
    gql(
        "unshareSession",
        MANAGE,
        'mutation($s: ID!) { unshareSession(id: $s, userId: "viewer") { id } }',
    ),
    gql(
        "createNode",
        WRITE,
        f'mutation({N}) {{ createNode(sessionId: $s, input: {{nodeId: $fresh, label: "n"}}) '
        "{ nodeId } }",
    ),
    gql(
        "createNodes",
        WRITE,
        f'mutation({N}) {{ createNodes(sessionId: $s, inputs: [{{nodeId: $fresh, label: "n"}}])'
        " { nodeId } }",
    ),
    gql(
        "updateNode",
        WRITE,
        f'mutation({N}) {{ updateNode(sessionId: $s, nodeId: $node, patch: {{label: "u"}}) '
        "{ label } }",
    ),
    gql(
        "deleteNode",
        WRITE,
        f"mutation({N}) {{ deleteNode(sessionId: $s, nodeId: $node) {{ deleted }} }}",
    ),
    gql(
        "deleteNodes",
        WRITE,
        f"mutation({N}) {{ deleteNodes(sessionId: $s, nodeIds: [$node]) {{ deleted }} }}",
    ),
    gql(
        "setComponents",
        WRITE,
        f"mutation({N}) {{ setComponents(sessionId: $s, nodeId: $node, components: []) "
        "{ version } }",
    ),
    gql(
        "addComponent",
        WRITE,
        f"mutation({N}) {{ addComponent(sessionId: $s, nodeId: $node, "
        'component: {type: "text", content: "more"}) { version } }',
    ),
    gql(
        "updateComponent",
        WRITE,
        f"mutation({N}) {{ updateComponent(sessionId: $s, componentId: $component, "
        'patch: {content: "changed"}) { version } }',
    ),
    gql(
        "moveComponent",
        WRITE,
        f"mutation({N}) {{ moveComponent(sessionId: $s, componentId: $component, toPosition: 0)"
        " { version } }",
    ),
    gql(
        "removeComponent",
        WRITE,
        f"mutation({N}) {{ removeComponent(sessionId: $s, componentId: $component) "
        "{ version } }",
    ),
    gql(
        "createRelationship",
        WRITE,
        f"mutation({N}) {{ createRelationship(sessionId: $s, "
        'input: {sourceId: $node, targetId: "N002", type: "new"}) { id } }',
    ),
    gql(
        "createRelationships",
        WRITE,
        f"mutation({N}) {{ createRelationships(sessionId: $s, "
        'inputs: [{sourceId: $node, targetId: "N002", type: "new"}]) { id } }',
    ),
    gql(
        "updateRelationship",
        WRITE,
        f"mutation({N}) {{ updateRelationship(sessionId: $s, id: $rel, patch: {{weight: 2}}) "
        "{ weight } }",
    ),
    gql(
        "deleteRelationship",
        WRITE,
        f"mutation({N}) {{ deleteRelationship(sessionId: $s, id: $rel) {{ deleted }} }}",
    ),
    gql(
        "deleteRelationships",
        WRITE,
        f"mutation({N}) {{ deleteRelationships(sessionId: $s, ids: [$rel]) {{ deleted }} }}",
    ),
    gql(
        "importCsv",
        WRITE,
        f"mutation({N}) {{ importCsv(sessionId: $s, nodesCsv: $csv) {{ nodesCreated }} }}",
    ),
    gql(
        "importCsv dryRun",
        WRITE,
        f"mutation({N}) {{ importCsv(sessionId: $s, nodesCsv: $csv, "
        "options: {dryRun: true}) { nodesCreated } }",
    ),
    gql(
        "autoSave",
        WRITE,
        f"mutation({N}) {{ autoSave(sessionId: $s, input: {{saveId: $save, "
        'nodes: [{nodeId: $fresh, label: "saved"}]}) { status } }',
    ),
    # ---------------------------------------------------------------- REST
    rest("POST /session/create", ANY, "POST", "/session/create", json={"name": "r"}),
    rest("GET /session/validate", READ, "GET", "/session/validate/{s}"),
    rest("PUT /session/touch", READ, "PUT", "/session/{s}/touch"),
    rest("DELETE /session", MANAGE, "DELETE", "/session/{s}"),
    rest("GET nodes", READ, "GET", "/session/{s}/nodes"),
    rest("POST nodes", WRITE, "POST", "/session/{s}/nodes", json={"label": "r"}),
    rest("GET node", READ, "GET", "/session/{s}/nodes/{node}"),
    rest("PATCH node", WRITE, "PATCH", "/session/{s}/nodes/{node}", json={"label": "p"}),
    rest("DELETE node", WRITE, "DELETE", "/session/{s}/nodes/{node}"),
    rest("GET components", READ, "GET", "/session/{s}/nodes/{node}/components"),
    rest(
        "PUT components",
        WRITE,
        "PUT",
        "/session/{s}/nodes/{node}/components",
        json={"components": []},
    ),
    rest(
        "POST components",
        WRITE,
        "POST",
        "/session/{s}/nodes/{node}/components",
        json={"component": {"type": "text", "content": "x"}},
    ),
    rest("GET relationships", READ, "GET", "/session/{s}/relationships"),
    rest(
        "POST relationships",
        WRITE,
        "POST",
        "/session/{s}/relationships",
        json={"source_id": "N001", "target_id": "N002", "type": "{fresh}"},
    ),
    rest(
        "PATCH relationship",
        WRITE,
        "PATCH",
        "/session/{s}/relationships/{rel}",
        json={"weight": 3},
    ),
    rest("DELETE relationship", WRITE, "DELETE", "/session/{s}/relationships/{rel}"),
    rest(
        "POST bulk/import (CSV)",
        WRITE,
        "POST",
        "/session/{s}/bulk/import",
        files={"nodes": ("nodes.csv", b"node_id,label\nB1,b\n", "text/csv")},
        data={"mode": "UPSERT"},
    ),
    rest("GET bulk/export csv", READ, "GET", "/session/{s}/bulk/export?format=csv"),
    rest("GET bulk/export json", READ, "GET", "/session/{s}/bulk/export?format=json"),
]

# Refusals first (they must change nothing), then the members; the owner last, since
# the owner's deleteSession ends the session.
ORDER = ("no token", "expired token", "revoked token", "stranger", "viewer", "editor", "owner")
assert sorted(ORDER) == sorted(ACTORS)


def outcome(operation: Operation, response: httpx.Response) -> str:
    """What the caller got, in the matrix's words; asserts the shape of each answer."""
    if not operation.graphql and response.status_code in (200, 201):
        return "ok"  # an export is a zip
    body = response.json()
    if response.status_code == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")
        code = (
            body["errors"][0]["extensions"]["code"] if operation.graphql else body["error"]["code"]
        )
        assert code == "UNAUTHENTICATED", body
        return "UNAUTHENTICATED"
    if operation.graphql:
        assert response.status_code == 200, response.text
        if body.get("errors"):
            code = body["errors"][0]["extensions"]["code"]
            return {"SESSION_NOT_FOUND": "NOT_FOUND", "FORBIDDEN": "FORBIDDEN"}.get(code, code)
        data = next(iter(body["data"].values()))
        if data is None or (isinstance(data, dict) and data.get("reason") == "NOT_FOUND"):
            return "NOT_FOUND"
        return "ok"
    if response.status_code == 404:
        assert body.get("reason") == "NOT_FOUND" or body["error"]["code"] == "SESSION_NOT_FOUND"
        return "NOT_FOUND"
    if response.status_code == 403:
        assert body["error"]["code"] == "FORBIDDEN", body
        return "FORBIDDEN"
    assert response.status_code in (200, 201), (response.status_code, response.text)
    return "ok"


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.name for op in OPERATIONS])
async def test_every_caller(
    operation: Operation, world: World, auth_client: httpx.AsyncClient
) -> None:
    got: dict[str, str] = {}
    for number, actor in enumerate(ORDER):
        target = await world.add_node(f"P{number}")
        target["fresh"] = target["save"] = f"F{number}"
        target["csv"] = f"node_id,label\nI{number},imported\n"
        before = await world.snapshot()
        response = await operation.send(auth_client, world.headers(actor), world.session_id, target)
        got[actor] = outcome(operation, response)
        if got[actor] != "ok":
            assert await world.snapshot() == before, f"{actor} was refused but something changed"
    assert got == {actor: expected(actor, operation.need) for actor in ORDER}


def test_matrix_size() -> None:
    """Every operation is tried by every caller (the subscription's row: test_websocket.py)."""
    assert len(OPERATIONS) * len(ACTORS) == 51 * 7
