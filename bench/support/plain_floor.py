"""The honest floor: the plain driver (sqlite3 or asyncpg) and orjson, no framework at all.

The same three statements as the floor route of floor_app.py and the same JSON answer,
run in the benchmark's own process with no HTTP, no SQLAlchemy and no GraphQL: what any
server must at least spend to read and encode the answer. Ratios against it show the
whole cost of our stack, driver path included (the floor route shares our engine).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from typing import Any

import orjson
from sqlalchemy.engine import make_url

_PAGE = "SELECT node_id FROM nodes WHERE session_id = {s} ORDER BY node_id LIMIT {n}"
NODES = "SELECT node_id, label, type FROM nodes WHERE session_id = {s} ORDER BY node_id LIMIT {n}"
COMPONENTS = (
    "SELECT node_id, position, type, content FROM components"
    " WHERE session_id = {s} AND node_id IN (" + _PAGE + ") ORDER BY node_id, position"
)
OUTGOING = (
    "SELECT r.source_id, r.type, t.node_id, t.label FROM relationships r"
    " JOIN nodes t ON t.session_id = r.session_id AND t.node_id = r.target_id"
    " WHERE r.session_id = {s} AND r.source_id IN (" + _PAGE + ") ORDER BY r.id"
)


def nested_answer(node_rows: Any, component_rows: Any, outgoing_rows: Any) -> dict[str, Any]:
    """The nested query's answer from the rows of NODES, COMPONENTS and OUTGOING."""
    parts: dict[str, list[dict[str, Any]]] = {row[0]: [] for row in node_rows}
    for node_id, position, type_, content in component_rows:
        parts[node_id].append({"position": position, "type": type_, "content": content})
    outgoing: dict[str, list[dict[str, Any]]] = {row[0]: [] for row in node_rows}
    for source_id, type_, target_id, label in outgoing_rows:
        outgoing[source_id].append({"type": type_, "target": {"nodeId": target_id, "label": label}})
    items = [
        {
            "nodeId": node_id,
            "label": label,
            "type": type_,
            "components": parts[node_id],
            "outgoing": outgoing[node_id],
        }
        for node_id, label, type_ in node_rows
    ]
    return {"data": {"session": {"nodes": {"nodes": items}}}}


def _answer(node_rows: Any, component_rows: Any, outgoing_rows: Any) -> bytes:
    return orjson.dumps(nested_answer(node_rows, component_rows, outgoing_rows))


def sqlite_fetcher(database_url: str, session_id: str, first: int) -> Callable[[], bytes]:
    connection = sqlite3.connect(make_url(database_url).database or "")
    # Named: the session id appears twice in two of the statements.
    statements = [sql.format(s=":s", n=":n") for sql in (NODES, COMPONENTS, OUTGOING)]
    params = {"s": session_id, "n": first}

    def fetch() -> bytes:
        connection.execute("BEGIN")
        try:
            rows = [connection.execute(sql, params).fetchall() for sql in statements]
        finally:
            connection.execute("ROLLBACK")
        return _answer(*rows)

    return fetch


def postgres_fetcher(database_url: str, session_id: str, first: int) -> Callable[[], bytes]:
    import asyncpg

    url = make_url(database_url)
    loop = asyncio.new_event_loop()
    connection = loop.run_until_complete(
        asyncpg.connect(
            host=url.host, port=url.port or 5432, user=url.username, database=url.database
        )
    )
    statements = [sql.format(s="$1", n="$2") for sql in (NODES, COMPONENTS, OUTGOING)]

    async def read() -> bytes:
        async with connection.transaction(isolation="repeatable_read", readonly=True):
            rows = [await connection.fetch(sql, session_id, first) for sql in statements]
        return _answer(*rows)

    return lambda: loop.run_until_complete(read())


def plain_fetcher(database_url: str, session_id: str, first: int) -> Callable[[], bytes]:
    """fetch() -> the answer's JSON bytes, over the plain driver of `database_url`."""
    if database_url.startswith("postgresql"):
        return postgres_fetcher(database_url, session_id, first)
    return sqlite_fetcher(database_url, session_id, first)


def timed(fetch: Callable[[], bytes]) -> tuple[float, bytes]:
    start = time.perf_counter()
    body = fetch()
    return (time.perf_counter() - start) * 1000, body
