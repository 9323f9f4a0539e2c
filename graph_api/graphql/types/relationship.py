"""Relationship: a typed edge; its endpoints resolve through the node loader."""

from __future__ import annotations

import strawberry

from graph_api.graphql.context import Info
from graph_api.graphql.types.node import Node
from graph_api.graphql.types.records import RecordView, record_type
from graph_api.services.records import RelationshipRecord


@strawberry.type
@record_type(RelationshipRecord, ids=("id", "session_id"))
class Relationship(RecordView):
    session_id: strawberry.ID
    source_id: str
    target_id: str

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
