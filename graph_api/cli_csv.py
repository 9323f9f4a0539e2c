"""`graph-api import` and `graph-api export`: a session's graph in and out as CSV files.

The CLI is an edge: it opens its own transaction (one for the whole import, so
a rejected file leaves nothing behind) and turns errors into exit codes:
0 done, 1 rejected input (each problem printed as `file:line: column: message`),
2 usage. On a terminal the import shows a progress bar (rows, rows/s, ETA by
bytes read); otherwise it prints one summary line.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from graph_api.config import Settings
from graph_api.errors import CsvInvalid, GraphAPIError

if TYPE_CHECKING:  # the services load only when a command runs: `graph-api --help` stays quick
    from graph_api.services.csv_import import ImportOptions, ImportReport
    from graph_api.services.csv_import import Progress as ProgressHook


class Mode(StrEnum):
    CREATE = "create"
    UPSERT = "upsert"
    REPLACE = "replace"


_SQLITE_CACHE_KIB = 64 * 1024
DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="sqlite+aiosqlite:///path or postgresql+asyncpg://..."),
]
CsvFile = Annotated[
    Path | None, typer.Option(exists=True, dir_okay=False, readable=True, help="A CSV file.")
]


def register(app: typer.Typer) -> None:
    """Add `import` and `export` to the `graph-api` command."""
    app.command("import")(import_command)
    app.command("export")(export_command)


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
    mode: Annotated[Mode, typer.Option(case_sensitive=False)] = Mode.CREATE,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and count only.")] = False,
    create_missing_nodes: Annotated[
        bool, typer.Option("--create-missing-nodes", help="Make unknown endpoints as nodes.")
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Import nodes and/or relationships CSV files into a session: all rows or none."""
    if (session is None) == (not new_session):
        raise typer.BadParameter("give exactly one of them", param_hint="--session / --new-session")
    if name is not None and not new_session:
        raise typer.BadParameter("only goes with --new-session", param_hint="--name")
    if nodes is None and relationships is None:
        raise typer.BadParameter("give at least one file", param_hint="--nodes / --relationships")
    from graph_api.services.csv_import import ImportOptions

    options = ImportOptions(
        mode=mode.value.upper(),  # type: ignore[arg-type]
        dry_run=dry_run,
        create_missing_nodes=create_missing_nodes,
    )
    total = sum(path.stat().st_size for path in (nodes, relationships) if path is not None)
    started = time.perf_counter()
    try:
        with _progress(total) as hook:
            session_id, report = asyncio.run(
                run_import(
                    _settings(database_url),
                    session_id=session,
                    name=name,
                    nodes=nodes,
                    relationships=relationships,
                    options=options,
                    progress=hook,
                )
            )
    except CsvInvalid as exc:
        _print_problems(exc, {"nodes": nodes, "relationships": relationships})
        raise typer.Exit(1) from None
    except GraphAPIError as exc:
        typer.echo(f"error: {exc.code}: {exc.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(_summary(session_id, report, time.perf_counter() - started))


async def run_import(
    settings: Settings,
    *,
    session_id: str | None,
    name: str | None,
    nodes: Path | None,
    relationships: Path | None,
    options: ImportOptions,
    progress: ProgressHook | None = None,
) -> tuple[str, ImportReport]:
    """Migrate, then import in one transaction (into a new session when session_id is None)."""
    from sqlalchemy import text

    from graph_api.db.engine import create_engine
    from graph_api.db.migrations import upgrade_to_head
    from graph_api.db.transaction import transaction_context
    from graph_api.services import csv_import, sessions
    from graph_api.services.specs import SessionSpec

    engine = create_engine(settings)
    try:
        await upgrade_to_head(engine)
        async with transaction_context(engine, write=True, limits=settings.limits) as db:
            if db.dialect == "sqlite":
                # This process does one bulk load: a bigger page cache halves SQLite's work
                # on the indexes (the default 2 MiB spills dirty pages over and over).
                await db.execute(text(f"PRAGMA cache_size=-{_SQLITE_CACHE_KIB}"))
            if session_id is None:
                spec = SessionSpec(name=name, with_default_nodes=False)
                session_id = str((await sessions.create_session(db=db, spec=spec)).id)
            report = await csv_import.import_csv(
                db=db,
                session_id=session_id,
                nodes=nodes,
                relationships=relationships,
                options=options,
                progress=progress,
            )
            if options.dry_run:
                db.mark_failed()  # a dry run keeps nothing, not even a --new-session
        return session_id, report
    finally:
        await engine.dispose()


@contextmanager
def _progress(total_bytes: int) -> Iterator[ProgressHook | None]:
    """A Rich progress bar on a terminal (stderr), nothing otherwise."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    columns = (
        TextColumn("importing"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rows]:,} rows  {task.fields[rate]:,.0f} rows/s  ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("import", total=max(total_bytes, 1), rows=0, rate=0.0)
        started = time.perf_counter()

        def hook(rows: int, bytes_read: int) -> None:
            rate = rows / max(time.perf_counter() - started, 1e-9)
            bar.update(task, completed=bytes_read, rows=rows, rate=rate)

        yield hook


def _summary(session_id: str, report: ImportReport, seconds: float) -> str:
    rate = report.rows_read / seconds if seconds > 0 else 0.0
    head = "dry run, nothing written" if report.dry_run else "imported"
    return (
        f"{head}: session {session_id}: {report.rows_read:,} rows in {seconds:.1f}s "
        f"({rate:,.0f} rows/s); nodes {report.nodes_created:,} created, "
        f"{report.nodes_updated:,} updated; components {report.components_created:,} created; "
        f"relationships {report.relationships_created:,} created, "
        f"{report.relationships_updated:,} updated; revision {report.revision}"
    )


def _print_problems(exc: CsvInvalid, paths: dict[str, Path | None]) -> None:
    for problem in exc.extensions["problems"]:
        where = f"{paths[problem['file']]}:{problem['line']}"
        column = f" {problem['column']}:" if problem["column"] is not None else ""
        typer.echo(f"{where}:{column} {problem['message']}", err=True)
    typer.echo(f"error: {exc.message}", err=True)


def export_command(
    session_id: Annotated[str, typer.Argument(help="The session to export.")],
    out: Annotated[
        Path,
        typer.Option(
            "--out", file_okay=False, help="Directory for nodes.csv and relationships.csv."
        ),
    ],
    database_url: DatabaseUrl = None,
    excel_safe: Annotated[
        bool,
        typer.Option(
            "--excel-safe",
            help="Prefix label and type cells a spreadsheet would run as a formula"
            " (=, +, -, @, tab, CR) with an apostrophe; `import` removes it.",
        ),
    ] = False,
) -> None:
    """Write a session's nodes.csv and relationships.csv, which `import` takes back."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        settings = _settings(database_url)
        counts = asyncio.run(
            run_export(settings, session_id=session_id, out=out, excel_safe=excel_safe)
        )
    except GraphAPIError as exc:
        typer.echo(f"error: {exc.code}: {exc.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"exported session {session_id}: {counts[0]:,} nodes to {out / 'nodes.csv'}, "
        f"{counts[1]:,} relationships to {out / 'relationships.csv'}"
    )


async def run_export(
    settings: Settings, *, session_id: str, out: Path, excel_safe: bool = False
) -> tuple[int, int]:
    """Stream both CSV files of the session into `out` from one read snapshot."""
    from graph_api.db.engine import create_engine
    from graph_api.db.models import nodes, relationships
    from graph_api.db.transaction import transaction_context
    from graph_api.errors import SessionNotFound
    from graph_api.services import csv_export, reads, sessions

    engine = create_engine(settings)
    try:
        async with transaction_context(engine, write=False, limits=settings.limits) as db:
            row = await sessions.get_session(db=db, session_id=session_id)
            if row is None:
                raise SessionNotFound(session_id)
            for filename, chunks in (
                (
                    "nodes.csv",
                    csv_export.iter_nodes_csv(db=db, session_id=row.id, excel_safe=excel_safe),
                ),
                (
                    "relationships.csv",
                    csv_export.iter_relationships_csv(
                        db=db, session_id=row.id, excel_safe=excel_safe
                    ),
                ),
            ):
                with (out / filename).open("w", encoding="utf-8", newline="") as handle:
                    async for chunk in chunks:
                        handle.write(chunk)
            [node_count] = await reads.count_by_session(db=db, table=nodes, ids=[row.id])
            [rel_count] = await reads.count_by_session(db=db, table=relationships, ids=[row.id])
        return node_count, rel_count
    finally:
        await engine.dispose()
