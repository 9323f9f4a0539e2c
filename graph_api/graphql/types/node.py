"""Node and Component: thin views over rows; nested fields go through the request's loaders,
or (on the compiled read path) through the batch resolvers registered below."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from graph_api.errors import BadUserInput
from graph_api.graphql.context import Info
from graph_api.graphql.fast.plan import FieldPlan
from graph_api.graphql.fast.registry import batch
from graph_api.graphql.fast.run import Index, Run, child, leaf
from graph_api.graphql.types.common import Direction
from graph_api.graphql.types.records import RecordView, record_type
from graph_api.services.reads import batch as batch_reads
from graph_api.services.records import ComponentRecord, NodeRecord
from graph_api.services.validation import check_list_length

if TYPE_CHECKING:
    from graph_api.graphql.types.relationship import Relationship
    from graph_api.graphql.types.session import Session

NodeKey = tuple[str, str]
NODE_KEY = ("session_id", "node_id")  # the columns nested fields of a node look up by

RelationshipRef = Annotated["Relationship", strawberry.lazy("graph_api.graphql.types.relationship")]
SessionRef = Annotated["Session", strawberry.lazy("graph_api.graphql.types.session")]


@strawberry.type
@record_type(ComponentRecord, ids=("id",), hidden=("session_id",))
class Component(RecordView):
    pass


def _types_key(types: list[str] | None, info: Info) -> tuple[str, ...] | None:
    """The hashable loader key of a `types` argument, within the list-length limit."""
    if types is None:
        return None
    check_list_length(types, info.context.settings.limits, field="types")
    return tuple(types)


@strawberry.type
@record_type(NodeRecord, ids=("session_id",))
class Node(RecordView):
    session_id: strawberry.ID
    node_id: str = strawberry.field(
        description=(
            "Unique within its session, e.g. N001. Matches ^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$."
        )
    )
    version: int = strawberry.field(
        description="Starts at 1; +1 on every change to the node or to its component sequence."
    )

    @strawberry.field(
        description="The component sequence, ordered by position (0, 1, 2, ... with no gaps)."
    )
    async def components(self, info: Info) -> list[Component]:
        rows = await info.context.loaders.components.load((self.session_id, self.node_id))
        return [Component.from_row(row) for row in rows]

    @strawberry.field
    async def component_count(self, info: Info) -> int:
        return await info.context.loaders.component_count.load((self.session_id, self.node_id))

    @strawberry.field
    async def outgoing(self, info: Info, types: list[str] | None = None) -> list[RelationshipRef]:
        from graph_api.graphql.types.relationship import Relationship

        rows = await info.context.loaders.outgoing.load(
            (self.session_id, self.node_id, _types_key(types, info))
        )
        return [Relationship.from_row(row) for row in rows]

    @strawberry.field
    async def incoming(self, info: Info, types: list[str] | None = None) -> list[RelationshipRef]:
        from graph_api.graphql.types.relationship import Relationship

        rows = await info.context.loaders.incoming.load(
            (self.session_id, self.node_id, _types_key(types, info))
        )
        return [Relationship.from_row(row) for row in rows]

    @strawberry.field(
        description="Distinct nodes reachable within `depth` hops (1..5), excluding this node."
    )
    async def neighbors(
        self,
        info: Info,
        direction: Direction | None = Direction.BOTH,
        depth: int | None = 1,
        types: list[str] | None = None,
    ) -> list[Node]:
        limit = info.context.settings.limits.max_neighbor_depth
        depth = 1 if depth is None else depth
        if not 1 <= depth <= limit:
            raise BadUserInput(f"depth must be between 1 and {limit}", field="depth")
        rows = await info.context.loaders.neighbors.load(
            (
                self.session_id,
                self.node_id,
                (direction or Direction.BOTH).value,
                depth,
                _types_key(types, info),
            )
        )
        return [Node.from_row(row) for row in rows]

    @strawberry.field
    async def session(self, info: Info) -> SessionRef:
        from graph_api.graphql.types.session import Session

        row = await info.context.loaders.session.load(self.session_id)
        assert row is not None  # a node never outlives its session within one snapshot
        return Session.from_row(row)


# ---------------------------------------------------------------- compiled read path


def _node_keys(sources: list[Any], index: Index) -> list[NodeKey]:
    session, node = index["session_id"], index["node_id"]
    return [(row[session], row[node]) for row in sources]


async def nodes_by_keys(run: Run, keys: list[NodeKey], columns: list[str]) -> list[Any]:
    """The node rows of `keys` (None where there is none), narrowed to `columns`."""
    # Many relationships share an endpoint: read (and check) each distinct key once.
    unique = list(dict.fromkeys(keys))
    rows = await batch_reads.nodes_by_keys(db=run.db, keys=unique, columns=columns)
    found = dict(zip(unique, rows, strict=True))
    return [found[key] for key in keys]


@batch(Node, "components", reads=NODE_KEY)
async def _components_batch(
    run: Run, plan: FieldPlan, sources: list[Any], index: Index
) -> list[Any]:
    selection = child(plan)
    groups = await batch_reads.components_by_nodes(
        db=run.db, keys=_node_keys(sources, index), columns=selection.columns
    )
    return await run.complete_groups(selection, groups)


@batch(Node, "component_count", reads=NODE_KEY)
async def _component_count_batch(
    run: Run, plan: FieldPlan, sources: list[Any], index: Index
) -> list[Any]:
    counts = await batch_reads.component_counts(db=run.db, keys=_node_keys(sources, index))
    return leaf(plan, counts)


async def _endpoint_lists(
    run: Run, plan: FieldPlan, sources: list[Any], index: Index, *, outgoing: bool
) -> list[Any]:
    selection = child(plan)
    types = plan.args.get("types")
    types_key = None if types is None else tuple(types)
    keys = [(session_id, node_id, types_key) for session_id, node_id in _node_keys(sources, index)]
    groups = await batch_reads.relationships_by_endpoint(
        db=run.db, keys=keys, outgoing=outgoing, columns=selection.columns
    )
    return await run.complete_groups(selection, groups)


batch(Node, "outgoing", reads=NODE_KEY)(partial(_endpoint_lists, outgoing=True))
batch(Node, "incoming", reads=NODE_KEY)(partial(_endpoint_lists, outgoing=False))


@batch(Node, "session", reads=("session_id",))
async def _session_batch(run: Run, plan: FieldPlan, sources: list[Any], index: Index) -> list[Any]:
    selection = child(plan)
    ids = [row[index["session_id"]] for row in sources]
    rows = await batch_reads.sessions_by_ids(db=run.db, ids=ids, columns=selection.columns)
    return await run.complete_rows(selection, rows, nullable=False)
