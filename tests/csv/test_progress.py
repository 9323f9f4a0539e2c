"""Import progress: per file, rows and bytes of the totals, from the service and over SSE."""

from __future__ import annotations

import asyncio
import uuid

import orjson
import pytest

from graph_api.services.csv.progress import ImportProgress, measure
from tests.csv.test_rest import make_session, upload


def nodes_csv(count: int) -> str:
    return "node_id,label\n" + "".join(f"n{i},Node {i}\n" for i in range(count))


def relationships_csv(count: int) -> str:
    return "source,target,type\n" + "".join(f"n{i},n{i + 1},NEXT\n" for i in range(count))


@pytest.mark.parametrize(
    ("data", "rows"),
    [
        ("a\n1\n2\n", 2),
        ("a\n1\n2", 2),
        (b"a\r\n1\r\n2\r\n", 2),
        (b"a\r1\r2", 2),
        ("a\n", 0),
        ("", 0),
        ('a\n"two\nlines"\n', 2),  # an upper bound: the true count comes with the last event
    ],
)
def test_measure_counts_lines_less_the_header(data, rows):
    size = len(data.encode()) if isinstance(data, str) else len(data)
    assert measure(data) == (rows, size)


def test_measure_rewinds_a_stream_and_reads_a_path(tmp_path):
    import io

    stream = io.BytesIO(b"a\n1\n2\n")
    stream.seek(2)
    assert measure(stream) == (1, 4)
    assert stream.tell() == 2
    path = tmp_path / "n.csv"
    path.write_bytes(b"a\r\n" + b"x\r\n" * 300_000)  # CRLF pairs across read chunks
    assert measure(path) == (300_000, 3 + 900_000)


async def test_the_service_tells_each_file_as_it_reads(new_session, unit_of_work):
    from graph_api.services.csv import importer as csv_import

    session_id = await new_session()
    events: list[ImportProgress] = []
    nodes, relationships = nodes_csv(12_000), relationships_csv(11_999)
    async with unit_of_work() as db:
        await csv_import.import_csv(
            db=db,
            session_id=session_id,
            nodes=nodes,
            relationships=relationships,
            options=csv_import.ImportOptions(),
            progress=events.append,
        )
    for file, total, text in (("nodes", 12_000, nodes), ("relationships", 11_999, relationships)):
        mine = [event for event in events if event.file == file]
        assert mine[0].rows == 0 and mine[-1].done and mine[-1].rows == total
        assert all(event.rows_total == total for event in mine)
        assert all(event.bytes_total == len(text) for event in mine)
        rows = [event.rows for event in mine]
        assert rows == sorted(rows) and len(set(rows)) >= 12  # every 1,000 rows at least
        assert [event.fraction for event in mine][-1] == 1.0
        assert any(0 < event.bytes_read < len(text) for event in mine) or len(text) < 1 << 18
    assert [event.file for event in events] == sorted(event.file for event in events)


def parse_sse(body: bytes) -> list[tuple[str, dict]]:
    events = []
    for block in body.decode().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if not line.startswith(":"))
        if lines:
            events.append((lines["event"], orjson.loads(lines["data"])))
    return events


async def test_the_upload_streams_its_progress_to_a_watcher(client):
    session_id = await make_session(client)
    import_id = str(uuid.uuid4())
    url = f"/session/{session_id}/bulk/import/{import_id}/progress"
    watcher = asyncio.create_task(client.get(url))
    await asyncio.sleep(0.2)  # the watcher is first, as the editor's EventSource is
    response = await client.post(
        f"/session/{session_id}/bulk/import",
        files=upload(nodes_csv(20_000).encode(), relationships_csv(100).encode()),
        data={"import_id": import_id},
    )
    assert response.status_code == 200, response.text
    stream = await asyncio.wait_for(watcher, 30)
    assert stream.status_code == 200
    assert stream.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(stream.content)
    assert events[-1] == ("end", {"status": "read"})
    progress = [data for name, data in events if name == "progress"]
    nodes = [data for data in progress if data["file"] == "nodes"]
    assert any(0 < data["rows"] < 20_000 and data["rows_total"] == 20_000 for data in nodes)
    assert progress[-1] == {
        "file": "relationships", "rows": 100, "rows_total": 100,
        "bytes_read": len(relationships_csv(100)), "bytes_total": len(relationships_csv(100)),
        "done": True,
    }  # fmt: skip


async def test_a_late_watcher_gets_the_last_state_and_a_rejected_import_fails(client):
    session_id = await make_session(client)
    response = await client.post(
        f"/session/{session_id}/bulk/import",
        files=upload(b"node_id\nbad id\n"),
        data={"import_id": "late-1"},
    )
    assert response.status_code == 422
    stream = await client.get(f"/session/{session_id}/bulk/import/late-1/progress")
    events = parse_sse(stream.content)
    assert events[0][0] == "progress" and events[0][1]["done"] is True
    assert events[-1] == ("end", {"status": "failed"})


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/session/not-a-session/bulk/import/x/progress", 404, "SESSION_NOT_FOUND"),
        (f"/session/{uuid.uuid4()}/bulk/import/x/progress", 404, "SESSION_NOT_FOUND"),
        ("/session/{session}/bulk/import/" + "x" * 65 + "/progress", 422, "BAD_USER_INPUT"),
    ],
    ids=["malformed-session", "unknown-session", "bad-import-id"],
)
async def test_bad_progress_urls(client, path, status, code):
    session_id = await make_session(client)
    response = await client.get(path.replace("{session}", session_id))
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
