"""Node and Component: thin views over rows; nested fields go through the request's loaders."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from graph_api.errors import BadUserInput
from graph_api.graphql.context import Info
from graph_api.graphql.types.common import Direction
from graph_api.graphql.types.records import RecordView, record_type
from graph_api.services.records import ComponentRecord, NodeRecord
from graph_api.services.validation import check_list_length

if TYPE_CHECKING:
    from graph_api.graphql.types.relationship import Relationship
    from graph_api.graphql.types.session import Session

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
