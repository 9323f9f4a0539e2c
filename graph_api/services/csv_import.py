"""Atomic CSV import of nodes and relationships (placeholder until the CSV issue)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from graph_api.db.transaction import UnitOfWork
from graph_api.errors import InternalError

ImportModeName = Literal["CREATE", "UPSERT", "REPLACE"]


@dataclass(frozen=True)
class ImportOptions:
    mode: ImportModeName = "CREATE"
    dry_run: bool = False
    create_missing_nodes: bool = False


@dataclass
class ImportReport:
    dry_run: bool
    rows_read: int = 0
    nodes_created: int = 0
    nodes_updated: int = 0
    components_created: int = 0
    relationships_created: int = 0
    relationships_updated: int = 0
    revision: int = 0


async def import_csv(
    *,
    db: UnitOfWork,
    session_id: str,
    nodes: str | None,
    relationships: str | None,
    options: ImportOptions,
) -> ImportReport:
    """Validate every row, then write all of them, or nothing."""
    raise InternalError("CSV import is not available yet")
