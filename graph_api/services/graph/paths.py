"""`shortestPath`: fewest hops between two nodes, with the contract's exact tie-break.

Bidirectional breadth-first search, level by level: each step expands the smaller
frontier (from `from` forward, or from `to` backward) with one batched read of the
relationships touching it, so every node is expanded at most once per side and the
work is bounded by the session's size, never by the number of paths. When a new level
meets the other side at node set M, the distance is L = a + b (levels a forward, b
backward; every shortest path passes M at position a).

Tie-break (CONTRACT.md §12): among all shortest paths, the smallest sequence of
nodeIds element by element by code point. Every hop recorded during the search links
a node to one of the next level, so the nodes on some shortest path are found by
walking back from M over those hops; then, from `from`, the path takes the smallest
next nodeId that still lies on a shortest path (a greedy choice is exact because all
candidates have the same length). Between two consecutive nodes: the relationship with
the smallest type by code point, then the oldest (smallest id: ids follow creation).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from sqlalchemy import Row, bindparam, select, text

from graph_api.db.keysets import chunked
from graph_api.db.models import relationships
from graph_api.db.transaction import UnitOfWork
from graph_api.errors import BadUserInput, NodeNotFound
from graph_api.services.reads import batch as batch_reads
from graph_api.services.specs import Direction
from graph_api.services.validation import check_list_length, is_storable

MAX_DEPTH = 10
Hop = tuple[str, str]


@dataclass(frozen=True)
class Path:
    nodes: list[Row[Any]]
    relationships: list[Row[Any]]


@dataclass
class _Side:
    """One search side: depth of each node reached, and the hops into each new level."""

    start: str
    depth: dict[str, int] = field(default_factory=dict)
    frontier: set[str] = field(default_factory=set)
    # forward: node -> its predecessors one level closer to `from`;
    # backward: node -> its successors one level closer to `to`.
    links: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    level: int = 0

    def __post_init__(self) -> None:
        self.depth[self.start] = 0
        self.frontier = {self.start}


def _columns(direction: Direction, forward: bool) -> list[Any]:
    """Which end of a relationship the frontier must be, for hops in path direction."""
    if direction == "BOTH":
        return [relationships.c.source_id, relationships.c.target_id]
    outward = (direction == "OUT") == forward
    return [relationships.c.source_id if outward else relationships.c.target_id]


def _hops(row: Row[Any], direction: Direction) -> list[Hop]:
    """The steps (a, b) along a path that this relationship allows."""
    if row.source_id == row.target_id:
        return []  # a self-loop is never on a shortest path
    hops: list[Hop] = []
    if direction in ("OUT", "BOTH"):
        hops.append((row.source_id, row.target_id))
    if direction in ("IN", "BOTH"):
        hops.append((row.target_id, row.source_id))
    return hops


async def _adjacent(
    db: UnitOfWork,
    session_id: str,
    frontier: Sequence[str],
    direction: Direction,
    types: Sequence[str] | None,
    forward: bool,
) -> list[Row[Any]]:
    """Every relationship that leads out of (forward) or into (backward) the frontier."""
    found: dict[int, Row[Any]] = {}
    for column in _columns(direction, forward):
        for chunk in chunked(frontier):
            statement: Any = select(
                relationships.c.id,
                relationships.c.source_id,
                relationships.c.target_id,
                relationships.c.type,
            ).where(
                relationships.c.session_id == bindparam("s"),
                column.in_(bindparam("ids", expanding=True)),
            )
            if types is not None:
                statement = statement.where(
                    relationships.c.type.in_(bindparam("types", expanding=True))
                )
            if column is relationships.c.target_id and db.dialect == "sqlite":
                statement = _by_target(types)
            params = {"s": session_id, "ids": chunk}
            if types is not None:
                params["types"] = list(types)
            found.update((row.id, row) for row in await db.execute(statement, params))
    return list(found.values())


def _by_target(types: Sequence[str] | None) -> Any:
    """SQLite's read by target, naming its index: without statistics, SQLite would rather
    scan the whole session in the covering unique (session, source, target, type) index."""
    return text(
        "SELECT id, source_id, target_id, type FROM relationships"
        " INDEXED BY ix_relationships_session_target"
        " WHERE session_id = :s AND target_id IN :ids"
        + (" AND type IN :types" if types is not None else "")
    ).bindparams(
        bindparam("ids", expanding=True),
        *([bindparam("types", expanding=True)] if types is not None else []),
    )


async def shortest_path(
    *,
    db: UnitOfWork,
    session_id: str,
    source: str,
    target: str,
    direction: Direction = "OUT",
    types: Sequence[str] | None = None,
    max_depth: int = 6,
) -> Path | None:
    """The shortest path from `source` to `target` within `max_depth` hops, or None."""
    if not 1 <= max_depth <= MAX_DEPTH:
        raise BadUserInput(f"maxDepth must be between 1 and {MAX_DEPTH}", field="maxDepth")
    if types is not None:
        check_list_length(types, db.limits, field="types")
        types = [value for value in dict.fromkeys(types) if is_storable(value)]
    ends = await batch_reads.nodes_by_keys(db=db, keys=[(session_id, source), (session_id, target)])
    if ends[0] is None:
        raise NodeNotFound(source, field="from")
    if ends[1] is None:
        raise NodeNotFound(target, field="to")
    if source == target:
        return Path(nodes=[ends[0]], relationships=[])
    if types == []:
        return None
    best: dict[Hop, tuple[str, int]] = {}
    ahead, behind = _Side(source), _Side(target)
    while ahead.level + behind.level < max_depth:
        forward = len(ahead.frontier) <= len(behind.frontier)
        side, other = (ahead, behind) if forward else (behind, ahead)
        rows = await _adjacent(db, session_id, sorted(side.frontier), direction, types, forward)
        reached: set[str] = set()
        for row in rows:
            for a, b in _hops(row, direction):
                near, far = (a, b) if forward else (b, a)
                if near not in side.frontier or far in side.depth:
                    continue
                reached.add(far)
                side.links[far].add(near)
                key = (row.type, row.id)
                if best.get((a, b), key) >= key:
                    best[(a, b)] = key
        side.level += 1
        for node_id in reached:
            side.depth[node_id] = side.level
        side.frontier = reached
        meeting = reached & other.depth.keys()
        if meeting:
            return await _path(db, session_id, ahead, behind, meeting, best)
        if not reached:
            return None
    return None


def _smallest_path(ahead: _Side, behind: _Side, meeting: set[str]) -> list[str]:
    """The nodeId sequence of the smallest shortest path through `meeting`."""
    # Walk back from the meeting level: which nodes of each forward level lead to it.
    useful: list[set[str]] = [set() for _ in range(ahead.level + 1)]
    useful[ahead.level] = set(meeting)
    for level in range(ahead.level, 0, -1):
        for node_id in useful[level]:
            useful[level - 1] |= ahead.links[node_id]
    successors: dict[str, set[str]] = defaultdict(set)
    for level in range(1, ahead.level + 1):
        for node_id in useful[level]:
            for previous in ahead.links[node_id] & useful[level - 1]:
                successors[previous].add(node_id)
    path = [ahead.start]
    for _ in range(ahead.level):
        path.append(min(successors[path[-1]]))
    # Backward links all lead toward `to` by a shortest route: the smallest one is exact.
    for _ in range(behind.level):
        path.append(min(behind.links[path[-1]]))
    return path


async def _path(
    db: UnitOfWork,
    session_id: str,
    ahead: _Side,
    behind: _Side,
    meeting: set[str],
    best: dict[Hop, tuple[str, int]],
) -> Path:
    node_ids = _smallest_path(ahead, behind, meeting)
    rel_ids = [best[hop][1] for hop in pairwise(node_ids)]
    rows = {
        row.id: row
        for row in await db.execute(select(relationships).where(relationships.c.id.in_(rel_ids)))
    }
    node_rows = await batch_reads.nodes_by_keys(
        db=db, keys=[(session_id, node_id) for node_id in node_ids]
    )
    return Path(
        nodes=[row for row in node_rows if row is not None],
        relationships=[rows[rel_id] for rel_id in rel_ids],
    )
