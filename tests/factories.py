"""Builders for test data, through the public GraphQL API."""

from __future__ import annotations

from typing import Any

CREATE_SESSION = (
    "mutation($input: CreateSessionInput) { createSession(input: $input) { id revision } }"
)
CREATE_NODES = """
mutation($s: ID!, $inputs: [NodeInput!]!) {
  createNodes(sessionId: $s, inputs: $inputs) { nodeId version }
}"""
CREATE_RELATIONSHIPS = """
mutation($s: ID!, $inputs: [RelationshipInput!]!) {
  createRelationships(sessionId: $s, inputs: $inputs) { id sourceId targetId type }
}"""


async def make_session(gql: Any, **input_: Any) -> str:
    data = await gql.ok(CREATE_SESSION, {"input": input_ or None})
    session_id: str = data["createSession"]["id"]
    return session_id


async def make_nodes(gql: Any, session_id: str, count: int, components: int = 0) -> list[str]:
    inputs = [
        {
            "label": f"Node {index}",
            "components": [
                {"type": "text", "content": f"c{index}.{position}"}
                for position in range(components)
            ],
        }
        for index in range(count)
    ]
    data = await gql.ok(CREATE_NODES, {"s": session_id, "inputs": inputs})
    return [node["nodeId"] for node in data["createNodes"]]


async def make_relationships(
    gql: Any, session_id: str, pairs: list[tuple[str, str]], type_: str = "RELATES_TO"
) -> list[str]:
    inputs = [{"sourceId": s, "targetId": t, "type": type_} for s, t in pairs]
    data = await gql.ok(CREATE_RELATIONSHIPS, {"s": session_id, "inputs": inputs})
    return [rel["id"] for rel in data["createRelationships"]]
