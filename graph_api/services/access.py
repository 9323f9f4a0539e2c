"""The access policy (CONTRACT.md §11): the one place that decides who may do what to a session.

Every path that names a session resolves it through `require_session` (or `admit`
then `require_rows`, for a read that finds the session's rows first) here or
services/sessions.py (`get_session`, `validate_session`, `touch_session`), the
compiled read path and the live feed; each of those asks `authorize` or
`can_see` here, with the caller the request's unit of work carries.

- No caller (GRAPH_API_AUTH=none, or the CLI): every session is the caller's, role OWNER.
- A caller who is neither owner nor member: the session does not exist (SESSION_NOT_FOUND,
  null, NOT_FOUND), exactly as for an unknown id, so existence never leaks.
- A member beyond their role: FORBIDDEN, raised before anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum, StrEnum
from typing import Any

from sqlalchemy import select

from graph_api.db.models import session_members, sessions
from graph_api.db.transaction import UnitOfWork
from graph_api.errors import Forbidden, SessionNotFound
from graph_api.services import clock
from graph_api.services.validation import check_version, parse_session_id


class Role(StrEnum):
    OWNER = "OWNER"
    EDITOR = "EDITOR"
    VIEWER = "VIEWER"


class Need(Enum):
    """What an operation needs of its session."""

    READ = "read"  # read, export, subscribe, validate, touch
    WRITE = "write"  # change the graph or the session's name and metadata
    MANAGE = "manage"  # share, unshare, delete the session


ALLOWED: dict[Role, frozenset[Need]] = {
    Role.OWNER: frozenset(Need),
    Role.EDITOR: frozenset({Need.READ, Need.WRITE}),
    Role.VIEWER: frozenset({Need.READ}),
}


class _Roles(dict[str, Role | None]):
    """The caller's role per session, looked up once per request."""


async def role_of(*, db: UnitOfWork, session_id: str) -> Role | None:
    """The caller's role on the (canonical) session id; None for a stranger or an unknown id."""
    caller = db.caller
    if caller is None:
        return Role.OWNER
    roles = db.state(_Roles, _Roles)
    if session_id not in roles:
        found = (
            await db.execute(
                select(session_members.c.role).where(
                    session_members.c.session_id == session_id,
                    session_members.c.user_id == caller.user_id,
                )
            )
        ).scalar_one_or_none()
        roles[session_id] = Role(found) if found is not None else None
    return roles[session_id]


def prime(*, db: UnitOfWork, session_id: str, role: Role) -> None:
    """Remember a role read along with the session (e.g. by mySessions)."""
    if db.caller is not None:
        db.state(_Roles, _Roles)[session_id] = role


async def can_see(*, db: UnitOfWork, session_id: str) -> bool:
    """Whether the session exists for the caller (any role reads)."""
    return await role_of(db=db, session_id=session_id) is not None


async def authorize(*, db: UnitOfWork, session_id: str, need: Need) -> Role:
    """The caller's role, if it allows `need`; SESSION_NOT_FOUND to a stranger, else FORBIDDEN."""
    role = await role_of(db=db, session_id=session_id)
    if role is None:
        raise SessionNotFound(session_id)
    if need not in ALLOWED[role]:
        raise Forbidden(f"A {role.value} of this session may not {need.value} it")
    return role


async def grant_owner(*, db: UnitOfWork, session_id: str) -> None:
    """Make the caller the owner of a session they just created (nothing without a caller)."""
    caller = db.caller
    if caller is None:
        return
    await set_member(db=db, session_id=session_id, user_id=caller.user_id, role=Role.OWNER)


async def set_member(*, db: UnitOfWork, session_id: str, user_id: str, role: Role) -> None:
    """Insert or change one membership row."""
    await remove_member(db=db, session_id=session_id, user_id=user_id)
    await db.execute(
        session_members.insert().values(
            session_id=session_id, user_id=user_id, role=role.value, added_at=clock.now()
        )
    )


async def remove_member(*, db: UnitOfWork, session_id: str, user_id: str) -> bool:
    """Delete one membership row; whether there was one."""
    result: Any = await db.execute(
        session_members.delete().where(
            session_members.c.session_id == session_id, session_members.c.user_id == user_id
        )
    )
    db.state(_Roles, _Roles).clear()
    return bool(result.rowcount)


async def admit(*, db: UnitOfWork, session_id: str, need: Need | None = None) -> str:
    """`require_session` without reading whether the session exists: the canonical id if the
    caller may use it for `need` (default as there), else SESSION_NOT_FOUND / FORBIDDEN.

    For a read that looks up the session's rows first: a row exists only while its session
    does, so the existence read is needed only when it finds nothing (`require_rows`).
    """
    canonical = parse_session_id(session_id)
    if canonical is None:
        raise SessionNotFound(session_id)
    if need is None:
        need = Need.WRITE if db.write else Need.READ
    await authorize(db=db, session_id=canonical, need=need)
    return canonical


async def require_rows(*, db: UnitOfWork, session_id: str, rows: Sequence[object | None]) -> None:
    """After `admit` and a read of the session's rows: SESSION_NOT_FOUND if the read found
    none and the session does not exist (a missing row of an existing session is a null)."""
    if all(row is None for row in rows):
        await require_session(db=db, session_id=session_id)


async def require_session(*, db: UnitOfWork, session_id: str, need: Need | None = None) -> str:
    """The canonical id of an existing session the caller may use for `need`, else
    SESSION_NOT_FOUND (FORBIDDEN for a member beyond their role).

    Without `need`, a write transaction needs WRITE and a read snapshot READ: what a
    request may do to the session follows from what its transaction can do.

    In a write transaction on PostgreSQL this locks the session row, so that
    concurrent writers to one session queue here and every version check they
    make afterwards sees the previous writer's commit (no lost update). SQLite
    needs no lock: BEGIN IMMEDIATE already admits one writer at a time.
    """
    canonical = await admit(db=db, session_id=session_id, need=need)
    statement = select(sessions.c.id).where(sessions.c.id == canonical)
    if db.write and db.dialect == "postgresql":
        statement = statement.with_for_update()
    if (await db.execute(statement)).first() is None:
        raise SessionNotFound(session_id)
    return canonical


async def start_change(db: UnitOfWork, session_id: str, expected_version: int | None) -> str:
    """require_session for a change asked at `expected_version`, whose own check comes first."""
    check_version(expected_version)
    return await require_session(db=db, session_id=session_id)
