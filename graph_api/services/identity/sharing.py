"""Sharing (CONTRACT.md §11): the owner gives EDITOR or VIEWER to others; "my sessions".

Who may share is the access policy's decision (Need.MANAGE); this module keeps the
membership rows and lists a caller's sessions. Sharing is not a change of the graph:
it bumps no revision and records no Change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, func, or_, select, update

from graph_api.db.models import session_members, sessions
from graph_api.db.transaction import UnitOfWork
from graph_api.errors import BadUserInput, Forbidden
from graph_api.services import access
from graph_api.services import sessions as session_service
from graph_api.services.identity.tokens import check_user_id
from graph_api.services.reads.pagination import (
    check_first,
    decode_cursor,
    encode_cursor,
    scope_digest,
)
from graph_api.services.records import MemberRecord


@dataclass(frozen=True)
class SessionPage:
    rows: list[Row[Any]]
    cursors: list[str]
    has_next_page: bool
    total_count: int


async def share_session(
    *, db: UnitOfWork, session_id: str, user_id: str, role: access.Role
) -> Row[Any]:
    """Give `user_id` the role EDITOR or VIEWER (again: change it). Owner only."""
    canonical = await _owned(db, session_id, user_id)
    if role is access.Role.OWNER:
        raise BadUserInput("A session has one owner: share as EDITOR or VIEWER", field="role")
    await access.set_member(db=db, session_id=canonical, user_id=user_id, role=role)
    return await _row(db, canonical)


async def unshare_session(*, db: UnitOfWork, session_id: str, user_id: str) -> Row[Any]:
    """Remove `user_id`'s access (nothing if they had none). Owner only."""
    canonical = await _owned(db, session_id, user_id)
    await access.remove_member(db=db, session_id=canonical, user_id=user_id)
    return await _row(db, canonical)


async def _owned(db: UnitOfWork, session_id: str, user_id: str) -> str:
    if db.caller is None:
        raise Forbidden("Sharing needs authentication (GRAPH_API_AUTH=required)")
    canonical = await access.require_session(db=db, session_id=session_id, need=access.Need.MANAGE)
    check_user_id(user_id)
    if user_id == db.caller.user_id:
        raise BadUserInput("The owner cannot change their own access", field="userId")
    return canonical


async def _row(db: UnitOfWork, session_id: str) -> Row[Any]:
    row = await session_service.get_session(db=db, session_id=session_id)
    assert row is not None
    return row


async def members_of(*, db: UnitOfWork, session_ids: list[str]) -> list[list[MemberRecord]]:
    """Each session's members other than the owner, in the order they were added."""
    if not session_ids:
        return []
    rows = await db.execute(
        select(session_members)
        .where(
            session_members.c.session_id.in_(set(session_ids)),
            session_members.c.role != access.Role.OWNER.value,
        )
        .order_by(session_members.c.added_at, session_members.c.user_id)
    )
    found: dict[str, list[MemberRecord]] = {}
    for row in rows:
        member = MemberRecord(row.user_id, access.Role(row.role), row.added_at)
        found.setdefault(row.session_id, []).append(member)
    return [found.get(session_id, []) for session_id in session_ids]


async def my_sessions(*, db: UnitOfWork, first: int | None, after: str | None) -> SessionPage:
    """The caller's sessions (owned or shared), most recently accessed first."""
    caller = db.caller
    size = check_first(first, db.limits)
    if caller is None:
        return SessionPage([], [], False, 0)
    scope = scope_digest("mySessions", caller.user_id)
    mine = session_members.c.user_id == caller.user_id
    joined = sessions.join(session_members, and_(session_members.c.session_id == sessions.c.id))
    statement = select(*sessions.c, session_members.c.role).select_from(joined).where(mine)
    if after is not None:
        accessed, last_id = _cursor_key(decode_cursor(after, scope))
        statement = statement.where(
            or_(
                sessions.c.last_accessed < accessed,
                and_(sessions.c.last_accessed == accessed, sessions.c.id > last_id),
            )
        )
    statement = statement.order_by(sessions.c.last_accessed.desc(), sessions.c.id).limit(size + 1)
    rows = list(await db.execute(statement))
    has_next = len(rows) > size
    rows = rows[:size]
    total = (
        await db.execute(select(func.count()).select_from(session_members).where(mine))
    ).scalar_one()
    for row in rows:
        access.prime(db=db, session_id=row.id, role=access.Role(row.role))
    cursors = [encode_cursor(scope, [row.last_accessed.isoformat(), row.id]) for row in rows]
    return SessionPage(rows, cursors, has_next, int(total))


def _cursor_key(key: list[Any]) -> tuple[datetime, str]:
    try:
        accessed, last_id = key
        return datetime.fromisoformat(accessed), str(last_id)
    except (ValueError, TypeError):
        raise BadUserInput("after is not a cursor issued for this list", field="after") from None


async def assign_owner(*, db: UnitOfWork, session_id: str, user_id: str) -> str:
    """Make `user_id` the session's owner (the previous owner, if any, loses access).

    For sessions created before authentication was switched on: they have no owner, so
    with GRAPH_API_AUTH=required nobody can reach them until one is assigned (CLI only).
    """
    canonical = await access.require_session(db=db, session_id=session_id)
    check_user_id(user_id, field="user")
    await db.execute(
        session_members.delete().where(
            session_members.c.session_id == canonical,
            session_members.c.role == access.Role.OWNER.value,
        )
    )
    await access.set_member(db=db, session_id=canonical, user_id=user_id, role=access.Role.OWNER)
    await db.execute(update(sessions).where(sessions.c.id == canonical).values(user_id=user_id))
    return canonical
