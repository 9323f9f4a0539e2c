"""sessionChanges over graphql-transport-ws (placeholder)."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from graph_api.errors import InternalError
from graph_api.graphql.context import Info
from graph_api.graphql.types.change import Change


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description=(
            "Every committed change of the session, in revision order, over graphql-transport-ws.\n"
            "With sinceRevision, first replays what was missed, then goes live without gaps or "
            "duplicates."
        )
    )
    async def session_changes(
        self, info: Info, session_id: strawberry.ID, since_revision: int | None = None
    ) -> AsyncGenerator[Change, None]:
        raise InternalError("sessionChanges is not available yet")
        yield  # pragma: no cover
