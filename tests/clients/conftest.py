"""Fixtures for the standard-client tests: a real server, and Node scripts run against it.

`server` is `python -m graph_api serve` in a subprocess on the test's own database,
as a person would start it. `recording_server` runs the app in the test's event loop
behind a small ASGI wrapper that keeps every /graphql request as it arrived, for
assertions on what a client actually sent. `run_node(script, *args)` runs a script
of this folder with Node 20 and the clients pinned in package-lock.json, and returns
the JSON it printed. A client that cannot run fails the test; nothing here skips.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from graph_api.app import create_app
from graph_api.config import Settings
from tests.autosave.conftest import ServerProcess, serve_process, serving

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"

SESSION_CHANGES = """subscription($s: ID!, $since: Int) {
  sessionChanges(sessionId: $s, sinceRevision: $since) { revision op kind key }
}"""
CREATE_SESSION = "mutation($name: String) { createSession(input: {name: $name}) { id revision } }"
RENAME_NODE = """mutation($s: ID!, $n: String!, $label: String!) {
  updateNode(sessionId: $s, nodeId: $n, patch: {label: $label}) { nodeId label version }
}"""


async def run_node(script: str, *args: str, timeout_s: float = 90.0) -> Any:
    """Run `node tests/clients/<script> args...`; its stdout must be one JSON value."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node 20 is not installed: the standard-client tests need it")
    if not (NODE_MODULES / "graphql-ws").is_dir():
        pytest.fail("the pinned clients are missing: run `npm ci --prefix tests/clients`")
    process = await asyncio.create_subprocess_exec(
        node,
        str(HERE / script),
        *args,
        cwd=HERE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout_s)
    except TimeoutError:
        process.kill()
        await process.wait()
        pytest.fail(f"node {script} did not finish in {timeout_s} s")
    if process.returncode != 0:
        pytest.fail(f"node {script} exited with {process.returncode}:\n{stderr.decode()}")
    return json.loads(stdout)


@pytest.fixture
async def server(database_url: str, tmp_path: Path) -> AsyncIterator[ServerProcess]:
    """`graph-api serve` on a free port and this test's database."""
    async with serve_process(database_url, tmp_path) as process:
        yield process


@dataclass
class Arrived:
    """One /graphql request as the server received it."""

    method: str
    query_string: dict[str, list[str]]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class RecordingServer:
    url: str
    requests: list[Arrived] = field(default_factory=list)


ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def _recording(app: ASGIApp, requests: list[Arrived]) -> ASGIApp:
    """Wraps an ASGI app: every HTTP request to /graphql is kept, then passed on unchanged."""

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != "/graphql":
            await app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        query = parse_qs(scope["query_string"].decode())
        requests.append(Arrived(scope["method"], query, body))
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await app(scope, replay, send)

    return wrapped


@pytest.fixture
async def recording_server(settings: Settings) -> AsyncIterator[RecordingServer]:
    """The app in this event loop on 127.0.0.1:<free port>, recording /graphql requests."""
    recorder = RecordingServer(url="")
    async with serving(_recording(create_app(settings), recorder.requests)) as url:
        recorder.url = url
        yield recorder
