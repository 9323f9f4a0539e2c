"""Shared pieces of the merge tests: the change feed with fields, autoSave with conflict fields."""

from __future__ import annotations

from typing import Any

FEED = """query($s: ID!, $since: Int!) {
  changes(sessionId: $s, sinceRevision: $since, first: 5000) {
    changes { revision op kind key fields }
  }
}"""

SAVE = """mutation($s: ID!, $input: AutoSaveInput!) {
  autoSave(sessionId: $s, input: $input) {
    status revision
    conflicts { kind key expectedVersion currentVersion fields node { label version } }
    nodes { nodeId label type metadata version components { id type content } }
    relationships { id type weight properties version }
  }
}"""

NODE = """query($s: ID!, $n: String!) {
  node(sessionId: $s, nodeId: $n) {
    nodeId label type metadata version components { type content properties }
  }
}"""


async def changes_since(gql: Any, session_id: str, since: int) -> list[tuple[Any, ...]]:
    """(op, kind, key, fields) of every change after `since`."""
    data = await gql.ok(FEED, {"s": session_id, "since": since})
    return [(c["op"], c["kind"], c["key"], c["fields"]) for c in data["changes"]["changes"]]


async def last_change(gql: Any, session_id: str) -> tuple[Any, ...]:
    data = await gql.ok(FEED, {"s": session_id, "since": 0})
    c = data["changes"]["changes"][-1]
    return (c["op"], c["kind"], c["key"], c["fields"])


async def save(gql: Any, session_id: str, **input_: Any) -> dict[str, Any]:
    data = await gql.ok(SAVE, {"s": session_id, "input": input_})
    result: dict[str, Any] = data["autoSave"]
    return result


async def node(gql: Any, session_id: str, node_id: str) -> dict[str, Any]:
    data = await gql.ok(NODE, {"s": session_id, "n": node_id})
    found: dict[str, Any] = data["node"]
    return found
