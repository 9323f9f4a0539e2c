"""Root query fields: thin resolvers over the service layer (and the batch resolvers
of session and node for the compiled read path)."""

from __future__ import annotations

from typing import Any

import strawberry

from graph_api.errors import SessionNotFound
from graph_api.graphql.context import Info
from graph_api.graphql.fast.plan import FieldPlan
from graph_api.graphql.fast.registry import batch
from graph_api.graphql.fast.run import Index, Run, child
from graph_api.graphql.types.change import Change, ChangeFeed
from graph_api.graphql.types.identity import SessionConnection, User
from graph_api.graphql.types.node import Node
from graph_api.graphql.types.session import Session
from graph_api.services import access
from graph_api.services import sessions as session_service
from graph_api.services.changes import feed
from graph_api.services.changes import log as change_service
from graph_api.services.identity import sharing
from graph_api.services.reads import batch as batch_reads
from graph_api.services.reads.pagination import check_first
from graph_api.services.validation import parse_session_id


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
        canonical = await access.admit(db=db, session_id=session_id)
        row = await info.context.loaders.node.load((canonical, node_id))
        await access.require_rows(db=db, session_id=canonical, rows=[row])
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
            changes=[Change.from_row(feed.change_of(change)) for change in rows],
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


# ---------------------------------------------------------------- compiled read path


@batch(Query, "session")
async def _session_batch(run: Run, plan: FieldPlan, sources: list[Any], index: Index) -> list[Any]:
    canonical = parse_session_id(plan.args["id"])
    selection = child(plan)
    rows: list[Any] = [None]
    if canonical is not None and await access.can_see(db=run.db, session_id=canonical):
        rows = await batch_reads.sessions_by_ids(
            db=run.db, ids=[canonical], columns=selection.columns
        )
    return await run.complete_rows(selection, rows * len(sources), nullable=True)


@batch(Query, "node")
async def _node_batch(run: Run, plan: FieldPlan, sources: list[Any], index: Index) -> list[Any]:
    canonical = await access.admit(db=run.db, session_id=plan.args["session_id"])
    selection = child(plan)
    rows = await batch_reads.nodes_by_keys(
        db=run.db, keys=[(canonical, plan.args["node_id"])], columns=selection.columns
    )
    await access.require_rows(db=run.db, session_id=canonical, rows=rows)
    return await run.complete_rows(selection, rows * len(sources), nullable=True)
