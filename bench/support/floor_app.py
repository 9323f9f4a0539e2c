"""The benchmark's ASGI entry point: the real app, plus the floor routes when asked for.

`uvicorn support.floor_app:app --app-dir bench` serves exactly `create_app()`; with
GRAPH_API_BENCH_FLOOR=1 it also serves two plain routes that run the minimal SQL
for the benchmark queries and answer the same JSON shape serialised with orjson.
They share the app's engine (same driver, same pool, same BEGIN), so the ratio
ours / floor measures what GraphQL adds, not a different database set-up.
Production code never imports this module.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import Response

from graph_api.app import create_app
from graph_api.gc_tuning import tune_for_serving
from support import plain_floor

# The same statements as the plain-driver floor, with SQLAlchemy's named parameters.
NODES, COMPONENTS, OUTGOING = (
    text(sql.format(s=":s", n=":n"))
    for sql in (plain_floor.NODES, plain_floor.COMPONENTS, plain_floor.OUTGOING)
)
TOUCH = text(
    "UPDATE sessions SET last_accessed = :now WHERE id = :s AND expires_at > :now"
    " RETURNING id, last_accessed, revision"
)
ONE_NODE = text("SELECT node_id, label, type FROM nodes WHERE session_id = :s AND node_id = :n")
ONE_NODE_COMPONENTS = text(
    "SELECT position, type, content FROM components"
    " WHERE session_id = :s AND node_id = :n ORDER BY position"
)


def _json(data: Any) -> Response:
    return Response(orjson.dumps(data), media_type="application/json")


async def nested(engine: AsyncEngine, session_id: str, first: int) -> dict[str, Any]:
    """session(id) { nodes(first) { nodes { nodeId label type components outgoing } } }"""
    params = {"s": session_id, "n": first}
    async with engine.connect() as conn:
        await conn.begin()
        node_rows = (await conn.execute(NODES, params)).all()
        component_rows = (await conn.execute(COMPONENTS, params)).all()
        outgoing_rows = (await conn.execute(OUTGOING, params)).all()
        await conn.rollback()
    return plain_floor.nested_answer(node_rows, component_rows, outgoing_rows)


async def one_node(engine: AsyncEngine, session_id: str, node_id: str) -> dict[str, Any]:
    """node(sessionId, nodeId) { nodeId label type components { position type content } }"""
    params = {"s": session_id, "n": node_id}
    async with engine.connect() as conn:
        await conn.begin()
        row = (await conn.execute(ONE_NODE, params)).first()
        component_rows = (await conn.execute(ONE_NODE_COMPONENTS, params)).all() if row else []
        await conn.rollback()
    if row is None:
        return {"data": {"node": None}}
    parts = [{"position": p, "type": t, "content": c} for p, t, c in component_rows]
    return {
        "data": {"node": {"nodeId": row[0], "label": row[1], "type": row[2], "components": parts}}
    }


async def touch(engine: AsyncEngine, session_id: str) -> dict[str, Any]:
    """validateSession(id) { valid reason session { id lastAccessed revision } }"""
    now = datetime.now(UTC)
    if engine.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    async with engine.begin() as conn:
        row = (await conn.execute(TOUCH, {"s": session_id, "now": now})).first()
    if row is None:
        return {"data": {"validateSession": {"valid": False, "reason": "NOT_FOUND"}}}
    last = row[1] if isinstance(row[1], str) else row[1].isoformat()
    session = {"id": row[0], "lastAccessed": last, "revision": row[2]}
    return {"data": {"validateSession": {"valid": True, "session": session}}}


def build() -> Any:
    application = create_app()
    if os.environ.get("GRAPH_API_BENCH_FLOOR") != "1":
        return application
    engine: AsyncEngine = application.state.engine

    async def floor_nested(request: Request) -> Response:
        body = orjson.loads(await request.body())
        return _json(await nested(engine, body["sessionId"], int(body["first"])))

    async def floor_node(request: Request) -> Response:
        body = orjson.loads(await request.body())
        return _json(await one_node(engine, body["sessionId"], body["nodeId"]))

    async def floor_validate(request: Request) -> Response:
        body = orjson.loads(await request.body())
        return _json(await touch(engine, body["id"]))

    # Inserted first: the editor's static files are mounted at "/" and would shadow them.
    application.router.add_route("/bench/floor/nested", floor_nested, methods=["POST"])
    application.router.add_route("/bench/floor/node", floor_node, methods=["POST"])
    application.router.add_route("/bench/floor/validate", floor_validate, methods=["POST"])
    routes = application.router.routes
    for _ in range(3):
        routes.insert(0, routes.pop())
    return application


app = build()
if os.environ.get("GRAPH_API_BENCH_NO_GC_TUNING") != "1":
    tune_for_serving()  # as graph_api.asgi does for `graph-api serve`
