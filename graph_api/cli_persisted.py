"""`graph-api persisted add FILE...`: register GraphQL documents as persisted queries (§10).

Each file's exact text is one document, stored under the SHA-256 of that text: a client
sends that hash (`extensions.persistedQuery.sha256Hash`), and with GRAPH_API_PERSISTED_ONLY
set only registered documents run. Every file is checked (it must parse) before any is
stored; all are stored in one transaction. Exit codes: 0 done, 1 a file was refused.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from graph_api.cli_help import DatabaseUrl, example
from graph_api.config import Settings

persisted_app = typer.Typer(help="Persisted queries (documents run by their hash).")

Files = Annotated[
    list[Path],
    typer.Argument(exists=True, dir_okay=False, readable=True, help="GraphQL documents."),
]


def register(app: typer.Typer) -> None:
    """Add `persisted` to the `graph-api` command."""
    app.add_typer(persisted_app, name="persisted")


@persisted_app.command(
    "add",
    epilog=example(
        "graph-api persisted add queries/*.graphql",
        "GRAPH_API_PERSISTED_ONLY=true graph-api serve   # then only those documents run",
    ),
)
def add_command(files: Files, database_url: DatabaseUrl = None) -> None:
    """Store each file's document; print `SHA256  FILE` per file."""
    from graphql import GraphQLError, parse

    documents: list[tuple[Path, str]] = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        try:
            parse(text)
        except GraphQLError as error:
            typer.echo(f"{path}: not a GraphQL document: {error.message}", err=True)
            raise typer.Exit(1) from None
        documents.append((path, text))
    settings = Settings(database_url=database_url) if database_url else Settings()
    hashes = asyncio.run(_store(settings, [text for _, text in documents]))
    for (path, _), sha256 in zip(documents, hashes, strict=True):
        typer.echo(f"{sha256}  {path}")


async def _store(settings: Settings, documents: list[str]) -> list[str]:
    from graph_api.db.engine import create_engine
    from graph_api.db.migrations import upgrade_to_head
    from graph_api.db.transaction import transaction_context
    from graph_api.services import persisted_queries as persisted_service

    engine = create_engine(settings)
    try:
        await upgrade_to_head(engine)
        async with transaction_context(engine, write=True, limits=settings.limits) as db:
            return [
                await persisted_service.store_document(db=db, document=document)
                for document in documents
            ]
    finally:
        await engine.dispose()
