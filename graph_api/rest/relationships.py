"""Relationship routes: a paginated list (creation order), create, patch, delete.

Thin views over services/relationships.py and services/reads.py.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from graph_api.rest.deps import (
    Cursor,
    Limit,
    ReadDb,
    RelationshipId,
    SessionId,
    WriteDb,
)
from graph_api.rest.errors import error_responses
from graph_api.rest.payloads import (
    DeleteResultOut,
    RelationshipIn,
    RelationshipOut,
    RelationshipPage,
    RelationshipPatchIn,
    next_cursor,
)
from graph_api.services import access
from graph_api.services import relationships as relationship_service
from graph_api.services.reads import pages
from graph_api.services.specs import PageArgs, RelationshipFilter
from graph_api.services.validation import check_list_length

router = APIRouter(prefix="/session/{session_id}/relationships", tags=["relationships"])


@router.get(
    "",
    responses=error_responses(404, 422),
    summary="List a session's relationships in creation order, one page at a time",
)
async def list_relationships(
    db: ReadDb,
    session_id: SessionId,
    limit: Limit = None,
    cursor: Cursor = None,
    types: Annotated[list[str] | None, Query(description="Only these types.")] = None,
    source_ids: Annotated[list[str] | None, Query(description="Only from these nodes.")] = None,
    target_ids: Annotated[list[str] | None, Query(description="Only to these nodes.")] = None,
    touching: Annotated[
        str | None, Query(description="Only those whose source or target is this node.")
    ] = None,
) -> RelationshipPage:
    canonical = await access.require_session(db=db, session_id=session_id)
    rel_filter = None
    if any(v is not None for v in (types, source_ids, target_ids, touching)):
        for values, field in (
            (types, "types"),
            (source_ids, "source_ids"),
            (target_ids, "target_ids"),
        ):
            if values is not None:
                check_list_length(values, db.limits, field=field)
        rel_filter = RelationshipFilter(types, source_ids, target_ids, touching)
    args = PageArgs(limit, cursor, first_field="limit", after_field="cursor")
    page = await pages.page_relationships(
        db=db, session_id=canonical, args=args, rel_filter=rel_filter
    )
    return RelationshipPage(
        items=[RelationshipOut.from_row(row) for row in page.rows],
        has_next_page=page.has_next_page,
        next_cursor=next_cursor(page.cursors, page.has_next_page, cursor),
        total_count=await pages.count_relationships(
            db=db, session_id=canonical, rel_filter=rel_filter
        ),
    )


@router.post(
    "",
    status_code=201,
    responses=error_responses(404, 409, 413, 422),
    summary="Create a relationship (createRelationship)",
    description="Both endpoints must exist in the session (else 404 NODE_NOT_FOUND); "
    "(source_id, target_id, type) is unique (else 409 DUPLICATE).",
)
async def create_relationship(
    db: WriteDb, session_id: SessionId, body: RelationshipIn
) -> RelationshipOut:
    [row] = await relationship_service.create_relationships(
        db=db, session_id=session_id, specs=[body.to_spec()]
    )
    return RelationshipOut.from_row(row)


@router.patch(
    "/{relationship_id}",
    responses=error_responses(404, 409, 413, 422),
    summary="Patch a relationship's type, weight or properties (updateRelationship)",
)
async def update_relationship(
    db: WriteDb, session_id: SessionId, relationship_id: RelationshipId, body: RelationshipPatchIn
) -> RelationshipOut:
    row = await relationship_service.update_relationship(
        db, session_id, relationship_id, body.to_spec(), expected_version=body.expected_version
    )
    return RelationshipOut.from_row(row)


@router.delete(
    "/{relationship_id}",
    responses=error_responses(404),
    summary="Delete a relationship (deleteRelationship)",
)
async def delete_relationship(
    db: WriteDb, session_id: SessionId, relationship_id: RelationshipId
) -> DeleteResultOut:
    counts = await relationship_service.delete_relationships(
        db=db, session_id=session_id, relationship_ids=[relationship_id]
    )
    return DeleteResultOut.from_counts(counts)
