"""Commits of other processes on an SQLite file, noticed by the server (the CLI's imports).

SQLite has no NOTIFY. `PRAGMA data_version`, asked on one connection, changes
when any *other* connection has committed since it was last asked. So a
watcher keeps a dedicated connection and, while this process has subscribers,
asks every `poll_s` (one cheap pragma, no table read). When the number moved,
it reads the revision of each subscribed session and delivers a notice for
each one that is not the revision it last saw; the subscribers then read the
change log from where they are, as for any notice. Commits of this process
move the number too (the pool's connections are "other" connections); their
revisions were already seen through `publish`, so they cost one small query
and deliver nothing.

`seen` (the last revision delivered per session) keeps only subscribed sessions: an entry
matters only while someone listens, and one per session ever written (imported, deleted)
grew without end in a long-running server (issue 16). A session that is subscribed again
is read afresh: at worst one notice of a revision its new subscribers have already read,
which the feed drops (a notice is only a wake-up).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

import aiosqlite

from graph_api.db.keysets import chunked

log = logging.getLogger(__name__)

_SESSIONS_PER_QUERY = 500  # under SQLite's host-parameter limit


class Subscribers(Protocol):
    """The broker, as the watcher sees it."""

    def subscribed_sessions(self) -> list[str]: ...

    def deliver_notice(self, session_id: str, revision: int) -> None: ...


class DataVersionWatcher:
    """Delivers to `broker` what other processes committed to the SQLite file at `path`."""

    def __init__(self, broker: Subscribers, path: str, *, poll_s: float) -> None:
        self.broker = broker
        self.path = path
        self.poll_s = poll_s
        self.seen: dict[str, int] = {}  # session id -> the last revision delivered
        self._conn: aiosqlite.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._version: int | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="sqlite-data-version")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._close()

    def saw(self, session_id: str, revision: int) -> None:
        """This process published `revision`: no need to deliver it again."""
        if revision > self.seen.get(session_id, -1):
            self.seen[session_id] = revision

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.poll_s)
            try:
                await self.poll()
            except Exception:  # a locked or vanished file: try again with a new connection
                log.warning("watching %s for other processes' commits failed", self.path,
                            exc_info=True)  # fmt: skip
                await self._close()

    async def poll(self) -> None:
        """One look: deliver what other connections committed since the last one."""
        sessions = self.broker.subscribed_sessions()
        self._forget_unsubscribed(sessions)
        if not sessions:
            self._version = None  # nobody listens: no queries at all
            return
        conn = await self._connection()
        async with conn.execute("PRAGMA data_version") as cursor:
            row = await cursor.fetchone()
        version = int(row[0]) if row is not None else 0
        if version == self._version:
            return
        self._version = version
        for chunk in chunked(sessions, _SESSIONS_PER_QUERY):
            marks = ",".join("?" * len(chunk))
            query = f"SELECT id, revision FROM sessions WHERE id IN ({marks})"
            async with conn.execute(query, chunk) as cursor:
                for session_id, revision in await cursor.fetchall():
                    if revision != self.seen.get(session_id):
                        self.seen[session_id] = revision
                        self.broker.deliver_notice(session_id, revision)

    def _forget_unsubscribed(self, sessions: list[str]) -> None:
        """Drop the entries of sessions nobody follows any more (or never followed: `saw`
        records every commit of this process)."""
        if len(self.seen) > len(sessions):  # only then can an entry be stale; cheap otherwise
            subscribed = set(sessions)
            self.seen = {key: rev for key, rev in self.seen.items() if key in subscribed}

    async def _connection(self) -> aiosqlite.Connection:
        if self._conn is None:
            # Autocommit: no read transaction stays open between two looks.
            self._conn = await aiosqlite.connect(self.path, isolation_level=None)
        return self._conn

    async def _close(self) -> None:
        conn, self._conn, self._version = self._conn, None, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()
