"""Root mutation fields for relationships."""

from __future__ import annotations

import strawberry

from graph_api.graphql.context import Info
from graph_api.graphql.inputs import (
    RelationshipInput,
    RelationshipPatchInput,
)
from graph_api.graphql.types.common import DeleteResult, DuplicatePolicy
from graph_api.graphql.types.relationship import Relationship
from graph_api.services import relationships as relationship_service


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
            expected_version=expected_version,
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
