"""`graph-api export`: a session's graph out, as CSV, neo4j-admin CSV, GraphML or GEXF.

Everything is read from one read snapshot and streamed page by page into the
files, so a session of any size exports in constant memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from graph_api.cli_help import DatabaseUrl, example
from graph_api.config import Settings
from graph_api.errors import GraphAPIError

if TYPE_CHECKING:
    from graph_api.db.transaction import UnitOfWork


class ExportFormat(StrEnum):
    CSV = "csv"
    NEO4J_ADMIN = "neo4j-admin"
    GRAPHML = "graphml"
    GEXF = "gexf"


# What each format writes into --out: the file names, and what reads them.
FILES = {
    ExportFormat.CSV: ("nodes.csv", "relationships.csv"),
    ExportFormat.NEO4J_ADMIN: ("nodes.csv", "relationships.csv"),
    ExportFormat.GRAPHML: ("graph.graphml",),
    ExportFormat.GEXF: ("graph.gexf",),
}
HELP = """Write a session's graph into a directory, in a format other tools open as it is.

[bold]csv[/bold]: nodes.csv and relationships.csv, which `graph-api import` takes back.
[bold]neo4j-admin[/bold]: the same files with neo4j-admin's headers (node_id:ID, :LABEL,
:START_ID, :END_ID, :TYPE, weight:double): `neo4j-admin database import full
--nodes=nodes.csv --relationships=relationships.csv --multiline-fields=true`;
`graph-api import` reads them back too.
[bold]graphml[/bold]: graph.graphml for yEd, Cytoscape, Gephi, networkx (and `import --graphml`).
[bold]gexf[/bold]: graph.gexf for Gephi.
Every format keeps node ids, labels, types, metadata and components (JSON text),
and relationship types, weights and properties.
"""
EXAMPLES = example(
    "graph-api export 3f2a...e9 --out backup/",
    "graph-api export 3f2a...e9 --out gephi/ --format gexf",
    "graph-api export 3f2a...e9 --out neo4j/ --format neo4j-admin",
)


def export_command(
    session_id: Annotated[str, typer.Argument(help="The session to export.")],
    out: Annotated[
        Path, typer.Option("--out", file_okay=False, help="The directory to write into.")
    ],
    fmt: Annotated[
        ExportFormat, typer.Option("--format", case_sensitive=False, help="See above.")
    ] = ExportFormat.CSV,
    database_url: DatabaseUrl = None,
    excel_safe: Annotated[
        bool,
        typer.Option(
            "--excel-safe",
            help="CSV formats: prefix label and type cells a spreadsheet would run as a formula"
            " (=, +, -, @, tab, CR) with an apostrophe; `import` removes it.",
        ),
    ] = False,
) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        settings = Settings(database_url=database_url) if database_url else Settings()
        counts = asyncio.run(
            run_export(settings, session_id=session_id, out=out, fmt=fmt, excel_safe=excel_safe)
        )
    except GraphAPIError as exc:
        typer.echo(f"error: {exc.code}: {exc.message}", err=True)
        raise typer.Exit(1) from None
    files = [out / name for name in FILES[fmt]]
    if len(files) == 2:
        where = f"{counts[0]:,} nodes to {files[0]}, {counts[1]:,} relationships to {files[1]}"
    else:
        where = f"{counts[0]:,} nodes and {counts[1]:,} relationships to {files[0]}"
    typer.echo(f"exported session {session_id} ({fmt.value}): {where}")


async def run_export(
    settings: Settings,
    *,
    session_id: str,
    out: Path,
    fmt: ExportFormat = ExportFormat.CSV,
    excel_safe: bool = False,
) -> tuple[int, int]:
    """Stream the session's files into `out` from one read snapshot; (nodes, relationships)."""
    from graph_api.db.engine import create_engine
    from graph_api.db.models import nodes, relationships
    from graph_api.db.transaction import transaction_context
    from graph_api.errors import SessionNotFound
    from graph_api.services import sessions
    from graph_api.services.reads import batch as batch_reads

    engine = create_engine(settings)
    try:
        async with transaction_context(engine, write=False, limits=settings.limits) as db:
            row = await sessions.get_session(db=db, session_id=session_id)
            if row is None:
                raise SessionNotFound(session_id)
            documents = _documents(db, row.id, fmt, excel_safe=excel_safe)
            for filename, chunks in zip(FILES[fmt], documents, strict=True):
                with (out / filename).open("w", encoding="utf-8", newline="") as handle:
                    async for chunk in chunks:
                        handle.write(chunk)
            [node_count] = await batch_reads.count_by_session(db=db, table=nodes, ids=[row.id])
            [rel_count] = await batch_reads.count_by_session(
                db=db, table=relationships, ids=[row.id]
            )
        return node_count, rel_count
    finally:
        await engine.dispose()


def _documents(
    db: UnitOfWork, session_id: str, fmt: ExportFormat, *, excel_safe: bool = False
) -> list[AsyncIterator[str]]:
    from graph_api.services.csv import export as csv_export
    from graph_api.services.exchange import graph_export

    if fmt in (ExportFormat.GRAPHML, ExportFormat.GEXF):
        kind: graph_export.GraphFormat = "graphml" if fmt == ExportFormat.GRAPHML else "gexf"
        return [graph_export.iter_graph(db=db, session_id=session_id, fmt=kind)]
    neo4j = fmt == ExportFormat.NEO4J_ADMIN
    return [
        csv_export.iter_nodes_csv(db, session_id, neo4j=neo4j, excel_safe=excel_safe),
        csv_export.iter_relationships_csv(db, session_id, neo4j=neo4j, excel_safe=excel_safe),
    ]
