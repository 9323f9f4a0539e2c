"""Apollo Client 4's BatchHttpLink against a real `graph-api serve` process (CONTRACT.md
§13): its batch of mutations is one unit of work, which one bad variable aborts whole."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.graphql.batching import ABORTED, database_dump

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SCRIPT = HERE / "apollo_batch.mjs"


@asynccontextmanager
async def serve(database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """`python -m graph_api serve` on a free port until /health answers; the base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log_path = tmp_path / "server.log"
    command = ["-m", "graph_api", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *command,
            "--database-url",
            database_url,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
            env={**os.environ, "GRAPH_API_LOG_LEVEL": "warning"},
            cwd=REPO,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        async with httpx.AsyncClient(timeout=1) as http:
            while True:
                if process.returncode is not None or time.monotonic() > deadline:
                    pytest.fail(f"the server did not start:\n{log_path.read_text()}")
                try:
                    if (await http.get(f"{url}/health")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        yield url
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()


async def apollo_batch(url: str, session_id: str, nodes: list[tuple[str, str]]) -> dict[str, Any]:
    """Run the Node script; what it sent and what Apollo gave each mutation."""
    node = shutil.which("node")
    assert node is not None, "Node 20 is needed for the Apollo Client test"
    process = await asyncio.create_subprocess_exec(
        node,
        str(SCRIPT),
        f"{url}/graphql",
        session_id,
        json.dumps(nodes),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=HERE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()
    output: dict[str, Any] = json.loads(stdout)
    return output


def _sent_as_one_batch(output: dict[str, Any], count: int) -> None:
    [body] = output["requests"]
    assert isinstance(body, list) and len(body) == count
    assert all(operation["operationName"] == "CreateNode" for operation in body)


async def test_apollo_batch_http_link_batch_is_all_or_nothing(database_url, engine, tmp_path):
    async with serve(database_url, tmp_path) as url, httpx.AsyncClient(base_url=url) as http:
        response = await http.post("/graphql", json={"query": "mutation { createSession { id } }"})
        session_id = response.json()["data"]["createSession"]["id"]

        good = await apollo_batch(url, session_id, [("A", "a"), ("B", "b"), ("C", "c")])
        _sent_as_one_batch(good, 3)
        assert [r["errors"] for r in good["results"]] == [[], [], []]
        assert [r["data"]["createNode"]["nodeId"] for r in good["results"]] == ["A", "B", "C"]
        session = "query($s: ID!) { session(id: $s) { revision nodeCount } }"
        response = await http.post(
            "/graphql", json={"query": session, "variables": {"s": session_id}}
        )
        # One batch, one revision: created at 1, the batch made 2.
        assert response.json()["data"]["session"] == {"revision": 2, "nodeCount": 5}

        before = await database_dump(engine)
        bad = await apollo_batch(url, session_id, [("D", "d"), ("E", ""), ("F", "f")])
        _sent_as_one_batch(bad, 3)
        assert [r["data"] for r in bad["results"]] == [None, None, None]
        assert bad["results"][0]["errors"] == bad["results"][2]["errors"] == ABORTED["errors"]
        [error] = bad["results"][1]["errors"]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "label"}
        assert await database_dump(engine) == before
