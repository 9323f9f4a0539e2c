"""The honest floor over HTTP: a bare ASGI callable, the plain driver and orjson.

No FastAPI, Starlette, Strawberry or SQLAlchemy: uvicorn hands the request to `app`, which
reads the JSON body, runs the same statements as our resolvers need (plain `sqlite3` on the
event loop's thread, or an asyncpg pool) and answers the same JSON shape with orjson.
Served by uvicorn exactly like floor_app.py (support/server.py), so both ratios
(ours / engine floor, ours / plain floor) come from the same run and the same HTTP path.

    POST /typename                       {"data": {"__typename": "Query"}}
    POST /node      {sessionId, nodeId}  node + its components, in a read transaction
    POST /validate  {id}                 touch lastAccessed of a live session, committed

GRAPH_API_DATABASE_URL chooses the driver (sqlite+aiosqlite:///... or postgresql+asyncpg://).
Production code never imports this module.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy.engine import make_url

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

ONE_NODE = "SELECT node_id, label, type FROM nodes WHERE session_id = {s} AND node_id = {n}"
ONE_NODE_COMPONENTS = (
    "SELECT position, type, content FROM components"
    " WHERE session_id = {s} AND node_id = {n} ORDER BY position"
)
TOUCH = (
    "UPDATE sessions SET last_accessed = {now} WHERE id = {s} AND expires_at > {now}"
    " RETURNING id, last_accessed, revision"
)
TYPENAME = orjson.dumps({"data": {"__typename": "Query"}})
HEADERS = [(b"content-type", b"application/json")]


def _node_answer(row: Any, component_rows: Any) -> bytes:
    if row is None:
        return orjson.dumps({"data": {"node": None}})
    parts = [{"position": p, "type": t, "content": c} for p, t, c in component_rows]
    node = {"nodeId": row[0], "label": row[1], "type": row[2], "components": parts}
    return orjson.dumps({"data": {"node": node}})


def _validate_answer(row: Any) -> bytes:
    if row is None:
        return orjson.dumps({"data": {"validateSession": {"valid": False, "reason": "NOT_FOUND"}}})
    last = row[1] if isinstance(row[1], str) else row[1].isoformat()
    session = {"id": row[0], "lastAccessed": last, "revision": row[2]}
    return orjson.dumps({"data": {"validateSession": {"valid": True, "session": session}}})


class SqliteFloor:
    """One sqlite3 connection, used on the event loop's thread (a statement is microseconds)."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in ("busy_timeout=10000", "journal_mode=WAL", "synchronous=NORMAL"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.node_sql = ONE_NODE.format(s="?", n="?")
        self.parts_sql = ONE_NODE_COMPONENTS.format(s="?", n="?")
        self.touch_sql = TOUCH.format(s=":s", now=":now")

    async def node(self, session_id: str, node_id: str) -> bytes:
        conn = self.conn
        conn.execute("BEGIN")
        try:
            row = conn.execute(self.node_sql, (session_id, node_id)).fetchone()
            parts = conn.execute(self.parts_sql, (session_id, node_id)).fetchall() if row else []
        finally:
            conn.execute("ROLLBACK")
        return _node_answer(row, parts)

    async def validate(self, session_id: str) -> bytes:
        # How our UTCDateTime stores a value in SQLite: naive UTC ISO text.
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute(self.touch_sql, {"s": session_id, "now": now}).fetchone()
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return _validate_answer(row)


class PostgresFloor:
    """An asyncpg pool; reads in a repeatable-read read-only transaction like ours."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.pool: Any = None
        self.node_sql = ONE_NODE.format(s="$1", n="$2")
        self.parts_sql = ONE_NODE_COMPONENTS.format(s="$1", n="$2")
        self.touch_sql = TOUCH.format(s="$1", now="$2")

    async def start(self) -> None:
        import asyncpg

        url = self.url
        self.pool = await asyncpg.create_pool(
            host=url.host,
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            database=url.database,
            min_size=1,
            max_size=10,
        )

    async def node(self, session_id: str, node_id: str) -> bytes:
        async with self.pool.acquire() as conn, conn.transaction(readonly=True):
            row = await conn.fetchrow(self.node_sql, session_id, node_id)
            parts = await conn.fetch(self.parts_sql, session_id, node_id) if row else []
        return _node_answer(row, parts)

    async def validate(self, session_id: str) -> bytes:
        now = datetime.now(UTC)
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(self.touch_sql, session_id, now)
        return _validate_answer(row)


def _floor() -> SqliteFloor | PostgresFloor:
    url = os.environ["GRAPH_API_DATABASE_URL"]
    if url.startswith("postgresql"):
        return PostgresFloor(url)
    return SqliteFloor(make_url(url).database or "")


FLOOR = _floor()


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _respond(send: Send, status: int, body: bytes) -> None:
    headers = [*HEADERS, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            if isinstance(FLOOR, PostgresFloor):
                await FLOOR.start()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    path = scope["path"]
    body = await _body(receive)
    if path == "/typename":
        await _respond(send, 200, TYPENAME)
    elif path == "/node":
        args = orjson.loads(body)
        await _respond(send, 200, await FLOOR.node(args["sessionId"], args["nodeId"]))
    elif path == "/validate":
        await _respond(send, 200, await FLOOR.validate(orjson.loads(body)["id"]))
    elif path == "/health":
        await _respond(send, 200, b'{"status":"ok"}')
    else:
        await _respond(send, 404, b"{}")
