"""autoSave: converts the input to the service's specs, calls it, maps the result.

strawberry.UNSET marks a field the client left out; for NodeChange fields
(and properties) null means the same as absent, "unchanged", while a
RelationshipChange's weight sent as null clears it.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from graph_api.graphql.context import Info
from graph_api.graphql.inputs import AutoSaveInput, ConflictPolicy, NodeChange, RelationshipChange
from graph_api.graphql.types.change import EntityKind
from graph_api.graphql.types.node import Node
from graph_api.graphql.types.relationship import Relationship
from graph_api.services import autosave as autosave_service
from graph_api.services.autosave_plan import Conflict as ConflictRecord
from graph_api.services.autosave_specs import (
    AutoSaveSpec,
    NodeChangeSpec,
    RelationshipChangeSpec,
)


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
        return AutoSaveResult(
            save_id=strawberry.ID(result.save_id),
            status=SaveStatus(result.status),
            revision=result.revision,
            saved_at=result.saved_at,
            conflicts=[Conflict.from_record(record) for record in result.conflicts],
            nodes=[Node.from_row(row) for row in result.nodes],
            relationships=[Relationship.from_row(row) for row in result.relationships],
        )


def _given(value: Any) -> Any:
    return None if value is strawberry.UNSET else value


def _node_spec(change: NodeChange) -> NodeChangeSpec:
    components = _given(change.components)
    return NodeChangeSpec(
        node_id=change.node_id,
        label=_given(change.label),
        type=_given(change.type),
        metadata=_given(change.metadata),
        components=[c.to_spec() for c in components] if components is not None else None,
        expected_version=_given(change.expected_version),
    )


def _relationship_spec(change: RelationshipChange) -> RelationshipChangeSpec:
    return RelationshipChangeSpec(
        source_id=change.source_id,
        target_id=change.target_id,
        type=change.type,
        id=_given(change.id),
        weight=_given(change.weight),
        weight_given=change.weight is not strawberry.UNSET,
        properties=_given(change.properties),
        expected_version=_given(change.expected_version),
    )


def to_spec(input: AutoSaveInput) -> AutoSaveSpec:
    """The input after defaults: a list sent as null is empty, onConflict null is REJECT."""
    policy = input.on_conflict or ConflictPolicy.REJECT
    return AutoSaveSpec(
        save_id=str(input.save_id),
        nodes=[_node_spec(change) for change in _given(input.nodes) or []],
        delete_node_ids=list(_given(input.delete_node_ids) or []),
        relationships=[_relationship_spec(c) for c in _given(input.relationships) or []],
        delete_relationship_ids=[str(raw) for raw in _given(input.delete_relationship_ids) or []],
        on_conflict="OVERWRITE" if policy == ConflictPolicy.OVERWRITE else "REJECT",
    )
