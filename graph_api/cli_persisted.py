"""`graph-api persisted add FILE...`: register GraphQL documents as persisted queries (§10).

Each file's exact text is one document, stored under the SHA-256 of that text: a client
sends that hash (`extensions.persistedQuery.sha256Hash`), and with GRAPH_API_PERSISTED_ONLY
set only registered documents run. Every file is checked (it must parse) before any is
stored; all are stored in one transaction. Exit codes: 0 done, 1 a file was refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from graph_api.cli_db import run_write
from graph_api.cli_help import DatabaseUrl, example

if TYPE_CHECKING:
    from graph_api.db.transaction import UnitOfWork

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
    from graph_api.services import persisted_queries as persisted_service

    async def store(db: UnitOfWork) -> list[str]:
        return [
            await persisted_service.store_document(db=db, document=text) for _, text in documents
        ]

    hashes = run_write(database_url, store)
    for (path, _), sha256 in zip(documents, hashes, strict=True):
        typer.echo(f"{sha256}  {path}")
