"""Root mutation fields for sessions, nodes, components and relationships.

Each resolver converts its input, calls one service function and maps the
result; the transaction extension commits or rolls back the whole request.
"""

from __future__ import annotations

import strawberry

from graph_api.graphql.context import Info
from graph_api.graphql.inputs import (
    ComponentInput,
    ComponentPatchInput,
    CreateSessionInput,
    NodeInput,
    NodePatchInput,
    RelationshipInput,
    RelationshipPatchInput,
    SessionPatchInput,
)
from graph_api.graphql.types.common import DeleteResult, DuplicatePolicy
from graph_api.graphql.types.identity import SessionRole
from graph_api.graphql.types.node import Node
from graph_api.graphql.types.relationship import Relationship
from graph_api.graphql.types.session import Session, SessionValidation
from graph_api.services import components as component_service
from graph_api.services import nodes as node_service
from graph_api.services import relationships as relationship_service
from graph_api.services import sessions as session_service
from graph_api.services.identity import sharing
from graph_api.services.specs import SessionSpec
from graph_api.services.validation import check_list_length, check_version


@strawberry.type
class SessionMutation:
    @strawberry.mutation(
        description=(
            "Creates the session and, unless withDefaultNodes is false, its default nodes "
            "N001 and N002, atomically."
        )
    )
    async def create_session(
        self,
        info: Info,
        input: CreateSessionInput | None = None,
    ) -> Session:
        spec = input.to_spec() if input is not None else SessionSpec()
        row = await session_service.create_session(db=info.context.db, spec=spec)
        return Session.from_row(row)

    @strawberry.mutation(
        description=(
            "Checks a session and, when valid, updates lastAccessed in the same transaction. "
            "Never errors for unknown ids."
        )
    )
    async def validate_session(self, info: Info, id: strawberry.ID) -> SessionValidation:
        result = await session_service.validate_session(db=info.context.db, session_id=id)
        return SessionValidation(
            valid=result.valid,
            session=Session.from_row(result.session) if result.session is not None else None,
            reason=result.reason,
        )

    @strawberry.mutation
    async def touch_session(self, info: Info, id: strawberry.ID) -> Session:
        return Session.from_row(
            await session_service.touch_session(db=info.context.db, session_id=id)
        )

    @strawberry.mutation
    async def update_session(
        self,
        info: Info,
        id: strawberry.ID,
        patch: SessionPatchInput,
    ) -> Session:
        row = await session_service.update_session(
            db=info.context.db, session_id=id, patch=patch.to_spec()
        )
        return Session.from_row(row)

    @strawberry.mutation(description="Deletes the session and everything in it.")
    async def delete_session(self, info: Info, id: strawberry.ID) -> DeleteResult:
        counts = await session_service.delete_session(db=info.context.db, session_id=id)
        return DeleteResult.from_counts(counts)

    @strawberry.mutation(
        description=(
            "Owner only: gives userId the role EDITOR or VIEWER on the session "
            "(again: changes the role)."
        )
    )
    async def share_session(
        self,
        info: Info,
        id: strawberry.ID,
        user_id: str,
        role: SessionRole,  # type: ignore[valid-type]
    ) -> Session:
        row = await sharing.share_session(
            db=info.context.db, session_id=id, user_id=user_id, role=role
        )
        return Session.from_row(row)

    @strawberry.mutation(
        description=(
            "Owner only: removes userId's access; their live subscriptions to the session end."
        )
    )
    async def unshare_session(self, info: Info, id: strawberry.ID, user_id: str) -> Session:
        row = await sharing.unshare_session(db=info.context.db, session_id=id, user_id=user_id)
        return Session.from_row(row)


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
        check_list_length(inputs, info.context.settings.limits, field="inputs")
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
            expected_version=check_version(expected_version),
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
            expected_version=check_version(expected_version),
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
            expected_version=check_version(expected_version),
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
            expected_version=check_version(expected_version),
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
            expected_version=check_version(expected_version),
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
            expected_version=check_version(expected_version),
        )
        return Node.from_row(row)


@strawberry.type
class RelationshipMutation:
    @strawberry.mutation
    async def create_relationship(
        self,
        info: Info,
        session_id: strawberry.ID,
        input: RelationshipInput,
    ) -> Relationship:
        rows = await relationship_service.create_relationships(
            db=info.context.db, session_id=session_id, specs=[input.to_spec()]
        )
        return Relationship.from_row(rows[0])

    @strawberry.mutation
    async def create_relationships(
        self,
        info: Info,
        session_id: strawberry.ID,
        inputs: list[RelationshipInput],
        on_duplicate: DuplicatePolicy | None = DuplicatePolicy.ERROR,
    ) -> list[Relationship]:
        check_list_length(inputs, info.context.settings.limits, field="inputs")
        rows = await relationship_service.create_relationships(
            db=info.context.db,
            session_id=session_id,
            specs=[i.to_spec() for i in inputs],
            on_duplicate=(on_duplicate or DuplicatePolicy.ERROR).value,
        )
        return [Relationship.from_row(row) for row in rows]

    @strawberry.mutation
    async def update_relationship(
        self,
        info: Info,
        session_id: strawberry.ID,
        id: strawberry.ID,
        patch: RelationshipPatchInput,
        expected_version: int | None = None,
    ) -> Relationship:
        row = await relationship_service.update_relationship(
            db=info.context.db,
            session_id=session_id,
            relationship_id=id,
            patch=patch.to_spec(),
            expected_version=check_version(expected_version),
        )
        return Relationship.from_row(row)

    @strawberry.mutation
    async def delete_relationship(
        self,
        info: Info,
        session_id: strawberry.ID,
        id: strawberry.ID,
    ) -> DeleteResult:
        counts = await relationship_service.delete_relationships(
            db=info.context.db, session_id=session_id, relationship_ids=[id]
        )
        return DeleteResult.from_counts(counts)

    @strawberry.mutation
    async def delete_relationships(
        self, info: Info, session_id: strawberry.ID, ids: list[strawberry.ID]
    ) -> DeleteResult:
        counts = await relationship_service.delete_relationships(
            db=info.context.db, session_id=session_id, relationship_ids=ids
        )
        return DeleteResult.from_counts(counts)
