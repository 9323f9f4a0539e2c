"""The change feed: what committed requests changed, by revision."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import Row

from graph_api.services.changes.feed import FeedChange


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
class Change:
    revision: int
    at: datetime
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

    @classmethod
    def from_feed(cls, item: FeedChange) -> Change:
        return cls(
            revision=item.revision,
            at=item.at,
            op=ChangeOp(item.op),
            kind=EntityKind(item.kind),
            key=item.key,
            save_id=strawberry.ID(item.save_id) if item.save_id is not None else None,
            fields=item.fields,
        )

    @classmethod
    def from_row(cls, row: Row[Any]) -> Change:
        return cls.from_feed(FeedChange.from_row(row))


@strawberry.type
class ChangeFeed:
    session_id: strawberry.ID
    since_revision: int
    revision: int = strawberry.field(description="The session's current revision.")
    changes: list[Change]
    has_more: bool
