"""Session: a graph's metadata, its nodes and relationships (as connections) and its
graph questions; the batch resolvers of its fields for the compiled read path follow."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated, Any

import strawberry
from sqlalchemy import Table

from graph_api.db.models import nodes, relationships
from graph_api.graphql.context import Info
from graph_api.graphql.fast.plan import FieldPlan
from graph_api.graphql.fast.registry import batch
from graph_api.graphql.fast.run import Index, Run, child, leaf
from graph_api.graphql.inputs import NodeFilterInput, RelationshipFilterInput
from graph_api.graphql.types.common import Direction, NodeOrder
from graph_api.graphql.types.connection import (
    NodeConnection,
    RelationshipConnection,
    connections,
    node_reads,
    relationship_reads,
)
from graph_api.graphql.types.graph import Path, SearchHit, TypeCounts
from graph_api.graphql.types.identity import SessionMember, SessionRole
from graph_api.graphql.types.node import Node, nodes_by_keys
from graph_api.graphql.types.records import RecordView, record_type
from graph_api.services import access
from graph_api.services.csv import export as csv_export_service
from graph_api.services.graph import counts as count_service
from graph_api.services.graph import paths as path_service
from graph_api.services.graph import search as search_service
from graph_api.services.identity import sharing
from graph_api.services.reads import batch as batch_reads
from graph_api.services.records import SessionRecord


@strawberry.type
class CsvExport:
    nodes_csv: str
    relationships_csv: str


@strawberry.type
@record_type(SessionRecord, ids=("id",))
class Session(RecordView):
    id: strawberry.ID
    expires_at: datetime = strawberry.field(
        description="createdAt + 100 years: sessions are permanent until deleted."
    )
    revision: int = strawberry.field(
        description="Bumped by exactly 1 for every committed request that changed this session."
    )

    @strawberry.field
    async def node_count(self, info: Info) -> int:
        return await info.context.loaders.node_count.load(self.id)

    @strawberry.field
    async def relationship_count(self, info: Info) -> int:
        return await info.context.loaders.relationship_count.load(self.id)

    @strawberry.field
    async def node(self, info: Info, node_id: str) -> Node | None:
        row = await info.context.loaders.node.load((self.id, node_id))
        return Node.from_row(row) if row is not None else None

    @strawberry.field
    async def nodes(
        self,
        info: Info,
        first: int | None = 100,
        after: str | None = None,
        filter: NodeFilterInput | None = None,
        order_by: NodeOrder | None = NodeOrder.NODE_ID_ASC,
    ) -> NodeConnection:
        reads = node_reads(info.context.settings.limits, first, after, filter, order_by)
        page = await reads.page(db=info.context.db, session_id=self.id)
        info.context.loaders.prime_nodes(page.rows)
        return NodeConnection.from_page(page, self.id, reads)

    @strawberry.field
    async def relationships(
        self,
        info: Info,
        first: int | None = 100,
        after: str | None = None,
        filter: RelationshipFilterInput | None = None,
    ) -> RelationshipConnection:
        reads = relationship_reads(info.context.settings.limits, first, after, filter)
        page = await reads.page(db=info.context.db, session_id=self.id)
        return RelationshipConnection.from_page(page, self.id, reads)

    @strawberry.field(
        description="The whole session graph as two CSV documents that importCsv accepts back."
    )
    async def export_csv(
        self,
        info: Info,
        excel_safe: Annotated[
            bool,
            strawberry.argument(
                description="Prefix label and type cells that a spreadsheet would run as a "
                "formula (=, +, -, @, tab, CR) with an apostrophe; importCsv removes it."
            ),
        ] = False,
    ) -> CsvExport:
        exported = await csv_export_service.export_csv(
            db=info.context.db, session_id=self.id, excel_safe=excel_safe
        )
        return CsvExport(nodes_csv=exported.nodes_csv, relationships_csv=exported.relationships_csv)

    @strawberry.field(
        description="The caller's role; OWNER when the server runs without authentication."
    )
    async def my_role(self, info: Info) -> SessionRole:  # type: ignore[valid-type]
        role = await access.role_of(db=info.context.db, session_id=self.id)
        return role or access.Role.VIEWER  # only reached through a session the caller sees

    @strawberry.field(
        description="Users the owner shared this session with (the owner is not listed)."
    )
    async def members(self, info: Info) -> list[SessionMember]:
        [members] = await sharing.members_of(db=info.context.db, session_ids=[self.id])
        return [SessionMember.from_row(member) for member in members]

    @strawberry.field(
        description=(
            "Fewest-hops path between two nodes (CONTRACT.md section 12), "
            "or null when none within maxDepth (1..10)."
        )
    )
    async def shortest_path(
        self,
        info: Info,
        from_: Annotated[str, strawberry.argument(name="from")],
        to: str,
        direction: Direction | None = Direction.OUT,
        types: list[str] | None = None,
        max_depth: int | None = 6,
    ) -> Path | None:
        found = await path_service.shortest_path(
            db=info.context.db,
            session_id=self.id,
            source=from_,
            target=to,
            direction=(direction or Direction.OUT).value,
            types=types,
            max_depth=6 if max_depth is None else max_depth,
        )
        return Path.from_path(found, info) if found is not None else None

    @strawberry.field(
        description=(
            "Full-text search over node labels and component contents (CONTRACT.md section 12)."
        )
    )
    async def search(
        self, info: Info, query: str, first: int | None = 20, types: list[str] | None = None
    ) -> list[SearchHit]:
        hits = await search_service.search(
            db=info.context.db, session_id=self.id, query=query, first=first, types=types
        )
        return [SearchHit.from_hit(hit) for hit in hits]

    @strawberry.field(
        description="How many nodes and relationships of each type, largest first, then by type."
    )
    async def type_counts(self, info: Info) -> TypeCounts:
        found = await count_service.type_counts(db=info.context.db, session_id=self.id)
        return TypeCounts.from_counts(found)


@strawberry.type
class SessionValidation:
    valid: bool
    session: Session | None
    reason: str | None = strawberry.field(
        description="NOT_FOUND, EXPIRED or MALFORMED_ID when valid is false."
    )


# ---------------------------------------------------------------- compiled read path


def _ids(sources: list[Any], index: Index) -> list[str]:
    return [row[index["id"]] for row in sources]


@batch(Session, "node", reads=("id",))
async def _node_batch(run: Run, plan: FieldPlan, sources: list[Any], index: Index) -> list[Any]:
    selection = child(plan)
    keys = [(session_id, plan.args["node_id"]) for session_id in _ids(sources, index)]
    rows = await nodes_by_keys(run, keys, selection.columns)
    return await run.complete_rows(selection, rows, nullable=True)


async def _count_batch(
    run: Run, plan: FieldPlan, sources: list[Any], index: Index, *, table: Table
) -> list[Any]:
    ids = _ids(sources, index)
    return leaf(plan, await batch_reads.count_by_session(db=run.db, table=table, ids=ids))


batch(Session, "node_count", reads=("id",))(partial(_count_batch, table=nodes))
batch(Session, "relationship_count", reads=("id",))(partial(_count_batch, table=relationships))


@batch(Session, "nodes", reads=("id",))
async def _nodes_batch(run: Run, plan: FieldPlan, sources: list[Any], index: Index) -> list[Any]:
    reads = node_reads(run.limits, **plan.args)
    return await connections(run, plan, sources, index, reads)


@batch(Session, "relationships", reads=("id",))
async def _relationships_batch(
    run: Run, plan: FieldPlan, sources: list[Any], index: Index
) -> list[Any]:
    reads = relationship_reads(run.limits, **plan.args)
    return await connections(run, plan, sources, index, reads)
