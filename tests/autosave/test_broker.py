"""The event brokers: bounded fan-out in one process, LISTEN/NOTIFY between processes."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from graph_api.config import Settings
from graph_api.db.transaction import transaction_context
from graph_api.events.broker import Broker, BrokerStopped, Notice, SubscriberOverflow
from graph_api.events.factory import make_broker
from graph_api.events.postgres import PostgresBroker, decode, encode
from graph_api.services import sessions as session_service
from graph_api.services.autosave.save import auto_save
from graph_api.services.autosave.specs import AutoSaveSpec, NodeChangeSpec
from graph_api.services.changes import feed as feed_service
from graph_api.services.specs import SessionSpec
from tests.autosave.conftest import wait_until
from tests.conftest import ENGINE

needs_postgres = pytest.mark.skipif(
    ENGINE != "postgresql",
    reason="LISTEN/NOTIFY needs PostgreSQL: set GRAPH_API_TEST_DATABASE_URL to run it",
)


async def test_fan_out_reaches_only_that_sessions_subscribers():
    broker = Broker(queue_size=10)
    with broker.subscribe("a") as a1, broker.subscribe("a") as a2, broker.subscribe("b") as b:
        await broker.publish("a", 5, False)
        assert await a1.get() == Notice("a", 5) == await a2.get()
        assert broker.subscriber_count("b") == 1
        assert b.take_deleted() is None
    assert broker.subscriber_count() == 0


async def test_a_full_queue_closes_that_subscriber_only_and_never_blocks_the_writer():
    broker = Broker(queue_size=2)
    slow = broker.subscribe("s")
    fast = broker.subscribe("s")
    for revision in range(1, 4):
        await broker.publish("s", revision, False)
        assert (await fast.get()).revision == revision
    with pytest.raises(SubscriberOverflow) as raised:
        await slow.get()
    assert raised.value.extensions["code"] == "LIMIT_EXCEEDED"
    assert "sinceRevision" in raised.value.message
    assert broker.subscriber_count("s") == 1


async def test_a_waiting_subscriber_wakes_on_publish_and_on_stop():
    broker = Broker()
    subscription = broker.subscribe("s")
    waiter = asyncio.create_task(subscription.get())
    await asyncio.sleep(0)
    await broker.publish("s", 1, True)
    assert (await waiter).deleted
    waiter = asyncio.create_task(subscription.get())
    await asyncio.sleep(0)
    await broker.stop()
    with pytest.raises(BrokerStopped):
        await waiter


def test_the_broker_follows_the_database_url():
    single = make_broker(Settings(database_url="sqlite+aiosqlite:///x.db"))
    assert type(single) is Broker and single.poll_s is None
    # Workers sharing an SQLite file cannot notify each other: their subscribers poll.
    assert make_broker(Settings(database_url="sqlite+aiosqlite:///x.db", workers=2)).poll_s
    pg = make_broker(Settings(database_url="postgresql+asyncpg://u@h/db"))
    assert isinstance(pg, PostgresBroker)
    notice = Notice("0b8f7c1e-2c1a-4e55-9d8e-5f0e8a1d2c3b", 12, True)
    assert decode(encode(notice)) == notice
    assert decode("garbage") is None


# ---------------------------------------------------------------- the feed, without a socket


async def _new_session(engine: Any, publisher: Any = None) -> str:
    async with transaction_context(engine, write=True, publisher=publisher) as db:
        return str((await session_service.create_session(db=db, spec=SessionSpec())).id)


async def _commit(engine: Any, session_id: str, save_id: str, publisher: Any) -> int:
    async with transaction_context(engine, write=True, publisher=publisher) as db:
        result = await auto_save(
            db=db,
            session_id=session_id,
            spec=AutoSaveSpec(save_id=save_id, nodes=[NodeChangeSpec("N001", label=save_id)]),
        )
    return result.revision


async def test_a_notice_for_a_replayed_revision_is_not_delivered_twice(engine, settings):
    broker = Broker()
    session_id = await _new_session(engine)
    await _commit(engine, session_id, "r2", None)
    feed = feed_service.session_feed(
        engine=engine,
        broker=broker,
        session_id=session_id,
        since_revision=1,
        limits=settings.limits,
    )
    first = await anext(feed)  # subscribed, then replayed revision 2
    assert first.revision == 2
    await broker.publish(session_id, 2, False)  # late notice of what was replayed
    revision = await _commit(engine, session_id, "r3", broker.publish)
    second = await anext(feed)
    assert (second.revision, second.save_id) == (revision, "r3")
    await feed.aclose()
    assert broker.subscriber_count() == 0


async def test_a_wake_up_without_revision_reads_what_was_missed(engine, settings):
    broker = Broker()
    session_id = await _new_session(engine)
    feed = feed_service.session_feed(
        engine=engine,
        broker=broker,
        session_id=session_id,
        since_revision=None,
        limits=settings.limits,
    )
    pending = asyncio.create_task(anext(feed))
    await wait_until(lambda: broker.subscriber_count(session_id, waiting=True) > 0)
    await _commit(engine, session_id, "unannounced", None)  # e.g. a NOTIFY lost while reconnecting
    broker.wake_all()
    change = await asyncio.wait_for(pending, 10)
    assert (change.revision, change.save_id) == (2, "unannounced")
    await feed.aclose()


async def test_a_polling_feed_finds_changes_committed_by_another_process(engine, settings):
    broker = Broker(poll_s=0.05)
    session_id = await _new_session(engine)
    feed = feed_service.session_feed(
        engine=engine,
        broker=broker,
        session_id=session_id,
        since_revision=None,
        limits=settings.limits,
    )
    pending = asyncio.create_task(anext(feed))
    await wait_until(lambda: broker.subscriber_count(session_id, waiting=True) > 0)
    await _commit(engine, session_id, "elsewhere", None)  # no notice at all
    change = await asyncio.wait_for(pending, 10)
    assert (change.revision, change.save_id) == (2, "elsewhere")
    await feed.aclose()


# ---------------------------------------------------------------- PostgreSQL LISTEN/NOTIFY


@needs_postgres
async def test_a_commit_in_one_process_wakes_subscribers_of_another(settings):
    one, two = PostgresBroker(settings), PostgresBroker(settings)
    await one.start()
    await two.start()
    try:
        assert one.listening and two.listening
        with one.subscribe("s") as here, two.subscribe("s") as there:
            await one.publish("s", 7, False)
            assert await asyncio.wait_for(there.get(), 10) == Notice("s", 7)
            # Delivered locally once: our own NOTIFY coming back is ignored.
            assert await here.get() == Notice("s", 7)
            await one.publish("s", 8, True)
            assert await asyncio.wait_for(there.get(), 10) == Notice("s", 8, True)
            assert (await here.get()).revision == 8
            assert here.take_deleted() is None
    finally:
        await one.stop()
        await two.stop()


@needs_postgres
async def test_the_listener_reconnects_and_nothing_committed_meanwhile_is_missed(engine, settings):
    writer, reader = PostgresBroker(settings), PostgresBroker(settings)
    await writer.start()
    await reader.start()
    gate = asyncio.Event()
    reconnect = reader._connect

    async def held_reconnect() -> None:
        await gate.wait()
        await reconnect()

    try:
        session_id = await _new_session(engine, writer.publish)
        feed = feed_service.session_feed(
            engine=engine,
            broker=reader,
            session_id=session_id,
            since_revision=1,
            limits=settings.limits,
        )
        assert (
            await asyncio.wait_for(_next(feed, writer, engine, session_id, "before"), 10)
        ).save_id == "before"
        # Kill the reader's LISTEN connection and keep it down while a change is committed.
        reader._connect = held_reconnect  # type: ignore[method-assign]
        await _terminate(settings, reader.server_pid)
        await wait_until(lambda: not reader.listening)
        pending = asyncio.create_task(anext(feed))
        await _commit(engine, session_id, "while-down", writer.publish)
        await asyncio.sleep(0.2)
        assert not pending.done()  # its NOTIFY went to nobody
        gate.set()
        change = await asyncio.wait_for(pending, 10)
        assert change.save_id == "while-down"
        assert reader.listening
        await feed.aclose()
    finally:
        await writer.stop()
        await reader.stop()


async def _next(
    feed: Any, writer: PostgresBroker, engine: Any, session_id: str, save_id: str
) -> Any:
    pending = asyncio.create_task(anext(feed))
    await asyncio.sleep(0.05)
    await _commit(engine, session_id, save_id, writer.publish)
    return await pending


async def _terminate(settings: Settings, pid: int | None) -> None:
    url = make_url(settings.database_url)
    conn = await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=url.database,
    )
    try:
        await conn.execute("SELECT pg_terminate_backend($1)", pid)
    finally:
        await conn.close()


async def test_the_sqlite_watcher_remembers_only_subscribed_sessions(tmp_path):
    """Issue 16: one `seen` entry per session ever written grew without end in a server."""
    from sqlalchemy import create_engine, text

    from graph_api.events.sqlite import DataVersionWatcher

    path = tmp_path / "w.db"
    sync = create_engine(f"sqlite:///{path}")
    with sync.begin() as conn:
        conn.execute(text("CREATE TABLE sessions (id TEXT PRIMARY KEY, revision INTEGER)"))
        conn.execute(text("INSERT INTO sessions VALUES ('kept', 1)"))
    broker = Broker()
    watcher = DataVersionWatcher(broker, str(path), poll_s=0.15)
    broker.watch(watcher)
    try:
        with broker.subscribe("kept") as kept:
            await watcher.poll()
            assert (await kept.get()).revision == 1
            for index in range(300):
                session_id = f"s{index}"
                with sync.begin() as conn:  # another process writes a session, then ...
                    conn.execute(text("INSERT INTO sessions VALUES (:id, 1)"), {"id": session_id})
                if index % 2:
                    with broker.subscribe(session_id) as passing:  # ... someone follows it
                        await watcher.poll()
                        assert (await passing.get()).revision == 1
                await broker.publish(f"gone{index}", 2, True)  # this process deletes one
                await watcher.poll()
                assert len(watcher.seen) <= 2
            await broker.publish("kept", 2)
            assert (await kept.get()).revision == 2
            with sync.begin() as conn:
                conn.execute(text("UPDATE sessions SET revision = 2 WHERE id = 'kept'"))
            await watcher.poll()  # still remembered: revision 2 is not delivered twice
            assert watcher.seen == {"kept": 2}
            waiter = asyncio.create_task(kept.get())
            await asyncio.sleep(0.05)
            assert not waiter.done()
            waiter.cancel()
        await watcher.poll()
        assert watcher.seen == {}
    finally:
        await broker.stop()
        sync.dispose()
