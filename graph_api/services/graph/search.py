"""`search`: nodes whose label, or one of whose components, holds every word of a query.

Semantics (CONTRACT.md §12, as read here): every word of the query must occur in ONE
document of the node, the label or a single component's content; words spread over the
label and a component, or over two components, do not match. A word ending in `*` is a
prefix. Score: 2 when the label matches, plus 1 when a component matches (so 3, 2 or 1:
a label match always ranks above a component-only match); then nodeId by code point.
The engines answer from their own indexes: FTS5 MATCH on SQLite, tsvector @@ tsquery on
PostgreSQL (GIN), both over the words that words.py made, so both find the same nodes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Row, bindparam, column, text

from graph_api.db.models import nodes
from graph_api.db.transaction import UnitOfWork
from graph_api.services.graph.words import Term, parse_query
from graph_api.services.reads.pagination import check_first
from graph_api.services.validation import check_list_length, is_storable

DEFAULT_FIRST = 20
LABEL_SCORE = 2.0
COMPONENT_SCORE = 1.0


@dataclass(frozen=True)
class SearchHit:
    node: Row[Any]
    score: float
    matched_in: list[str]


def _fts5_query(terms: Sequence[Term]) -> str:
    # Words hold letters, digits and marks only: quoting them as FTS5 strings is exact.
    return " AND ".join(f'"{term.word}"' + ("*" if term.prefix else "") for term in terms)


def _tsquery(terms: Sequence[Term]) -> str:
    # Quoted lexemes are taken verbatim by the tsquery input (no parsing, no stemming).
    return " & ".join(f"'{term.word}'" + (":*" if term.prefix else "") for term in terms)


_NODE_COLUMNS = ", ".join(f"n.{column.name}" for column in nodes.c)
_MATCHES = {
    "sqlite": (
        "SELECT d.node_id AS node_id, max(d.in_label) AS in_label,"
        " max(1 - d.in_label) AS in_components"
        # CROSS JOIN fixes the join order: the FTS5 match drives, documents follow by rowid
        # (the planner would otherwise scan the session's documents and run MATCH per row).
        " FROM search_fts CROSS JOIN search_documents AS d ON d.id = search_fts.rowid"
        " WHERE search_fts MATCH :query AND d.session_id = :session_id GROUP BY d.node_id"
    ),
    "postgresql": (
        "SELECT d.node_id AS node_id, bool_or(d.in_label)::int AS in_label,"
        " bool_or(NOT d.in_label)::int AS in_components FROM search_documents AS d"
        " WHERE array_to_tsvector(d.terms) @@ CAST(:query AS tsquery)"
        " AND d.session_id = :session_id GROUP BY d.node_id"
    ),
}


async def search(
    *,
    db: UnitOfWork,
    session_id: str,
    query: str,
    first: int | None,
    types: Sequence[str] | None,
) -> list[SearchHit]:
    """The best `first` hits for `query` in the session, best first, then by nodeId."""
    terms = parse_query(query)
    size = check_first(DEFAULT_FIRST if first is None else first, db.limits)
    if types is not None:
        check_list_length(types, db.limits, field="types")
        types = [value for value in types if is_storable(value)]
    if size == 0 or types == []:
        return []
    match_query = _fts5_query(terms) if db.dialect == "sqlite" else _tsquery(terms)
    type_filter = " AND n.type IN :types" if types is not None else ""
    statement = text(
        f"SELECT {_NODE_COLUMNS}, m.in_label AS hit_label, m.in_components AS hit_components"
        f" FROM ({_MATCHES[db.dialect]}) AS m"
        f" JOIN nodes AS n ON n.session_id = :session_id AND n.node_id = m.node_id"
        f" WHERE 1 = 1{type_filter}"
        f" ORDER BY m.in_label * {LABEL_SCORE} + m.in_components * {COMPONENT_SCORE} DESC,"
        f" n.node_id LIMIT :size"
    ).columns(*nodes.c, column("hit_label", Integer), column("hit_components", Integer))
    params: dict[str, Any] = {"query": match_query, "session_id": session_id, "size": size}
    if types is not None:
        statement = statement.bindparams(bindparam("types", expanding=True))
        params["types"] = list(types)
    rows = (await db.execute(statement, params)).all()
    return [_hit(row) for row in rows]


def _hit(row: Row[Any]) -> SearchHit:
    matched_in = [
        name for name, hit in (("label", row.hit_label), ("components", row.hit_components)) if hit
    ]
    score = LABEL_SCORE * bool(row.hit_label) + COMPONENT_SCORE * bool(row.hit_components)
    return SearchHit(node=row, score=score, matched_in=matched_in)
