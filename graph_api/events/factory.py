"""The broker a server runs, chosen from its database URL."""

from __future__ import annotations

from sqlalchemy.engine import make_url

from graph_api.config import Settings
from graph_api.events.broker import Broker
from graph_api.events.postgres import PostgresBroker
from graph_api.events.sqlite import DataVersionWatcher

SQLITE_WORKERS_POLL_S = 1.0


def make_broker(settings: Settings) -> Broker:
    """LISTEN/NOTIFY across processes on PostgreSQL; in-process fan-out otherwise
    (polling the change log every second when several workers share an SQLite file)."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "postgresql":
        return PostgresBroker(settings)
    poll_s = SQLITE_WORKERS_POLL_S if settings.workers > 1 else None
    path = url.database if url.get_backend_name() == "sqlite" else None
    if (
        path in ("", ":memory:")
        or (path and path.startswith("file:"))
        or not settings.sqlite_watch_ms
    ):
        path = None  # nothing another process could write to (or a URI we leave alone)
    broker = Broker(queue_size=settings.subscriber_queue_size, poll_s=poll_s)
    if path is not None:
        broker.watch(DataVersionWatcher(broker, path, poll_s=settings.sqlite_watch_ms / 1000))
    return broker
