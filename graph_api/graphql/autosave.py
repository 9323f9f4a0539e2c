"""autoSave: a debounced client's delta applied in one transaction (placeholder)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from graph_api.errors import InternalError
from graph_api.graphql.context import Info
from graph_api.graphql.inputs import AutoSaveInput
from graph_api.graphql.types.change import EntityKind
from graph_api.graphql.types.node import Node
from graph_api.graphql.types.relationship import Relationship


@strawberry.enum
class SaveStatus(Enum):
    SAVED = "SAVED"
    CONFLICT = strawberry.enum_value("CONFLICT", description="Nothing was written: see conflicts.")
    REPLAYED = strawberry.enum_value(
        "REPLAYED", description="This saveId was applied before; nothing new was written."
    )


@strawberry.type
class Conflict:
    kind: EntityKind
    key: str
    expected_version: int | None
    current_version: int | None
    node: Node | None = strawberry.field(
        description="The server's current state, null when it was deleted."
    )
    relationship: Relationship | None


@strawberry.type
class AutoSaveResult:
    save_id: strawberry.ID
    status: SaveStatus
    revision: int
    saved_at: datetime
    conflicts: list[Conflict]
    nodes: list[Node]
    relationships: list[Relationship]


@strawberry.type
class AutoSaveMutation:
    @strawberry.mutation(
        description="Applies a debounced client's delta in one transaction; idempotent per saveId."
    )
    async def auto_save(
        self,
        info: Info,
        session_id: strawberry.ID,
        input: AutoSaveInput,
    ) -> AutoSaveResult:
        raise InternalError("autoSave is not available yet")
