"""One DataLoader per per-parent lookup, made fresh for every request.

Each batch function runs one statement (per chunk of keys) through the
request's unit of work, and returns results in key order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import Row
from strawberry.dataloader import DataLoader

from graph_api.db.models import relationships
from graph_api.db.transaction import UnitOfWork
from graph_api.services.reads import batch as batch_reads
from graph_api.services.reads import neighbors
from graph_api.services.specs import Direction

K = TypeVar("K")
V = TypeVar("V")

NodeKey = tuple[str, str]
EndpointKey = tuple[str, str, tuple[str, ...] | None]
NeighborKey = tuple[str, str, Direction, int, tuple[str, ...] | None]


class _SharedLoader(DataLoader[K, V]):
    """A DataLoader whose callers may be cancelled without cancelling each other.

    Every load of one key gets the same cached future; graphql-core cancels the
    siblings of a failed field, and a cancelled awaiter would cancel that future for
    every other field waiting on it (a CancelledError escaping the whole request).
    """

    def load(self, key: K) -> Awaitable[V]:
        return asyncio.shield(super().load(key))


def _loader(fn: Callable[[Sequence[K]], Awaitable[Sequence[V]]]) -> DataLoader[K, V]:
    async def load(keys: list[K]) -> list[V]:
        return list(await fn(keys))

    return _SharedLoader(load_fn=load)


class Loaders:
    """The request's loaders; none shares cached rows with another request."""

    def __init__(self, db: UnitOfWork) -> None:
        self.db = db
        self.session: DataLoader[str, Row[Any] | None] = _loader(partial(_sessions, db))
        self.node: DataLoader[NodeKey, Row[Any] | None] = _loader(partial(_nodes, db))
        self.components: DataLoader[NodeKey, list[Row[Any]]] = _loader(partial(_components, db))
        self.component_count: DataLoader[NodeKey, int] = _loader(partial(_component_counts, db))
        self.outgoing: DataLoader[EndpointKey, list[Row[Any]]] = _loader(
            partial(_endpoints, db, True)
        )
        self.incoming: DataLoader[EndpointKey, list[Row[Any]]] = _loader(
            partial(_endpoints, db, False)
        )
        self.node_count: DataLoader[str, int] = _loader(partial(_node_counts, db))
        self.relationship_count: DataLoader[str, int] = _loader(partial(_relationship_counts, db))
        self.neighbors: DataLoader[NeighborKey, list[Row[Any]]] = _loader(partial(_neighbors, db))

    def prime_nodes(self, rows: Sequence[Row[Any]]) -> None:
        """Rows already read (a page) answer later node lookups without a statement."""
        for row in rows:
            self.node.prime((row.session_id, row.node_id), row)


async def _sessions(db: UnitOfWork, keys: Sequence[str]) -> list[Row[Any] | None]:
    return await batch_reads.sessions_by_ids(db=db, ids=keys)


async def _nodes(db: UnitOfWork, keys: Sequence[NodeKey]) -> list[Row[Any] | None]:
    return await batch_reads.nodes_by_keys(db=db, keys=keys)


async def _components(db: UnitOfWork, keys: Sequence[NodeKey]) -> list[list[Row[Any]]]:
    return await batch_reads.components_by_nodes(db=db, keys=keys)


async def _component_counts(db: UnitOfWork, keys: Sequence[NodeKey]) -> list[int]:
    return await batch_reads.component_counts(db=db, keys=keys)


async def _endpoints(
    db: UnitOfWork, outgoing: bool, keys: Sequence[EndpointKey]
) -> list[list[Row[Any]]]:
    return await batch_reads.relationships_by_endpoint(db=db, keys=keys, outgoing=outgoing)


async def _node_counts(db: UnitOfWork, keys: Sequence[str]) -> list[int]:
    from graph_api.db.models import nodes

    return await batch_reads.count_by_session(db=db, table=nodes, ids=keys)


async def _relationship_counts(db: UnitOfWork, keys: Sequence[str]) -> list[int]:
    return await batch_reads.count_by_session(db=db, table=relationships, ids=keys)


async def _neighbors(db: UnitOfWork, keys: Sequence[NeighborKey]) -> list[list[Row[Any]]]:
    # One recursive query per (session, direction, depth, types) group of start nodes.
    groups: dict[tuple[str, Direction, int, tuple[str, ...] | None], list[str]] = {}
    for session_id, node_id, direction, depth, types in keys:
        groups.setdefault((session_id, direction, depth, types), []).append(node_id)
    found: dict[NeighborKey, list[Row[Any]]] = {}
    for (session_id, direction, depth, types), node_ids in groups.items():
        results = await neighbors.neighbors(
            db, session_id, node_ids, direction=direction, depth=depth, types=types
        )
        for node_id, rows in zip(node_ids, results, strict=True):
            found[(session_id, node_id, direction, depth, types)] = rows
    return [found[key] for key in keys]
