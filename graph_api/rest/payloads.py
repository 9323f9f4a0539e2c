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
from typing import Annotated, Any, Literal, TypeVar, get_type_hints

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    create_model,
)

from graph_api.services import records
from graph_api.services.records import (
    ComponentRecord,
    NodeRecord,
    Record,
    RelationshipRecord,
    SessionRecord,
    field_names,
)
from graph_api.services.specs import (
    ComponentSpec,
    DeleteCounts,
    NodePatch,
    NodeSpec,
    RelationshipPatch,
    RelationshipSpec,
    SessionSpec,
    spec_from,
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
M = TypeVar("M", bound=BaseModel)
# Integer ids (components, relationships) leave as text, as in GraphQL.
IdText = Annotated[str, BeforeValidator(str)]


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
        return spec_from(SessionSpec, self)


class ComponentIn(_Input):
    type: str
    content: str | None = Field("", description="null is the empty string.")
    properties: JsonObject | None = None

    def to_spec(self) -> ComponentSpec:
        return spec_from(ComponentSpec, self, content=self.content or "")


class NodeIn(_Input):
    node_id: str | None = Field(
        None, description="Assigned (N003, N004, ...) when omitted.", examples=["N003"]
    )
    label: str
    type: str | None = Field("concept", description="null means the default, concept.")
    metadata: JsonObject | None = None
    components: list[ComponentIn] | None = None

    def to_spec(self) -> NodeSpec:
        return spec_from(
            NodeSpec,
            self,
            type=self.type if self.type is not None else "concept",
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
        return spec_from(NodePatch, self)


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
        return spec_from(RelationshipSpec, self)


class RelationshipPatchIn(_Input):
    """Absent fields are left unchanged; `weight: null` clears the weight."""

    type: str | None = None
    weight: float | None = None
    properties: JsonObject | None = None
    expected_version: int | None = None

    def to_spec(self) -> RelationshipPatch:
        clear_weight = "weight" in self.model_fields_set and self.weight is None
        return spec_from(RelationshipPatch, self, clear_weight=clear_weight)


# ---------------------------------------------------------------- outputs


def _fields_of(record: type[Record], *, hidden: tuple[str, ...] = ()) -> type[BaseModel]:
    """A model with the record's fields (but `hidden`) in its order, typed for JSON:
    date-times as UTC text, integer ids as text. Subclasses add to it and may
    re-declare a field to describe it."""
    hints = get_type_hints(record, vars(records))
    definitions: dict[str, Any] = {
        name: (_json_type(name, hints[name]), ...)
        for name in field_names(record)
        if name not in hidden
    }
    return create_model(f"{record.__name__}Fields", **definitions)


def _json_type(name: str, hint: Any) -> Any:
    if hint is datetime:
        return UtcDateTime
    return IdText if name == "id" else hint


class _With:
    """A row with a few more attributes, for model_validate(..., from_attributes=True)."""

    __slots__ = ("_extra", "_row")

    def __init__(self, row: Any, **extra: Any) -> None:
        self._row = row
        self._extra = extra

    def __getattr__(self, name: str) -> Any:
        extra = self._extra
        return extra[name] if name in extra else getattr(self._row, name)


def _validate(model: type[M], row: Any, **extra: Any) -> M:
    """The payload of a row (a record or anything with its attributes), plus `extra`."""
    return model.model_validate(_With(row, **extra) if extra else row, from_attributes=True)


class SessionOut(_fields_of(SessionRecord)):  # type: ignore[misc]  # fields from the record
    expires_at: UtcDateTime = Field(description="created_at + 100 years.")
    revision: int = Field(description="+1 for every committed request that changed the session.")
    node_count: int
    relationship_count: int

    @classmethod
    def from_row(cls, row: Any, *, node_count: int, relationship_count: int) -> SessionOut:
        counts = {"node_count": node_count, "relationship_count": relationship_count}
        return _validate(cls, row, **counts)


class SessionValidationOut(BaseModel):
    valid: bool
    session: SessionOut | None = None
    reason: Literal["NOT_FOUND", "MALFORMED_ID", "EXPIRED"] | None = Field(
        None, description="Why the session is not valid; null when it is."
    )


class ComponentOut(_fields_of(ComponentRecord, hidden=("session_id",))):  # type: ignore[misc]
    @classmethod
    def from_row(cls, row: Any) -> ComponentOut:
        return _validate(cls, row)


class NodeOut(_fields_of(NodeRecord)):  # type: ignore[misc]  # fields from the record
    version: int = Field(description="+1 on every change to the node or its components.")
    components: list[ComponentOut] = Field(description="Ordered by position 0, 1, 2, ...")

    @classmethod
    def from_row(cls, row: Any, components: list[Any]) -> NodeOut:
        return _validate(cls, row, components=components)


class ComponentSequenceOut(BaseModel):
    """A node's component sequence with the node's version (for expected_version)."""

    session_id: str
    node_id: str
    version: int
    components: list[ComponentOut]

    @classmethod
    def from_row(cls, node: Any, components: list[Any]) -> ComponentSequenceOut:
        return _validate(cls, node, components=components)


class RelationshipOut(_fields_of(RelationshipRecord)):  # type: ignore[misc]
    @classmethod
    def from_row(cls, row: Any) -> RelationshipOut:
        return _validate(cls, row)


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
        return _validate(cls, counts)
