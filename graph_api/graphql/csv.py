"""importCsv: CSV text in, an import report out (the service does all the work)."""

from __future__ import annotations

from typing import Any, get_type_hints

import strawberry

from graph_api.graphql.context import Info
from graph_api.graphql.inputs import ImportOptions
from graph_api.services.csv import importer as csv_import_service
from graph_api.services.csv.mode import ImportMode


def _report_type() -> Any:
    """The SDL's ImportReport, made from the service's record: its fields are declared there."""
    namespace: dict[str, Any] = {
        "__annotations__": get_type_hints(csv_import_service.ImportReport),
        "__module__": __name__,
        "revision": strawberry.field(
            description="The session's revision after the import (unchanged on dryRun)."
        ),
    }
    return strawberry.type(type("ImportReport", (), namespace))


ImportReport = _report_type()


@strawberry.type
class CsvMutation:
    @strawberry.mutation(
        description="Imports nodes and/or relationships from CSV text; all rows or none.",
        graphql_type=ImportReport,
    )
    async def import_csv(
        self,
        info: Info,
        session_id: strawberry.ID,
        nodes_csv: str | None = None,
        relationships_csv: str | None = None,
        options: ImportOptions | None = None,
    ) -> csv_import_service.ImportReport:
        options = options or ImportOptions()
        return await csv_import_service.import_csv(
            db=info.context.db,
            session_id=session_id,
            nodes=nodes_csv,
            relationships=relationships_csv,
            options=csv_import_service.ImportOptions(
                mode=options.mode or ImportMode.CREATE,
                dry_run=bool(options.dry_run),
                create_missing_nodes=bool(options.create_missing_nodes),
            ),
        )
