"""Batch reads for the loaders and keyset pages for the connections.

Each function answers many parents with one statement per chunk of keys, and
returns results in the order of the keys it was given.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from itertools import groupby
from operator import attrgetter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Text,
    and_,
    false,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from graph_api.db.keysets import keys_in
from graph_api.db.models import components, nodes, relationships, sessions
from graph_api.db.transaction import UnitOfWork
from graph_api.errors import LimitExceeded
from graph_api.services.pagination import (
    check_first,
    decode_cursor,
    encode_cursor,
    not_our_cursor,
    scope_digest,
)
from graph_api.services.specs import Direction, NodeFilter, NodeOrder, Page, RelationshipFilter
from graph_api.services.validation import check_list_length, is_node_id, is_storable

NodeKey = tuple[str, str]


class _UnicodeLower(FunctionElement[str]):
    """lower() folding all of Unicode. SQLite's lower() is replaced per connection (see
    db/engine.py); on PostgreSQL the label column's COLLATE "C" would fold ASCII only, so
    the value is lowered under the database's default collation instead."""

    type = Text()
    inherit_cache = True
    name = "unicode_lower"


@compiles(_UnicodeLower)
def _lower_default(element: _UnicodeLower, compiler: SQLCompiler, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(_UnicodeLower, "postgresql")
def _lower_postgresql(element: _UnicodeLower, compiler: SQLCompiler, **kw: Any) -> str:
    return f'lower(({compiler.process(element.clauses, **kw)}) COLLATE "default")'


def _selected(table: Any, columns: Sequence[str] | None, *keys: str) -> list[Any]:
    """The whole row, or only `columns` plus the `keys` this module reads back."""
    if columns is None:
        return [table]
    return [table.c[name] for name in dict.fromkeys([*keys, *columns])]


def _by_session(keys: Sequence[NodeKey]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for session_id, node_id in dict.fromkeys(keys):
        grouped[session_id].append(node_id)
    return grouped


async def sessions_by_ids(
    *, db: UnitOfWork, ids: Sequence[str], columns: Sequence[str] | None = None
) -> list[Row[Any] | None]:
    """`columns` (here and below) narrows the rows to those columns; None reads whole rows."""
    selected = _selected(sessions, columns, "id")
    statement = select(*selected).where(keys_in(db.dialect, sessions.c.id, dict.fromkeys(ids)))
    found = {row.id: row for row in (await db.execute(statement)).all()}
    return [found.get(session_id) for session_id in ids]


async def nodes_by_keys(
    *, db: UnitOfWork, keys: Sequence[NodeKey], columns: Sequence[str] | None = None
) -> list[Row[Any] | None]:
    found: dict[NodeKey, Row[Any]] = {}
    selected = _selected(nodes, columns, "session_id", "node_id")
    # An id off the nodeId pattern names no node; it is not sent to the database.
    wanted = [key for key in keys if is_node_id(key[1])]
    for session_id, node_ids in _by_session(wanted).items():
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
    selected = _selected(components, columns, "node_id")
    for session_id, node_ids in _by_session(keys).items():
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
    for session_id, node_ids in _by_session(keys).items():
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
    selected = _selected(relationships, columns, column.name, "type")
    endpoint = attrgetter(column.name)
    found: dict[NodeKey, list[Row[Any]]] = {}
    node_keys = [(session_id, node_id) for session_id, node_id, _ in keys]
    for session_id, node_ids in _by_session(node_keys).items():
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


# ---------------------------------------------------------------- node pages

_NODE_ORDERS: dict[str, list[tuple[Any, bool]]] = {
    # column, descending
    "NODE_ID_ASC": [(nodes.c.node_id, False)],
    "NODE_ID_DESC": [(nodes.c.node_id, True)],
    "LABEL_ASC": [(nodes.c.label, False), (nodes.c.node_id, False)],
    "UPDATED_AT_DESC": [(nodes.c.updated_at, True), (nodes.c.node_id, False)],
}


def _node_conditions(session_id: str, node_filter: NodeFilter | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [nodes.c.session_id == session_id]
    if node_filter is None:
        return conditions
    # Values nothing stored can equal (off the nodeId pattern, U+0000, lone surrogates)
    # match nothing, and are not sent to the database, which may reject them.
    if node_filter.node_ids is not None:
        conditions.append(_in(nodes.c.node_id, node_filter.node_ids, is_node_id))
    if node_filter.types is not None:
        conditions.append(_in(nodes.c.type, node_filter.types, is_storable))
    if node_filter.label_contains and not is_storable(node_filter.label_contains):
        conditions.append(false())
    elif node_filter.label_contains:
        pattern = (
            node_filter.label_contains.lower()
            .replace("\\", "\\\\")
            .replace("%", "\\%")
            .replace("_", "\\_")
        )
        conditions.append(_UnicodeLower(nodes.c.label).like(f"%{pattern}%", escape="\\"))
    if node_filter.updated_since is not None:
        conditions.append(nodes.c.updated_at >= node_filter.updated_since)
    return conditions


def _in(column: Any, values: Sequence[str], possible: Callable[[str], bool]) -> Any:
    kept = [value for value in values if possible(value)]
    return column.in_(kept) if kept else false()


def _cursor_value(column: Any, value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _after_condition(order: NodeOrder, key: list[Any], after_field: str) -> ColumnElement[bool]:
    columns = _NODE_ORDERS[order]
    if len(key) != len(columns):
        raise not_our_cursor(after_field)
    values: list[Any] = []
    for (column, _), value in zip(columns, key, strict=True):
        if column is nodes.c.updated_at:
            try:
                value = datetime.fromisoformat(value)
            except (TypeError, ValueError):
                raise not_our_cursor(after_field) from None
        elif not isinstance(value, str) or not is_storable(value):
            raise not_our_cursor(after_field)
        values.append(value)
    # (a, b) after (x, y) in the order's directions, spelled out for every engine.
    clauses: list[ColumnElement[bool]] = []
    for index, (column, descending) in enumerate(columns):
        equal = [columns[i][0] == values[i] for i in range(index)]
        beyond = column < values[index] if descending else column > values[index]
        clauses.append(and_(*equal, beyond))
    return or_(*clauses)


def node_page_scope(session_id: str, node_filter: NodeFilter | None, order: NodeOrder) -> str:
    return scope_digest("nodes", session_id, node_filter, order)


async def page_nodes(
    *,
    db: UnitOfWork,
    session_id: str,
    first: int | None,
    after: str | None,
    node_filter: NodeFilter | None,
    order: NodeOrder,
    first_field: str = "first",
    after_field: str = "after",
    columns: Sequence[str] | None = None,
) -> Page:
    """One keyset page of a session's nodes (fetches first + 1 to know hasNextPage).

    `first_field`/`after_field` name the arguments in errors (REST: limit, cursor).
    """
    size = check_first(first, db.limits, field=first_field)
    scope = node_page_scope(session_id, node_filter, order)
    conditions = _node_conditions(session_id, node_filter)
    if after is not None:
        key = decode_cursor(after, scope, field=after_field)
        conditions.append(_after_condition(order, key, after_field))
    ordering = [column.desc() if desc else column.asc() for column, desc in _NODE_ORDERS[order]]
    selected = _selected(nodes, columns, *(column.name for column, _ in _NODE_ORDERS[order]))
    statement: Select[Any] = (
        select(*selected).where(*conditions).order_by(*ordering).limit(size + 1)
    )
    rows = list((await db.execute(statement)).all()) if size > 0 else []
    has_next = len(rows) > size
    if size == 0:
        has_next = (
            await db.execute(select(nodes.c.node_id).where(*conditions).limit(1))
        ).first() is not None
    rows = rows[:size]
    cursors = [
        encode_cursor(
            scope, [_cursor_value(c, getattr(row, c.name)) for c, _ in _NODE_ORDERS[order]]
        )
        for row in rows
    ]
    return Page(rows=rows, cursors=cursors, has_next_page=has_next)


async def count_nodes(*, db: UnitOfWork, session_id: str, node_filter: NodeFilter | None) -> int:
    return int(
        (
            await db.execute(select(func.count()).where(*_node_conditions(session_id, node_filter)))
        ).scalar_one()
    )


# ---------------------------------------------------------------- relationship pages


def _relationship_conditions(
    session_id: str, rel_filter: RelationshipFilter | None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [relationships.c.session_id == session_id]
    if rel_filter is None:
        return conditions
    for values, column, possible in (
        (rel_filter.types, relationships.c.type, is_storable),
        (rel_filter.source_ids, relationships.c.source_id, is_node_id),
        (rel_filter.target_ids, relationships.c.target_id, is_node_id),
    ):
        if values is not None:
            conditions.append(_in(column, values, possible))
    if rel_filter.touching is not None and not is_node_id(rel_filter.touching):
        conditions.append(false())
    elif rel_filter.touching is not None:
        conditions.append(
            or_(
                relationships.c.source_id == rel_filter.touching,
                relationships.c.target_id == rel_filter.touching,
            )
        )
    return conditions


async def page_relationships(
    *,
    db: UnitOfWork,
    session_id: str,
    first: int | None,
    after: str | None,
    rel_filter: RelationshipFilter | None,
    first_field: str = "first",
    after_field: str = "after",
    columns: Sequence[str] | None = None,
) -> Page:
    """One page of a session's relationships, in creation order (argument names as above)."""
    size = check_first(first, db.limits, field=first_field)
    scope = scope_digest("relationships", session_id, rel_filter)
    conditions = _relationship_conditions(session_id, rel_filter)
    if after is not None:
        key = decode_cursor(after, scope, field=after_field)
        if len(key) != 1 or not isinstance(key[0], int):
            raise not_our_cursor(after_field)
        conditions.append(relationships.c.id > key[0])
    statement = (
        select(*_selected(relationships, columns, "id"))
        .where(*conditions)
        .order_by(relationships.c.id)
        .limit(size + 1)
    )
    rows = list((await db.execute(statement)).all()) if size > 0 else []
    has_next = len(rows) > size
    if size == 0:
        has_next = (
            await db.execute(select(relationships.c.id).where(*conditions).limit(1))
        ).first() is not None
    rows = rows[:size]
    return Page(
        rows=rows,
        cursors=[encode_cursor(scope, [row.id]) for row in rows],
        has_next_page=has_next,
    )


async def count_relationships(
    *, db: UnitOfWork, session_id: str, rel_filter: RelationshipFilter | None
) -> int:
    conditions = _relationship_conditions(session_id, rel_filter)
    return int((await db.execute(select(func.count()).where(*conditions))).scalar_one())


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
    *,
    db: UnitOfWork,
    session_id: str,
    node_ids: Sequence[str],
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
