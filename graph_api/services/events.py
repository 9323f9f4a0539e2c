"""Publishing committed revisions to live subscribers (in-process fan-out).

A placeholder until the auto-save/subscription issue: it accepts notices and
drops them, so writers never depend on subscribers.
"""

from __future__ import annotations


class Broker:
    """Fan-out of (session_id, revision, deleted) notices to subscribers."""

    async def publish(self, session_id: str, revision: int, deleted: bool) -> None:
        return None

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None
