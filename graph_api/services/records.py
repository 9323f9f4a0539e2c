"""The records: each row kind the services return, its fields declared once.

A record names a row's fields, their Python types and their order. Everything that
shows a row derives from it instead of spelling the fields again: the Strawberry
types (graphql/types/records.py), the REST payloads (rest/payloads.py) and the
compiled read path's columns (it reads a type's record to know which fields are
columns). Adding a column to a table is then this one edit plus its migration.

Services return SQLAlchemy rows (or anything with these attributes); `record_of`
is the one place such a row becomes a record, where code wants the record itself.
The GraphQL and REST edges read the attributes named here straight off the row,
so a large read allocates no record per row.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, TypeVar

from graph_api.services.access import Role

JsonObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id: str
    user_id: str | None
    name: str | None
    metadata: JsonObject
    created_at: datetime
    last_accessed: datetime
    expires_at: datetime
    revision: int


@dataclass(frozen=True, slots=True)
class NodeRecord:
    session_id: str
    node_id: str
    label: str
    type: str
    metadata: JsonObject
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ComponentRecord:
    id: int
    session_id: str
    node_id: str
    position: int
    type: str
    content: str
    properties: JsonObject
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RelationshipRecord:
    id: int
    session_id: str
    source_id: str
    target_id: str
    type: str
    weight: float | None
    properties: JsonObject
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    """One change as the feed delivers it (a change-log row, or the session's deletion)."""

    revision: int
    at: datetime
    op: str
    kind: str
    key: str
    save_id: str | None = None
    fields: list[str] | None = None  # for an UPDATE, the fields it changed


@dataclass(frozen=True, slots=True)
class MemberRecord:
    """A user a session is shared with (services/identity/sharing.py)."""

    user_id: str
    role: Role
    added_at: datetime


Record = (
    SessionRecord | NodeRecord | ComponentRecord | RelationshipRecord | ChangeRecord | MemberRecord
)
R = TypeVar(
    "R", SessionRecord, NodeRecord, ComponentRecord, RelationshipRecord, ChangeRecord, MemberRecord
)

_KINDS = (
    SessionRecord,
    NodeRecord,
    ComponentRecord,
    RelationshipRecord,
    ChangeRecord,
    MemberRecord,
)
_NAMES: dict[type[Any], tuple[str, ...]] = {
    kind: tuple(f.name for f in fields(kind)) for kind in _KINDS
}


def field_names(kind: type[Record]) -> tuple[str, ...]:
    """The record's fields in declaration order."""
    return _NAMES[kind]


def record_of(kind: type[R], row: Any, **changed: Any) -> R:
    """The record of `row` (any object with the record's attributes), with `changed`
    values replacing the row's."""
    return kind(**{name: getattr(row, name) for name in field_names(kind)} | changed)
