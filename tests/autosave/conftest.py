"""Fixtures for autoSave and subscriptions: a real server on a loopback port, in-process or not.

`live_server()` runs uvicorn inside the test's event loop on a socket bound to
port 0, so tests can also reach the app's broker. `serve_process()` starts
`python -m graph_api serve` as a person would, for restarts and for two
processes sharing one PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from graph_api.app import create_app
from graph_api.config import Settings
from tests.conftest import GraphQLClient

AUTO_SAVE = """mutation($s: ID!, $input: AutoSaveInput!) {
  autoSave(sessionId: $s, input: $input) {
    saveId status revision savedAt
    conflicts {
      kind key expectedVersion currentVersion
      node { nodeId label type metadata version }
      relationship { id sourceId targetId type weight properties version }
    }
    nodes { nodeId label type metadata version components { id position type content properties } }
    relationships { id sourceId targetId type weight properties version }
  }
}"""


async def auto_save(gql: GraphQLClient, session_id: str, **input_: Any) -> dict[str, Any]:
    """The AutoSaveResult of a save that must not error."""
    data = await gql.ok(AUTO_SAVE, {"s": session_id, "input": input_})
    result: dict[str, Any] = data["autoSave"]
    return result


@dataclass
class LiveServer:
    url: str
    app: FastAPI
    http: httpx.AsyncClient
    gql: GraphQLClient


@pytest.fixture
def live_server() -> Any:
    """`async with live_server(settings) as server:` serves the app on 127.0.0.1:<free port>."""

    @asynccontextmanager
    async def start(settings: Settings) -> AsyncIterator[LiveServer]:
        app = create_app(settings)
        async with (
            serving(app, ws="websockets-sansio", ws_ping_interval=None) as url,
            httpx.AsyncClient(base_url=url, timeout=30) as http,
        ):
            yield LiveServer(url, app, http, HttpGraphQL(http))

    return start


@contextmanager
def _no_signals() -> Iterator[None]:
    yield


@asynccontextmanager
async def serving(app: Any, **config: Any) -> AsyncIterator[str]:
    """Serve the ASGI `app` with uvicorn in this event loop on 127.0.0.1:<free port>;
    yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_level="warning", **config))
    # uvicorn would install its own SIGINT/SIGTERM handlers in the test process.
    server.capture_signals = _no_signals  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        with suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 15)
        sock.close()


class HttpGraphQL(GraphQLClient):
    """GraphQLClient over a real socket."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


REPO = Path(__file__).resolve().parents[2]


@dataclass
class ServerProcess:
    url: str
    process: asyncio.subprocess.Process
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@asynccontextmanager
async def serve_process(
    database_url: str, tmp_path: Path, **env: str
) -> AsyncIterator[ServerProcess]:
    """`python -m graph_api serve` on a free port, until /health answers; stopped with SIGTERM."""
    port = free_port()
    log_path = tmp_path / f"server-{port}.log"
    environment = {**os.environ, "GRAPH_API_LOG_LEVEL": "warning", "PYTHONUNBUFFERED": "1", **env}
    command = ["-m", "graph_api", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--database-url", database_url]
    with log_path.open("wb") as log_file:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *command,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=environment,
            cwd=REPO,
        )
    server = ServerProcess(f"http://127.0.0.1:{port}", process, log_path)
    try:
        await _wait_healthy(server)
        yield server
    finally:
        await stop_process(server)


async def stop_process(server: ServerProcess) -> None:
    """SIGTERM, as a service manager would stop it; SIGKILL if it does not go."""
    if server.process.returncode is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(server.process.wait(), 15)
        except TimeoutError:
            server.process.kill()
            await server.process.wait()


async def _wait_healthy(server: ServerProcess, wait_s: float = 90.0) -> None:
    deadline = time.monotonic() + wait_s
    async with httpx.AsyncClient(timeout=1) as http:
        while time.monotonic() < deadline:
            if server.process.returncode is not None:
                pytest.fail(f"the server exited with {server.process.returncode}:\n{server.log()}")
            try:
                if (await http.get(f"{server.url}/health")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    pytest.fail(f"the server did not become healthy:\n{server.log()}")


async def wait_until(predicate: Any, wait_s: float = 10.0) -> None:
    """Poll a condition that offers no event to wait on."""
    async with asyncio.timeout(wait_s):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.01)
