"""Batch reads for the loaders: many parents answered with one statement per chunk of keys,
results in the order of the keys given."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from itertools import groupby
from operator import attrgetter
from typing import Any

from sqlalchemy import (
    Row,
    func,
    select,
)

from graph_api.db.keysets import keys_in
from graph_api.db.models import components, nodes, relationships, sessions
from graph_api.db.transaction import UnitOfWork
from graph_api.services.validation import check_list_length, is_node_id

NodeKey = tuple[str, str]


def selected_columns(table: Any, columns: Sequence[str] | None, *keys: str) -> list[Any]:
    """The whole row, or only `columns` plus the `keys` this module reads back."""
    if columns is None:
        return [table]
    return [table.c[name] for name in dict.fromkeys([*keys, *columns])]


def by_session(keys: Sequence[NodeKey]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for session_id, node_id in dict.fromkeys(keys):
        grouped[session_id].append(node_id)
    return grouped


async def sessions_by_ids(
    *, db: UnitOfWork, ids: Sequence[str], columns: Sequence[str] | None = None
) -> list[Row[Any] | None]:
    """`columns` (here and below) narrows the rows to those columns; None reads whole rows."""
    selected = selected_columns(sessions, columns, "id")
    statement = select(*selected).where(keys_in(db.dialect, sessions.c.id, dict.fromkeys(ids)))
    found = {row.id: row for row in (await db.execute(statement)).all()}
    return [found.get(session_id) for session_id in ids]


async def nodes_by_keys(
    *, db: UnitOfWork, keys: Sequence[NodeKey], columns: Sequence[str] | None = None
) -> list[Row[Any] | None]:
    found: dict[NodeKey, Row[Any]] = {}
    selected = selected_columns(nodes, columns, "session_id", "node_id")
    # An id off the nodeId pattern names no node; it is not sent to the database.
    wanted = [key for key in keys if is_node_id(key[1])]
    for session_id, node_ids in by_session(wanted).items():
        statement = select(*selected).where(
            nodes.c.session_id == session_id, keys_in(db.dialect, nodes.c.node_id, node_ids)
        )
        for row in (await db.execute(statement)).all():
            found[(row.session_id, row.node_id)] = row
    return [found.get(key) for key in keys]


async def components_by_nodes(
    *, db: UnitOfWork, keys: Sequence[NodeKey], columns: Sequence[str] | None = None
) -> list[list[Row[Any]]]:
    found: dict[NodeKey, list[Row[Any]]] = {}
    selected = selected_columns(components, columns, "node_id")
    for session_id, node_ids in by_session(keys).items():
        statement = (
            select(*selected)
            .where(
                components.c.session_id == session_id,
                keys_in(db.dialect, components.c.node_id, node_ids),
            )
            .order_by(components.c.node_id, components.c.position)
        )
        # .all() fetches in one call (iterating a result fetches row by row), and a
        # node's rows are consecutive (ordered by node).
        rows = (await db.execute(statement)).all()
        for node_id, group in groupby(rows, key=attrgetter("node_id")):
            found[(session_id, node_id)] = list(group)
    return [found.get(key, []) for key in keys]


async def component_counts(*, db: UnitOfWork, keys: Sequence[NodeKey]) -> list[int]:
    found: dict[NodeKey, int] = {}
    for session_id, node_ids in by_session(keys).items():
        for row in await db.execute(
            select(components.c.node_id, func.count().label("n"))
            .where(
                components.c.session_id == session_id,
                keys_in(db.dialect, components.c.node_id, node_ids),
            )
            .group_by(components.c.node_id)
        ):
            found[(session_id, row.node_id)] = row.n
    return [found.get(key, 0) for key in keys]


async def relationships_by_endpoint(
    *,
    db: UnitOfWork,
    keys: Sequence[tuple[str, str, tuple[str, ...] | None]],
    outgoing: bool,
    columns: Sequence[str] | None = None,
) -> list[list[Row[Any]]]:
    """Per (session, node, types): outgoing (node is source) or incoming relationships."""
    for wanted in {types for _, _, types in keys if types is not None}:
        check_list_length(wanted, db.limits, field="types")
    column = relationships.c.source_id if outgoing else relationships.c.target_id
    selected = selected_columns(relationships, columns, column.name, "type")
    endpoint = attrgetter(column.name)
    found: dict[NodeKey, list[Row[Any]]] = {}
    node_keys = [(session_id, node_id) for session_id, node_id, _ in keys]
    for session_id, node_ids in by_session(node_keys).items():
        by_node: dict[str, list[Row[Any]]] = defaultdict(list)
        statement = (
            select(*selected)
            .where(relationships.c.session_id == session_id, keys_in(db.dialect, column, node_ids))
            .order_by(relationships.c.id)
        )
        for row in (await db.execute(statement)).all():
            by_node[endpoint(row)].append(row)
        found.update(((session_id, node_id), rows) for node_id, rows in by_node.items())
    result: list[list[Row[Any]]] = []
    for session_id, node_id, types in keys:
        rows = found.get((session_id, node_id), [])
        result.append(rows if types is None else [row for row in rows if row.type in types])
    return result


async def count_by_session(*, db: UnitOfWork, table: Any, ids: Sequence[str]) -> list[int]:
    statement = (
        select(table.c.session_id, func.count().label("n"))
        .where(keys_in(db.dialect, table.c.session_id, dict.fromkeys(ids)))
        .group_by(table.c.session_id)
    )
    found = {row.session_id: row.n for row in await db.execute(statement)}
    return [found.get(session_id, 0) for session_id in ids]
