"""How SQLAlchemy drives aiosqlite: one trip to the connection's thread per statement.

aiosqlite runs each call on its connection's own thread, and every call is a round trip
(a queue put, a thread wake-up, a callback back into the event loop). SQLAlchemy's adapter
makes four of them per statement (open a cursor, execute, fetch all, close the cursor)
plus one for our BEGIN: on a small request those trips were most of the time
(issue 16, bench/profile_small.py). Here a statement, its rows and its cursor's end are
one trip, and our BEGIN rides along with the transaction's first statement (a transaction
that ran nothing ends without any trip; one that only read does not wait for its COMMIT).
The sqlite3 calls and their order are the same as before; SQLite's own BEGIN (deferred or
IMMEDIATE) takes its locks and snapshot at that first statement either way.

Server-side cursors (stream results) keep SQLAlchemy's own adapter.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import aiosqlite
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection, AsyncIODBAPIConnection
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT

# What one trip brings back: description, rows, rowcount, lastrowid, in a transaction.
_Outcome = tuple[Any, Sequence[Any], int, int | None, bool]


def _run(
    connection: aiosqlite.Connection,
    begin: str | None,
    operation: str,
    parameters: Any,
    many: bool,
) -> _Outcome:
    """On the connection's thread: the pending BEGIN, the statement, its rows."""
    conn: sqlite3.Connection = connection._conn
    if begin is not None:
        conn.execute(begin)
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else ()
        return description, rows, cursor.rowcount, cursor.lastrowid, conn.in_transaction
    finally:
        cursor.close()


def _is_select(operation: str) -> bool:
    return operation[:16].lstrip()[:6].upper() == "SELECT"


def _end_reads(connection: aiosqlite.Connection) -> None:
    """On the connection's thread, answering nobody: end a transaction that only read."""
    conn = connection._conn
    try:
        conn.commit()
    except sqlite3.Error:
        conn.rollback()  # the next BEGIN must find no transaction open


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor whose statement runs, is fetched and is closed in one trip."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_dbapi_connection) -> None:
        # No sqlite3 cursor is opened here (that was a trip of its own).
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]  # None before an INSERT, as sqlite3

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _async_soft_close(self) -> None:
        """Nothing to close: the sqlite3 cursor ended in the statement's trip."""

    def close(self) -> None:
        self._rows.clear()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        await self._trip(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        await self._trip(operation, seq_of_parameters, many=True)

    async def _trip(self, operation: str, parameters: Any, *, many: bool) -> None:
        adapted: OneTripConnection = self._adapt_connection  # type: ignore[assignment]
        async with adapted._execute_mutex:
            begin, adapted.pending_begin = adapted.pending_begin, None
            if begin is not None:
                # BEGIN IMMEDIATE holds the write lock until its COMMIT: that one is waited for.
                adapted.only_reads = begin == "BEGIN"
            if adapted.only_reads and not _is_select(operation):
                adapted.only_reads = False
            connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
            try:
                outcome: _Outcome = await connection._execute(  # type: ignore[no-untyped-call]
                    _run, connection, begin, operation, parameters, many
                )
            except BaseException:
                # Perhaps BEGIN ran and the statement failed: let ROLLBACK make its trip.
                adapted.in_transaction = True
                raise
        self._description, rows, self._rowcount, self._lastrowid, open_ = outcome
        adapted.in_transaction = open_
        self._rows = collections.deque(rows)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """The adapted connection: OneTripCursor, a BEGIN held until the first statement, no
    trip for a COMMIT or ROLLBACK with no transaction open (a transaction that ran
    nothing; the pool's rollback of a connection returned after its commit), and no wait
    for the COMMIT of a transaction that only ran SELECTs.

    That COMMIT only lets go of a snapshot whose rows are all fetched already: it is
    queued on the connection's thread, and whatever this connection does next is queued
    behind it (aiosqlite runs its calls in order), so the answer need not wait for it.
    """

    __slots__ = ("in_transaction", "only_reads", "pending_begin")
    _cursor_cls = OneTripCursor

    def __init__(self, dbapi: Any, connection: AsyncIODBAPIConnection) -> None:
        super().__init__(dbapi, connection)
        self.pending_begin: str | None = None
        # As sqlite3 reported it after this connection's last statement.
        self.in_transaction = False
        # The transaction our deferred BEGIN opened has run nothing but SELECTs so far.
        self.only_reads = False

    def begin(self, statement: str) -> None:
        """BEGIN (or BEGIN IMMEDIATE) with the next statement, in its trip."""
        self.pending_begin = statement

    def cursor(self, server_side: bool = False) -> Any:
        if server_side and self.pending_begin is not None:
            # SQLAlchemy's streaming cursor knows nothing of the held BEGIN: send it first.
            self.cursor().execute("SELECT 1")
        return super().cursor(server_side)

    def commit(self) -> None:
        if self.in_transaction and self.only_reads:
            self.pending_begin = None
            self.in_transaction = self.only_reads = False
            connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
            connection._tx.put_nowait((None, partial(_end_reads, connection)))
            return
        self._end(super().commit)

    def rollback(self) -> None:
        self._end(super().rollback)

    def _end(self, end: Callable[[], None]) -> None:
        self.pending_begin = None
        self.only_reads = False
        if self.in_transaction:
            end()
            self.in_transaction = False


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DB-API module, handing out OneTripConnection."""

    def __init__(self) -> None:
        super().__init__(aiosqlite, sqlite3)

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def one_trip_dbapi() -> OneTripDBAPI:
    """The `module=` for create_async_engine on an sqlite+aiosqlite URL."""
    return OneTripDBAPI()
