"""What callers pass to the services: plain, framework-free input records.

`None` in a patch means "leave unchanged".
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal, TypeVar, cast

DuplicatePolicy = Literal["ERROR", "SKIP", "UPDATE"]
Direction = Literal["OUT", "IN", "BOTH"]
NodeOrder = Literal["NODE_ID_ASC", "NODE_ID_DESC", "LABEL_ASC", "UPDATED_AT_DESC"]
S = TypeVar("S")


def spec_from(kind: type[S], source: Any, **given: Any) -> S:
    """A `kind` spec from an edge's input: `given` values, and `source`'s attribute of the
    same name (and meaning) for each other field."""
    names = [f.name for f in fields(cast(Any, kind)) if f.name not in given]
    return kind(**{name: getattr(source, name) for name in names}, **given)


@dataclass(frozen=True)
class ComponentSpec:
    type: str
    content: str = ""
    properties: dict[str, Any] | None = None


@dataclass(frozen=True)
class ComponentPatch:
    type: str | None = None
    content: str | None = None
    properties: dict[str, Any] | None = None


@dataclass(frozen=True)
class NodeSpec:
    label: str
    node_id: str | None = None
    type: str = "concept"
    metadata: dict[str, Any] | None = None
    components: list[ComponentSpec] | None = None


@dataclass(frozen=True)
class NodePatch:
    label: str | None = None
    type: str | None = None
    metadata: dict[str, Any] | None = None


@dataclass(frozen=True)
class RelationshipSpec:
    source_id: str
    target_id: str
    type: str
    weight: float | None = None
    properties: dict[str, Any] | None = None


@dataclass(frozen=True)
class RelationshipPatch:
    type: str | None = None
    weight: float | None = None
    properties: dict[str, Any] | None = None
    # weight may be set to null explicitly; `None` above cannot say that.
    clear_weight: bool = False


@dataclass(frozen=True)
class SessionSpec:
    user_id: str | None = None
    name: str | None = None
    metadata: dict[str, Any] | None = None
    with_default_nodes: bool = True


@dataclass(frozen=True)
class SessionPatch:
    name: str | None = None
    metadata: dict[str, Any] | None = None


@dataclass(frozen=True)
class NodeFilter:
    node_ids: list[str] | None = None
    types: list[str] | None = None
    label_contains: str | None = None
    updated_since: Any = None  # datetime


@dataclass(frozen=True)
class RelationshipFilter:
    types: list[str] | None = None
    source_ids: list[str] | None = None
    target_ids: list[str] | None = None
    touching: str | None = None


@dataclass(frozen=True)
class Deletion:
    """How a delete treats ids that name nothing, and the saveId its change-log rows carry."""

    missing_ok: bool = False
    save_id: str | None = None


STRICT = Deletion()


@dataclass
class DeleteCounts:
    deleted: bool = True
    nodes: int = 0
    components: int = 0
    relationships: int = 0
    revision: int | None = None


@dataclass
class Validation:
    valid: bool
    session: Any = None  # the session row when valid
    reason: str | None = None


@dataclass(frozen=True)
class PageArgs:
    """Which page: its size and the cursor it follows, with the names errors give them
    (GraphQL's first/after; REST calls them limit/cursor)."""

    first: int | None = None
    after: str | None = None
    first_field: str = "first"
    after_field: str = "after"


@dataclass
class Page:
    rows: list[Any] = field(default_factory=list)
    cursors: list[str] = field(default_factory=list)
    has_next_page: bool = False
