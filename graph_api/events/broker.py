"""Telling live subscribers that a session has a new committed revision.

The interface is small: the unit of work calls `publish(session_id, revision,
deleted)` after a commit, and a subscriber holds a `subscribe(session_id)`
subscription whose `get()` returns the next `Notice`. A notice is only a
wake-up: subscribers read what changed from the change log, so a notice that
is late, duplicated or coalesced never makes them miss or repeat a change.

`Broker` fans out within one process; on an SQLite file it also watches for
commits of other processes (`graph-api import`, other workers: see
events/sqlite.py). `PostgresBroker` (events/postgres.py) adds LISTEN/NOTIFY so that a commit in one
process wakes subscribers connected to another; `make_broker`
(events/factory.py) picks one from the database URL.

Each subscription has a bounded queue. Publishing never waits for a
subscriber: one that falls more than `queue_size` notices behind is closed,
and its next `get()` raises `SubscriberOverflow` telling it to resubscribe
with `sinceRevision`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

from graph_api.errors import InternalError, LimitExceeded

log = logging.getLogger(__name__)


class Watcher(Protocol):
    """Notices commits made by other processes and hands them to the broker."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def saw(self, session_id: str, revision: int) -> None: ...


@dataclass(frozen=True)
class Notice:
    """`revision` committed in `session_id`; None means "may have changed, read the log"."""

    session_id: str
    revision: int | None
    deleted: bool = False


class SubscriberOverflow(LimitExceeded):
    """The subscriber fell too far behind the writers and was closed."""

    def __init__(self, queue_size: int) -> None:
        super().__init__(
            f"The subscriber fell more than {queue_size} revisions behind and was closed; "
            "subscribe again with sinceRevision set to the last revision received",
            limit="subscriber_queue_size",
        )


class BrokerStopped(InternalError):
    def __init__(self) -> None:
        super().__init__("The server is shutting down; subscribe again with sinceRevision")


class Subscription:
    """One subscriber's bounded queue of notices for one session."""

    def __init__(
        self, broker: Broker, session_id: str, queue_size: int, poll_s: float | None = None
    ) -> None:
        self.session_id = session_id
        self._broker = broker
        self._queue: deque[Notice] = deque()
        self._queue_size = queue_size
        self._poll_s = poll_s
        # True while the subscriber waits in get(), i.e. it has caught up with the log.
        self.waiting = False
        # asyncio.Event binds to a loop only when first awaited (Python >= 3.10).
        self._ready = asyncio.Event()
        self._error: Exception | None = None

    def offer(self, notice: Notice) -> bool:
        """Queue a notice without waiting; False (and closed) when the queue is full."""
        if self._error is not None:
            return False
        if len(self._queue) >= self._queue_size:
            self.fail(SubscriberOverflow(self._queue_size))
            return False
        self._queue.append(notice)
        self._ready.set()
        return True

    def fail(self, error: Exception) -> None:
        """Close with `error`: the next get() raises it."""
        if self._error is None:
            self._error = error
            self._queue.clear()
        self._ready.set()

    async def get(self) -> Notice:
        """The next notice; waits without holding anything open.

        With polling on, a wait longer than `poll_s` ends with a wake-up notice
        (revision None): "read the log, something may have changed elsewhere".
        """
        while True:
            if self._error is not None:
                raise self._error
            if self._queue:
                return self._queue.popleft()
            self._ready.clear()
            self.waiting = True
            try:
                if self._poll_s is None:
                    await self._ready.wait()
                    continue
                async with asyncio.timeout(self._poll_s):
                    await self._ready.wait()
            except TimeoutError:
                return Notice(self.session_id, None)
            finally:
                self.waiting = False

    def take_deleted(self) -> Notice | None:
        """A queued deletion notice, if one has arrived (used when the session is found gone)."""
        for notice in self._queue:
            if notice.deleted:
                return notice
        return None

    def close(self) -> None:
        self._broker._remove(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()


class Broker:
    """In-process fan-out of committed revisions to this process's subscribers.

    `poll_s` is for several processes sharing an SQLite file (serve --workers N):
    they cannot tell each other, so subscribers also re-read the log that often.
    """

    def __init__(
        self,
        *,
        queue_size: int = 1_000,
        poll_s: float | None = None,
    ) -> None:
        self.queue_size = queue_size
        self.poll_s = poll_s
        self._subscribers: dict[str, set[Subscription]] = {}
        self._watcher: Watcher | None = None
        # Change-log reads shared by the subscribers woken by one notice (services/feed.py).
        self.shared_reads: dict[tuple[str, int], asyncio.Future[Any]] = {}

    def watch(self, watcher: Watcher) -> None:
        """Also deliver what `watcher` sees other processes commit (events/sqlite.py)."""
        self._watcher = watcher

    async def start(self) -> None:
        if self._watcher is not None:
            await self._watcher.start()

    async def stop(self) -> None:
        if self._watcher is not None:
            await self._watcher.stop()
        for subscriptions in list(self._subscribers.values()):
            for subscription in list(subscriptions):
                subscription.fail(BrokerStopped())
        self._subscribers.clear()

    async def publish(self, session_id: str, revision: int, deleted: bool = False) -> None:
        """Called after a commit: wake this session's subscribers."""
        if self._watcher is not None:
            self._watcher.saw(session_id, revision)
        self.deliver(Notice(session_id, revision, deleted))

    def subscribed_sessions(self) -> list[str]:
        return list(self._subscribers)

    def deliver_notice(self, session_id: str, revision: int) -> None:
        """Another process committed `revision` of `session_id`."""
        self.deliver(Notice(session_id, revision))

    def subscribe(self, session_id: str) -> Subscription:
        """Register now (before reading anything), so nothing committed later is missed."""
        subscription = Subscription(self, session_id, self.queue_size, self.poll_s)
        self._subscribers.setdefault(session_id, set()).add(subscription)
        return subscription

    def subscriber_count(self, session_id: str | None = None, *, waiting: bool = False) -> int:
        """Subscribers (of one session); with waiting=True only those caught up and idle."""
        groups = (
            [self._subscribers.get(session_id, set())]
            if session_id is not None
            else list(self._subscribers.values())
        )
        return sum(1 for group in groups for s in group if s.waiting or not waiting)

    def deliver(self, notice: Notice) -> None:
        for subscription in list(self._subscribers.get(notice.session_id, ())):
            if not subscription.offer(notice):
                log.warning("closing a subscriber of %s: it fell behind", notice.session_id)
                self._remove(subscription)

    def wake_all(self) -> None:
        """Every subscriber re-reads the change log (after notices may have been lost)."""
        for session_id in list(self._subscribers):
            self.deliver(Notice(session_id, None))

    def _remove(self, subscription: Subscription) -> None:
        subscriptions = self._subscribers.get(subscription.session_id)
        if subscriptions is None:
            return
        subscriptions.discard(subscription)
        if not subscriptions:
            del self._subscribers[subscription.session_id]
