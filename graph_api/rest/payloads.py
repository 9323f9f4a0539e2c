"""Request and response bodies of the REST surface (CONTRACT.md §8).

Field names are the GraphQL contract's, in snake_case (`nodeId` -> `node_id`,
`expectedVersion` -> `expected_version`); meanings, defaults and nullability
follow the SDL. In a patch, an absent or null field is left unchanged, as in
GraphQL, except a relationship's `weight`, where an explicit null clears it.
Request bodies are strict and reject unknown fields, so a camelCase or misspelt
field is a 422 instead of being silently ignored. Every check of a value's rules
stays in the service layer; these models only give the JSON its shape.
Date-times leave as ISO-8601 in UTC with `+00:00` and microseconds.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema
from sqlalchemy import Row

from graph_api.services.specs import (
    ComponentSpec,
    DeleteCounts,
    NodePatch,
    NodeSpec,
    RelationshipPatch,
    RelationshipSpec,
    SessionSpec,
)


def _utc_text(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


UtcDateTime = Annotated[
    datetime,
    PlainSerializer(_utc_text, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
JsonObject = dict[str, Any]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


# ---------------------------------------------------------------- inputs


class CreateSessionIn(_Input):
    """createSession's input; the whole body may be omitted."""

    user_id: str | None = None
    name: str | None = None
    metadata: JsonObject | None = None
    with_default_nodes: bool = Field(True, description="Create nodes N001 and N002.")

    def to_spec(self) -> SessionSpec:
        return SessionSpec(
            user_id=self.user_id,
            name=self.name,
            metadata=self.metadata,
            with_default_nodes=self.with_default_nodes,
        )


class ComponentIn(_Input):
    type: str
    content: str | None = Field("", description="null is the empty string.")
    properties: JsonObject | None = None

    def to_spec(self) -> ComponentSpec:
        return ComponentSpec(type=self.type, content=self.content or "", properties=self.properties)


class NodeIn(_Input):
    node_id: str | None = Field(
        None, description="Assigned (N003, N004, ...) when omitted.", examples=["N003"]
    )
    label: str
    type: str | None = Field("concept", description="null means the default, concept.")
    metadata: JsonObject | None = None
    components: list[ComponentIn] | None = None

    def to_spec(self) -> NodeSpec:
        return NodeSpec(
            node_id=self.node_id,
            label=self.label,
            type=self.type if self.type is not None else "concept",
            metadata=self.metadata,
            components=[c.to_spec() for c in self.components] if self.components else None,
        )


class NodePatchIn(_Input):
    """Absent (or null) fields are left unchanged; metadata is replaced as a whole."""

    label: str | None = None
    type: str | None = None
    metadata: JsonObject | None = None
    expected_version: int | None = Field(
        None, description="Fail with 409 VERSION_CONFLICT unless the node is at this version."
    )

    def to_spec(self) -> NodePatch:
        return NodePatch(label=self.label, type=self.type, metadata=self.metadata)


class ComponentsPut(_Input):
    """setComponents: the node's whole new sequence."""

    components: list[ComponentIn]
    expected_version: int | None = None


class ComponentPost(_Input):
    """addComponent: one component inserted at `position` (default: the end)."""

    component: ComponentIn
    position: int | None = None
    expected_version: int | None = None


class RelationshipIn(_Input):
    source_id: str
    target_id: str
    type: str
    weight: float | None = None
    properties: JsonObject | None = None

    def to_spec(self) -> RelationshipSpec:
        return RelationshipSpec(
            source_id=self.source_id,
            target_id=self.target_id,
            type=self.type,
            weight=self.weight,
            properties=self.properties,
        )


class RelationshipPatchIn(_Input):
    """Absent fields are left unchanged; `weight: null` clears the weight."""

    type: str | None = None
    weight: float | None = None
    properties: JsonObject | None = None
    expected_version: int | None = None

    def to_spec(self) -> RelationshipPatch:
        return RelationshipPatch(
            type=self.type,
            weight=self.weight,
            properties=self.properties,
            clear_weight="weight" in self.model_fields_set and self.weight is None,
        )


# ---------------------------------------------------------------- outputs


class SessionOut(BaseModel):
    id: str
    user_id: str | None
    name: str | None
    metadata: JsonObject
    created_at: UtcDateTime
    last_accessed: UtcDateTime
    expires_at: UtcDateTime = Field(description="created_at + 100 years.")
    revision: int = Field(description="+1 for every committed request that changed the session.")
    node_count: int
    relationship_count: int

    @classmethod
    def from_row(cls, row: Row[Any], *, node_count: int, relationship_count: int) -> SessionOut:
        return cls(
            id=row.id,
            user_id=row.user_id,
            name=row.name,
            metadata=row.metadata,
            created_at=row.created_at,
            last_accessed=row.last_accessed,
            expires_at=row.expires_at,
            revision=row.revision,
            node_count=node_count,
            relationship_count=relationship_count,
        )


class SessionValidationOut(BaseModel):
    valid: bool
    session: SessionOut | None = None
    reason: Literal["NOT_FOUND", "MALFORMED_ID", "EXPIRED"] | None = Field(
        None, description="Why the session is not valid; null when it is."
    )


class ComponentOut(BaseModel):
    id: str
    node_id: str
    position: int
    type: str
    content: str
    properties: JsonObject
    created_at: UtcDateTime
    updated_at: UtcDateTime

    @classmethod
    def from_row(cls, row: Row[Any]) -> ComponentOut:
        return cls(
            id=str(row.id),
            node_id=row.node_id,
            position=row.position,
            type=row.type,
            content=row.content,
            properties=row.properties,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class NodeOut(BaseModel):
    session_id: str
    node_id: str
    label: str
    type: str
    metadata: JsonObject
    version: int = Field(description="+1 on every change to the node or its components.")
    created_at: UtcDateTime
    updated_at: UtcDateTime
    components: list[ComponentOut] = Field(description="Ordered by position 0, 1, 2, ...")

    @classmethod
    def from_row(cls, row: Row[Any], components: list[Row[Any]]) -> NodeOut:
        return cls(
            session_id=row.session_id,
            node_id=row.node_id,
            label=row.label,
            type=row.type,
            metadata=row.metadata,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
            components=[ComponentOut.from_row(c) for c in components],
        )


class ComponentSequenceOut(BaseModel):
    """A node's component sequence with the node's version (for expected_version)."""

    session_id: str
    node_id: str
    version: int
    components: list[ComponentOut]

    @classmethod
    def from_row(cls, node: Row[Any], components: list[Row[Any]]) -> ComponentSequenceOut:
        return cls(
            session_id=node.session_id,
            node_id=node.node_id,
            version=node.version,
            components=[ComponentOut.from_row(c) for c in components],
        )


class RelationshipOut(BaseModel):
    id: str
    session_id: str
    source_id: str
    target_id: str
    type: str
    weight: float | None
    properties: JsonObject
    version: int
    created_at: UtcDateTime
    updated_at: UtcDateTime

    @classmethod
    def from_row(cls, row: Row[Any]) -> RelationshipOut:
        return cls(
            id=str(row.id),
            session_id=row.session_id,
            source_id=row.source_id,
            target_id=row.target_id,
            type=row.type,
            weight=row.weight,
            properties=row.properties,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class _Page(BaseModel):
    has_next_page: bool
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null when there is none."
    )
    total_count: int = Field(description="Items matching the filter, on every page.")


def next_cursor(cursors: list[str], has_next_page: bool, cursor: str | None) -> str | None:
    """`next_cursor` of a page: its last item's cursor while there is more."""
    # An empty page (limit=0) that has more keeps the caller's position.
    if not has_next_page:
        return None
    return cursors[-1] if cursors else cursor


class NodePage(_Page):
    items: list[NodeOut]


class RelationshipPage(_Page):
    items: list[RelationshipOut]


class DeleteResultOut(BaseModel):
    deleted: bool
    nodes: int
    components: int
    relationships: int
    revision: int | None = Field(
        description="The session's revision after the delete; null when the session was deleted."
    )

    @classmethod
    def from_counts(cls, counts: DeleteCounts) -> DeleteResultOut:
        return cls(
            deleted=counts.deleted,
            nodes=counts.nodes,
            components=counts.components,
            relationships=counts.relationships,
            revision=counts.revision,
        )
