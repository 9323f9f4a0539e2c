"""The unit of work: one database transaction per request.

`transaction_context()` is the only place that begins, commits or rolls back.
Everything a request does to the database goes through its `UnitOfWork`,
whose lock serialises statements: graphql-core resolves sibling fields
concurrently and one connection must never run two statements at once.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import Executable, Result
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from graph_api.caller import Caller
from graph_api.config import Limits
from graph_api.db.engine import WRITE_OPTION

log = logging.getLogger(__name__)

T = TypeVar("T")
Hook = Callable[[], Awaitable[None]]
# Told (session_id, revision, session_deleted) after a commit that changed a session.
Publisher = Callable[[str, int, bool], Awaitable[None]]


class UnitOfWork:
    """A request's transaction: its connection, its lock, its hooks and its state."""

    def __init__(
        self,
        conn: AsyncConnection,
        *,
        write: bool,
        limits: Limits,
        publisher: Publisher | None = None,
        caller: Caller | None = None,
    ) -> None:
        self.conn = conn
        # Who asks; services/access.py decides what they may do. None: no identity.
        self.caller = caller
        self.write = write
        self.limits = limits
        self.dialect = conn.dialect.name
        self.lock = asyncio.Lock()
        self.failed = False
        self._before_commit: list[Hook] = []
        self._after_commit: list[Hook] = []
        self._state: dict[type[Any], Any] = {}
        self._publisher = publisher
        self._notices: list[tuple[str, int, bool]] = []

    async def execute(
        self, statement: Executable, params: Sequence[dict[str, Any]] | dict[str, Any] | None = None
    ) -> Result[Any]:
        """Run one statement on the request's connection, one at a time.

        graphql-core cancels sibling fields when one fails; a statement cancelled
        mid-flight would invalidate the connection and fail the whole request. So the
        statement is shielded: a cancelled caller still waits for it (keeping the lock)
        before the cancellation goes on. On SQLite the statement is interrupted first, so
        that a request ended by its run time limit does not wait for a long query.
        """
        async with self.lock:
            running = asyncio.ensure_future(self.conn.execute(statement, params))
            try:
                return await asyncio.shield(running)
            except asyncio.CancelledError:
                interrupt_sqlite(self.conn)
                await asyncio.wait({running})
                if not running.cancelled():
                    running.exception()  # retrieved: nobody is left to read it
                raise

    def state(self, kind: type[T], factory: Callable[[], T]) -> T:
        """Per-request state owned by a service (e.g. the pending change log)."""
        value = self._state.get(kind)
        if value is None:
            value = self._state[kind] = factory()
        return value

    def before_commit(self, hook: Hook) -> None:
        self._before_commit.append(hook)

    def after_commit(self, hook: Hook) -> None:
        self._after_commit.append(hook)

    def notify(self, session_id: str, revision: int, *, deleted: bool = False) -> None:
        """Tell subscribers about `revision` once (and only if) this transaction commits."""
        self._notices.append((session_id, revision, deleted))

    def mark_failed(self) -> None:
        """Roll back instead of committing when the context exits."""
        self.failed = True


def interrupt_sqlite(conn: AsyncConnection) -> None:
    """Abort the statement running on an SQLite connection (sqlite3's interrupt() is
    thread-safe; aiosqlite runs the statement in its own thread)."""
    if conn.dialect.name != "sqlite":
        return
    try:
        driver: Any = conn.sync_connection.connection.driver_connection  # type: ignore[union-attr]
        driver._conn.interrupt()  # aiosqlite keeps the sqlite3 connection here
    except Exception:  # a connection already closed has nothing to interrupt
        log.debug("could not interrupt the SQLite connection", exc_info=True)


# One queue of writers per SQLite database in this process (asyncio.Lock wakes waiters in
# arrival order). SQLite has one writer at a time; left to its busy timeout, writers
# retry at random and a long import starves the others into "database is busy". In the
# queue each waits its turn however long the write ahead is; the busy timeout (now well
# above the longest write the run time limit allows) is left to other processes (the CLI).
_WRITER_QUEUES: weakref.WeakKeyDictionary[Any, dict[asyncio.AbstractEventLoop, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


@asynccontextmanager
async def _writer_turn(engine: AsyncEngine, *, write: bool) -> AsyncIterator[None]:
    if not write or engine.dialect.name != "sqlite":
        yield
        return
    queues = _WRITER_QUEUES.setdefault(engine.sync_engine, {})
    lock = queues.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    async with lock:
        yield


@asynccontextmanager
async def transaction_context(
    engine: AsyncEngine,
    *,
    write: bool,
    limits: Limits | None = None,
    publisher: Publisher | None = None,
    caller: Caller | None = None,
) -> AsyncIterator[UnitOfWork]:
    """Open a transaction; commit on success, roll back on any exception or mark_failed().

    Writers on SQLite begin with BEGIN IMMEDIATE; readers on PostgreSQL get a
    REPEATABLE READ, READ ONLY snapshot so every nested field sees one state.
    """
    options: dict[str, Any] = {WRITE_OPTION: write}
    if engine.dialect.name == "postgresql":
        if write:
            # Why READ COMMITTED + a session row lock, not SERIALIZABLE + retry: every
            # change to a session bumps one row (its revision), so two writers to one
            # session always conflict. SERIALIZABLE would abort all but one and make us
            # re-run whole GraphQL requests (uploads and all) under contention, and a
            # bounded retry still hands clients errors that a queue would have served.
            # Instead services.access.require_session takes SELECT ... FOR UPDATE on
            # the session row before a changing request reads anything: writers to one
            # session queue in arrival order, each statement after the lock sees the
            # previous writer's commit (READ COMMITTED), so version checks, positions and
            # revisions are exact; writers to different sessions never wait, readers
            # never wait. Only a request changing two sessions in the opposite order of
            # another can deadlock: PostgreSQL aborts one, which answers a retryable
            # error (db/errors.py), with nothing written.
            options["isolation_level"] = "READ COMMITTED"
        else:
            options["isolation_level"] = "REPEATABLE READ"
            options["postgresql_readonly"] = True
    async with _writer_turn(engine, write=write), engine.connect() as raw:
        conn = await raw.execution_options(**options)
        await conn.begin()
        uow = UnitOfWork(
            conn, write=write, limits=limits or Limits(), publisher=publisher, caller=caller
        )
        try:
            yield uow
            if not uow.failed:
                for hook in uow._before_commit:
                    await hook()
        except BaseException:
            async with uow.lock:  # after any statement still running (see execute)
                await conn.rollback()
            raise
        async with uow.lock:
            if uow.failed:
                await conn.rollback()
                return
            await conn.commit()
    await _run_after_commit(uow)


async def _run_after_commit(uow: UnitOfWork) -> None:
    # A failed notification must not turn a committed request into an error.
    for session_id, revision, deleted in uow._notices:
        if uow._publisher is not None:
            try:
                await uow._publisher(session_id, revision, deleted)
            except Exception:
                log.exception("publishing revision %s of %s failed", revision, session_id)
    for hook in uow._after_commit:
        try:
            await hook()
        except Exception:
            log.exception("after-commit hook failed")
