"""autoSave: converts the input to the service's spec, calls the service, maps the result."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from graph_api.graphql.autosave_input import to_spec
from graph_api.graphql.context import Info
from graph_api.graphql.inputs import AutoSaveInput
from graph_api.graphql.types.change import EntityKind
from graph_api.graphql.types.node import Node
from graph_api.graphql.types.relationship import Relationship
from graph_api.services.autosave import save as autosave_service
from graph_api.services.autosave.plan import Conflict as ConflictRecord


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
    fields: list[str] = strawberry.field(
        description=(
            "Under MERGE: the fields that conflict. Under REJECT: every field the change sets."
        )
    )

    @classmethod
    def from_record(cls, record: ConflictRecord) -> Conflict:
        return cls(
            kind=EntityKind(record.kind),
            key=record.key,
            expected_version=record.expected_version,
            current_version=record.current_version,
            node=Node.from_row(record.node) if record.node is not None else None,
            relationship=(
                Relationship.from_row(record.relationship)
                if record.relationship is not None
                else None
            ),
            fields=record.fields,
        )


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
        result = await autosave_service.auto_save(
            db=info.context.db, session_id=session_id, spec=to_spec(input)
        )
        loaders = info.context.loaders
        for row in result.nodes:
            # New sequences came back from their INSERT: no statement reads them again.
            if row.node_id in result.components:
                loaders.components.prime(
                    (row.session_id, row.node_id), result.components[row.node_id]
                )
        return AutoSaveResult(
            save_id=strawberry.ID(result.save_id),
            status=SaveStatus(result.status),
            revision=result.revision,
            saved_at=result.saved_at,
            conflicts=[Conflict.from_record(record) for record in result.conflicts],
            nodes=[Node.from_row(row) for row in result.nodes],
            relationships=[Relationship.from_row(row) for row in result.relationships],
        )
