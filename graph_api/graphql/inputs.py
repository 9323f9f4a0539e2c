"""Input types and enums named as in the SDL, each converting to the service layer's specs."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from graph_api.config import Limits
from graph_api.services import specs
from graph_api.services.csv.mode import ImportMode
from graph_api.services.validation import check_list_length


def _json_or_none(value: Any) -> Any:
    return None if value is strawberry.UNSET else value


def _present(value: Any) -> Any:
    """UNSET (absent) and None both mean 'leave unchanged' in a patch."""
    return None if value is strawberry.UNSET else value


@strawberry.input
class CreateSessionInput:
    user_id: str | None = None
    name: str | None = None
    metadata: strawberry.scalars.JSON | None = None
    with_default_nodes: bool | None = True

    def to_spec(self) -> specs.SessionSpec:
        return specs.SessionSpec(
            user_id=self.user_id,
            name=self.name,
            metadata=self.metadata,  # type: ignore[arg-type]  # JSON objects are checked by the service
            with_default_nodes=self.with_default_nodes is not False,
        )


@strawberry.input(name="SessionPatch")
class SessionPatchInput:
    name: str | None = strawberry.UNSET
    metadata: strawberry.scalars.JSON | None = strawberry.UNSET

    def to_spec(self) -> specs.SessionPatch:
        return specs.SessionPatch(name=_present(self.name), metadata=_present(self.metadata))


@strawberry.input
class ComponentInput:
    type: str
    content: str | None = ""
    properties: strawberry.scalars.JSON | None = None

    def to_spec(self) -> specs.ComponentSpec:
        return specs.ComponentSpec(
            type=self.type, content=self.content or "", properties=_json_or_none(self.properties)
        )


@strawberry.input(name="ComponentPatch")
class ComponentPatchInput:
    type: str | None = strawberry.UNSET
    content: str | None = strawberry.UNSET
    properties: strawberry.scalars.JSON | None = strawberry.UNSET

    def to_spec(self) -> specs.ComponentPatch:
        return specs.ComponentPatch(
            type=_present(self.type),
            content=_present(self.content),
            properties=_present(self.properties),
        )


@strawberry.input
class NodeInput:
    label: str
    node_id: str | None = None
    type: str | None = "concept"
    metadata: strawberry.scalars.JSON | None = None
    components: list[ComponentInput] | None = None

    def to_spec(self) -> specs.NodeSpec:
        return specs.NodeSpec(
            node_id=self.node_id,
            label=self.label,
            type=self.type if self.type is not None else "concept",
            metadata=_json_or_none(self.metadata),
            components=[c.to_spec() for c in self.components] if self.components else None,
        )


@strawberry.input(
    name="NodePatch",
    description="Absent fields are left unchanged; metadata is replaced as a whole.",
)
class NodePatchInput:
    label: str | None = strawberry.UNSET
    type: str | None = strawberry.UNSET
    metadata: strawberry.scalars.JSON | None = strawberry.UNSET

    def to_spec(self) -> specs.NodePatch:
        return specs.NodePatch(
            label=_present(self.label), type=_present(self.type), metadata=_present(self.metadata)
        )


@strawberry.input
class RelationshipInput:
    source_id: str
    target_id: str
    type: str
    weight: float | None = None
    properties: strawberry.scalars.JSON | None = None

    def to_spec(self) -> specs.RelationshipSpec:
        return specs.RelationshipSpec(
            source_id=self.source_id,
            target_id=self.target_id,
            type=self.type,
            weight=self.weight,
            properties=_json_or_none(self.properties),
        )


@strawberry.input(name="RelationshipPatch")
class RelationshipPatchInput:
    type: str | None = strawberry.UNSET
    weight: float | None = strawberry.UNSET
    properties: strawberry.scalars.JSON | None = strawberry.UNSET

    def to_spec(self) -> specs.RelationshipPatch:
        return specs.RelationshipPatch(
            type=_present(self.type),
            weight=_present(self.weight),
            properties=_present(self.properties),
            clear_weight=self.weight is None,
        )


@strawberry.input(name="NodeFilter")
class NodeFilterInput:
    node_ids: list[str] | None = None
    types: list[str] | None = None
    label_contains: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of the label."
    )
    updated_since: datetime | None = None

    def to_spec(self, limits: Limits) -> specs.NodeFilter:
        for values, field in ((self.node_ids, "filter.nodeIds"), (self.types, "filter.types")):
            if values is not None:
                check_list_length(values, limits, field=field)
        return specs.NodeFilter(
            node_ids=self.node_ids,
            types=self.types,
            label_contains=self.label_contains,
            updated_since=self.updated_since,
        )


@strawberry.input(name="RelationshipFilter")
class RelationshipFilterInput:
    types: list[str] | None = None
    source_ids: list[str] | None = None
    target_ids: list[str] | None = None
    touching: str | None = strawberry.field(
        default=None, description="Relationships whose source or target is this nodeId."
    )

    def to_spec(self, limits: Limits) -> specs.RelationshipFilter:
        for values, field in (
            (self.types, "filter.types"),
            (self.source_ids, "filter.sourceIds"),
            (self.target_ids, "filter.targetIds"),
        ):
            if values is not None:
                check_list_length(values, limits, field=field)
        return specs.RelationshipFilter(
            types=self.types,
            source_ids=self.source_ids,
            target_ids=self.target_ids,
            touching=self.touching,
        )


# ---------------------------------------------------------------- CSV import


# The service's enum, made a GraphQL enum in place (one ImportMode everywhere), with the
# service's words as the SDL's value descriptions.
strawberry.enum(ImportMode)
for _value in ImportMode.__strawberry_definition__.values:  # type: ignore[attr-defined]
    _value.description = ImportMode[_value.name].help


@strawberry.input
class ImportOptions:
    mode: ImportMode | None = ImportMode.CREATE
    dry_run: bool | None = strawberry.field(
        default=False, description="Validate everything and report counts, commit nothing."
    )
    create_missing_nodes: bool | None = strawberry.field(
        default=False,
        description="Create a node (label = nodeId) for relationship endpoints that do not exist.",
    )


# ---------------------------------------------------------------- autoSave


@strawberry.enum
class ConflictPolicy(Enum):
    REJECT = strawberry.enum_value(
        "REJECT",
        description="Write nothing if any expectedVersion is stale; report every conflict.",
    )
    OVERWRITE = strawberry.enum_value(
        "OVERWRITE", description="Last writer wins: ignore expectedVersion."
    )
    MERGE = strawberry.enum_value(
        "MERGE",
        description=(
            "Field-level three-way merge: a stale expectedVersion conflicts only on fields that "
            "changed on the\nserver since that version and that this save sets to another value "
            "(CONTRACT.md section 6)."
        ),
    )


@strawberry.input(
    description=(
        "Upsert of one node: absent fields unchanged; components, when given, replace the sequence."
    )
)
class NodeChange:
    node_id: str
    label: str | None = strawberry.UNSET
    type: str | None = strawberry.UNSET
    metadata: strawberry.scalars.JSON | None = strawberry.UNSET
    components: list[ComponentInput] | None = strawberry.UNSET
    expected_version: int | None = strawberry.UNSET


@strawberry.input(
    description="Upsert of one relationship, by id when given, else by (sourceId, targetId, type)."
)
class RelationshipChange:
    source_id: str
    target_id: str
    type: str
    id: strawberry.ID | None = strawberry.UNSET
    weight: float | None = strawberry.UNSET
    properties: strawberry.scalars.JSON | None = strawberry.UNSET
    expected_version: int | None = strawberry.UNSET


@strawberry.input
class AutoSaveInput:
    save_id: strawberry.ID = strawberry.field(
        description="Client-generated idempotency key; a retried saveId is not applied twice."
    )
    nodes: list[NodeChange] | None = strawberry.field(default_factory=list)
    delete_node_ids: list[str] | None = strawberry.field(default_factory=list)
    relationships: list[RelationshipChange] | None = strawberry.field(default_factory=list)
    delete_relationship_ids: list[strawberry.ID] | None = strawberry.field(default_factory=list)
    on_conflict: ConflictPolicy | None = ConflictPolicy.REJECT
