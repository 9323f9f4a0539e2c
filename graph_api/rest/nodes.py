"""Node routes: a keyset-paginated list, create, read, patch, delete.

Thin views over services/nodes.py and services/reads/; a node always comes
back with its component sequence (one batched read per response).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import Row

from graph_api.db.transaction import UnitOfWork
from graph_api.errors import BadUserInput, NodeNotFound
from graph_api.rest.deps import Cursor, Limit, NodeId, ReadDb, SessionId, WriteDb
from graph_api.rest.errors import error_responses
from graph_api.rest.payloads import (
    DeleteResultOut,
    NodeIn,
    NodeOut,
    NodePage,
    NodePatchIn,
    next_cursor,
)
from graph_api.services import access
from graph_api.services import nodes as node_service
from graph_api.services.reads import batch as batch_reads
from graph_api.services.reads import pages
from graph_api.services.specs import NodeFilter, NodeOrder, PageArgs
from graph_api.services.validation import check_list_length

router = APIRouter(prefix="/session/{session_id}/nodes", tags=["nodes"])


async def nodes_out(db: UnitOfWork, rows: Sequence[Row[Any]]) -> list[NodeOut]:
    keys = [(row.session_id, row.node_id) for row in rows]
    sequences = await batch_reads.components_by_nodes(db=db, keys=keys) if keys else []
    return [NodeOut.from_row(row, comps) for row, comps in zip(rows, sequences, strict=True)]


async def node_out(db: UnitOfWork, row: Row[Any]) -> NodeOut:
    [out] = await nodes_out(db, [row])
    return out


async def load_node(db: UnitOfWork, session_id: str, node_id: str) -> Row[Any]:
    """The node row, else SESSION_NOT_FOUND or NODE_NOT_FOUND."""
    canonical = await access.require_session(db=db, session_id=session_id)
    [row] = await batch_reads.nodes_by_keys(db=db, keys=[(canonical, node_id)])
    if row is None:
        raise NodeNotFound(node_id)
    return row


def _utc(value: datetime, *, field: str) -> datetime:
    """An input date-time in UTC (no offset means UTC, as in GraphQL)."""
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+05:00 is before year 1 in UTC
        raise BadUserInput(f"{field} is out of range", field=field) from None


@router.get(
    "", responses=error_responses(404, 422), summary="List a session's nodes, one page at a time"
)
async def list_nodes(
    db: ReadDb,
    session_id: SessionId,
    limit: Limit = None,
    cursor: Cursor = None,
    order: Annotated[NodeOrder, Query(description="Sort order (code-point order).")] = (
        "NODE_ID_ASC"
    ),
    node_ids: Annotated[list[str] | None, Query(description="Only these node ids.")] = None,
    types: Annotated[list[str] | None, Query(description="Only nodes of these types.")] = None,
    label_contains: Annotated[
        str | None, Query(description="Case-insensitive substring of the label.")
    ] = None,
    updated_since: Annotated[
        datetime | None, Query(description="Inclusive; without an offset it is UTC.")
    ] = None,
) -> NodePage:
    canonical = await access.require_session(db=db, session_id=session_id)
    node_filter = None
    if any(v is not None for v in (node_ids, types, label_contains, updated_since)):
        for values, field in ((node_ids, "node_ids"), (types, "types")):
            if values is not None:
                check_list_length(values, db.limits, field=field)
        since = _utc(updated_since, field="updated_since") if updated_since else None
        node_filter = NodeFilter(node_ids, types, label_contains, since)
    args = PageArgs(limit, cursor, first_field="limit", after_field="cursor")
    page = await pages.page_nodes(
        db=db, session_id=canonical, args=args, node_filter=node_filter, order=order
    )
    return NodePage(
        items=await nodes_out(db, page.rows),
        has_next_page=page.has_next_page,
        next_cursor=next_cursor(page.cursors, page.has_next_page, cursor),
        total_count=await pages.count_nodes(db=db, session_id=canonical, node_filter=node_filter),
    )


@router.post(
    "",
    status_code=201,
    responses=error_responses(404, 409, 413, 422),
    summary="Create a node with its components (createNode)",
)
async def create_node(db: WriteDb, session_id: SessionId, body: NodeIn) -> NodeOut:
    [row] = await node_service.create_nodes(db=db, session_id=session_id, specs=[body.to_spec()])
    return await node_out(db, row)


@router.get(
    "/{node_id}", responses=error_responses(404), summary="Read one node with its components"
)
async def get_node(db: ReadDb, session_id: SessionId, node_id: NodeId) -> NodeOut:
    return await node_out(db, await load_node(db, session_id, node_id))


@router.patch(
    "/{node_id}",
    responses=error_responses(404, 409, 413, 422),
    summary="Patch a node's label, type or metadata (updateNode)",
)
async def update_node(
    db: WriteDb, session_id: SessionId, node_id: NodeId, body: NodePatchIn
) -> NodeOut:
    row = await node_service.update_node(
        db, session_id, node_id, body.to_spec(), expected_version=body.expected_version
    )
    return await node_out(db, row)


@router.delete(
    "/{node_id}",
    responses=error_responses(404),
    summary="Delete a node, its components and its relationships (deleteNode)",
)
async def delete_node(db: WriteDb, session_id: SessionId, node_id: NodeId) -> DeleteResultOut:
    counts = await node_service.delete_nodes(db=db, session_id=session_id, node_ids=[node_id])
    return DeleteResultOut.from_counts(counts)
