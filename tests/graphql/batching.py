"""Helpers for the batched-request tests (CONTRACT.md §13): posting a batch, whole-database
snapshots, and the operations the tests batch."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from graph_api.db.models import metadata

CREATE_NODE = """mutation($s: ID!, $id: String, $label: String!) {
  createNode(sessionId: $s, input: {nodeId: $id, label: $label}) { nodeId label version }
}"""
UPDATE_LABEL = """mutation($s: ID!, $n: String!, $label: String!) {
  updateNode(sessionId: $s, nodeId: $n, patch: {label: $label}) { nodeId label version }
}"""
DELETE_NODE = "mutation($s: ID!, $n: String!) { deleteNode(sessionId: $s, nodeId: $n) { deleted } }"
READ_NODE = """query($s: ID!, $n: String!) {
  node(sessionId: $s, nodeId: $n) { nodeId label version components { position } }
}"""
READ_SESSION = """query($s: ID!) {
  session(id: $s) { revision nodeCount nodes(first: 50) { nodes { nodeId label } } }
}"""
CREATE_SESSION = "mutation { createSession { id revision } }"

ABORTED = {
    "data": None,
    "errors": [
        {
            "message": "Rolled back: another operation of this batch failed",
            "extensions": {"code": "BATCH_ABORTED"},
        }
    ],
}


def op(query: str, **variables: Any) -> dict[str, Any]:
    """One element of a batch."""
    return {"query": query, "variables": variables}


async def post_batch(http: httpx.AsyncClient, operations: Any) -> httpx.Response:
    return await http.post("/graphql", json=operations)


async def run_batch(http: httpx.AsyncClient, operations: list[Any]) -> list[dict[str, Any]]:
    """The results of a well-formed batch (HTTP 200 with an array as long as the batch)."""
    response = await post_batch(http, operations)
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()
    assert isinstance(results, list) and len(results) == len(operations), results
    return results


async def database_dump(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order: what "nothing was kept" compares."""
    dump: dict[str, list[tuple[Any, ...]]] = {}
    async with engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = (await conn.execute(select(table))).all()
            dump[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return dump


async def export_json(http: httpx.AsyncClient, session_id: str) -> Any:
    """The session's full JSON export (REST bulk/export)."""
    response = await http.get(f"/session/{session_id}/bulk/export", params={"format": "json"})
    assert response.status_code == 200, response.text
    return response.json()


def codes(result: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in result.get("errors") or []]
