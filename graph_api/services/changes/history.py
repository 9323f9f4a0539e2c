"""One entity's history in the change log, as onConflict MERGE reads it (CONTRACT.md §6).

`history()` reads the UPDATE and DELETE rows of a few entities (the partial index
ix_changes_session_entity leaves a bulk import's CREATE rows out);
`fields_changed_after()` says which fields the server changed after a client's
expectedVersion.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select, text

from graph_api.db.keysets import chunked
from graph_api.db.models import changes as changes_table
from graph_api.db.transaction import UnitOfWork
from graph_api.services.changes.log import FIELDS, Fields, Kind, decode_fields


async def history(
    *, db: UnitOfWork, session_id: str, kind: Kind, keys: Sequence[str]
) -> dict[str, list[Row[Any]]]:
    """The UPDATE and DELETE rows of these entities, oldest first, by key (MERGE's input)."""
    found: dict[str, list[Row[Any]]] = {key: [] for key in keys}
    for chunk in chunked(found):
        rows = await db.execute(
            select(
                changes_table.c.key,
                changes_table.c.op,
                changes_table.c.fields,
                changes_table.c.version,
            )
            .where(
                changes_table.c.session_id == session_id,
                changes_table.c.kind == kind,
                changes_table.c.key.in_(chunk),
                # Literal, as in the partial index, so both engines can use it.
                text("changes.op <> 'CREATE'"),
            )
            .order_by(changes_table.c.revision, changes_table.c.id)
        )
        for row in rows:
            found[row.key].append(row)
    return found


def fields_changed_after(
    kind: str, rows: Sequence[Row[Any]], expected_version: int, current_version: int
) -> Fields:
    """The fields the server changed after `expected_version`, from one entity's history.

    Only the entity's current incarnation counts (after its last DELETE). A
    version above the current one was seen on an earlier incarnation: every
    field counts as changed. Rows without fields or version (logged before the
    log recorded them) count as changing every field.
    """
    every = frozenset(FIELDS.get(kind, ()))
    if expected_version > current_version:
        return every
    changed: set[str] = set()
    for row in rows:
        if row.op == "DELETE":
            changed.clear()
        elif row.version is None or row.version > expected_version:
            names = decode_fields(row.fields)
            changed.update(every if names is None else names)
    return frozenset(changed)
