"""Relationship: a typed edge; its endpoints resolve through the node loader."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import Row

from graph_api.graphql.context import Info
from graph_api.graphql.scalars import JSON
from graph_api.graphql.types.node import Node


@strawberry.type
class Relationship:
    id: strawberry.ID
    session_id: strawberry.ID
    source_id: str
    target_id: str
    type: str
    weight: float | None
    properties: JSON
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Row[Any]) -> Relationship:
        return cls(
            id=strawberry.ID(str(row.id)),
            session_id=strawberry.ID(row.session_id),
            source_id=row.source_id,
            target_id=row.target_id,
            type=row.type,
            weight=row.weight,
            properties=row.properties,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    async def _endpoint(self, info: Info, node_id: str) -> Node:
        row = await info.context.loaders.node.load((self.session_id, node_id))
        assert row is not None  # foreign keys keep endpoints alive within one snapshot
        return Node.from_row(row)

    @strawberry.field
    async def source(self, info: Info) -> Node:
        return await self._endpoint(info, self.source_id)

    @strawberry.field
    async def target(self, info: Info) -> Node:
        return await self._endpoint(info, self.target_id)
