"""Issue 17, item 10: subscribers woken by one write share one read of the change log."""

from __future__ import annotations

from contextlib import AsyncExitStack

from sqlalchemy import event

from tests.autosave.conftest import wait_until
from tests.autosave.wsclient import graphql_ws
from tests.factories import make_session

CREATE = 'mutation($s: ID!) { createNode(sessionId: $s, input: {label: "x"}) { nodeId } }'
SUBSCRIBERS = 30


async def test_one_write_is_read_once_for_all_its_subscribers(live_server, settings):
    async with live_server(settings) as server, AsyncExitStack() as stack:
        session_id = await make_session(server.gql)
        clients = [
            await stack.enter_async_context(graphql_ws(server.url)) for _ in range(SUBSCRIBERS)
        ]
        for ws in clients:
            await ws.changes(session_id)
        broker = server.app.state.broker
        await wait_until(lambda: broker.subscriber_count(session_id, waiting=True) == SUBSCRIBERS)
        reads: list[str] = []

        def count(_conn, _cursor, statement, *_args):
            if "FROM changes" in statement:
                reads.append(statement)

        sync_engine = server.app.state.engine.sync_engine
        event.listen(sync_engine, "before_cursor_execute", count)
        try:
            for _ in range(3):
                await server.gql.ok(CREATE, {"s": session_id})
                for ws in clients:
                    change = await ws.next_change()
                    assert change["op"] == "CREATE"
        finally:
            event.remove(sync_engine, "before_cursor_execute", count)
        # Three writes: a few shared reads each (a read racing a commit is repeated), not 30.
        assert len(reads) <= 3 * 4, len(reads)
