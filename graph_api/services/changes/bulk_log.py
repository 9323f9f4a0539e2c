"""The change log's bulk path: millions of changes written as they come, in flat memory.

`record_many()` notes many changes exactly as one `log.record()` call each
would, but an entity the request has not recorded yet (nearly all of an
import's) costs no memory: its row is written at once, batch by batch, after
the entries the request still holds (so the log keeps the order the changes
were made), and the search documents of its node follow at the same time
(every write of the batch is done by then). See spilled.py for how a later
change to such an entity in the same request finds its row.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from graph_api.db.transaction import UnitOfWork
from graph_api.services.changes import log
from graph_api.services.changes.log import Entry, Fields, Kind, Op

# (kind, op, key, fields, version): one change as record_many() takes it.
ChangeItem = tuple[Kind, Op, str, Fields | None, int | None]
BATCH = 5_000


async def record_many(
    *,
    db: UnitOfWork,
    session_id: str,
    changes: Iterable[ChangeItem],
    save_id: str | None = None,
) -> int | None:
    """Note many changes in order, exactly as one record() call each would.

    Returns the request's revision for the session (None if nothing was ever
    recorded for it).
    """
    revision = log.pending_revision(db=db, session_id=session_id)
    pending = db.state(log.PendingChanges, log.PendingChanges)
    items = iter(changes)
    noted = 0
    while batch := list(islice(items, BATCH)):
        fresh: list[tuple[tuple[str, str], Entry]] = []
        for kind, op, key, fields, version in batch:
            current = pending.by_session.get(session_id)
            entity = (kind, key)
            if current is not None and not (
                entity in current.entries or current.spilled.may_hold(kind, key)
            ):
                changed = (fields or frozenset()) if op == "UPDATE" else None
                fresh.append((entity, (op, save_id, changed, version)))
                noted += 1
                continue
            # The first change of the request, or one to an entity it has seen: the rules
            # of record(), after what came before it is written.
            if current is not None:
                await _write(db, session_id, current, fresh)
                fresh = []
            revision = await log.record(
                db=db, session_id=session_id, kind=kind, op=op, key=key, save_id=save_id,
                fields=fields or (), version=version,
            )  # fmt: skip
        await _write(db, session_id, pending.by_session[session_id], fresh)
    pending.generation += noted  # as if record() had been called for each
    return revision


async def _write(
    db: UnitOfWork,
    session_id: str,
    current: log.SessionChanges,
    fresh: list[tuple[tuple[str, str], Entry]],
) -> None:
    """Write the held entries, then `fresh`, to the table; the request keeps only Spilled."""
    held = list(current.entries.items())
    current.entries.clear()
    for entries in (held, fresh):
        if not entries:
            continue
        await log.write_entries(db, session_id, current, entries)
        await log.refresh_search(db, session_id, entries)
        _note(current, entries)


def _note(current: log.SessionChanges, entries: list[tuple[tuple[str, str], Entry]]) -> None:
    run: list[str] = []
    run_kind = ""
    for kind, key in (entity for entity, _ in entries):
        if kind != run_kind and run:
            current.spilled.add(run_kind, run)
            run = []
        run_kind = kind
        run.append(key)
    if run:
        current.spilled.add(run_kind, run)
