"""One committed write transaction on a migrated database, for the CLI's commands.

The CLI is the third edge beside GraphQL and REST: like them it opens the unit of work in
one place and turns the contract's errors into a message and exit code 1.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import typer

from graph_api.config import Settings
from graph_api.errors import GraphAPIError

if TYPE_CHECKING:  # services load only when a command runs: `graph-api --help` stays quick
    from graph_api.db.transaction import UnitOfWork

T = TypeVar("T")


def run_write(database_url: str | None, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """Run `work` in one committed write transaction on a migrated database."""
    from graph_api.db.engine import create_engine
    from graph_api.db.migrations import upgrade_to_head
    from graph_api.db.transaction import transaction_context

    settings = Settings(database_url=database_url) if database_url else Settings()

    async def run() -> T:
        engine = create_engine(settings)
        try:
            await upgrade_to_head(engine)
            async with transaction_context(engine, write=True, limits=settings.limits) as db:
                return await work(db)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except GraphAPIError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
