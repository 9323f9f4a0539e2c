"""Random small session graphs for the differential test, written with Core inserts.

Values are drawn to hit the edges the readers care about: node ids that sort
differently by code point, labels with LIKE metacharacters and non-ASCII letters,
timestamp ties (UPDATED_AT_DESC), self-loops, null weights and names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from graph_api.db.models import components, nodes, relationships, sessions
from graph_api.db.transaction import transaction_context
from graph_api.services.graph import search_index

NODE_IDS = ["N001", "N002", "N010", "N9", "a", "a.b", "Z:1", "x-y", "n_1", "N0"]
BAD_NODE_IDS = ["bad id", "-x", "", "é"]
NODE_TYPES = ["concept", "person", "Doc"]
REL_TYPES = ["R1", "R2", "R3"]
BASE = datetime(2026, 1, 1, tzinfo=UTC)

texts = st.text(alphabet=st.sampled_from("abcXYZ é%_\\ßΣ-1"), min_size=1, max_size=8).filter(
    lambda text: text.strip() != ""
)
# What the API accepts and every engine stores (validation.is_storable): PostgreSQL text and
# JSONB hold neither U+0000 nor lone surrogates.
storable = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
json_objects = st.dictionaries(
    st.sampled_from(["k", "n", "tags"]),
    st.one_of(
        st.integers(-5, 5), st.text(storable, max_size=3), st.lists(st.booleans(), max_size=2)
    ),
    max_size=2,
)
stamps = st.integers(0, 4).map(lambda step: BASE + timedelta(seconds=step, microseconds=7 * step))


@dataclass
class Graph:
    session_id: str
    session: dict[str, Any]
    nodes: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    relationships: list[dict[str, Any]] = field(default_factory=list)

    @property
    def node_ids(self) -> list[str]:
        return [row["node_id"] for row in self.nodes]


@st.composite
def graphs(draw: st.DrawFn, session_id: str) -> Graph:
    """A graph in session `session_id` (fresh per example: drawn ids could repeat)."""
    created = draw(stamps)
    session = {
        "id": session_id,
        "user_id": draw(st.none() | texts),
        "name": draw(st.none() | texts),
        "metadata": draw(json_objects),
        "created_at": created,
        "last_accessed": draw(stamps),
        "expires_at": created.replace(year=created.year + 100),
        "revision": draw(st.integers(0, 5)),
    }
    graph = Graph(session_id, session)
    for node_id in draw(st.lists(st.sampled_from(NODE_IDS), unique=True, max_size=6)):
        graph.nodes.append(
            {
                "session_id": session_id,
                "node_id": node_id,
                "label": draw(texts),
                "type": draw(st.sampled_from(NODE_TYPES)),
                "metadata": draw(json_objects),
                "version": draw(st.integers(1, 4)),
                "created_at": draw(stamps),
                "updated_at": draw(stamps),
            }
        )
        for position in range(draw(st.integers(0, 3))):
            graph.components.append(
                {
                    "session_id": session_id,
                    "node_id": node_id,
                    "position": position,
                    "type": draw(st.sampled_from(["text", "code"])),
                    "content": draw(st.text(storable, max_size=6)),
                    "properties": draw(json_objects),
                    "created_at": draw(stamps),
                    "updated_at": draw(stamps),
                }
            )
    if graph.nodes:
        triples = st.tuples(
            st.sampled_from(graph.node_ids),
            st.sampled_from(graph.node_ids),
            st.sampled_from(REL_TYPES),
        )
        for source, target, type_ in draw(st.lists(triples, unique=True, max_size=8)):
            graph.relationships.append(
                {
                    "session_id": session_id,
                    "source_id": source,
                    "target_id": target,
                    "type": type_,
                    "weight": draw(st.none() | st.floats(-1e6, 1e6, allow_nan=False)),
                    "properties": draw(json_objects),
                    "version": draw(st.integers(1, 3)),
                    "created_at": draw(stamps),
                    "updated_at": draw(stamps),
                }
            )
    return graph


async def insert_graph(engine: AsyncEngine, graph: Graph) -> None:
    """Write the graph in one transaction (relationship ids follow list order)."""
    async with engine.connect() as raw:
        conn = await raw.execution_options(graph_api_write=True)
        await conn.execute(sessions.insert(), [graph.session])
        for table, rows in (
            (nodes, graph.nodes),
            (components, graph.components),
            (relationships, graph.relationships),
        ):
            if rows:
                await conn.execute(table.insert(), rows)
        await conn.commit()
    # The search documents, as the change log would have made them for these nodes.
    async with transaction_context(engine, write=True) as db:
        await search_index.refresh(
            db=db, session_id=graph.session_id, created=graph.node_ids, updated=[]
        )
