"""A session as the two CSV documents importCsv accepts back (CONTRACT.md §6), read in pages.

`node_pages()` / `relationship_pages()` walk the session in keyset pages (nodes
by node_id with their component sequences, relationships in creation order);
`iter_nodes_csv()` / `iter_relationships_csv()` turn the pages into CSV text
chunk by chunk (REST and the CLI stream them); `export_csv()` joins the chunks
for GraphQL. Cells holding JSON are compact JSON; an empty weight is null.
Importing both into an empty session gives the same graph: ids, labels, types,
metadata, component sequences, endpoints, types, weights and properties.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
from sqlalchemy import Row, select

from graph_api.db.models import components, nodes, relationships
from graph_api.db.transaction import UnitOfWork
from graph_api.services.csv.formula import escape_cell

T = TypeVar("T")
PAGE = 2_000
NODE_HEADER = ("node_id", "label", "type", "metadata", "components")
RELATIONSHIP_HEADER = ("source", "target", "type", "weight", "properties")
# neo4j-admin's names for the same columns (`neo4j-admin database import`), which import
# reads back: the type is the node's label, the weight a double, JSON cells are strings.
NEO4J_NODE_HEADER = ("node_id:ID", "label", ":LABEL", "metadata", "components")
NEO4J_RELATIONSHIP_HEADER = (":START_ID", ":END_ID", ":TYPE", "weight:double", "properties")
NodeWithComponents = tuple[Row[Any], list[Row[Any]]]


@dataclass(frozen=True)
class CsvExport:
    nodes_csv: str
    relationships_csv: str


async def export_csv(*, db: UnitOfWork, session_id: str, excel_safe: bool = False) -> CsvExport:
    """Both CSV documents of the session (formula-safe text cells with `excel_safe`)."""
    nodes_csv = "".join(
        [
            chunk
            async for chunk in iter_nodes_csv(db=db, session_id=session_id, excel_safe=excel_safe)
        ]
    )
    relationships_csv = "".join(
        [
            chunk
            async for chunk in iter_relationships_csv(
                db=db, session_id=session_id, excel_safe=excel_safe
            )
        ]
    )
    return CsvExport(nodes_csv=nodes_csv, relationships_csv=relationships_csv)


async def node_pages(*, db: UnitOfWork, session_id: str) -> AsyncIterator[list[NodeWithComponents]]:
    """The session's nodes by node_id (code-point order), each with its components by position."""
    after: str | None = None
    while True:
        statement = select(nodes).where(nodes.c.session_id == session_id)
        if after is not None:
            statement = statement.where(nodes.c.node_id > after)
        page = (await db.execute(statement.order_by(nodes.c.node_id).limit(PAGE))).all()
        if not page:
            return
        sequences: dict[str, list[Row[Any]]] = {row.node_id: [] for row in page}
        for component in await db.execute(
            select(components)
            .where(
                components.c.session_id == session_id,
                components.c.node_id.in_(list(sequences)),
            )
            .order_by(components.c.node_id, components.c.position)
        ):
            sequences[component.node_id].append(component)
        yield [(row, sequences[row.node_id]) for row in page]
        if len(page) < PAGE:
            return
        after = page[-1].node_id


async def relationship_pages(*, db: UnitOfWork, session_id: str) -> AsyncIterator[list[Row[Any]]]:
    """The session's relationships in creation order."""
    after = 0
    while True:
        page = (
            await db.execute(
                select(relationships)
                .where(relationships.c.session_id == session_id, relationships.c.id > after)
                .order_by(relationships.c.id)
                .limit(PAGE)
            )
        ).all()
        if not page:
            return
        yield list(page)
        if len(page) < PAGE:
            return
        after = page[-1].id


def iter_nodes_csv(
    db: UnitOfWork, session_id: str, *, neo4j: bool = False, excel_safe: bool = False
) -> AsyncIterator[str]:
    """The nodes CSV (with neo4j-admin's header names with `neo4j`), one chunk per page."""
    header = NEO4J_NODE_HEADER if neo4j else NODE_HEADER
    return _csv_chunks(header, excel_safe, node_pages(db=db, session_id=session_id), _node_cells)


def iter_relationships_csv(
    db: UnitOfWork, session_id: str, *, neo4j: bool = False, excel_safe: bool = False
) -> AsyncIterator[str]:
    """The relationships CSV (header as for nodes), one chunk per page."""
    pages = relationship_pages(db=db, session_id=session_id)
    header = NEO4J_RELATIONSHIP_HEADER if neo4j else RELATIONSHIP_HEADER
    return _csv_chunks(header, excel_safe, pages, _relationship_cells)


async def _csv_chunks(
    header: Sequence[str],
    excel_safe: bool,
    pages: AsyncIterator[list[T]],
    cells: Callable[[T, bool], Sequence[str]],
) -> AsyncIterator[str]:
    yield _bom(excel_safe) + _csv_text([header])
    async for page in pages:
        yield _csv_text(cells(item, excel_safe) for item in page)


def _node_cells(item: NodeWithComponents, excel_safe: bool) -> Sequence[str]:
    row, sequence = item
    return (
        row.node_id,
        escape_cell(row.label, excel_safe=excel_safe),
        escape_cell(row.type, excel_safe=excel_safe),
        json_text(row.metadata),
        json_text([component_dict(component) for component in sequence]),
    )


def _relationship_cells(row: Row[Any], excel_safe: bool) -> Sequence[str]:
    weight = "" if row.weight is None else repr(float(row.weight))
    type_ = escape_cell(row.type, excel_safe=excel_safe)
    return (row.source_id, row.target_id, type_, weight, json_text(row.properties))


def _bom(excel_safe: bool) -> str:
    # Marks a formula-safe file for the importer (services/csv_formula.py).
    return "\ufeff" if excel_safe else ""


def component_dict(row: Row[Any]) -> dict[str, Any]:
    return {"type": row.type, "content": row.content, "properties": row.properties}


def json_text(value: Any) -> str:
    """Compact JSON; the standard library takes over for what orjson refuses (huge integers)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _csv_text(rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    # RFC 4180: CRLF line ends; cells with a comma, quote or line break are quoted.
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()
