"""Enums and small result types shared by the schema."""

from __future__ import annotations

from enum import Enum

import strawberry

from graph_api.services.specs import DeleteCounts


@strawberry.enum
class Direction(Enum):
    OUT = "OUT"
    IN = "IN"
    BOTH = "BOTH"


@strawberry.enum
class NodeOrder(Enum):
    NODE_ID_ASC = "NODE_ID_ASC"
    NODE_ID_DESC = "NODE_ID_DESC"
    LABEL_ASC = "LABEL_ASC"
    UPDATED_AT_DESC = "UPDATED_AT_DESC"


@strawberry.enum
class DuplicatePolicy(Enum):
    ERROR = "ERROR"
    SKIP = "SKIP"
    UPDATE = "UPDATE"


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class DeleteResult:
    deleted: bool
    nodes: int
    components: int
    relationships: int
    revision: int | None = strawberry.field(
        description=(
            "The session's revision after the delete; null when the session itself was deleted."
        )
    )

    @classmethod
    def from_counts(cls, counts: DeleteCounts) -> DeleteResult:
        return cls(
            deleted=counts.deleted,
            nodes=counts.nodes,
            components=counts.components,
            relationships=counts.relationships,
            revision=counts.revision,
        )
