"""Export a session as the two CSV documents importCsv accepts (placeholder until the CSV issue)."""

from __future__ import annotations

from dataclasses import dataclass

from graph_api.db.transaction import UnitOfWork
from graph_api.errors import InternalError


@dataclass(frozen=True)
class CsvExport:
    nodes_csv: str
    relationships_csv: str


async def export_csv(*, db: UnitOfWork, session_id: str) -> CsvExport:
    """Both CSV documents of the session."""
    raise InternalError("CSV export is not available yet")
