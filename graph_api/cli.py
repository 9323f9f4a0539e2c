"""The `graph-api` command: serve, schema export, db upgrade (import and export: cli_csv)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from graph_api import cli_csv, cli_identity, cli_persisted
from graph_api.cli_help import DatabaseUrl, example
from graph_api.config import Settings

app = typer.Typer(
    help="graph_api: session-scoped knowledge graphs over GraphQL.",
    epilog=example(
        "graph-api serve --port 8000",
        "graph-api import --new-session --nodes nodes.csv --relationships rels.csv",
        "graph-api COMMAND --help",
    ),
    no_args_is_help=True,
)
schema_app = typer.Typer(help="The GraphQL schema.", no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")
app.add_typer(db_app, name="db")


def _default(name: str) -> str:
    """The default a flag falls back to (after its GRAPH_API_* variable), shown in --help."""
    return str(Settings.model_fields[name].default)


def _settings(**overrides: object) -> Settings:
    """Flags win over GRAPH_API_* variables, which win over defaults."""
    return Settings.model_validate(
        {key: value for key, value in overrides.items() if value is not None}
    )


@app.command(
    epilog=example(
        "graph-api serve",
        "graph-api serve --host 0.0.0.0 --port 8080 --workers 4 "
        "--database-url postgresql+asyncpg://user@db/graphs",
    )
)
def serve(
    host: Annotated[
        str | None,
        typer.Option(help="Interface to bind (GRAPH_API_HOST).", show_default=_default("host")),
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port (GRAPH_API_PORT).", show_default=_default("port"))
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="sqlite+aiosqlite:///path or postgresql+asyncpg://... (GRAPH_API_DATABASE_URL).",
            show_default=_default("database_url"),
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Worker processes (GRAPH_API_WORKERS).", show_default=_default("workers")
        ),
    ] = None,
    log_level: Annotated[
        str | None,
        typer.Option(help="Log level (GRAPH_API_LOG_LEVEL).", show_default=_default("log_level")),
    ] = None,
) -> None:
    """Create or migrate the database, then serve HTTP (GraphQL, REST, the editor).

    Open http://HOST:PORT/ for the editor, /graphql for GraphiQL, /docs for the REST API.
    """
    import os

    import uvicorn

    settings = _settings(
        host=host, port=port, database_url=database_url, workers=workers, log_level=log_level
    )
    _migrate(settings)
    # Workers are separate processes: they read their settings from the environment.
    os.environ["GRAPH_API_DATABASE_URL"] = settings.database_url
    os.environ["GRAPH_API_MIGRATE_ON_START"] = "false"
    # Each worker picks its event broker knowing it is one of several (services/events.py).
    os.environ["GRAPH_API_WORKERS"] = str(settings.workers)
    uvicorn.run(
        "graph_api.asgi:app",
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        lifespan="on",
        timeout_graceful_shutdown=int(settings.shutdown_timeout_s) or None,
    )


@schema_app.command("export", epilog=example("graph-api schema export schema/schema.graphql"))
def schema_export(
    path: Annotated[Path | None, typer.Argument(help="Write here instead of stdout")] = None,
) -> None:
    """Print or write the GraphQL SDL."""
    from graph_api.graphql.schema import export_sdl

    sdl = export_sdl()
    if path is None:
        typer.echo(sdl, nl=False)
    else:
        path.write_text(sdl, encoding="utf-8")


@db_app.command(
    "upgrade", epilog=example("graph-api db upgrade --database-url sqlite+aiosqlite:///graphs.db")
)
def db_upgrade(database_url: DatabaseUrl = None) -> None:
    """Create or migrate the database to the newest schema."""
    settings = _settings(database_url=database_url)
    _migrate(settings)
    typer.echo(f"database at head: {settings.database_url}")


def _migrate(settings: Settings) -> None:
    """Bring the database to the newest schema (heavy imports only when a command runs)."""
    from graph_api.db.engine import create_engine
    from graph_api.db.migrations import upgrade_to_head

    async def run() -> None:
        engine = create_engine(settings)
        try:
            await upgrade_to_head(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())


cli_csv.register(app)  # import, export
cli_persisted.register(app)  # persisted add
cli_identity.register(app)  # users, tokens, sessions assign


def main() -> None:
    app()
