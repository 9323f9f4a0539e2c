"""Atomic CSV import of nodes and relationships (CONTRACT.md §6, §9).

One streaming pass over each file, nodes first, in batches: every record is
parsed and checked (csv_rows), each batch is checked against the rest of the
file and the session and written while nothing is wrong (csv_nodes,
csv_relationships). The first problem stops the writing, not the reading, so
the user gets every problem (up to 100) at once; raising CSV_INVALID then
makes the edge roll back what was written, so a rejected import leaves nothing
behind at any size. A dry run checks and counts the same way and writes nothing.

Memory holds one batch, the node ids of the session and of the file and the
relationship keys of the file (plus the change log's entries), never the file.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select

from graph_api.db import bulk
from graph_api.db.models import nodes, relationships
from graph_api.db.transaction import UnitOfWork
from graph_api.services import access, clock
from graph_api.services import nodes as node_service
from graph_api.services.changes import bulk_log
from graph_api.services.changes import log as change_service
from graph_api.services.csv import write as csv_write
from graph_api.services.csv.headers import FileName, Header, parse_header
from graph_api.services.csv.mode import ImportMode
from graph_api.services.csv.nodes import apply_nodes
from graph_api.services.csv.progress import ImportProgress, Progress, measure
from graph_api.services.csv.relationships import apply_relationships
from graph_api.services.csv.rows import NodeParser, RelationshipParser
from graph_api.services.csv.source import CsvInput, CsvSource, Record, bad_text_message
from graph_api.services.csv.state import ImportState

__all__ = [
    "BATCH",
    "ImportMode",
    "ImportOptions",
    "ImportProgress",
    "ImportReport",
    "Progress",
    "import_csv",
]
BATCH = 5_000
_TELL_EVERY = 1_000  # records between two progress events (besides one per batch written)


@dataclass(frozen=True)
class ImportOptions:
    mode: ImportMode = ImportMode.CREATE
    dry_run: bool = False
    create_missing_nodes: bool = False


@dataclass(frozen=True)
class ImportReport:
    """What an import did: the one record GraphQL, REST and the CLI answer with."""

    dry_run: bool
    rows_read: int
    nodes_created: int
    nodes_updated: int
    components_created: int
    relationships_created: int
    relationships_updated: int
    revision: int


async def import_csv(
    db: UnitOfWork,
    session_id: str,
    nodes: CsvInput | None,
    relationships: CsvInput | None,
    *,
    options: ImportOptions,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate every row, then write all of them, or nothing (CSV_INVALID lists the problems).

    `nodes` / `relationships`: CSV text, bytes, a path or a binary stream; None
    (or a document without a single record) means no such file.
    """
    canonical = await access.require_session(db=db, session_id=session_id)
    now = clock.now()
    state = ImportState(
        db=db,
        session_id=canonical,
        mode=options.mode,
        dry_run=options.dry_run,
        create_missing_nodes=options.create_missing_nodes,
        now=now,
        stamp=bulk.db_timestamp(db, now),
    )
    await _start(state)
    reader = _Reader(state, progress)
    limits = db.limits
    if nodes is not None:
        await reader.read("nodes", nodes, max_record_chars=limits.max_csv_cell_chars)
    if relationships is not None:
        await reader.read(
            "relationships", relationships, max_record_chars=limits.max_csv_cell_chars
        )
    await _finish(state)
    return await _report(state)


async def _start(state: ImportState) -> None:
    """What the batches need to know about the session; REPLACE empties it first."""
    db, session_id = state.db, state.session_id
    if state.mode == ImportMode.REPLACE:
        # The session counts as empty, in a dry run too: nothing in it can clash.
        if state.writing:
            await _clear(state)
        return
    state.existing = set(
        (await db.execute(select(nodes.c.node_id).where(nodes.c.session_id == session_id)))
        .scalars()
        .all()
    )
    state.last_relationship_id = (
        await db.execute(
            select(func.max(relationships.c.id)).where(relationships.c.session_id == session_id)
        )
    ).scalar() or 0
    state.session_has_relationships = state.last_relationship_id > 0


async def _clear(state: ImportState) -> None:
    """REPLACE: delete every relationship and node, recording each relationship's DELETE now.

    A node's change is recorded once the import knows whether it comes back
    (UPDATE, with its version carried on) or not (DELETE, in _finish()).
    """
    db, session_id = state.db, state.session_id
    state.replaced = {
        row.node_id: row.version
        for row in await db.execute(
            select(nodes.c.node_id, nodes.c.version).where(nodes.c.session_id == session_id)
        )
    }
    relationship_ids = (
        await db.execute(
            select(relationships.c.id)
            .where(relationships.c.session_id == session_id)
            .order_by(relationships.c.id)
        )
    ).scalars()
    await bulk_log.record_many(
        db=db,
        session_id=session_id,
        changes=(
            ("RELATIONSHIP", "DELETE", str(rel_id), None, None) for rel_id in relationship_ids
        ),
    )
    await csv_write.clear_session(db=db, session_id=session_id)


async def _finish(state: ImportState) -> None:
    if state.writing and state.replaced:
        back = state.file_nodes.keys() | state.added
        await bulk_log.record_many(
            db=state.db,
            session_id=state.session_id,
            changes=(
                ("NODE", "DELETE", node_id, None, None)
                for node_id in state.replaced
                if node_id not in back
            ),
        )
    state.problems.raise_if_any()


async def _report(state: ImportState) -> ImportReport:
    revision = change_service.revision_now(db=state.db, session_id=state.session_id)
    if revision is None:
        revision = await node_service.current_revision(db=state.db, session_id=state.session_id)
    return ImportReport(dry_run=state.dry_run, revision=revision, **asdict(state.counts))


class _Reader:
    """Streams one file after the other through its parser, in batches."""

    def __init__(self, state: ImportState, progress: Progress | None) -> None:
        self.state = state
        self.progress = progress
        self.totals = (0, 0)  # the file's (rows, bytes), measured when someone watches
        self.rows = 0  # data records of the file read so far

    async def read(self, file: FileName, data: CsvInput, *, max_record_chars: int) -> None:
        state = self.state
        source = CsvSource(data, max_record_chars=max_record_chars)
        self.rows = 0
        if self.progress is not None:
            self.totals = measure(data)
            self._tell(file, source)
        header: Header | None = None
        parser: NodeParser | RelationshipParser | None = None
        batch: list[Any] = []
        records = 0
        for record in source.records():
            if header is None:
                error = record.error or _bad_header_text(record, source.suspect)
                header = self._header(file, record.cells, record.line, error)
                if not header.usable:
                    break
                parse = NodeParser if file == "nodes" else RelationshipParser
                parser = parse(header, state.db.limits, state.problems)
                parser.excel_safe = source.had_bom
                continue
            assert parser is not None
            state.counts.rows_read += 1
            self.rows += 1
            if self.progress is not None and self.rows % _TELL_EVERY == 0:
                self._tell(file, source)
            row = parser.parse(record, source.suspect)
            if row is not None:
                batch.append(row)
            elif file == "nodes":
                _note_rejected_node(state, header, record)
            records += 1
            if records == BATCH:
                await self._apply(file, header, batch, source)
                batch, records = [], 0
                if state.problems.full:
                    break
        if header is not None and header.usable:
            await self._apply(file, header, batch, source)
        if self.progress is not None:
            self._tell(file, source, done=True)

    def _tell(self, file: FileName, source: CsvSource, *, done: bool = False) -> None:
        assert self.progress is not None
        rows_total, bytes_total = self.totals
        # At the end the true count; before it, never less than what was read.
        rows_total = self.rows if done else max(rows_total, self.rows)
        bytes_read = bytes_total if done else min(source.bytes_read, bytes_total)
        self.progress(ImportProgress(file, self.rows, rows_total, bytes_read, bytes_total, done))

    def _header(self, file: FileName, cells: list[str], line: int, error: str | None) -> Header:
        state = self.state
        if error is None:
            header = parse_header(file, cells, line, state.problems)
        else:
            state.problems.add(file, line, None, f"the header row is unreadable: {error}")
            header = Header(file, [], usable=False)
        if file == "nodes":
            state.nodes_usable = header.usable
        return header

    async def _apply(
        self,
        file: FileName,
        header: Header,
        batch: list[Any],
        source: CsvSource,
    ) -> None:
        if file == "nodes":
            await apply_nodes(self.state, header, batch)
        else:
            await apply_relationships(self.state, header, batch)
        if self.progress is not None:
            self._tell(file, source)
        # Parsing is CPU work: let the event loop serve others between batches.
        await asyncio.sleep(0)


def _note_rejected_node(state: ImportState, header: Header, record: Record) -> None:
    """A rejected node row still names its node: a relationship to it is told which line failed."""
    index = header.known["node_id"]
    if index < len(record.cells):
        node_id = record.cells[index]
        if node_id and node_id not in state.file_nodes:
            state.rejected.setdefault(node_id, record.line)


def _bad_header_text(record: Record, suspect: bool) -> str | None:
    for cell in record.cells if suspect else ():
        message = bad_text_message(cell)
        if message is not None:
            return f"the column name {cell!r} {message}"
    return None
