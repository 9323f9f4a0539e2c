"""importCsv: CSV text in, an import report out (the service does all the work)."""

from __future__ import annotations

import strawberry

from graph_api.graphql.context import Info
from graph_api.graphql.inputs import ImportOptions
from graph_api.services.csv import importer as csv_import_service
from graph_api.services.csv.mode import ImportMode


@strawberry.type
class ImportReport:
    dry_run: bool
    rows_read: int
    nodes_created: int
    nodes_updated: int
    components_created: int
    relationships_created: int
    relationships_updated: int
    revision: int = strawberry.field(
        description="The session's revision after the import (unchanged on dryRun)."
    )


@strawberry.type
class CsvMutation:
    @strawberry.mutation(
        description="Imports nodes and/or relationships from CSV text; all rows or none."
    )
    async def import_csv(
        self,
        info: Info,
        session_id: strawberry.ID,
        nodes_csv: str | None = None,
        relationships_csv: str | None = None,
        options: ImportOptions | None = None,
    ) -> ImportReport:
        options = options or ImportOptions()
        report = await csv_import_service.import_csv(
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
        return ImportReport(
            dry_run=report.dry_run,
            rows_read=report.rows_read,
            nodes_created=report.nodes_created,
            nodes_updated=report.nodes_updated,
            components_created=report.components_created,
            relationships_created=report.relationships_created,
            relationships_updated=report.relationships_updated,
            revision=report.revision,
        )
