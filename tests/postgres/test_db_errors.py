"""Database errors become the contract's codes, the same on both engines, without SQL text.

Services check every rule before writing, so these constraint hits only happen
in races; the tests provoke them directly (a statement that breaks a
constraint) and through GraphQL (a service check bypassed, as a race would).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import insert

from graph_api.db.errors import contract_error
from graph_api.db.models import components, nodes, relationships
from graph_api.services import clock
from graph_api.services import nodes as node_service
from graph_api.services import relationships as relationship_service
from tests.factories import make_session

MISSING_SESSION = "00000000-0000-4000-8000-000000000000"


def node_row(session_id: str, node_id: str, label: str = "x") -> dict[str, Any]:
    now = clock.now()
    return {
        "session_id": session_id,
        "node_id": node_id,
        "label": label,
        "type": "concept",
        "metadata": {},
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


def relationship_row(session_id: str, source: str, target: str) -> dict[str, Any]:
    now = clock.now()
    return {
        "session_id": session_id,
        "source_id": source,
        "target_id": target,
        "type": "R",
        "properties": {},
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


@pytest.mark.parametrize(
    ("table", "row", "expected"),
    [
        (nodes, lambda s: node_row(s, "N001"), ("DUPLICATE", {"field": "nodeId"})),
        (nodes, lambda s: node_row(MISSING_SESSION, "N9"), ("SESSION_NOT_FOUND", {})),
        (nodes, lambda s: node_row(s, "N9", label=""), ("BAD_USER_INPUT", {"field": "label"})),
        (relationships, lambda s: relationship_row(s, "N001", "N001"), ("DUPLICATE", {})),
        (relationships, lambda s: relationship_row(s, "N001", "N404"), ("NODE_NOT_FOUND", {})),
        (
            components,
            lambda s: {
                "session_id": s,
                "node_id": "N001",
                "position": -1,
                "type": "t",
                "content": "",
                "properties": {},
                "created_at": clock.now(),
                "updated_at": clock.now(),
            },
            ("BAD_USER_INPUT", {"field": "position"}),
        ),
    ],
    ids=[
        "node-pk",
        "node-session-fk",
        "label-check",
        "relationship-unique",
        "endpoint-fk",
        "position-check",
    ],
)
async def test_constraint_violations_map_to_contract_codes(gql, unit_of_work, table, row, expected):
    session_id = await make_session(gql)
    async with unit_of_work() as db:
        await db.execute(insert(relationships), [relationship_row(session_id, "N001", "N001")])
    with pytest.raises(Exception) as raised:
        async with unit_of_work() as db:
            await db.execute(insert(table), [row(session_id)])
    error = contract_error(raised.value)
    assert error is not None
    code, extensions = expected
    assert error.code == code
    assert extensions.items() <= error.extensions.items()
    for word in ("INSERT", "constraint", "violates", "Key ("):
        assert word not in error.message


async def test_a_duplicate_node_hit_in_a_race_is_duplicate_with_nothing_written(gql, monkeypatch):
    session_id = await make_session(gql)

    async def nothing_exists(**_: Any) -> set[str]:
        return set()  # as if another writer created N001 after our check

    monkeypatch.setattr(node_service, "existing_node_ids", nothing_exists)
    body = await gql(
        """mutation($s: ID!) { a: createNode(sessionId: $s, input: {label: "kept?"}) { nodeId }
             b: createNode(sessionId: $s, input: {nodeId: "N001", label: "again"}) { nodeId } }""",
        {"s": session_id},
    )
    monkeypatch.undo()
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "DUPLICATE", "field": "nodeId"}
    assert "INSERT" not in body["errors"][0]["message"]
    data = await gql.ok(
        "query($s: ID!) { session(id: $s) { revision nodeCount } }", {"s": session_id}
    )
    assert data["session"] == {"revision": 1, "nodeCount": 2}


async def test_an_endpoint_deleted_in_a_race_is_node_not_found(gql, monkeypatch):
    session_id = await make_session(gql)

    async def endpoints_exist(**_: Any) -> None:
        return None  # as if another writer deleted N404 after our check

    monkeypatch.setattr(relationship_service, "check_endpoints", endpoints_exist)
    error = await gql.error(
        """mutation($s: ID!) { createRelationship(sessionId: $s,
             input: {sourceId: "N001", targetId: "N404", type: "R"}) { id } }""",
        {"s": session_id},
    )
    assert error["extensions"]["code"] == "NODE_NOT_FOUND"
    assert "INSERT" not in error["message"]
