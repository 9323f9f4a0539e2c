"""The `graph-api` command: serve, schema export, db upgrade."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from graph_api import cli_csv
from graph_api.config import Settings

app = typer.Typer(
    help="graph_api: session-scoped knowledge graphs over GraphQL.", no_args_is_help=True
)
schema_app = typer.Typer(help="The GraphQL schema.", no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")
app.add_typer(db_app, name="db")

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="sqlite+aiosqlite:///path or postgresql+asyncpg://..."),
]


def _settings(**overrides: object) -> Settings:
    """Flags win over GRAPH_API_* variables, which win over defaults."""
    return Settings.model_validate(
        {key: value for key, value in overrides.items() if value is not None}
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind [default: 127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(help="Port [default: 8000]")] = None,
    database_url: DatabaseUrl = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes [default: 1]")] = None,
    log_level: Annotated[str | None, typer.Option(help="Log level [default: info]")] = None,
) -> None:
    """Create or migrate the database, then serve HTTP (GraphQL, REST, the editor)."""
    import os

    import uvicorn

    settings = _settings(
        host=host, port=port, database_url=database_url, workers=workers, log_level=log_level
    )
    from graph_api.db.engine import create_engine
    from graph_api.db.migrations import upgrade_to_head

    async def migrate() -> None:
        engine = create_engine(settings)
        try:
            await upgrade_to_head(engine)
        finally:
            await engine.dispose()

    asyncio.run(migrate())
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


@schema_app.command("export")
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


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseUrl = None) -> None:
    """Create or migrate the database to the newest schema."""
    from graph_api.db.engine import create_engine
    from graph_api.db.migrations import upgrade_to_head

    settings = _settings(database_url=database_url)

    async def run() -> None:
        engine = create_engine(settings)
        try:
            await upgrade_to_head(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())
    typer.echo(f"database at head: {settings.database_url}")


cli_csv.register(app)  # import, export


def main() -> None:
    app()
