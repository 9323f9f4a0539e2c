"""Sessions: permanent workspaces, created with their default nodes in one transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, delete, func, select, update

from graph_api.db.models import components, nodes, relationships, sessions
from graph_api.db.transaction import UnitOfWork
from graph_api.errors import BadUserInput, SessionNotFound
from graph_api.services import access, clock
from graph_api.services import nodes as node_service
from graph_api.services.changes import log as change_service
from graph_api.services.specs import DeleteCounts, NodeSpec, SessionPatch, SessionSpec, Validation
from graph_api.services.validation import (
    changed_values,
    check_json_object,
    check_storable,
    parse_session_id,
)

SESSION_LIFETIME_YEARS = 100
DEFAULT_NODE_IDS = ("N001", "N002")


async def get_session(*, db: UnitOfWork, session_id: str) -> Row[Any] | None:
    """The session row, or None for an unknown or malformed id or one the caller may not
    see. Does not touch it."""
    canonical = parse_session_id(session_id)
    if canonical is None or not await access.can_see(db=db, session_id=canonical):
        return None
    return (await db.execute(select(sessions).where(sessions.c.id == canonical))).first()


async def create_session(*, db: UnitOfWork, spec: SessionSpec) -> Row[Any]:
    """Create a session (revision 1) and, unless asked not to, nodes N001 and N002."""
    metadata = check_json_object(spec.metadata, db.limits, field="metadata")
    user_id = _owner_id(db, spec.user_id)
    for value, field in ((user_id, "userId"), (spec.name, "name")):
        if value is not None:
            check_storable(value, field=field)
    now = clock.now()
    session_id = str(uuid.uuid4())
    await db.execute(
        sessions.insert().values(
            id=session_id,
            user_id=user_id,
            name=spec.name,
            metadata=metadata,
            created_at=now,
            last_accessed=now,
            expires_at=clock.add_years(now, SESSION_LIFETIME_YEARS),
            revision=0,
        )
    )
    await access.grant_owner(db=db, session_id=session_id)
    await change_service.record(db, session_id, "SESSION", "CREATE", session_id)
    if spec.with_default_nodes:
        await node_service.create_nodes(
            db=db,
            session_id=session_id,
            specs=[NodeSpec(node_id=node_id, label=node_id) for node_id in DEFAULT_NODE_IDS],
        )
    row = await get_session(db=db, session_id=session_id)
    assert row is not None
    return row


def _owner_id(db: UnitOfWork, requested: str | None) -> str | None:
    """userId of a new session: the caller's own, when there is a caller."""
    if db.caller is None:
        return requested
    if requested is not None and requested != db.caller.user_id:
        raise BadUserInput("userId must be the caller's own id (or omitted)", field="userId")
    return db.caller.user_id


async def validate_session(*, db: UnitOfWork, session_id: str) -> Validation:
    """valid + lastAccessed touched, or a reason (MALFORMED_ID, NOT_FOUND, EXPIRED)."""
    canonical = parse_session_id(session_id)
    if canonical is None:
        return Validation(valid=False, reason="MALFORMED_ID")
    if not await access.can_see(db=db, session_id=canonical):
        return Validation(valid=False, reason="NOT_FOUND")
    now = clock.now()
    # Only a valid session is touched: the UPDATE skips an expired one.
    row = (
        await db.execute(
            update(sessions)
            .where(sessions.c.id == canonical, sessions.c.expires_at > now)
            .values(last_accessed=now)
            .returning(*sessions.c)
        )
    ).first()
    if row is not None:
        return Validation(valid=True, session=row)
    if await get_session(db=db, session_id=canonical) is None:
        return Validation(valid=False, reason="NOT_FOUND")
    return Validation(valid=False, reason="EXPIRED")


async def touch_session(*, db: UnitOfWork, session_id: str) -> Row[Any]:
    """Update lastAccessed; no revision, no change."""
    canonical = parse_session_id(session_id)
    row = None
    if canonical is not None and await access.can_see(db=db, session_id=canonical):
        row = (
            await db.execute(
                update(sessions)
                .where(sessions.c.id == canonical)
                .values(last_accessed=clock.now())
                .returning(*sessions.c)
            )
        ).first()
    if row is None:
        raise SessionNotFound(session_id)
    return row


async def update_session(*, db: UnitOfWork, session_id: str, patch: SessionPatch) -> Row[Any]:
    """Change name and/or metadata; records UPDATE SESSION when something changed."""
    canonical = await access.require_session(db=db, session_id=session_id)
    values: dict[str, Any] = {}
    if patch.metadata is not None:
        values["metadata"] = check_json_object(patch.metadata, db.limits, field="metadata")
    if patch.name is not None:
        values["name"] = check_storable(patch.name, field="name")
    current = await get_session(db=db, session_id=canonical)
    assert current is not None
    changed = changed_values(current, values)
    if changed:
        await db.execute(update(sessions).where(sessions.c.id == canonical).values(**changed))
        await change_service.record(db, canonical, "SESSION", "UPDATE", canonical)
    row = await get_session(db=db, session_id=canonical)
    assert row is not None
    return row


async def delete_session(*, db: UnitOfWork, session_id: str) -> DeleteCounts:
    """Delete the session and everything in it; subscribers get DELETE SESSION."""
    canonical = await access.require_session(db=db, session_id=session_id, need=access.Need.MANAGE)
    counts = DeleteCounts(revision=None)
    for table, attr in (
        (nodes, "nodes"),
        (components, "components"),
        (relationships, "relationships"),
    ):
        count = (
            await db.execute(select(func.count()).where(table.c.session_id == canonical))
        ).scalar_one()
        setattr(counts, attr, count)
    revision = (
        await db.execute(select(sessions.c.revision).where(sessions.c.id == canonical))
    ).scalar_one()
    await db.execute(delete(sessions).where(sessions.c.id == canonical))
    # Changes recorded earlier in this request would be written for a session that is gone.
    change_service.discard(db=db, session_id=canonical)
    # The change log goes with the session; subscribers hear of it at revision + 1.
    db.notify(canonical, revision + 1, deleted=True)
    return counts
