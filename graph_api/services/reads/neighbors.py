"""Nodes within a number of hops of start nodes: one recursive walk, bounded before it runs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Row,
    and_,
    false,
    func,
    literal,
    select,
    union_all,
)

from graph_api.db.keysets import keys_in
from graph_api.db.models import nodes, relationships
from graph_api.db.transaction import UnitOfWork
from graph_api.errors import LimitExceeded
from graph_api.services.specs import Direction
from graph_api.services.validation import check_list_length

# ---------------------------------------------------------------- neighbors


async def _check_visits(db: UnitOfWork, walk: Any) -> None:
    """Refuse a walk that would take more than `max_neighbor_visits` steps, before taking it.

    The count stops at the limit (both engines evaluate a recursive CTE lazily under an
    outer LIMIT), so a walk over a dense graph costs at most the limit, not its size.
    """
    limit = db.limits.max_neighbor_visits
    steps = select(literal(1)).select_from(walk).limit(limit + 1).subquery()
    visits = int((await db.execute(select(func.count()).select_from(steps))).scalar_one())
    if visits > limit:
        raise LimitExceeded(
            f"neighbors would visit more than {limit} nodes; ask for fewer start nodes,"
            " a smaller depth or fewer relationship types",
            limit="max_neighbor_visits",
        )


async def neighbors(
    db: UnitOfWork,
    session_id: str,
    node_ids: Sequence[str],
    *,
    direction: Direction,
    depth: int,
    types: tuple[str, ...] | None,
) -> list[list[Row[Any]]]:
    """Distinct nodes within `depth` hops of each start node (excluding it), by nodeId.

    One recursive CTE answers every start node of the batch.
    """
    if types is not None:
        check_list_length(types, db.limits, field="types")
    if not node_ids:
        return []
    rel = relationships.alias("r")
    edge_conditions = [rel.c.session_id == session_id]
    if types is not None:
        edge_conditions.append(rel.c.type.in_(types) if types else false())
    parts = []
    if direction in ("OUT", "BOTH"):
        parts.append(
            select(rel.c.source_id.label("a"), rel.c.target_id.label("b")).where(*edge_conditions)
        )
    if direction in ("IN", "BOTH"):
        parts.append(
            select(rel.c.target_id.label("a"), rel.c.source_id.label("b")).where(*edge_conditions)
        )
    edges = (parts[0] if len(parts) == 1 else union_all(*parts)).cte("edges")
    # The start nodes come from the nodes table itself: no VALUES list, no compound-select limit.
    starts = select(
        nodes.c.node_id.label("start"), nodes.c.node_id.label("node_id"), literal(0).label("depth")
    ).where(
        nodes.c.session_id == session_id,
        keys_in(db.dialect, nodes.c.node_id, dict.fromkeys(node_ids)),
    )
    walk = starts.cte("walk", recursive=True)
    step = (
        select(walk.c.start, edges.c.b, walk.c.depth + 1)
        .select_from(walk.join(edges, edges.c.a == walk.c.node_id))
        .where(walk.c.depth < depth)
    )
    walk = walk.union(step)
    await _check_visits(db, walk)
    reached = (
        select(walk.c.start, walk.c.node_id)
        .where(walk.c.node_id != walk.c.start)
        .distinct()
        .subquery()
    )
    statement = (
        select(reached.c.start, nodes)
        .join(nodes, and_(nodes.c.session_id == session_id, nodes.c.node_id == reached.c.node_id))
        .order_by(reached.c.start, nodes.c.node_id)
    )
    found: dict[str, list[Row[Any]]] = defaultdict(list)
    for row in await db.execute(statement):
        found[row.start].append(row)
    return [found.get(node_id, []) for node_id in node_ids]
