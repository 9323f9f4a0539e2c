"""Keyset pages of a session's nodes and relationships, with their counts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    false,
    func,
    or_,
    select,
)

from graph_api.db.functions import unicode_lower
from graph_api.db.models import nodes, relationships
from graph_api.db.transaction import UnitOfWork
from graph_api.services.reads.batch import selected_columns
from graph_api.services.reads.pagination import (
    check_first,
    decode_cursor,
    encode_cursor,
    not_our_cursor,
    scope_digest,
)
from graph_api.services.specs import NodeFilter, NodeOrder, Page, PageArgs, RelationshipFilter
from graph_api.services.validation import is_node_id, is_storable

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
        conditions.append(unicode_lower(nodes.c.label).like(f"%{pattern}%", escape="\\"))
    if node_filter.updated_since is not None:
        conditions.append(nodes.c.updated_at >= node_filter.updated_since)
    return conditions


def _in(column: Any, values: Sequence[str], possible: Callable[[str], bool]) -> Any:
    kept = [value for value in values if possible(value)]
    return column.in_(kept) if kept else false()


async def _read_page(
    db: UnitOfWork, statement: Select[Any], size: int, probe: Select[Any]
) -> tuple[list[Any], bool]:
    """The first `size` rows of `statement` and whether more follow (one row over tells).

    A page of size 0 reads no rows: `probe` (one column, the same WHERE) asks whether
    any row would follow.
    """
    if size == 0:
        return [], (await db.execute(probe.limit(1))).first() is not None
    rows = list((await db.execute(statement.limit(size + 1))).all())
    return rows[:size], len(rows) > size


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
    args: PageArgs,
    node_filter: NodeFilter | None,
    order: NodeOrder,
    columns: Sequence[str] | None = None,
) -> Page:
    """One keyset page of a session's nodes (fetches first + 1 to know hasNextPage)."""
    size = check_first(args.first, db.limits, field=args.first_field)
    scope = node_page_scope(session_id, node_filter, order)
    conditions = _node_conditions(session_id, node_filter)
    if args.after is not None:
        key = decode_cursor(args.after, scope, field=args.after_field)
        conditions.append(_after_condition(order, key, args.after_field))
    ordering = [column.desc() if desc else column.asc() for column, desc in _NODE_ORDERS[order]]
    selected = selected_columns(nodes, columns, *(column.name for column, _ in _NODE_ORDERS[order]))
    statement: Select[Any] = select(*selected).where(*conditions).order_by(*ordering)
    rows, has_next = await _read_page(
        db, statement, size, select(nodes.c.node_id).where(*conditions)
    )
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
    args: PageArgs,
    rel_filter: RelationshipFilter | None,
    columns: Sequence[str] | None = None,
) -> Page:
    """One page of a session's relationships, in creation order."""
    size = check_first(args.first, db.limits, field=args.first_field)
    scope = scope_digest("relationships", session_id, rel_filter)
    conditions = _relationship_conditions(session_id, rel_filter)
    if args.after is not None:
        key = decode_cursor(args.after, scope, field=args.after_field)
        if len(key) != 1 or not isinstance(key[0], int):
            raise not_our_cursor(args.after_field)
        conditions.append(relationships.c.id > key[0])
    statement = (
        select(*selected_columns(relationships, columns, "id"))
        .where(*conditions)
        .order_by(relationships.c.id)
    )
    rows, has_next = await _read_page(
        db, statement, size, select(relationships.c.id).where(*conditions)
    )
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
