"""Who makes a request (CONTRACT.md §11): known before the database is touched.

A `Caller` travels in the request's unit of work, where the access policy
(services/access.py) reads it. No caller (None) means no identity: the server
runs with GRAPH_API_AUTH=none, or an administrator runs the CLI.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Caller:
    """An authenticated user and the credential that proved it."""

    user_id: str
    # The API token's id, so that a revocation can end what it opened (None for a JWT).
    token_id: str | None = None
    # When the credential stops being valid (a JWT's exp, an API token's expiry).
    expires_at: datetime | None = None


class CallerSlot:
    """Where the door (graph_api/gate.py) leaves the caller of one connection.

    A WebSocket may authenticate with its `connection_init` message, after the GraphQL
    context was made: the context reads the slot whenever an operation starts.
    """

    def __init__(self, caller: Caller | None = None) -> None:
        self.caller = caller


SCOPE_KEY = "graph_api.caller"


def slot_in(scope: Mapping[str, Any]) -> CallerSlot:
    """The caller slot the door left in an ASGI scope (an empty one if none: no identity)."""
    slot = scope.get(SCOPE_KEY)
    return slot if isinstance(slot, CallerSlot) else CallerSlot()
