"""Session routes: create, validate, touch, delete (thin views over services/sessions.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse
from sqlalchemy import Row

from graph_api.db.models import nodes, relationships
from graph_api.db.transaction import UnitOfWork
from graph_api.rest.deps import SessionId, WriteDb
from graph_api.rest.errors import error_responses
from graph_api.rest.payloads import (
    CreateSessionIn,
    DeleteResultOut,
    SessionOut,
    SessionValidationOut,
)
from graph_api.services import sessions as session_service
from graph_api.services.reads import batch as batch_reads
from graph_api.services.specs import SessionSpec

router = APIRouter(prefix="/session", tags=["sessions"])


async def session_out(db: UnitOfWork, row: Row[Any]) -> SessionOut:
    [node_count] = await batch_reads.count_by_session(db=db, table=nodes, ids=[row.id])
    [relationship_count] = await batch_reads.count_by_session(
        db=db, table=relationships, ids=[row.id]
    )
    return SessionOut.from_row(row, node_count=node_count, relationship_count=relationship_count)


@router.post(
    "/create",
    status_code=201,
    responses=error_responses(413, 422),
    summary="Create a session (createSession)",
    description="Creates the session at revision 1 and, unless `with_default_nodes` is false, "
    "its nodes N001 and N002, in one transaction. The body may be omitted.",
)
async def create_session(
    db: WriteDb, body: Annotated[CreateSessionIn | None, Body()] = None
) -> SessionOut:
    spec = body.to_spec() if body is not None else SessionSpec()
    return await session_out(db, await session_service.create_session(db=db, spec=spec))


@router.get(
    "/validate/{session_id}",
    response_model=SessionValidationOut,
    responses={
        404: {
            "model": SessionValidationOut,
            "description": '`{"valid": false, "reason": ...}`: NOT_FOUND, MALFORMED_ID or EXPIRED',
        },
        **error_responses(),
    },
    summary="Validate a session (validateSession)",
    description="A valid session's last_accessed is updated in the same transaction.",
)
async def validate_session(
    db: WriteDb, session_id: SessionId
) -> SessionValidationOut | JSONResponse:
    result = await session_service.validate_session(db=db, session_id=session_id)
    if result.valid:
        return SessionValidationOut(valid=True, session=await session_out(db, result.session))
    invalid = SessionValidationOut(valid=False, session=None, reason=result.reason)
    return JSONResponse(invalid.model_dump(mode="json"), status_code=404)


@router.put(
    "/{session_id}/touch",
    responses=error_responses(404),
    summary="Touch a session (touchSession)",
    description="Updates last_accessed only: no revision, no change.",
)
async def touch_session(db: WriteDb, session_id: SessionId) -> SessionOut:
    return await session_out(db, await session_service.touch_session(db=db, session_id=session_id))


@router.delete(
    "/{session_id}",
    responses=error_responses(404),
    summary="Delete a session and everything in it (deleteSession)",
)
async def delete_session(db: WriteDb, session_id: SessionId) -> DeleteResultOut:
    counts = await session_service.delete_session(db=db, session_id=session_id)
    return DeleteResultOut.from_counts(counts)
