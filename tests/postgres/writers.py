"""Concurrent writers to one session, and the checks that nothing was lost or doubled.

Shared by the in-process test (ASGI) and the two-process test (real HTTP).
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from typing import Any

from tests.conftest import GraphQLClient

# addComponent first: it reads the component count before anything in the request
# writes, which is what a missing lock would get wrong.
WRITE = """mutation($s: ID!, $n: String!, $c: String!) {
  addComponent(sessionId: $s, nodeId: "N001", component: {type: "text", content: $c}) { version }
  createNode(sessionId: $s, input: {nodeId: $n, label: $n}) { nodeId }
}"""
STATE = """query($s: ID!) {
  session(id: $s) { revision nodeCount }
  node(sessionId: $s, nodeId: "N001") { version components { position content } }
  changes(sessionId: $s, sinceRevision: 0, first: 1000) { changes { revision op kind key } }
}"""


async def write_concurrently(
    clients: list[GraphQLClient], session_id: str, *, writers: int = 8, rounds: int = 3
) -> list[str]:
    """`writers` tasks, spread over `clients`, each sending `rounds` requests; every request
    creates one node and appends one component to the shared node N001. Returns the names."""

    async def writer(index: int) -> list[str]:
        gql = clients[index % len(clients)]
        names = []
        for round_ in range(rounds):
            name = f"w{index}r{round_}"
            await gql.ok(WRITE, {"s": session_id, "n": name, "c": name})
            names.append(name)
        return names

    results = await asyncio.gather(*(writer(index) for index in range(writers)))
    return [name for names in results for name in names]


async def check_nothing_lost(gql: GraphQLClient, session_id: str, names: list[str]) -> None:
    """Revisions 1..N without gaps, each request's changes once, no lost component."""
    data = await gql.ok(STATE, {"s": session_id})
    last = 1 + len(names)  # createSession is revision 1
    assert data["session"] == {"revision": last, "nodeCount": 2 + len(names)}
    log = data["changes"]["changes"]
    by_revision: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for change in log:
        by_revision[change["revision"]].append((change["op"], change["kind"], change["key"]))
    assert sorted(by_revision) == list(range(1, last + 1))
    created = Counter(key for op, kind, key in _rows(log) if (op, kind) == ("CREATE", "NODE"))
    assert created == Counter(["N001", "N002", *names])
    for revision in range(2, last + 1):
        changes = by_revision[revision]
        assert len(changes) == 2 and ("UPDATE", "NODE", "N001") in changes, changes
    node = data["node"]
    assert node["version"] == 1 + len(names)
    assert [c["position"] for c in node["components"]] == list(range(len(names)))
    assert sorted(c["content"] for c in node["components"]) == sorted(names)


def _rows(log: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(change["op"], change["kind"], change["key"]) for change in log]
