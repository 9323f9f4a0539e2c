"""Seeded benchmark graphs written straight into a fresh database with Core executemany.

Not through GraphQL: building graph10k through the API would take longer than the
benchmark itself. The tables are created by the same migrations the app uses.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import make_url

from graph_api.config import Settings
from graph_api.db.engine import create_engine
from graph_api.db.migrations import upgrade_to_head
from graph_api.db.models import components, nodes, relationships, sessions

REL_TYPES = ("RELATES_TO", "DEPENDS_ON", "PART_OF", "CITES", "SIMILAR_TO", "FOLLOWS")
NODE_TYPES = ("concept", "person", "document", "event")
# fmt: off
WORDS = (
    "graph", "node", "edge", "session", "schema", "query", "resolver", "loader", "cursor",
    "page", "snapshot", "revision", "component", "content", "label", "type", "weight",
    "property", "metadata", "import", "export", "change", "feed",
)
# fmt: on


@dataclass(frozen=True)
class GraphSpec:
    name: str
    nodes: int
    components_per_node: int = 5
    relationships: int = 0


GRAPH1K = GraphSpec("graph1k", 1_000, 5, 3_000)
GRAPH10K = GraphSpec("graph10k", 10_000, 5, 30_000)


def _text(rng: random.Random, length: int) -> str:
    words: list[str] = []
    size = 0
    while size < length:
        word = rng.choice(WORDS)
        words.append(word)
        size += len(word) + 1
    return " ".join(words)[:length]


def graph_node_ids(spec: GraphSpec) -> list[str]:
    width = max(3, len(str(spec.nodes)))
    return [f"N{index:0{width}d}" for index in range(1, spec.nodes + 1)]


def graph_rows(spec: GraphSpec, seed: int) -> dict[str, list[dict[str, Any]]]:
    """The rows of one session graph, the same for the same (spec, seed)."""
    rng = random.Random(f"{spec.name}:{seed}")
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    session_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    node_ids = graph_node_ids(spec)
    node_rows = [
        {
            "session_id": session_id,
            "node_id": node_id,
            "label": f"{_text(rng, 24)} {node_id}",
            "type": rng.choice(NODE_TYPES),
            "metadata": {},
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for node_id in node_ids
    ]
    component_rows = [
        {
            "session_id": session_id,
            "node_id": node_id,
            "position": position,
            "type": "text",
            "content": _text(rng, 100),
            "properties": {},
            "created_at": now,
            "updated_at": now,
        }
        for node_id in node_ids
        for position in range(spec.components_per_node)
    ]
    seen: set[tuple[str, str, str]] = set()
    rel_rows: list[dict[str, Any]] = []
    while len(rel_rows) < spec.relationships:
        key = (rng.choice(node_ids), rng.choice(node_ids), rng.choice(REL_TYPES))
        if key in seen:
            continue
        seen.add(key)
        rel_rows.append(
            {
                "session_id": session_id,
                "source_id": key[0],
                "target_id": key[1],
                "type": key[2],
                "weight": round(rng.random(), 3),
                "properties": {},
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
    session_row = {
        "id": session_id,
        "user_id": None,
        "name": spec.name,
        "metadata": {},
        "created_at": now,
        "last_accessed": now,
        "expires_at": now.replace(year=2126),
        "revision": 1,
    }
    return {
        "session": [session_row],
        "nodes": node_rows,
        "components": component_rows,
        "relationships": rel_rows,
    }


async def _seed(url: str, specs: tuple[GraphSpec, ...], seed: int) -> dict[str, str]:
    engine = create_engine(Settings(database_url=url))
    try:
        await upgrade_to_head(engine)
        ids: dict[str, str] = {}
        async with engine.connect() as conn:
            conn = await conn.execution_options(graph_api_write=True)
            for spec in specs:
                rows = graph_rows(spec, seed)
                ids[spec.name] = rows["session"][0]["id"]
                for table, key in (
                    (sessions, "session"),
                    (nodes, "nodes"),
                    (components, "components"),
                    (relationships, "relationships"),
                ):
                    for start in range(0, len(rows[key]), 5_000):
                        await conn.execute(table.insert(), rows[key][start : start + 5_000])
            await conn.commit()
        return ids
    finally:
        await engine.dispose()


def seed_database(url: str, specs: tuple[GraphSpec, ...], seed: int = 42) -> dict[str, str]:
    """Migrate the (fresh) database at `url`, write the graphs; returns name -> session id."""
    return asyncio.run(_seed(url, specs, seed))


async def _pg_admin(url: str, statement: str) -> None:
    import asyncpg

    parsed = make_url(url)
    conn = await asyncpg.connect(
        host=parsed.host,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        database="postgres",
    )
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def fresh_postgres(url: str) -> tuple[str, str]:
    """Create an empty database on the server of `url`; returns (its url, its name)."""
    name = f"graph_api_bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(url, f'CREATE DATABASE "{name}"'))
    return make_url(url).set(database=name).render_as_string(hide_password=False), name


def drop_postgres(url: str, name: str) -> None:
    asyncio.run(_pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
