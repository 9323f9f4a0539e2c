"""Keeps the full-text documents of nodes in step with every write, in the same transaction.

Why from the change log: every write path (mutations, REST, autoSave, CSV import,
component edits) must record a NODE change for each node it creates or changes
(CONTRACT.md §2), and the log is flushed once, just before commit. Refreshing the
documents of exactly those nodes there covers every path, present and future, with no
call to forget. Deletes need nothing: a node's documents go with it (foreign key
ON DELETE CASCADE; on SQLite triggers on search_documents keep FTS5 in step).

A node has one document for its label and one per component with words (components with
the same words share one). Documents hold the words of `words.words()`; the engines'
indexes (FTS5, tsvector + GIN) are built over them by the migration.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import BindParameter, bindparam, delete, select

from graph_api.db import bulk
from graph_api.db.keysets import chunked
from graph_api.db.models import components, nodes, search_documents
from graph_api.db.transaction import UnitOfWork
from graph_api.services.graph.words import words

COLUMNS = ("session_id", "node_id", "in_label", "terms")


def encode_terms(dialect: str, terms: list[str]) -> Any:
    """The `terms` column value: text[] on PostgreSQL, words joined by spaces elsewhere."""
    return terms if dialect == "postgresql" else " ".join(terms)


# Built once (SQLAlchemy keeps their cache keys); the IN lists are expanding parameters.
_NODES_IN: BindParameter[Any] = bindparam("b_nodes", expanding=True)
_DROP = delete(search_documents).where(
    search_documents.c.session_id == bindparam("b_session"),
    search_documents.c.node_id.in_(_NODES_IN),
)
# `type` too: with (node_id, label) alone SQLite, without statistics, would scan the
# whole session in the covering label index instead of the primary key.
_LABELS = select(nodes.c.node_id, nodes.c.label, nodes.c.type).where(
    nodes.c.session_id == bindparam("b_session"), nodes.c.node_id.in_(_NODES_IN)
)
_CONTENTS = select(components.c.node_id, components.c.content).where(
    components.c.session_id == bindparam("b_session"), components.c.node_id.in_(_NODES_IN)
)


async def refresh(
    *, db: UnitOfWork, session_id: str, created: Sequence[str], updated: Sequence[str]
) -> None:
    """Rewrite the documents of nodes created (none yet) or updated in this transaction."""
    for chunk in chunked(updated):
        await db.execute(_DROP, {"b_session": session_id, "b_nodes": chunk})
    node_ids = [*created, *updated]
    for chunk in chunked(node_ids):
        rows = await _documents(db, session_id, chunk)
        # A node has a few documents: as few nodes as a small write stays one executemany.
        # On SQLite the triggers feeding FTS5 want one statement for all of them (bulk.py).
        await bulk.insert_rows(
            db=db,
            target=search_documents,
            columns=COLUMNS,
            rows=rows,
            fast_path=len(chunk) >= bulk.COPY_THRESHOLD,
            one_statement=True,
        )


async def _documents(db: UnitOfWork, session_id: str, node_ids: Sequence[str]) -> list[Any]:
    keys = {"b_session": session_id, "b_nodes": list(node_ids)}
    labels = await db.execute(_LABELS, keys)
    contents: dict[str, list[str]] = defaultdict(list)
    for row in await db.execute(_CONTENTS, keys):
        contents[row.node_id].append(row.content)
    return list(_rows(db.dialect, session_id, labels.all(), contents))


def _rows(
    dialect: str, session_id: str, labels: Sequence[Any], contents: dict[str, list[str]]
) -> Iterator[tuple[Any, ...]]:
    for node_id, label, _ in labels:
        terms = words(label)
        if terms:
            yield (session_id, node_id, True, encode_terms(dialect, terms))
        seen: set[tuple[str, ...]] = set()
        for content in contents.get(node_id, ()):
            terms = words(content)
            key = tuple(sorted(terms))
            if terms and key not in seen:
                seen.add(key)
                yield (session_id, node_id, False, encode_terms(dialect, terms))
