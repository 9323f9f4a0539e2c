"""Fixtures for the CSV tests: a real public graph written to CSV, and import/export helpers."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from graph_api.errors import CsvInvalid
from graph_api.services import sessions
from graph_api.services.changes import log as changes
from graph_api.services.csv import export as csv_export
from graph_api.services.csv import importer as csv_import
from graph_api.services.specs import SessionSpec

DATA = Path(__file__).resolve().parent.parent / "data" / "csv"

IMPORT = """
mutation($s: ID!, $n: String, $r: String, $o: ImportOptions) {
  importCsv(sessionId: $s, nodesCsv: $n, relationshipsCsv: $r, options: $o) {
    dryRun rowsRead nodesCreated nodesUpdated componentsCreated
    relationshipsCreated relationshipsUpdated revision
  }
}"""
EXPORT = "query($s: ID!) { session(id: $s) { revision exportCsv { nodesCsv relationshipsCsv } } }"


def write_csv(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.fixture
def les_miserables(tmp_path: Path) -> tuple[Path, Path]:
    """Victor Hugo's co-occurrence network as shipped with networkx (77 nodes, 254 edges)."""
    graph = nx.les_miserables_graph()
    nodes = write_csv(
        tmp_path / "lesmis_nodes.csv",
        [["node_id", "label", "degree:int"]]
        + [[name, name, graph.degree(name)] for name in graph.nodes],
    )
    relationships = write_csv(
        tmp_path / "lesmis_relationships.csv",
        [["source", "target", "type", "weight"]]
        + [[a, b, "APPEARS_WITH", data["weight"]] for a, b, data in graph.edges(data=True)],
    )
    return nodes, relationships


@pytest.fixture
def new_session(unit_of_work: Any) -> Callable[..., Any]:
    """`await new_session()` -> the id of a committed session without default nodes."""

    async def make(with_default_nodes: bool = False) -> str:
        async with unit_of_work() as db:
            row = await sessions.create_session(
                db=db, spec=SessionSpec(with_default_nodes=with_default_nodes)
            )
        return str(row.id)

    return make


@pytest.fixture
def run_import(unit_of_work: Any) -> Callable[..., Any]:
    """`await run_import(session_id, nodes=..., mode=...)`, in a transaction of its own."""

    async def run(
        session_id: str, nodes: Any = None, relationships: Any = None, **options: Any
    ) -> csv_import.ImportReport:
        async with unit_of_work() as db:
            return await csv_import.import_csv(
                db=db,
                session_id=session_id,
                nodes=nodes,
                relationships=relationships,
                options=csv_import.ImportOptions(**options),
            )

    return run


@pytest.fixture
def run_export(unit_of_work: Any) -> Callable[..., Any]:
    async def run(session_id: str) -> csv_export.CsvExport:
        async with unit_of_work(write=False) as db:
            return await csv_export.export_csv(db=db, session_id=session_id)

    return run


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(text.splitlines(keepends=True)))


@pytest.fixture
def graph(unit_of_work: Any) -> Callable[..., Any]:
    """`await graph(session_id)` -> (nodes by id, relationships by (source, target, type))."""

    async def read(session_id: str) -> tuple[dict[str, dict[str, Any]], dict[Any, dict[str, Any]]]:
        nodes: dict[str, dict[str, Any]] = {}
        relationships: dict[Any, dict[str, Any]] = {}
        async with unit_of_work(write=False) as db:
            async for page in csv_export.node_pages(db=db, session_id=session_id):
                for row, sequence in page:
                    nodes[row.node_id] = {
                        "label": row.label,
                        "type": row.type,
                        "metadata": row.metadata,
                        "version": row.version,
                        "components": [(c.type, c.content, c.properties) for c in sequence],
                    }
            async for rel_page in csv_export.relationship_pages(db=db, session_id=session_id):
                for rel in rel_page:
                    relationships[(rel.source_id, rel.target_id, rel.type)] = {
                        "weight": rel.weight,
                        "properties": rel.properties,
                        "id": rel.id,
                        "version": rel.version,
                    }
        return nodes, relationships

    return read


@pytest.fixture
def snapshot(unit_of_work: Any) -> Callable[..., Any]:
    """`await snapshot(session_id)`: everything an import could change, to compare before/after."""

    async def take(session_id: str) -> dict[str, Any]:
        async with unit_of_work(write=False) as db:
            session = await sessions.get_session(db=db, session_id=session_id)
            exported = await csv_export.export_csv(db=db, session_id=session_id)
            rows = [
                (row.node_id, row.version, row.updated_at, [c.id for c in sequence])
                async for page in csv_export.node_pages(db=db, session_id=session_id)
                for row, sequence in page
            ]
            rels = [
                (rel.id, rel.version, rel.updated_at)
                async for page in csv_export.relationship_pages(db=db, session_id=session_id)
                for rel in page
            ]
            log, _ = await changes.list_changes(
                db=db, session_id=session_id, since_revision=0, first=1_000_000
            )
        assert session is not None
        return {
            "revision": session.revision,
            "export": exported,
            "nodes": rows,
            "relationships": rels,
            "changes": [(c.revision, c.op, c.kind, c.key) for c in log],
        }

    return take


async def problems_of(run: Any, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """The problems of an import that must be rejected."""
    with pytest.raises(CsvInvalid) as caught:
        await run(*args, **kwargs)
    problems: list[dict[str, Any]] = caught.value.extensions["problems"]
    return problems
