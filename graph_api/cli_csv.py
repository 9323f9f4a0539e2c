"""`graph-api import` and `graph-api export`: a session's graph in and out as CSV files.

The CLI is an edge: it opens its own transaction (one for the whole import, so
a rejected file leaves nothing behind) and turns errors into exit codes:
0 done, 1 rejected input (each problem printed as `file:line: column: message`),
2 usage. On a terminal the import shows one progress bar per file
(cli_progress); otherwise it prints one summary line.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from graph_api.cli_help import DatabaseUrl, escape, example
from graph_api.cli_progress import import_progress
from graph_api.config import Settings
from graph_api.errors import CsvInvalid, GraphAPIError
from graph_api.services.csv.mode import ImportMode

if TYPE_CHECKING:  # the services load only when a command runs: `graph-api --help` stays quick
    from graph_api.services.csv.importer import ImportOptions, ImportReport
    from graph_api.services.csv.progress import Progress as ProgressHook
    from graph_api.services.csv.source import CsvInput


_SQLITE_CACHE_KIB = 64 * 1024
CsvFile = Annotated[
    Path | None, typer.Option(exists=True, dir_okay=False, readable=True, help="A CSV file.")
]


_IMPORT_HELP = f"""Import nodes and/or relationships CSV files into a session: all rows or none.

[bold]Nodes file[/bold] (one node a row): [bold]node_id[/bold] (or id, :ID) required;
label (empty: the node_id); type (empty: concept); metadata, a JSON object cell
such as {escape('{"born": 1802, "tags": ["poet"]}')}; components, a JSON array cell such as
{escape('[{"type": "text", "content": "Notes", "properties": {}}]')}.
Every other column becomes a metadata key with its text value.

[bold]Relationships file[/bold]: [bold]source, target, type[/bold] required
(or :START_ID, :END_ID, :TYPE); weight, a number; properties, a JSON object cell.
Every other column becomes a property.

neo4j-admin headers are read too: :LABEL (the type), typed columns such as
age:int, score:float, ok:boolean, tags:string{escape("[]")} (a ;-separated list).

[bold]--mode[/bold] (any case):
{chr(10).join(f"  {mode.name}: {mode.help}" for mode in ImportMode)}

[bold]--create-missing-nodes[/bold]: a relationship endpoint that is neither in the session
nor in the nodes file becomes a node (label = its id, type concept) instead of a problem.

A rejected import writes nothing, prints every problem it finds (up to 100) as
file:line: column: message and exits with 1. Exit codes: 0 done, 1 rejected, 2 usage.
"""
_IMPORT_EXAMPLES = example(
    "graph-api import --new-session --name 'Les Misérables' --nodes nodes.csv "
    "--relationships relationships.csv",
    "graph-api import --session 3f2a...e9 --relationships more.csv --mode upsert "
    "--create-missing-nodes",
    "graph-api import --session 3f2a...e9 --nodes nodes.csv --dry-run",
)


def register(app: typer.Typer) -> None:
    """Add `import` and `export` to the `graph-api` command."""
    from graph_api import cli_export

    app.command("import", help=_IMPORT_HELP, epilog=_IMPORT_EXAMPLES)(import_command)
    app.command("export", help=cli_export.HELP, epilog=cli_export.EXAMPLES)(
        cli_export.export_command
    )


def _settings(database_url: str | None) -> Settings:
    return Settings(database_url=database_url) if database_url else Settings()


def import_command(
    session: Annotated[str | None, typer.Option(help="Import into this session.")] = None,
    new_session: Annotated[
        bool, typer.Option("--new-session", help="Import into a new, empty session.")
    ] = False,
    name: Annotated[str | None, typer.Option(help="The new session's name.")] = None,
    nodes: CsvFile = None,
    relationships: CsvFile = None,
    graphml: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            readable=True,
            help="A GraphML file (nodes and edges) instead of CSV files; "
            "a --nodes file named *.graphml counts as this.",
        ),
    ] = None,
    mode: Annotated[
        ImportMode,
        typer.Option(case_sensitive=False, metavar="|".join(ImportMode), help="See below."),
    ] = ImportMode.CREATE,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Check and count everything, write nothing."),
    ] = False,
    create_missing_nodes: Annotated[
        bool,
        typer.Option(
            "--create-missing-nodes",
            help="Make unknown relationship endpoints nodes (below).",
        ),
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    if (session is None) == (not new_session):
        raise typer.BadParameter("give exactly one of them", param_hint="--session / --new-session")
    if name is not None and not new_session:
        raise typer.BadParameter("only goes with --new-session", param_hint="--name")
    if graphml is None and nodes is not None and nodes.suffix.lower() == ".graphml":
        graphml, nodes = nodes, None
    if graphml is not None and (nodes is not None or relationships is not None):
        raise typer.BadParameter("not with CSV files", param_hint="--graphml")
    if nodes is None and relationships is None and graphml is None:
        raise typer.BadParameter(
            "give at least one file", param_hint="--nodes / --relationships / --graphml"
        )
    from graph_api.services.csv.importer import ImportOptions

    options = ImportOptions(
        mode=mode,
        dry_run=dry_run,
        create_missing_nodes=create_missing_nodes,
    )
    started = time.perf_counter()
    names = {"nodes": str(nodes), "relationships": str(relationships)}
    sources: dict[str, CsvInput | None] = {"nodes": nodes, "relationships": relationships}
    try:
        if graphml is not None:
            from graph_api.services.exchange.graphml_import import graphml_to_csv

            converted = graphml_to_csv(graphml)
            sources = {"nodes": converted.nodes, "relationships": converted.relationships}
            names = {"nodes": f"{graphml} (nodes)", "relationships": f"{graphml} (edges)"}
        with import_progress(names) as hook:
            session_id, report = asyncio.run(
                run_import(
                    _settings(database_url),
                    session_id=session,
                    name=name,
                    nodes=sources["nodes"],
                    relationships=sources["relationships"],
                    options=options,
                    progress=hook,
                )
            )
    except CsvInvalid as exc:
        _print_problems(exc, names, graphml=graphml is not None)
        raise typer.Exit(1) from None
    except GraphAPIError as exc:
        typer.echo(f"error: {exc.code}: {exc.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(_summary(session_id, report, time.perf_counter() - started, new=new_session))


async def run_import(
    settings: Settings,
    *,
    session_id: str | None,
    name: str | None,
    nodes: CsvInput | None,
    relationships: CsvInput | None,
    options: ImportOptions,
    progress: ProgressHook | None = None,
) -> tuple[str, ImportReport]:
    """Migrate, then import in one transaction (into a new session when session_id is None)."""
    from sqlalchemy import text

    from graph_api.db.engine import create_engine
    from graph_api.db.migrations import upgrade_to_head
    from graph_api.db.transaction import transaction_context
    from graph_api.services import sessions
    from graph_api.services.csv import importer as csv_import
    from graph_api.services.specs import SessionSpec

    engine = create_engine(settings)
    try:
        await upgrade_to_head(engine)
        # On PostgreSQL the commit NOTIFYs running servers; on SQLite they watch the file.
        publisher = None
        if engine.dialect.name == "postgresql":
            from graph_api.events.postgres import one_shot_publisher

            publisher = one_shot_publisher(engine)
        async with transaction_context(
            engine, write=True, limits=settings.limits, publisher=publisher
        ) as db:
            if db.dialect == "sqlite":
                # This process does one bulk load: a bigger page cache halves SQLite's work
                # on the indexes (the default 2 MiB spills dirty pages over and over).
                await db.execute(text(f"PRAGMA cache_size=-{_SQLITE_CACHE_KIB}"))
            if session_id is None:
                spec = SessionSpec(name=name, with_default_nodes=False)
                session_id = str((await sessions.create_session(db=db, spec=spec)).id)
            report = await csv_import.import_csv(
                db, session_id, nodes, relationships, options=options, progress=progress
            )
            if options.dry_run:
                db.mark_failed()  # a dry run keeps nothing, not even a --new-session
        return session_id, report
    finally:
        await engine.dispose()


def _summary(session_id: str, report: ImportReport, seconds: float, *, new: bool) -> str:
    rate = report.rows_read / seconds if seconds > 0 else 0.0
    revision = f"; revision {report.revision}"
    if not report.dry_run:
        head = f"imported: session {session_id}"
    elif new:  # the session made for the dry run was rolled back with everything else
        head, revision = "dry run, nothing written: no session was created; counted", ""
    else:
        head = f"dry run, nothing written: session {session_id} is unchanged; counted"
    return (
        f"{head}: {report.rows_read:,} rows in {seconds:.1f}s "
        f"({rate:,.0f} rows/s); nodes {report.nodes_created:,} created, "
        f"{report.nodes_updated:,} updated; components {report.components_created:,} created; "
        f"relationships {report.relationships_created:,} created, "
        f"{report.relationships_updated:,} updated{revision}"
    )


def _print_problems(exc: CsvInvalid, names: dict[str, str], *, graphml: bool) -> None:
    """`file:line: column: message` per problem; for GraphML, the element's ordinal instead
    (record N of a converted file is the N-th <node> or <edge>)."""
    for problem in exc.extensions["problems"]:
        if graphml:
            element = "node" if problem["file"] == "nodes" else "edge"
            where = f"{names[problem['file']].rpartition(' (')[0]}: {element} {problem['line'] - 1}"
        else:
            where = f"{names[problem['file']]}:{problem['line']}"
        column = f" {problem['column']}:" if problem["column"] is not None else ""
        typer.echo(f"{where}:{column} {problem['message']}", err=True)
    typer.echo(f"error: {exc.message}", err=True)
