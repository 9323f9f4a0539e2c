"""sessionChanges over graphql-transport-ws: a thin view over the session feed service.

The session (and sinceRevision) are checked before the stream starts, so an
unknown session is the operation's `error` message (SESSION_NOT_FOUND) rather
than a stream that starts and fails.
Errors while streaming (e.g. a subscriber that fell behind) arrive as a `next`
with errors, then `complete`; the ErrorCodes extension gives them their codes.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from graph_api.events.broker import Broker
from graph_api.graphql.context import Info
from graph_api.graphql.types.change import Change
from graph_api.services.changes import feed as feed_service
from graph_api.services.records import ChangeRecord


async def _changes(feed: AsyncGenerator[ChangeRecord, None]) -> AsyncGenerator[Change, None]:
    try:
        async for item in feed:
            yield Change.from_row(item)
    finally:
        await feed.aclose()


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
        context = info.context
        limits = context.settings.limits
        canonical = await feed_service.check_start(
            engine=context.engine,
            session_id=session_id,
            since_revision=since_revision,
            limits=limits,
            caller=context.caller,
        )
        broker = context.broker or Broker()
        feed = feed_service.session_feed(
            engine=context.engine,
            broker=broker,
            session_id=canonical,
            since_revision=since_revision,
            limits=limits,
            caller=context.caller,
            recheck_s=context.settings.access_recheck_s,
        )
        return _changes(feed)
