"""Relationship: a typed edge; its endpoints resolve through the node loader."""

from __future__ import annotations

from functools import partial
from typing import Any

import strawberry

from graph_api.graphql.context import Info
from graph_api.graphql.fast.plan import FieldPlan
from graph_api.graphql.fast.registry import batch
from graph_api.graphql.fast.run import Index, Run, child
from graph_api.graphql.types.node import Node, nodes_by_keys
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


# ---------------------------------------------------------------- compiled read path


async def _endpoint_batch(
    run: Run, plan: FieldPlan, sources: list[Any], index: Index, *, column: str
) -> list[Any]:
    selection = child(plan)
    session, node = index["session_id"], index[column]
    keys = [(row[session], row[node]) for row in sources]
    rows = await nodes_by_keys(run, keys, selection.columns)
    return await run.complete_rows(selection, rows, nullable=False)


_READS = ("session_id", "source_id", "target_id")
batch(Relationship, "source", reads=_READS)(partial(_endpoint_batch, column="source_id"))
batch(Relationship, "target", reads=_READS)(partial(_endpoint_batch, column="target_id"))
