"""A node's component sequence: read it, replace it (PUT), append to it (POST).

Thin views over services/components.py; every answer is the whole sequence with
the node's version, which a client passes back as `expected_version`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import Row

from graph_api.db.transaction import UnitOfWork
from graph_api.rest.deps import NodeId, ReadDb, SessionId, WriteDb
from graph_api.rest.errors import error_responses
from graph_api.rest.nodes import load_node
from graph_api.rest.payloads import ComponentPost, ComponentSequenceOut, ComponentsPut
from graph_api.services import components as component_service
from graph_api.services.reads import batch as batch_reads

router = APIRouter(prefix="/session/{session_id}/nodes/{node_id}/components", tags=["components"])


async def sequence_out(db: UnitOfWork, node: Row[Any]) -> ComponentSequenceOut:
    [rows] = await batch_reads.components_by_nodes(db=db, keys=[(node.session_id, node.node_id)])
    return ComponentSequenceOut.from_row(node, rows)


@router.get("", responses=error_responses(404), summary="Read a node's component sequence")
async def get_components(
    db: ReadDb, session_id: SessionId, node_id: NodeId
) -> ComponentSequenceOut:
    return await sequence_out(db, await load_node(db, session_id, node_id))


@router.put(
    "",
    responses=error_responses(404, 409, 413, 422),
    summary="Replace the whole sequence atomically (setComponents)",
    description="An identical sequence keeps the component ids and bumps nothing; "
    "an invalid one changes nothing.",
)
async def set_components(
    db: WriteDb, session_id: SessionId, node_id: NodeId, body: ComponentsPut
) -> ComponentSequenceOut:
    specs = [c.to_spec() for c in body.components]
    node = await component_service.set_components(
        db, session_id, node_id, specs, expected_version=body.expected_version
    )
    return await sequence_out(db, node)


@router.post(
    "",
    status_code=201,
    responses=error_responses(404, 409, 413, 422),
    summary="Insert one component (addComponent)",
    description="Inserts at `position` (default: the end), shifting later components.",
)
async def add_component(
    db: WriteDb, session_id: SessionId, node_id: NodeId, body: ComponentPost
) -> ComponentSequenceOut:
    spec = body.component.to_spec()
    node = await component_service.add_component(
        db,
        session_id,
        node_id,
        spec,
        position=body.position,
        expected_version=body.expected_version,
    )
    return await sequence_out(db, node)
