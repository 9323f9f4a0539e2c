"""Which table column answers which GraphQL field, and the keys each type reads back.

The compiled read path selects only these columns: a type's key columns (to find
its nested objects) plus the columns of the scalar fields the query asks for.
The names follow the `from_row` methods of graphql/types.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLInt

SCALAR_COLUMNS: dict[str, dict[str, str]] = {
    "Session": {
        "id": "id",
        "userId": "user_id",
        "name": "name",
        "metadata": "metadata",
        "createdAt": "created_at",
        "lastAccessed": "last_accessed",
        "expiresAt": "expires_at",
        "revision": "revision",
    },
    "Node": {
        "sessionId": "session_id",
        "nodeId": "node_id",
        "label": "label",
        "type": "type",
        "metadata": "metadata",
        "version": "version",
        "createdAt": "created_at",
        "updatedAt": "updated_at",
    },
    "Component": {
        "id": "id",
        "nodeId": "node_id",
        "position": "position",
        "type": "type",
        "content": "content",
        "properties": "properties",
        "createdAt": "created_at",
        "updatedAt": "updated_at",
    },
    "Relationship": {
        "id": "id",
        "sessionId": "session_id",
        "sourceId": "source_id",
        "targetId": "target_id",
        "type": "type",
        "weight": "weight",
        "properties": "properties",
        "version": "version",
        "createdAt": "created_at",
        "updatedAt": "updated_at",
    },
}

# What nested fields of a type look up by: a session by id, a node's components and
# relationships by (session_id, node_id), a relationship's endpoints by their node ids.
KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "Session": ("id",),
    "Node": ("session_id", "node_id"),
    "Relationship": ("session_id", "source_id", "target_id"),
}

_MIN_INT = -(2**31)
_MAX_INT = 2**31 - 1


def convert_int(values: list[Any]) -> list[Any]:
    """GraphQL Int output: the int itself when it fits in 32 bits, else graphql-core's
    serializer (which raises for what it cannot represent, as the general path does)."""
    serialize = GraphQLInt.coerce_output_value
    return [
        v if v is None or (type(v) is int and _MIN_INT <= v <= _MAX_INT) else serialize(v)
        for v in values
    ]


def index_of(rows: list[Any]) -> dict[str, int]:
    """Column name -> position in the rows of one statement (all rows share the keys)."""
    if not rows:
        return {}
    return {name: position for position, name in enumerate(rows[0]._fields)}
