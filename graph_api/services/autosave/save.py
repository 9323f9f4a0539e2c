"""autoSave: a debounced client's delta applied in one transaction, at most once per saveId.

The order of one save (CONTRACT.md §6, §9):

1. validate the whole delta (no database);
2. lock the session, then read its revision and this saveId's receipt. On
   PostgreSQL the session row is locked FOR UPDATE, so a retry arriving while
   the first attempt commits waits here and then sees its receipt; on SQLite
   BEGIN IMMEDIATE already admits one writer at a time. A receipt means the
   save is REPLAYED (same payload) or BAD_USER_INPUT (another payload), and
   nothing is written;
3. read the state of everything the delta mentions (set-based) and plan;
4. with conflicts (under REJECT any stale expectedVersion; under MERGE a stale
   one whose change sets a field the server changed since, to another value:
   autosave_merge), answer CONFLICT: nothing was written and the
   saveId stays free;
5. claim the saveId: INSERT the receipt ... ON CONFLICT DO NOTHING. Nothing is
   written yet, so if another attempt got there first (which the lock already
   prevents; this is the database's own guarantee) this one turns into its
   REPLAYED answer;
6. apply: every change-log row carries the saveId.

The receipt holds the revision the save produced (known in advance: the lock
admits no other writer) and the ids it touched. A save that changes nothing
(every value already as sent) bumps no revision and keeps its receipt at the
current revision: the client is in sync at that revision, and a retry is
REPLAYED with that same revision. Any error rolls the whole request back,
receipt included: a failed save leaves no trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Row, Text, and_, bindparam, select, type_coerce, update
from sqlalchemy.dialects import postgresql, sqlite

from graph_api.db.keysets import chunked
from graph_api.db.models import changes, components, saves, sessions
from graph_api.db.transaction import UnitOfWork
from graph_api.errors import BadUserInput, SessionNotFound
from graph_api.services import access, clock
from graph_api.services import relationships as relationship_service
from graph_api.services.autosave import merge
from graph_api.services.autosave.apply import apply_plan
from graph_api.services.autosave.plan import Conflict, State, make_plan
from graph_api.services.autosave.specs import AutoSaveSpec, payload_hash, validate
from graph_api.services.changes import log as change_service
from graph_api.services.reads import batch as batch_reads
from graph_api.services.validation import parse_session_id

Status = Literal["SAVED", "CONFLICT", "REPLAYED"]


@dataclass
class SaveResult:
    save_id: str
    status: Status
    revision: int
    saved_at: datetime
    conflicts: list[Conflict] = field(default_factory=list)
    nodes: list[Any] = field(default_factory=list)
    relationships: list[Row[Any]] = field(default_factory=list)
    # New component rows of the nodes whose sequence this save replaced (by nodeId).
    components: dict[str, list[Any]] = field(default_factory=dict)


async def auto_save(*, db: UnitOfWork, session_id: str, spec: AutoSaveSpec) -> SaveResult:
    """Apply the delta once per (session, saveId); see the module docstring for the rules."""
    validate(spec, db.limits)
    digest = payload_hash(spec)
    canonical, current, receipt = await _lock(db, session_id, spec.save_id)
    if receipt is not None:
        return await _replay(db, canonical, spec.save_id, digest, receipt)
    state = await _load(db, canonical, spec)
    plan = make_plan(spec=spec, state=state, session_id=canonical, limits=db.limits)
    saved_at = clock.now()
    if plan.conflicts:
        return SaveResult(spec.save_id, "CONFLICT", current, saved_at, conflicts=plan.conflicts)
    # The revision this save produces is known now: the lock admits no other writer.
    revision = current + 1 if plan.writes else current
    touched = {"nodes": [c.node_id for c in spec.nodes], "relationships": []}
    claim: dict[str, Any] = {"session_id": canonical, "save_id": spec.save_id}
    claim |= {
        "payload_hash": digest,
        "revision": revision,
        "saved_at": saved_at,
        "touched": touched,
    }
    if not await _claim(db, claim):
        return await _replay(db, canonical, spec.save_id, digest, None)
    applied = await apply_plan(db=db, session_id=canonical, spec=spec, plan=plan, state=state)
    pending = change_service.pending_revision(db=db, session_id=canonical)
    actual = pending if pending is not None else current
    touched["relationships"] = [str(row.id) for row in applied.relationships]
    # Relationships created just now have their ids only now (the revision check is a
    # safeguard: it always matches).
    if touched["relationships"] or actual != revision:
        revision = actual
        await db.execute(
            update(saves)
            .where(saves.c.session_id == canonical, saves.c.save_id == spec.save_id)
            .values(touched=touched, revision=revision)
        )
    return SaveResult(
        spec.save_id,
        "SAVED",
        revision,
        saved_at,
        nodes=applied.nodes,
        relationships=applied.relationships,
        components=applied.components,
    )


# ---------------------------------------------------------------- receipts

# The statements of every save, built once: SQLAlchemy keeps their cache keys, where a
# statement built per call costs ~0.1 ms of Python to build and to key.
_REVISION_AND_RECEIPT = (
    select(
        sessions.c.revision,
        saves.c.save_id,
        saves.c.payload_hash,
        saves.c.revision.label("saved_revision"),
        saves.c.saved_at,
        saves.c.touched,
    )
    .select_from(
        sessions.outerjoin(
            saves,
            and_(saves.c.session_id == sessions.c.id, saves.c.save_id == bindparam("b_save")),
        )
    )
    .where(sessions.c.id == bindparam("b_session"))
)
_CLAIMS = {
    name: dialect_insert(saves)
    .values({column: bindparam(f"b_{column.name}", type_=column.type) for column in saves.c})
    .on_conflict_do_nothing(index_elements=[saves.c.session_id, saves.c.save_id])
    .returning(saves.c.save_id)
    for name, dialect_insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}
_SEQUENCES = (
    select(
        components.c.node_id,
        components.c.type,
        components.c.content,
        type_coerce(components.c.properties, Text).label("properties"),
    )
    .where(
        components.c.session_id == bindparam("b_session"),
        components.c.node_id.in_(bindparam("b_nodes", expanding=True)),
    )
    .order_by(components.c.node_id, components.c.position)
)


async def _lock(db: UnitOfWork, session_id: str, save_id: str) -> tuple[str, int, Row[Any] | None]:
    """(canonical id, revision, receipt or None), the session locked; else SESSION_NOT_FOUND.

    On PostgreSQL the row lock (access.require_session) is its own statement:
    a statement that waited for a lock still reads the other tables as of its
    start, and would miss the receipt of the attempt it waited for. The next
    statement sees everything committed before the lock was granted. On SQLite,
    BEGIN IMMEDIATE has done that already, so one statement does it all.
    """
    canonical = parse_session_id(session_id)
    if canonical is None:
        raise SessionNotFound(session_id)
    await access.authorize(db=db, session_id=canonical, need=access.Need.WRITE)
    if db.dialect == "postgresql":
        await access.require_session(db=db, session_id=canonical)
    row = (
        await db.execute(_REVISION_AND_RECEIPT, {"b_session": canonical, "b_save": save_id})
    ).first()
    if row is None:
        raise SessionNotFound(session_id)
    return canonical, int(row.revision), row if row.save_id is not None else None


async def _claim(db: UnitOfWork, receipt: dict[str, Any]) -> bool:
    """Insert the receipt (a value for each column of `saves`); False when its saveId
    already has one in the session."""
    values = {f"b_{name}": value for name, value in receipt.items()}
    return (await db.execute(_CLAIMS[db.dialect], values)).first() is not None


async def _replay(
    db: UnitOfWork, session_id: str, save_id: str, digest: str, receipt: Row[Any] | None
) -> SaveResult:
    """A saveId seen before: the same payload is REPLAYED, another is refused."""
    if receipt is None:
        receipt = (
            await db.execute(
                select(
                    saves.c.payload_hash,
                    saves.c.revision.label("saved_revision"),
                    saves.c.saved_at,
                    saves.c.touched,
                ).where(saves.c.session_id == session_id, saves.c.save_id == save_id)
            )
        ).one()
    if receipt.payload_hash != digest:
        raise BadUserInput(
            f"saveId {save_id} was already used for a different payload", field="saveId"
        )
    touched = receipt.touched or {}
    keys = [(session_id, node_id) for node_id in touched.get("nodes", [])]
    node_rows = [
        row for row in await batch_reads.nodes_by_keys(db=db, keys=keys) if row is not None
    ]
    ids = [int(raw) for raw in touched.get("relationships", [])]
    found = await relationship_service.find_by_ids(db=db, session_id=session_id, ids=ids)
    return SaveResult(
        save_id,
        "REPLAYED",
        receipt.saved_revision,
        receipt.saved_at,
        nodes=node_rows,
        relationships=[found[rel_id] for rel_id in ids if rel_id in found],
    )


# ---------------------------------------------------------------- reading the state


async def _load(db: UnitOfWork, session_id: str, spec: AutoSaveSpec) -> State:
    """Everything the delta mentions, one statement per kind (per 10,000 keys)."""
    mentioned = [change.node_id for change in spec.nodes] + list(spec.delete_node_ids)
    for rel in spec.relationships:
        mentioned += (rel.source_id, rel.target_id)
    keys = [(session_id, node_id) for node_id in dict.fromkeys(mentioned)]
    found_nodes = {
        row.node_id: row for row in await batch_reads.nodes_by_keys(db=db, keys=keys) if row
    }
    with_components = [
        (session_id, c.node_id)
        for c in spec.nodes
        if c.components is not None and c.node_id in found_nodes
    ]
    sequences = await _sequences(db, session_id, with_components)
    raw_ids = [rel.id for rel in spec.relationships if rel.id is not None]
    raw_ids += spec.delete_relationship_ids
    numeric = [
        value
        for value in dict.fromkeys(map(relationship_service.parse_relationship_id, raw_ids))
        if value is not None
    ]
    rel_keys = [rel.key for rel in spec.relationships]
    state = State(
        nodes=found_nodes,
        components={key[1]: rows for key, rows in zip(with_components, sequences, strict=True)},
        relationships_by_id=await relationship_service.find_by_ids(
            db=db, session_id=session_id, ids=numeric
        )
        if numeric
        else {},
        relationships_by_key=await relationship_service.find_by_keys(
            db=db, session_id=session_id, keys=rel_keys
        )
        if rel_keys
        else {},
    )
    state.deleted_relationship_ids = await _deleted_relationships(db, session_id, spec, state)
    state.histories = await merge.load_histories(
        db=db, session_id=session_id, spec=spec, state=state
    )
    return state


async def _sequences(
    db: UnitOfWork, session_id: str, keys: list[tuple[str, str]]
) -> list[list[Row[Any]]]:
    """The current component sequences, only the columns that say whether one is identical.

    Properties stay as stored (JSON text): node_rows.same_components decodes them only
    for a sequence whose types and contents all match."""
    found: dict[str, list[Row[Any]]] = {node_id: [] for _, node_id in keys}
    for chunk in chunked(found):
        for row in await db.execute(_SEQUENCES, {"b_session": session_id, "b_nodes": chunk}):
            found[row.node_id].append(row)
    return [found[node_id] for _, node_id in keys]


async def _deleted_relationships(
    db: UnitOfWork, session_id: str, spec: AutoSaveSpec, state: State
) -> set[str]:
    """Of the missing ids sent with an expectedVersion, those the change log shows deleted."""
    if spec.on_conflict == "OVERWRITE":
        return set()
    missing = [
        rel.id
        for rel in spec.relationships
        if rel.id is not None
        and rel.expected_version is not None
        and relationship_service.parse_relationship_id(rel.id) not in state.relationships_by_id
    ]
    if not missing:
        return set()
    rows = await db.execute(
        select(changes.c.key).where(
            changes.c.session_id == session_id,
            changes.c.kind == "RELATIONSHIP",
            changes.c.op == "DELETE",
            changes.c.key.in_(missing),
        )
    )
    return set(rows.scalars())
