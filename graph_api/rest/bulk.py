"""Bulk routes: a whole graph in (CSV upload) and out (CSV zip or one JSON document).

`POST /session/{id}/bulk/import` takes multipart fields `nodes` and
`relationships` (files), `mode`, `dry_run` and `create_missing_nodes`. The
upload is streamed by the multipart parser into spooled temporary files (memory
up to 1 MiB each, then disk) before the write transaction opens, so a slow
upload holds no lock; the import then streams from those files (same rules as
importCsv, one transaction). `GET /session/{id}/bulk/export` builds its answer
from one read snapshot into a spooled file and streams that out.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterator
from typing import IO, Annotated, Any, Literal, get_type_hints

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, create_model

from graph_api.db.models import nodes as nodes_table
from graph_api.db.models import relationships as relationships_table
from graph_api.db.transaction import UnitOfWork
from graph_api.errors import BadUserInput, SessionNotFound
from graph_api.rest.bulk_progress import ImportChannels, channels_of
from graph_api.rest.deps import ReadDb, SessionId, WriteDb
from graph_api.rest.errors import error_responses
from graph_api.rest.payloads import NodeOut, RelationshipOut, SessionOut
from graph_api.services import sessions as session_service
from graph_api.services.csv import export as csv_export
from graph_api.services.csv import importer as csv_import
from graph_api.services.csv.mode import ImportMode
from graph_api.services.reads import batch as batch_reads

router = APIRouter(prefix="/session", tags=["bulk"])

_MODES = ", ".join(ImportMode)
_SPOOL_BYTES = 16 * 1024 * 1024
_READ_CHUNK = 64 * 1024


_REPORT_DESCRIPTIONS = {
    "rows_read": "Data records in both files, headers excluded.",
    "revision": "The session's revision after the import (same on dry_run).",
}
_REPORT_FIELDS: dict[str, Any] = {
    name: (kind, Field(description=_REPORT_DESCRIPTIONS.get(name)))
    for name, kind in get_type_hints(csv_import.ImportReport).items()
}
# The service's record in JSON: its fields are declared there, only the words are REST's.
ImportReportOut = create_model("ImportReportOut", **_REPORT_FIELDS)


class GraphExportOut(BaseModel):
    """The JSON export (documentation only: the document is streamed)."""

    session: SessionOut
    nodes: list[NodeOut]
    relationships: list[RelationshipOut]


@router.post(
    "/{session_id}/bulk/import",
    response_model=ImportReportOut,
    responses=error_responses(404, 413, 422),
    summary="Import CSV files (importCsv)",
    description="Multipart upload of `nodes` and/or `relationships` CSV files (CONTRACT.md §6), "
    "all rows or none. A rejected file answers 422 CSV_INVALID with `problems`: up to 100 "
    "`{file, line, column, message}`. `mode`: CREATE (default), UPSERT or REPLACE.",
)
async def bulk_import(
    request: Request,
    session_id: SessionId,
    db: WriteDb,
    nodes: Annotated[UploadFile | None, File(description="The nodes CSV.")] = None,
    relationships: Annotated[UploadFile | None, File(description="The relationships CSV.")] = None,
    mode: Annotated[str, Form(description=f"One of {_MODES} (any case).")] = "CREATE",
    dry_run: Annotated[bool, Form(description="Check and count, write nothing.")] = False,
    create_missing_nodes: Annotated[
        bool, Form(description="Create nodes for unknown relationship endpoints.")
    ] = False,
    import_id: Annotated[
        str | None,
        Form(
            description="Name of this import, to watch at `.../bulk/import/{import_id}/progress`."
        ),
    ] = None,
) -> csv_import.ImportReport:
    if mode.upper() not in ImportMode.__members__:
        raise BadUserInput(f"mode must be one of {_MODES}", field="mode")
    channel = None if import_id is None else channels_of(request).channel(session_id, import_id)
    try:
        report = await csv_import.import_csv(
            db=db,
            session_id=session_id,
            nodes=_rewound(nodes),
            relationships=_rewound(relationships),
            options=csv_import.ImportOptions(
                mode=ImportMode(mode.upper()),
                dry_run=dry_run,
                create_missing_nodes=create_missing_nodes,
            ),
            progress=None if channel is None else ImportChannels.hook(channel),
        )
    except BaseException:
        if channel is not None:
            channel.publish(status="failed")
        raise
    if channel is not None:
        channel.publish(status="read")
    return report


def _rewound(upload: UploadFile | None) -> IO[bytes] | None:
    if upload is None:
        return None
    upload.file.seek(0)
    return upload.file


@router.get(
    "/{session_id}/bulk/export",
    responses={
        200: {
            "model": GraphExportOut,
            "description": "csv: a zip of nodes.csv and relationships.csv (the files importCsv "
            "takes); json: the session with its nodes (with components) and relationships.",
            "content": {"application/zip": {}},
        },
        **error_responses(404, 422),
    },
    summary="Export the whole session",
)
async def bulk_export(
    session_id: SessionId,
    db: ReadDb,
    export_format: Annotated[Literal["csv", "json"], Query(alias="format")] = "csv",
    excel_safe: Annotated[
        bool, Query(description="csv: apostrophe-escape cells a spreadsheet would run")
    ] = False,
) -> StreamingResponse:
    row = await session_service.get_session(db=db, session_id=session_id)
    if row is None:
        raise SessionNotFound(session_id)
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 (streamed, then closed)
    try:
        if export_format == "csv":
            await _write_zip(db, row.id, spool, excel_safe=excel_safe)
            media_type, suffix = "application/zip", "zip"
        else:
            await _write_json(db, row, spool)
            media_type, suffix = "application/json", "json"
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return StreamingResponse(
        _chunks(spool),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="session-{row.id}.{suffix}"'},
    )


async def _write_zip(
    db: UnitOfWork, session_id: str, spool: IO[bytes], *, excel_safe: bool
) -> None:
    nodes_csv = csv_export.iter_nodes_csv(db=db, session_id=session_id, excel_safe=excel_safe)
    relationships_csv = csv_export.iter_relationships_csv(
        db=db, session_id=session_id, excel_safe=excel_safe
    )
    files = (("nodes.csv", nodes_csv), ("relationships.csv", relationships_csv))
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, chunks in files:
            with archive.open(name, "w", force_zip64=True) as entry:
                async for chunk in chunks:
                    entry.write(chunk.encode("utf-8"))


async def _write_json(db: UnitOfWork, row: Any, spool: IO[bytes]) -> None:
    [node_count] = await batch_reads.count_by_session(db=db, table=nodes_table, ids=[row.id])
    [rel_count] = await batch_reads.count_by_session(db=db, table=relationships_table, ids=[row.id])
    session = SessionOut.from_row(row, node_count=node_count, relationship_count=rel_count)
    spool.write(b'{"session":' + session.model_dump_json().encode() + b',"nodes":[')
    separator = b""
    async for page in csv_export.node_pages(db=db, session_id=row.id):
        for node, sequence in page:
            spool.write(separator + NodeOut.from_row(node, sequence).model_dump_json().encode())
            separator = b","
    spool.write(b'],"relationships":[')
    separator = b""
    async for rel_page in csv_export.relationship_pages(db=db, session_id=row.id):
        for rel in rel_page:
            spool.write(separator + RelationshipOut.from_row(rel).model_dump_json().encode())
            separator = b","
    spool.write(b"]}")


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    """The spooled answer in chunks (Starlette runs this in a thread), then gone."""
    try:
        while chunk := spool.read(_READ_CHUNK):
            yield chunk
    finally:
        spool.close()
