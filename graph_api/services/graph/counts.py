"""`typeCounts`: nodes and relationships per type, largest count first, then type.

Each count is one GROUP BY answered from an index on (session_id, type) alone (an
index-only scan; nodes and relationships rows are never read).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from graph_api.db.models import nodes, relationships
from graph_api.db.transaction import UnitOfWork


@dataclass(frozen=True)
class TypeCounts:
    nodes: list[tuple[str, int]]
    relationships: list[tuple[str, int]]


async def _per_type(db: UnitOfWork, table: Any, session_id: str) -> list[tuple[str, int]]:
    rows = await db.execute(
        select(table.c.type, func.count().label("n"))
        .where(table.c.session_id == session_id)
        .group_by(table.c.type)
    )
    # Largest first, then type by code point (Python compares str by code point).
    return sorted(((row.type, int(row.n)) for row in rows), key=lambda pair: (-pair[1], pair[0]))


async def type_counts(*, db: UnitOfWork, session_id: str) -> TypeCounts:
    """How many nodes and relationships of each type the session holds."""
    return TypeCounts(
        nodes=await _per_type(db, nodes, session_id),
        relationships=await _per_type(db, relationships, session_id),
    )
