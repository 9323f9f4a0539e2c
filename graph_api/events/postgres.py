"""Cross-process notices over PostgreSQL LISTEN/NOTIFY.

Each process keeps one dedicated asyncpg connection (outside the pool) that
LISTENs on one channel and also sends this process's NOTIFYs. A payload is
only `session_id revision deleted`; subscribers read the change log, so the
payload never has to carry the changes themselves.

A notice published here is delivered to local subscribers at once and queued
for a sender task that NOTIFYs the other processes (a writer never waits for
it); our own NOTIFYs coming back are ignored (same backend pid). If the
connection is lost, a supervisor reconnects with backoff, the sender re-sends
what it could not send meanwhile, and the supervisor wakes every local subscriber
so that it re-reads the change log: whatever was committed while nobody was
listening is then delivered without a gap. A periodic `SELECT 1` notices a
connection that died silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from graph_api.config import Settings
from graph_api.db.transaction import Publisher
from graph_api.events.broker import Broker, Notice

log = logging.getLogger(__name__)

CHANNEL = "graph_api_changes"
_BACKOFF = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0)


def encode(notice: Notice) -> str:
    return f"{notice.session_id} {notice.revision} {int(notice.deleted)}"


def decode(payload: str) -> Notice | None:
    try:
        session_id, revision, deleted = payload.split(" ")
        return Notice(session_id, int(revision), deleted == "1")
    except ValueError:
        log.warning("ignoring a malformed notice %r", payload)
        return None


class PostgresBroker(Broker):
    """In-process fan-out plus LISTEN/NOTIFY between processes sharing one database."""

    def __init__(self, settings: Settings, *, keepalive_s: float = 10.0) -> None:
        super().__init__(queue_size=settings.subscriber_queue_size)
        url = make_url(settings.database_url)
        self._connect_args: dict[str, Any] = {
            "host": url.host,
            "port": url.port or 5432,
            "user": url.username,
            "password": url.password,
            "database": url.database,
            "timeout": settings.connect_timeout_s,
            "server_settings": {"application_name": "graph_api_listener"},
        }
        self._connect_timeout = settings.connect_timeout_s
        self._keepalive_s = keepalive_s
        self._conn: asyncpg.Connection | None = None
        self._pid: int | None = None
        self._lock = asyncio.Lock()
        self._connected = asyncio.Event()
        self._lost = asyncio.Event()
        self._outbox: dict[str, Notice] = {}
        self._outbox_ready = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def listening(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    @property
    def server_pid(self) -> int | None:
        """The listener's backend pid (tests terminate it to exercise reconnects)."""
        return self._pid

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._supervise(), name="graph_api listener"),
            asyncio.create_task(self._send_loop(), name="graph_api notifier"),
        ]
        # Serve even if the database is down: the supervisor keeps trying.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._connect_timeout):
                await self._connected.wait()

    async def stop(self) -> None:
        # asyncio.timeout, never wait_for, in these tasks: on Python 3.11 wait_for can
        # swallow a cancellation that races with its result, and stop() would hang.
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)
        self._tasks = []
        await self._close()
        await super().stop()

    async def wait_listening(self) -> None:
        """Wait until the listener is (re)connected (callers bound it with asyncio.timeout)."""
        await self._connected.wait()

    async def publish(self, session_id: str, revision: int, deleted: bool = False) -> None:
        """Wake local subscribers now; a sender task tells the other processes.

        The request that committed never waits for the network: the outbox keeps
        the newest notice per session (a deletion sticks), which is all a
        subscriber needs, since it reads the change log itself.
        """
        notice = Notice(session_id, revision, deleted)
        self.deliver(notice)
        self._queue_out(notice)

    def _queue_out(self, notice: Notice, *, retry: bool = False) -> None:
        previous = self._outbox.get(notice.session_id)
        if retry and previous is not None:
            return  # a newer notice for this session is already waiting
        if previous is None or not previous.deleted:
            self._outbox[notice.session_id] = notice
        self._outbox_ready.set()

    async def _send_loop(self) -> None:
        while True:
            await self._outbox_ready.wait()
            self._outbox_ready.clear()
            await self._connected.wait()
            while self._outbox:
                session_id = next(iter(self._outbox))
                notice = self._outbox.pop(session_id)
                if not await self._notify(notice):
                    self._queue_out(notice, retry=True)
                    await asyncio.sleep(_BACKOFF[0])  # let the supervisor reconnect
                    break

    async def _notify(self, notice: Notice) -> bool:
        conn = self._conn
        if conn is None or conn.is_closed():
            return False
        try:
            async with self._lock, asyncio.timeout(self._keepalive_s):
                await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, encode(notice))
            return True
        except Exception:
            log.warning("NOTIFY failed; will re-send after reconnecting", exc_info=True)
            self._lost.set()
            return False

    def _on_notification(self, _conn: Any, pid: int, _channel: str, payload: str) -> None:
        if pid == self._pid:
            return  # our own publish, already delivered locally
        notice = decode(payload)
        if notice is not None:
            self.deliver(notice)

    def _on_termination(self, _conn: Any) -> None:
        self._lost.set()

    async def _supervise(self) -> None:
        attempt = 0
        while True:
            try:
                await self._connect()
                attempt = 0
                await self._watch()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("LISTEN connection unavailable; retrying", exc_info=True)
            await self._close()
            await asyncio.sleep(_BACKOFF[min(attempt, len(_BACKOFF) - 1)])
            attempt += 1

    async def _connect(self) -> None:
        conn: asyncpg.Connection = await asyncpg.connect(**self._connect_args)
        self._lost.clear()
        conn.add_termination_listener(self._on_termination)
        await conn.add_listener(CHANNEL, self._on_notification)
        self._conn = conn
        self._pid = conn.get_server_pid()
        self._connected.set()
        log.info("listening for changes on %s (pid %s)", CHANNEL, self._pid)
        # Notices sent while nobody listened are lost: every subscriber re-reads the log.
        self.wake_all()

    async def _watch(self) -> None:
        """Return when the connection is lost (termination, failed NOTIFY or keepalive)."""
        while True:
            try:
                async with asyncio.timeout(self._keepalive_s):
                    await self._lost.wait()
                return
            except TimeoutError:
                pass
            conn = self._conn
            if conn is None or conn.is_closed():
                return
            try:
                async with self._lock, asyncio.timeout(self._keepalive_s):
                    await conn.fetchval("SELECT 1")
            except Exception:
                log.warning("LISTEN connection keepalive failed", exc_info=True)
                return

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        self._connected.clear()
        if conn is None or conn.is_closed():
            return
        try:
            async with asyncio.timeout(2.0):
                await conn.close()
        except Exception:
            conn.terminate()


def one_shot_publisher(engine: AsyncEngine) -> Publisher:
    """For a process without a broker (`graph-api import`): each commit's notice is one NOTIFY,
    the same payload on the same channel as a server's, so running servers deliver it."""

    async def publish(session_id: str, revision: int, deleted: bool = False) -> None:
        async with engine.connect() as conn:
            # Autocommit: NOTIFY is sent at once, outside any transaction of ours.
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await auto.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": CHANNEL, "payload": encode(Notice(session_id, revision, deleted))},
            )

    return publish
