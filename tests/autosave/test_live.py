"""sessionChanges over a real socket: uvicorn on a loopback port, a graphql-transport-ws client."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

from graph_api.config import Settings
from graph_api.db.transaction import transaction_context
from graph_api.services.autosave import save as autosave_service
from graph_api.services.autosave.specs import AutoSaveSpec, NodeChangeSpec
from tests.autosave.conftest import AUTO_SAVE, LiveServer, auto_save, wait_until
from tests.autosave.wsclient import graphql_ws
from tests.factories import make_session
from tests.graphql.helpers import CHANGES

DELETE_SESSION = "mutation($s: ID!) { deleteSession(id: $s) { deleted } }"


def _key(change: dict[str, Any]) -> tuple[Any, ...]:
    return (change["revision"], change["op"], change["kind"], change["key"], change["saveId"])


async def _committed(server: LiveServer, session_id: str, since: int) -> list[tuple[Any, ...]]:
    data = await server.gql.ok(CHANGES, {"s": session_id, "since": since, "first": 5000})
    return [_key(change) for change in data["changes"]["changes"]]


async def test_live_changes_arrive_in_order(live_server, settings):
    async with live_server(settings) as server:
        session_id = await make_session(server.gql)
        async with graphql_ws(server.url) as ws:
            await ws.changes(session_id, since=1)
            for index in range(3):
                await auto_save(
                    server.gql,
                    session_id,
                    saveId=f"s{index}",
                    nodes=[{"nodeId": "N001", "label": f"v{index}"}, {"nodeId": f"X{index}"}],
                )
            received = await ws.collect(6)
        assert [_key(c) for c in received] == await _committed(server, session_id, 1)
        assert [(c["revision"], c["op"], c["key"], c["saveId"]) for c in received] == [
            (2, "CREATE", "X0", "s0"),
            (2, "UPDATE", "N001", "s0"),
            (3, "CREATE", "X1", "s1"),
            (3, "UPDATE", "N001", "s1"),
            (4, "CREATE", "X2", "s2"),
            (4, "UPDATE", "N001", "s2"),
        ]
        assert received[0]["at"].endswith("+00:00")
        # The client went away: its subscription is gone from the broker.
        broker = server.app.state.broker
        await wait_until(lambda: broker.subscriber_count(session_id) == 0)


async def test_replay_and_live_seam_under_concurrent_writes(live_server, settings):
    """A writer commits while the subscriber connects: every revision arrives exactly once."""
    async with live_server(settings) as server:
        session_id = await make_session(server.gql)
        total = 40
        started = asyncio.Event()

        async def writer() -> None:
            for index in range(total):
                if index == 10:
                    started.set()
                await auto_save(
                    server.gql,
                    session_id,
                    saveId=f"w{index}",
                    nodes=[{"nodeId": f"W{index % 7}", "label": f"l{index}"}],
                )

        task = asyncio.create_task(writer())
        await started.wait()
        async with graphql_ws(server.url) as ws:
            await ws.changes(session_id, since=1)
            await task
            committed = await _committed(server, session_id, 1)
            received = await ws.collect(len(committed), wait_s=60)
        revisions = [change["revision"] for change in received]
        assert revisions == sorted(revisions)
        assert sorted(set(revisions)) == list(range(2, total + 2))
        assert [_key(c) for c in received] == committed


async def test_rollback_publishes_nothing(live_server, settings):
    async with live_server(settings) as server:
        session_id = await make_session(server.gql)
        broker = server.app.state.broker
        published: list[tuple[Any, ...]] = []
        original = broker.publish

        async def spy(session: str, revision: int, deleted: bool = False) -> None:
            published.append((session, revision, deleted))
            await original(session, revision, deleted)

        broker.publish = spy
        async with graphql_ws(server.url) as ws:
            await ws.changes(session_id, since=1)
            failing = {
                "saveId": "bad",
                "nodes": [{"nodeId": "N001", "label": "never"}],
                "relationships": [{"sourceId": "N001", "targetId": "NOPE", "type": "T"}],
            }
            body = await server.gql(AUTO_SAVE, {"s": session_id, "input": failing})
            assert body["data"] is None
            await auto_save(
                server.gql, session_id, saveId="good", nodes=[{"nodeId": "N002", "label": "ok"}]
            )
            first = await ws.next_change()
        assert (first["revision"], first["key"], first["saveId"]) == (2, "N002", "good")
        assert [revision for _, revision, _ in published] == [2]


async def test_concurrent_saves_on_one_node_one_wins_the_others_conflict(live_server, settings):
    async with live_server(settings) as server:
        session_id = await make_session(server.gql)
        clients = 6

        async def client(index: int) -> dict[str, Any]:
            return await auto_save(
                server.gql,
                session_id,
                saveId=f"c{index}",
                nodes=[{"nodeId": "N001", "label": f"client {index}", "expectedVersion": 1}],
            )

        results = await asyncio.gather(*(client(i) for i in range(clients)))
        saved = [r for r in results if r["status"] == "SAVED"]
        conflicted = [r for r in results if r["status"] == "CONFLICT"]
        assert len(saved) == 1 and len(conflicted) == clients - 1
        winner = saved[0]["nodes"][0]
        assert winner["version"] == 2
        for result in conflicted:
            (conflict,) = result["conflicts"]
            assert (conflict["currentVersion"], conflict["node"]["label"]) == (2, winner["label"])
        data = await server.gql.ok(
            'query($s: ID!) { node(sessionId: $s, nodeId: "N001") { label version } }',
            {"s": session_id},
        )
        assert data["node"] == {"label": winner["label"], "version": 2}


async def test_deleted_session_ends_the_subscription_with_delete_session(live_server, settings):
    async with live_server(settings) as server:
        session_id = await make_session(server.gql)
        await auto_save(
            server.gql, session_id, saveId="a", nodes=[{"nodeId": "N001", "label": "x"}]
        )
        async with graphql_ws(server.url) as ws:
            op_id = await ws.changes(session_id, since=2)
            await auto_save(
                server.gql, session_id, saveId="b", nodes=[{"nodeId": "N001", "label": "y"}]
            )
            assert (await ws.next_change())["revision"] == 3
            await server.gql.ok(DELETE_SESSION, {"s": session_id})
            last = await ws.next_change()
            assert (last["revision"], last["op"], last["kind"], last["key"]) == (
                4,
                "DELETE",
                "SESSION",
                session_id,
            )
            assert await ws.receive() == {"id": op_id, "type": "complete"}
        assert server.app.state.broker.subscriber_count(session_id) == 0


async def test_unknown_session_ends_with_session_not_found(live_server, settings):
    async with live_server(settings) as server, graphql_ws(server.url) as ws:
        for session_id in ("00000000-0000-4000-8000-000000000000", "not-a-session"):
            op_id = await ws.changes(session_id, since=0)
            message = await ws.receive()
            assert message["type"] == "error" and message["id"] == op_id, message
            assert message["payload"][0]["extensions"]["code"] == "SESSION_NOT_FOUND"
        real = await make_session(server.gql)
        op_id = await ws.changes(real, since=99)
        message = await ws.receive()
        assert message["payload"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert message["payload"][0]["extensions"]["field"] == "sinceRevision"


async def test_a_subscriber_that_falls_behind_is_closed_and_resumes(live_server, settings):
    """A burst of commits faster than the subscriber drains: closed with a clear error."""
    # The burst is committed here without announcing it: the SQLite watch would see those
    # commits (as it sees another process's) and wake the subscriber before the burst.
    small = Settings(**{**settings.model_dump(), "subscriber_queue_size": 3, "sqlite_watch_ms": 0})
    async with live_server(small) as server:
        session_id = await make_session(server.gql)
        async with graphql_ws(server.url) as ws:
            op_id = await ws.changes(session_id, since=1)
            await auto_save(
                server.gql, session_id, saveId="warm", nodes=[{"nodeId": "N001", "label": "w"}]
            )
            assert (await ws.next_change())["revision"] == 2
            # Ten revisions are committed and announced back to back, with no await in between
            # the announcements: the subscriber's task cannot run, so its queue of 3 overflows.
            engine = server.app.state.engine
            revisions = []
            for index in range(10):
                async with transaction_context(engine, write=True, limits=small.limits) as db:
                    result = await autosave_service.auto_save(
                        db=db,
                        session_id=session_id,
                        spec=AutoSaveSpec(save_id=f"b{index}", nodes=[NodeChangeSpec(f"B{index}")]),
                    )
                revisions.append(result.revision)
            broker = server.app.state.broker
            for revision in revisions:
                await broker.publish(session_id, revision, False)
            message = await ws.receive()
            assert message["type"] == "next" and message["id"] == op_id, message
            (error,) = message["payload"]["errors"]
            assert error["extensions"]["code"] == "LIMIT_EXCEEDED"
            assert "sinceRevision" in error["message"]
            assert await ws.receive() == {"id": op_id, "type": "complete"}
            # Resuming from the last revision received replays what was missed.
            await ws.changes(session_id, since=2)
            resumed = await ws.collect(len(revisions))
        assert [c["revision"] for c in resumed] == revisions


async def test_without_since_revision_the_stream_starts_at_the_current_revision(
    live_server, settings
):
    async with live_server(settings) as server:
        session_id = await make_session(server.gql)
        await auto_save(
            server.gql, session_id, saveId="old", nodes=[{"nodeId": "N001", "label": "o"}]
        )
        broker = server.app.state.broker
        async with graphql_ws(server.url) as ws:
            await ws.changes(session_id)
            # Nothing confirms when a subscription is live (hence sinceRevision): the first
            # change may be either save below, but never a replay of what came before.
            await wait_until(lambda: broker.subscriber_count(session_id) == 1)
            for save_id in ("new", "newer"):
                await auto_save(
                    server.gql,
                    session_id,
                    saveId=save_id,
                    nodes=[{"nodeId": "N002", "label": save_id}],
                )
            change = await ws.next_change()
        assert (change["revision"], change["saveId"]) in ((3, "new"), (4, "newer"))


def _collected_field_sets() -> int:
    """graphql-core's collected (sub)field sets alive in this process, after a collection."""
    from graphql.execution.collect_fields import CollectedFields

    gc.collect()
    return sum(1 for item in gc.get_objects() if isinstance(item, CollectedFields))


async def test_a_long_subscription_holds_nothing_per_event(live_server, settings):
    """Issue 16: every event of a subscription added an entry to a memo shared by all of
    its events (graphql/schema.py, EventExecutionContext), held until it ended."""
    async with live_server(settings) as server:
        session_id = await make_session(server.gql)
        async with graphql_ws(server.url) as ws:
            await ws.changes(session_id, since=1)
            await auto_save(server.gql, session_id, saveId="warm", nodes=[{"nodeId": "W"}])
            await ws.collect(1)
            before = _collected_field_sets()
            nodes = [{"nodeId": f"E{index}"} for index in range(150)]
            await auto_save(server.gql, session_id, saveId="many", nodes=nodes)
            assert len(await ws.collect(150)) == 150
            assert _collected_field_sets() - before < 10  # not one per event (150)
