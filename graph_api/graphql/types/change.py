"""The change feed: what committed requests changed, by revision."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import Row


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

    @classmethod
    def from_row(cls, row: Row[Any]) -> Change:
        return cls(
            revision=row.revision,
            at=row.at,
            op=ChangeOp(row.op),
            kind=EntityKind(row.kind),
            key=row.key,
            save_id=strawberry.ID(row.save_id) if row.save_id is not None else None,
        )


@strawberry.type
class ChangeFeed:
    session_id: strawberry.ID
    since_revision: int
    revision: int = strawberry.field(description="The session's current revision.")
    changes: list[Change]
    has_more: bool
