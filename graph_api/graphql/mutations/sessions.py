"""Root mutation fields for sessions (and who may use them)."""

from __future__ import annotations

import strawberry

from graph_api.graphql.context import Info
from graph_api.graphql.inputs import (
    CreateSessionInput,
    SessionPatchInput,
)
from graph_api.graphql.types.common import DeleteResult
from graph_api.graphql.types.identity import SessionRole
from graph_api.graphql.types.session import Session, SessionValidation
from graph_api.services import sessions as session_service
from graph_api.services.identity import sharing
from graph_api.services.specs import SessionSpec


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
        return Session.from_row(await session_service.create_session(db=info.context.db, spec=spec))

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
