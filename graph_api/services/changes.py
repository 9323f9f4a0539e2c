"""The change log: what a request changed, collapsed to its net effect, at one new revision.

Services call `record()` as they change things. The first record for a session
in a request bumps that session's revision (the UPDATE also takes the row lock
that orders concurrent writers on PostgreSQL); the rows are written just before
commit, so a rolled-back request leaves no trace. Subscribers are told after
commit through the events publisher.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import Row, select, update

from graph_api.db.models import changes as changes_table
from graph_api.db.models import sessions as sessions_table
from graph_api.db.transaction import UnitOfWork
from graph_api.services import bulk, clock
from graph_api.services.graph import search_index

Op = Literal["CREATE", "UPDATE", "DELETE"]
Kind = Literal["SESSION", "NODE", "RELATIONSHIP"]


@dataclass
class _SessionChanges:
    revision: int
    at: datetime
    # (kind, key) -> (op, save_id); dict order is the order the changes were made.
    entries: dict[tuple[str, str], tuple[Op, str | None]] = field(default_factory=dict)


@dataclass
class _PendingChanges:
    by_session: dict[str, _SessionChanges] = field(default_factory=dict)
    # record() calls so far: what a request read before a change may be stale after it.
    generation: int = 0


def _merge(previous: Op | None, op: Op) -> Op | None:
    """Net effect of two changes to one entity in one request (None: nothing happened)."""
    if previous is None:
        return op
    if previous == "CREATE":
        return None if op == "DELETE" else "CREATE"
    if previous == "DELETE":
        # Deleted, then created again under the same key: it existed before and exists now.
        return "DELETE" if op == "DELETE" else "UPDATE"
    return "DELETE" if op == "DELETE" else previous


async def record(
    *,
    db: UnitOfWork,
    session_id: str,
    kind: Kind,
    op: Op,
    key: str,
    save_id: str | None = None,
) -> int:
    """Note one change; returns the revision this request gives the session."""
    pending = db.state(_PendingChanges, _PendingChanges)
    pending.generation += 1
    current = pending.by_session.get(session_id)
    if current is None:
        revision = (
            await db.execute(
                update(sessions_table)
                .where(sessions_table.c.id == session_id)
                .values(revision=sessions_table.c.revision + 1)
                .returning(sessions_table.c.revision)
            )
        ).scalar_one()
        current = pending.by_session[session_id] = _SessionChanges(revision, clock.now())
        if len(pending.by_session) == 1:
            db.before_commit(lambda: _flush(db, pending))
    entity = (kind, key)
    previous = current.entries.get(entity)
    merged = _merge(previous[0] if previous else None, op)
    if merged is None:
        del current.entries[entity]
    elif previous is None:
        current.entries[entity] = (merged, save_id)
    elif merged == "DELETE":
        # A delete moves to the end: cascaded relationship deletes come before it.
        del current.entries[entity]
        current.entries[entity] = (merged, save_id)
    else:
        # Assigning to an existing key keeps the place where it was first recorded.
        current.entries[entity] = (merged, save_id or previous[1])
    return current.revision


def pending_revision(*, db: UnitOfWork, session_id: str) -> int | None:
    """The revision this request will commit for the session, if it changed it."""
    pending = db.state(_PendingChanges, _PendingChanges)
    current = pending.by_session.get(session_id)
    return current.revision if current else None


def generation(*, db: UnitOfWork) -> int:
    """How many changes this request has recorded (caches of earlier reads compare it)."""
    return db.state(_PendingChanges, _PendingChanges).generation


def revision_now(*, db: UnitOfWork, session_id: str) -> int | None:
    """The revision the session would have if the request committed now (None: nothing
    recorded): the pending one, or the previous one when everything cancelled out."""
    current = db.state(_PendingChanges, _PendingChanges).by_session.get(session_id)
    if current is None:
        return None
    return current.revision if current.entries else current.revision - 1


def discard(*, db: UnitOfWork, session_id: str) -> None:
    """Forget what this request recorded for a session it is deleting (its log goes with it)."""
    db.state(_PendingChanges, _PendingChanges).by_session.pop(session_id, None)


_CHANGE_COLUMNS = ("session_id", "revision", "at", "op", "kind", "key", "save_id")


async def _flush(db: UnitOfWork, pending: _PendingChanges) -> None:
    for session_id, current in pending.by_session.items():
        if not current.entries:
            # Everything cancelled out (e.g. created then deleted): no revision after all.
            await db.execute(
                update(sessions_table)
                .where(sessions_table.c.id == session_id)
                .values(revision=sessions_table.c.revision - 1)
            )
            continue
        # Tuples through bulk.insert_rows: an import logs hundreds of thousands of changes.
        at = bulk.db_timestamp(db, current.at)
        await bulk.insert_rows(
            db=db,
            target=changes_table,
            columns=_CHANGE_COLUMNS,
            rows=(
                (session_id, current.revision, at, op, kind, key, save_id)
                for (kind, key), (op, save_id) in current.entries.items()
            ),
        )
        await _refresh_search(db, session_id, current)
        db.notify(session_id, current.revision)


async def _refresh_search(db: UnitOfWork, session_id: str, current: _SessionChanges) -> None:
    # The search documents follow the nodes this request created or changed (see
    # services/graph/search_index.py for why the change log is where this happens).
    created: list[str] = []
    updated: list[str] = []
    for (kind, key), (op, _) in current.entries.items():
        if kind == "NODE" and op != "DELETE":
            (created if op == "CREATE" else updated).append(key)
    await search_index.refresh(db=db, session_id=session_id, created=created, updated=updated)


async def list_changes(
    *, db: UnitOfWork, session_id: str, since_revision: int, first: int
) -> tuple[Sequence[Row[tuple[object, ...]]], bool]:
    """Changes after `since_revision`, whole revisions only; (rows, has_more)."""
    rows = (
        await db.execute(
            select(changes_table)
            .where(
                changes_table.c.session_id == session_id,
                changes_table.c.revision > since_revision,
            )
            .order_by(changes_table.c.revision, changes_table.c.id)
            .limit(first + 1)
        )
    ).all()
    if len(rows) <= first:
        return rows, False
    if first <= 0:
        return [], True
    # Never split a revision: finish the last one even past `first`.
    last_revision = rows[first - 1].revision
    page = [row for row in rows[:first] if row.revision < last_revision]
    page += (
        await db.execute(
            select(changes_table)
            .where(
                changes_table.c.session_id == session_id,
                changes_table.c.revision == last_revision,
            )
            .order_by(changes_table.c.id)
        )
    ).all()
    has_more = (
        rows[-1].revision > last_revision
        or (
            await db.execute(
                select(changes_table.c.id)
                .where(
                    changes_table.c.session_id == session_id,
                    changes_table.c.revision > last_revision,
                )
                .limit(1)
            )
        ).first()
        is not None
    )
    return page, has_more


async def record_many(
    *,
    db: UnitOfWork,
    session_id: str,
    changes: Iterable[tuple[Kind, Op, str]],
    save_id: str | None = None,
) -> int | None:
    """Note many (kind, op, key) changes in order, exactly as one record() call each would.

    A bulk import records hundreds of thousands of changes: an entity seen for the
    first time is noted without record()'s per-call cost; the rest go through
    record() so the net-effect rules live in one place. Returns the request's
    revision for the session (None if nothing was ever recorded for it).
    """
    revision = pending_revision(db=db, session_id=session_id)
    pending = db.state(_PendingChanges, _PendingChanges)
    entries: dict[tuple[str, str], tuple[Op, str | None]] | None = None
    # One shared (op, save_id) value per op: memory for the keys only.
    values: dict[Op, tuple[Op, str | None]] = {}
    noted = 0
    for kind, op, key in changes:
        entity = (kind, key)
        if entries is None or entity in entries:
            revision = await record(
                db=db, session_id=session_id, kind=kind, op=op, key=key, save_id=save_id
            )
            entries = pending.by_session[session_id].entries
        else:
            value = values.get(op)
            if value is None:
                value = values[op] = (op, save_id)
            entries[entity] = value
            noted += 1
    pending.generation += noted  # as if record() had been called for each
    return revision
