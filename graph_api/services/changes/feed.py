"""A session's live change feed: replay of the change log, then live changes, with no seam.

The subscription is registered with the broker *before* the first read, so a
revision committed while the replay is being read is either in the replay or
announced by a notice afterwards (or both: notices at or below the last
revision delivered are dropped). Notices are only wake-ups: every batch is
read from the change log in its own short read transaction, and no
transaction is open while the feed waits for a notice or for its consumer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from graph_api.caller import Caller
from graph_api.config import Limits
from graph_api.db.transaction import transaction_context
from graph_api.errors import BadUserInput, Forbidden, SessionNotFound, Unauthenticated
from graph_api.events.broker import Broker, Notice, Subscription
from graph_api.services import access, clock
from graph_api.services import sessions as session_service
from graph_api.services.changes import log as change_service
from graph_api.services.identity import tokens
from graph_api.services.records import ChangeRecord, record_of
from graph_api.services.validation import parse_session_id


def change_of(row: Any) -> ChangeRecord:
    """The record of a change-log row (its changed fields decoded for an UPDATE)."""
    fields = change_service.decode_fields(row.fields) if row.op == "UPDATE" else None
    return record_of(ChangeRecord, row, fields=fields)


async def check_start(
    *,
    engine: AsyncEngine,
    session_id: str,
    since_revision: int | None,
    limits: Limits,
    caller: Caller | None = None,
) -> str:
    """The canonical id of an existing session, visible to `caller`, that can be followed
    from `since_revision`.

    Read in a short transaction of its own, before the feed starts, so that a
    subscription that cannot start fails as a whole operation.
    """
    async with transaction_context(engine, write=False, limits=limits, caller=caller) as db:
        row = await session_service.get_session(db=db, session_id=session_id)
    if row is None:
        raise SessionNotFound(session_id)
    _check_since(since_revision, row.revision)
    return str(row.id)


def _check_since(since_revision: int | None, revision: int) -> None:
    if since_revision is not None and since_revision > revision:
        raise BadUserInput(
            f"sinceRevision {since_revision} is ahead of the session's revision {revision}",
            field="sinceRevision",
        )


async def session_feed(
    *,
    engine: AsyncEngine,
    broker: Broker,
    session_id: str,
    since_revision: int | None,
    limits: Limits,
    caller: Caller | None = None,
    recheck_s: float = 2.0,
) -> AsyncGenerator[ChangeRecord, None]:
    """Changes after `since_revision` (or from now), in revision order, until the session goes.

    With a caller, their credential and membership are checked again every `recheck_s`
    while the feed waits: a revoked token ends it with UNAUTHENTICATED, a removed member's
    with FORBIDDEN.
    """
    canonical = parse_session_id(session_id)
    if canonical is None:
        raise SessionNotFound(session_id)
    with broker.subscribe(canonical) as subscription:
        async with transaction_context(engine, write=False, limits=limits) as db:
            row = await session_service.get_session(db=db, session_id=canonical)
        if row is None:
            raise SessionNotFound(session_id)
        _check_since(since_revision, row.revision)
        last = row.revision if since_revision is None else since_revision
        want: int | None = None
        while True:
            has_more = True
            while has_more:
                page, has_more = await _read_shared(engine, broker, canonical, last, want, limits)
                want = None
                if page is None:
                    yield _deleted(canonical, subscription, last)
                    return
                for change in page:
                    yield change
                if page:
                    last = page[-1].revision
            notice = await _next_notice_checked(
                subscription,
                last,
                engine=engine,
                caller=caller,
                session_id=canonical,
                limits=limits,
                recheck_s=recheck_s,
            )
            if notice.deleted and notice.revision is not None:
                yield ChangeRecord(notice.revision, clock.now(), "DELETE", "SESSION", canonical)
                return
            want = notice.revision


async def _next_notice_checked(
    subscription: Subscription,
    last: int,
    *,
    engine: AsyncEngine,
    caller: Caller | None,
    session_id: str,
    limits: Limits,
    recheck_s: float,
) -> Notice:
    """_next_notice, re-checking the caller's access every `recheck_s` while it waits."""
    if caller is None:
        return await _next_notice(subscription, last)
    waiting = asyncio.ensure_future(_next_notice(subscription, last))
    try:
        while True:
            done, _ = await asyncio.wait({waiting}, timeout=recheck_s)
            if done:
                return waiting.result()
            await check_access(engine=engine, caller=caller, session_id=session_id, limits=limits)
    finally:
        waiting.cancel()


async def check_access(
    *, engine: AsyncEngine, caller: Caller, session_id: str, limits: Limits
) -> None:
    """UNAUTHENTICATED if the caller's credential no longer holds, FORBIDDEN if their access
    to the session is gone."""
    async with transaction_context(engine, write=False, limits=limits, caller=caller) as db:
        if not await tokens.still_valid(db=db, caller=caller):
            raise Unauthenticated("The credential of this subscription was revoked or expired")
        if not await access.can_see(db=db, session_id=session_id):
            raise Forbidden("Your access to this session was removed")


async def _next_notice(subscription: Subscription, last: int) -> Notice:
    """Wait for news after `last` (a deletion, a later revision, or a plain wake-up)."""
    while True:
        notice = await subscription.get()
        if notice.deleted and notice.revision is not None:
            return notice
        if notice.revision is None or notice.revision > last:
            return notice


PageResult = tuple[list["ChangeRecord"] | None, bool]
# How long a shared read is offered to subscribers that arrive late for it.
_SHARED_READ_S = 1.0


async def _read_shared(
    engine: AsyncEngine,
    broker: Broker,
    session_id: str,
    last: int,
    want: int | None,
    limits: Limits,
) -> PageResult:
    """The page after `last`, read once for every subscriber woken by the same notice.

    200 subscribers of one session used to run 200 identical reads per write, which
    took the writers' connections and CPU (issue 17). Subscribers at the same `last`
    now await one read; a read that started before revision `want` was committed
    does not cover it, so that subscriber reads again (rare: writes in a burst).
    A wake-up without a revision (polling) always reads afresh.
    """
    if want is None:
        return await _read_page(engine=engine, session_id=session_id, last=last, limits=limits)
    key = (session_id, last)
    reads = broker.shared_reads
    future = reads.get(key)
    if future is None or (future.done() and not _covers(future, want)):
        future = asyncio.ensure_future(
            _read_page(engine=engine, session_id=session_id, last=last, limits=limits)
        )
        reads[key] = future
        future.add_done_callback(partial(_forget_later, reads, key))
    result: PageResult = await asyncio.shield(future)
    if not _covers(future, want):
        result = await _read_page(engine=engine, session_id=session_id, last=last, limits=limits)
    return result


def _covers(future: asyncio.Future[PageResult], want: int) -> bool:
    if future.cancelled() or future.exception() is not None:
        return False
    page, has_more = future.result()
    return page is None or has_more or (bool(page) and page[-1].revision >= want)


def _forget_later(
    reads: dict[tuple[str, int], Any], key: tuple[str, int], future: asyncio.Future[Any]
) -> None:
    def forget() -> None:
        if reads.get(key) is future:
            del reads[key]

    asyncio.get_running_loop().call_later(_SHARED_READ_S, forget)


async def _read_page(
    *, engine: AsyncEngine, session_id: str, last: int, limits: Limits
) -> tuple[list[ChangeRecord] | None, bool]:
    """Whole revisions after `last`, in one short transaction; (None, False): session gone."""
    async with transaction_context(engine, write=False, limits=limits) as db:
        if await session_service.get_session(db=db, session_id=session_id) is None:
            return None, False
        rows, has_more = await change_service.list_changes(
            db=db, session_id=session_id, since_revision=last, first=limits.max_changes_page
        )
    return [change_of(row) for row in rows], has_more


def _deleted(session_id: str, subscription: Subscription, last: int) -> ChangeRecord:
    """DELETE SESSION at the revision its notice announced (last + 1 if none arrived yet)."""
    notice = subscription.take_deleted()
    revision = notice.revision if notice is not None and notice.revision is not None else last + 1
    return ChangeRecord(revision, clock.now(), "DELETE", "SESSION", session_id)
