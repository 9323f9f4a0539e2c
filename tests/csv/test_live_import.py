"""A `graph-api import` in another process reaches a running server's subscribers.

PostgreSQL: the CLI's commit NOTIFYs like a server's write. SQLite: the server
watches the file's data_version and reads the revisions of subscribed sessions.
"""

from __future__ import annotations

import asyncio
import os
import sys

import httpx
import pytest

from graph_api.events.broker import Broker
from graph_api.events.sqlite import DataVersionWatcher
from tests.autosave.conftest import HttpGraphQL, serve_process
from tests.autosave.wsclient import graphql_ws
from tests.csv.conftest import write_csv
from tests.factories import make_session

pytestmark = pytest.mark.slow


async def run_cli(*args: str, database_url: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPH_API_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "graph_api", *args, "--database-url", database_url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_a_cli_import_reaches_a_live_subscription(database_url, tmp_path):
    nodes = write_csv(tmp_path / "n.csv", [["node_id", "label"], ["A", "Alpha"], ["N001", "One"]])
    rels = write_csv(tmp_path / "r.csv", [["source", "target", "type"], ["A", "N001", "KNOWS"]])
    async with (
        serve_process(database_url, tmp_path) as server,
        httpx.AsyncClient(base_url=server.url, timeout=30) as http,
    ):
        session_id = await make_session(HttpGraphQL(http))  # N001, N002: revision 1
        async with graphql_ws(server.url) as ws:
            await ws.changes(session_id, since=1)
            await asyncio.sleep(0.5)  # the subscription has replayed nothing and is waiting
            code, out, err = await run_cli(
                "import", "--session", session_id, "--nodes", str(nodes),
                "--relationships", str(rels), "--mode", "upsert", database_url=database_url,
            )  # fmt: skip
            assert code == 0, err
            assert "revision 2" in out
            changes = await ws.collect(3, wait_s=10)
    assert [(c["revision"], c["op"], c["kind"], c["key"]) for c in changes] == [
        (2, "CREATE", "NODE", "A"),
        (2, "UPDATE", "NODE", "N001"),
        (2, "CREATE", "RELATIONSHIP", changes[2]["key"]),
    ]


async def test_the_sqlite_watcher_costs_nothing_without_subscribers(tmp_path):
    from sqlalchemy import create_engine, text

    path = tmp_path / "w.db"
    sync = create_engine(f"sqlite:///{path}")
    with sync.begin() as conn:
        conn.execute(text("CREATE TABLE sessions (id TEXT PRIMARY KEY, revision INTEGER)"))
        conn.execute(text("INSERT INTO sessions VALUES ('s1', 1)"))
    broker = Broker()
    watcher = DataVersionWatcher(broker, str(path), poll_s=0.15)
    broker.watch(watcher)
    try:
        await watcher.poll()
        assert watcher._conn is None  # no subscriber: not even a connection
        with broker.subscribe("s1") as subscription:
            await watcher.poll()  # first look: revision 1 is news to this process
            assert (await subscription.get()).revision == 1
            await watcher.poll()  # nothing committed since
            with sync.begin() as conn:
                conn.execute(text("UPDATE sessions SET revision = 2"))
            await watcher.poll()
            assert (await subscription.get()).revision == 2
            await broker.publish("s1", 3)  # this process's own commit
            assert (await subscription.get()).revision == 3
            with sync.begin() as conn:
                conn.execute(text("UPDATE sessions SET revision = 3"))
            await watcher.poll()  # seen already: nothing delivered twice
            assert broker.subscriber_count("s1") == 1
            waiter = asyncio.create_task(subscription.get())
            await asyncio.sleep(0.05)
            assert not waiter.done()
            waiter.cancel()
    finally:
        await broker.stop()
        sync.dispose()
