"""Root mutation fields for nodes and their components."""

from __future__ import annotations

import strawberry

from graph_api.graphql.context import Info
from graph_api.graphql.inputs import (
    ComponentInput,
    ComponentPatchInput,
    NodeInput,
    NodePatchInput,
)
from graph_api.graphql.types.common import DeleteResult
from graph_api.graphql.types.node import Node
from graph_api.services import components as component_service
from graph_api.services import nodes as node_service


@strawberry.type
class NodeMutation:
    @strawberry.mutation(
        description=(
            "Creates a node with its components. nodeId is assigned (N003, N004, ...) when omitted."
        )
    )
    async def create_node(
        self,
        info: Info,
        session_id: strawberry.ID,
        input: NodeInput,
    ) -> Node:
        rows = await node_service.create_nodes(
            db=info.context.db, session_id=session_id, specs=[input.to_spec()]
        )
        return Node.from_row(rows[0])

    @strawberry.mutation
    async def create_nodes(
        self, info: Info, session_id: strawberry.ID, inputs: list[NodeInput]
    ) -> list[Node]:
        rows = await node_service.create_nodes(
            db=info.context.db, session_id=session_id, specs=[i.to_spec() for i in inputs]
        )
        return [Node.from_row(row) for row in rows]

    @strawberry.mutation
    async def update_node(
        self,
        info: Info,
        session_id: strawberry.ID,
        node_id: str,
        patch: NodePatchInput,
        expected_version: int | None = None,
    ) -> Node:
        row = await node_service.update_node(
            db=info.context.db,
            session_id=session_id,
            node_id=node_id,
            patch=patch.to_spec(),
            expected_version=expected_version,
        )
        return Node.from_row(row)

    @strawberry.mutation(
        description="Deletes the node, its components and every relationship touching it."
    )
    async def delete_node(
        self, info: Info, session_id: strawberry.ID, node_id: str
    ) -> DeleteResult:
        counts = await node_service.delete_nodes(
            db=info.context.db, session_id=session_id, node_ids=[node_id]
        )
        return DeleteResult.from_counts(counts)

    @strawberry.mutation
    async def delete_nodes(
        self, info: Info, session_id: strawberry.ID, node_ids: list[str]
    ) -> DeleteResult:
        counts = await node_service.delete_nodes(
            db=info.context.db, session_id=session_id, node_ids=node_ids
        )
        return DeleteResult.from_counts(counts)


@strawberry.type
class ComponentMutation:
    @strawberry.mutation(description="Replaces the node's whole component sequence atomically.")
    async def set_components(
        self,
        info: Info,
        session_id: strawberry.ID,
        node_id: str,
        components: list[ComponentInput],
        expected_version: int | None = None,
    ) -> Node:
        row = await component_service.set_components(
            db=info.context.db,
            session_id=session_id,
            node_id=node_id,
            specs=[c.to_spec() for c in components],
            expected_version=expected_version,
        )
        return Node.from_row(row)

    @strawberry.mutation(
        description="Inserts at `position` (default: the end), shifting later components."
    )
    async def add_component(
        self,
        info: Info,
        session_id: strawberry.ID,
        node_id: str,
        component: ComponentInput,
        position: int | None = None,
        expected_version: int | None = None,
    ) -> Node:
        row = await component_service.add_component(
            db=info.context.db,
            session_id=session_id,
            node_id=node_id,
            spec=component.to_spec(),
            position=position,
            expected_version=expected_version,
        )
        return Node.from_row(row)

    @strawberry.mutation
    async def update_component(
        self,
        info: Info,
        session_id: strawberry.ID,
        component_id: strawberry.ID,
        patch: ComponentPatchInput,
        expected_version: int | None = None,
    ) -> Node:
        row = await component_service.update_component(
            db=info.context.db,
            session_id=session_id,
            component_id=component_id,
            patch=patch.to_spec(),
            expected_version=expected_version,
        )
        return Node.from_row(row)

    @strawberry.mutation
    async def move_component(
        self,
        info: Info,
        session_id: strawberry.ID,
        component_id: strawberry.ID,
        to_position: int,
        expected_version: int | None = None,
    ) -> Node:
        row = await component_service.move_component(
            db=info.context.db,
            session_id=session_id,
            component_id=component_id,
            to_position=to_position,
            expected_version=expected_version,
        )
        return Node.from_row(row)

    @strawberry.mutation
    async def remove_component(
        self,
        info: Info,
        session_id: strawberry.ID,
        component_id: strawberry.ID,
        expected_version: int | None = None,
    ) -> Node:
        row = await component_service.remove_component(
            db=info.context.db,
            session_id=session_id,
            component_id=component_id,
            expected_version=expected_version,
        )
        return Node.from_row(row)
