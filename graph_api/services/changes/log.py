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

from graph_api.db import bulk
from graph_api.db.models import changes as changes_table
from graph_api.db.models import sessions as sessions_table
from graph_api.db.transaction import UnitOfWork
from graph_api.services import clock
from graph_api.services.changes import spilled
from graph_api.services.changes.spilled import Spilled
from graph_api.services.graph import search_index

Op = Literal["CREATE", "UPDATE", "DELETE"]
Kind = Literal["SESSION", "NODE", "RELATIONSHIP"]

# The fields an UPDATE may name (Change.fields, Conflict.fields), in the order they are listed.
NODE_FIELDS = ("label", "type", "metadata", "components")
RELATIONSHIP_FIELDS = ("type", "weight", "properties")
FIELDS: dict[str, tuple[str, ...]] = {"NODE": NODE_FIELDS, "RELATIONSHIP": RELATIONSHIP_FIELDS}

Fields = frozenset[str]
# One entity's net change in a request: (op, save_id, fields changed, version after).
Entry = tuple[Op, str | None, Fields | None, int | None]


@dataclass
class SessionChanges:
    revision: int
    at: datetime
    # (kind, key) -> entry; dict order is the order the changes were made.
    entries: dict[tuple[str, str], Entry] = field(default_factory=dict)
    # What bulk writes already put in the table (record_many), before `entries`.
    spilled: Spilled = field(default_factory=Spilled)


@dataclass
class PendingChanges:
    by_session: dict[str, SessionChanges] = field(default_factory=dict)
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


def _merged_fields(
    kind: str, previous: Entry | None, op: Op, fields: Fields | None
) -> Fields | None:
    """An UPDATE's fields: the union of what the request's writes changed.

    A field changed and then set back within one request stays listed (the
    request did write it; MERGE then errs towards asking, never towards losing).
    A DELETE followed by a CREATE of the same key rewrote every field.
    """
    if previous is None:
        return fields if op == "UPDATE" else None
    if previous[0] == "DELETE":
        return frozenset(FIELDS.get(kind, ()))
    return (previous[2] or frozenset()) | (fields or frozenset())


def encode_fields(kind: str, fields: Fields | None) -> str | None:
    """Fields as the change log stores them: comma-separated, in canonical order."""
    if fields is None:
        return None
    return ",".join(name for name in FIELDS.get(kind, ()) if name in fields)


def decode_fields(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [name for name in text.split(",") if name]


async def record(
    db: UnitOfWork,
    session_id: str,
    kind: Kind,
    op: Op,
    key: str,
    *,
    save_id: str | None = None,
    fields: Iterable[str] = (),
    version: int | None = None,
) -> int:
    """Note one change; returns the revision this request gives the session.

    `fields`: what an UPDATE changed (see NODE_FIELDS, RELATIONSHIP_FIELDS);
    `version`: the entity's version after this change.
    """
    pending = db.state(PendingChanges, PendingChanges)
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
        current = pending.by_session[session_id] = SessionChanges(revision, clock.now())
        if len(pending.by_session) == 1:
            db.before_commit(lambda: _flush(db, pending))
    entity = (kind, key)
    change: Entry = (op, save_id, frozenset(fields), version)
    previous = current.entries.get(entity)
    if previous is None and current.spilled.may_hold(kind, key):
        written = await spilled.find(
            db=db, session_id=session_id, revision=current.revision, kind=kind, key=key
        )
        if written is not None:
            await _merge_written(db, current, entity, written, change)
            return current.revision
    entry = _merged_entry(kind, previous, change)
    if entry is None:
        del current.entries[entity]
        return current.revision
    if entry[0] == "DELETE" and previous is not None:
        # A delete moves to the end: cascaded relationship deletes come before it.
        del current.entries[entity]
    # Assigning to an existing key keeps the place where it was first recorded.
    current.entries[entity] = entry
    return current.revision


def _merged_entry(kind: str, previous: Entry | None, change: Entry) -> Entry | None:
    """The entity's net entry after `change` (op, save_id, fields, version); None: no change."""
    op, save_id, fields, version = change
    merged = _merge(previous[0] if previous else None, op)
    if merged is None:
        return None
    return (
        merged,
        save_id or (previous[1] if previous else None),
        _merged_fields(kind, previous, op, fields) if merged == "UPDATE" else None,
        version if version is not None else (previous[3] if previous else None),
    )


async def _merge_written(
    db: UnitOfWork,
    current: SessionChanges,
    entity: tuple[str, str],
    written: tuple[int, Entry],
    change: Entry,
) -> None:
    """record() of an entity whose row this request already wrote (see spilled.py)."""
    kind, key = entity
    row_id, previous = written
    if kind == "NODE":
        current.spilled.stale.add(key)
    entry = _merged_entry(kind, previous, change)
    if entry is None or entry[0] == "DELETE":
        await spilled.remove(db=db, row_id=row_id)
        current.spilled.rows -= 1
        if entry is not None:
            current.entries[entity] = entry  # a delete moves to the end
        return
    await spilled.rewrite(db=db, row_id=row_id, entry=entry, fields=encode_fields(kind, entry[2]))


def pending_revision(*, db: UnitOfWork, session_id: str) -> int | None:
    """The revision this request will commit for the session, if it changed it."""
    pending = db.state(PendingChanges, PendingChanges)
    current = pending.by_session.get(session_id)
    return current.revision if current else None


def generation(*, db: UnitOfWork) -> int:
    """How many changes this request has recorded (caches of earlier reads compare it)."""
    return db.state(PendingChanges, PendingChanges).generation


def revision_now(*, db: UnitOfWork, session_id: str) -> int | None:
    """The revision the session would have if the request committed now (None: nothing
    recorded): the pending one, or the previous one when everything cancelled out."""
    current = db.state(PendingChanges, PendingChanges).by_session.get(session_id)
    if current is None:
        return None
    return current.revision if current.entries or current.spilled.rows else current.revision - 1


def discard(*, db: UnitOfWork, session_id: str) -> None:
    """Forget what this request recorded for a session it is deleting (its log goes with it)."""
    db.state(PendingChanges, PendingChanges).by_session.pop(session_id, None)


_CHANGE_COLUMNS = (
    "session_id", "revision", "at", "op", "kind", "key", "save_id", "fields", "version",
)  # fmt: skip


async def _flush(db: UnitOfWork, pending: PendingChanges) -> None:
    for session_id, current in pending.by_session.items():
        if not current.entries and not current.spilled.rows:
            # Everything cancelled out (e.g. created then deleted): no revision after all.
            await db.execute(
                update(sessions_table)
                .where(sessions_table.c.id == session_id)
                .values(revision=sessions_table.c.revision - 1)
            )
            continue
        await write_entries(db, session_id, current, current.entries.items())
        stale = current.spilled.stale - {key for kind, key in current.entries if kind == "NODE"}
        await refresh_search(db, session_id, current.entries.items(), stale)
        db.notify(session_id, current.revision)


async def write_entries(
    db: UnitOfWork,
    session_id: str,
    current: SessionChanges,
    entries: Iterable[tuple[tuple[str, str], Entry]],
) -> None:
    """Append entries to the table at the request's revision, in order."""
    # Tuples through bulk.insert_rows: an import logs millions of changes.
    at = bulk.db_timestamp(db, current.at)
    await bulk.insert_rows(
        db=db,
        target=changes_table,
        columns=_CHANGE_COLUMNS,
        rows=(
            (
                session_id,
                current.revision,
                at,
                op,
                kind,
                key,
                save_id,
                encode_fields(kind, fields),
                version,
            )
            for (kind, key), (op, save_id, fields, version) in entries
        ),
    )


async def refresh_search(
    db: UnitOfWork,
    session_id: str,
    entries: Iterable[tuple[tuple[str, str], Entry]],
    stale: Iterable[str] = (),
) -> None:
    """Search documents of the nodes these entries created or changed (and of `stale` ones)."""
    # The search documents follow the nodes this request created or changed (see
    # services/graph/search_index.py for why the change log is where this happens).
    created: list[str] = []
    updated: list[str] = list(stale)
    for (kind, key), (op, *_) in entries:
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
