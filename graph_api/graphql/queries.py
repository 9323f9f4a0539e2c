"""Root query fields: thin resolvers over the service layer."""

from __future__ import annotations

import strawberry

from graph_api.errors import SessionNotFound
from graph_api.graphql.context import Info
from graph_api.graphql.types.change import Change, ChangeFeed
from graph_api.graphql.types.identity import SessionConnection, User
from graph_api.graphql.types.node import Node
from graph_api.graphql.types.session import Session
from graph_api.services import access
from graph_api.services import sessions as session_service
from graph_api.services.changes import log as change_service
from graph_api.services.identity import sharing
from graph_api.services.reads.pagination import check_first


@strawberry.type
class Query:
    @strawberry.field(
        description=(
            "A session by id, or null when there is none. Reading does not touch lastAccessed."
        )
    )
    async def session(self, info: Info, id: strawberry.ID) -> Session | None:
        row = await session_service.get_session(db=info.context.db, session_id=id)
        if row is None:
            return None
        info.context.loaders.session.prime(row.id, row)
        return Session.from_row(row)

    @strawberry.field(description="One node of a session, or null.")
    async def node(self, info: Info, session_id: strawberry.ID, node_id: str) -> Node | None:
        db = info.context.db
        canonical = await access.require_session(db=db, session_id=session_id)
        row = await info.context.loaders.node.load((canonical, node_id))
        return Node.from_row(row) if row is not None else None

    @strawberry.field(
        description="What changed in a session after `sinceRevision` (exclusive), oldest first."
    )
    async def changes(
        self, info: Info, session_id: strawberry.ID, since_revision: int, first: int | None = 1000
    ) -> ChangeFeed:
        db = info.context.db
        row = await session_service.get_session(db=db, session_id=session_id)
        if row is None:
            raise SessionNotFound(session_id)
        size = check_first(1000 if first is None else first, db.limits)
        rows, has_more = await change_service.list_changes(
            db=db, session_id=row.id, since_revision=since_revision, first=size
        )
        return ChangeFeed(
            session_id=strawberry.ID(row.id),
            since_revision=since_revision,
            revision=row.revision,
            changes=[Change.from_row(change) for change in rows],
            has_more=has_more,
        )

    @strawberry.field(
        description=(
            "The caller, when the server runs with authentication (CONTRACT.md section 11); "
            "null otherwise."
        )
    )
    def me(self, info: Info) -> User | None:
        caller = info.context.caller
        return User(id=caller.user_id) if caller is not None else None

    @strawberry.field(
        description=(
            "Sessions the caller owns or is a member of, most recently accessed first; "
            "empty without authentication."
        )
    )
    async def my_sessions(
        self, info: Info, first: int | None = 100, after: str | None = None
    ) -> SessionConnection:
        page = await sharing.my_sessions(db=info.context.db, first=first, after=after)
        return SessionConnection.from_page(page)
