"""The change feed: what committed requests changed, by revision."""

from __future__ import annotations

from enum import Enum

import strawberry

from graph_api.graphql.types.records import RecordView, record_type
from graph_api.services.records import ChangeRecord


@strawberry.enum
class ChangeOp(Enum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"


@strawberry.enum(description="Component edits are reported as an UPDATE of their NODE.")
class EntityKind(Enum):
    SESSION = "SESSION"
    NODE = "NODE"
    RELATIONSHIP = "RELATIONSHIP"


@strawberry.type
@record_type(ChangeRecord, ids=("save_id",), enums={"op": ChangeOp, "kind": EntityKind})
class Change(RecordView):
    op: ChangeOp
    kind: EntityKind
    key: str = strawberry.field(
        description="nodeId for NODE, relationship id for RELATIONSHIP, session id for SESSION."
    )
    save_id: strawberry.ID | None = strawberry.field(
        description="The autoSave saveId that made this change, if any."
    )
    fields: list[str] | None = strawberry.field(
        default=None,
        description=(
            "For an UPDATE, the fields it changed: label, type, metadata, components (nodes); "
            "type, weight, properties (relationships). Null for CREATE and DELETE."
        ),
    )


@strawberry.type
class ChangeFeed:
    session_id: strawberry.ID
    since_revision: int
    revision: int = strawberry.field(description="The session's current revision.")
    changes: list[Change]
    has_more: bool
