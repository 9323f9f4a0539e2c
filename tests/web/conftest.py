"""Fixtures for the editor's end-to-end tests: the real server and Debian's Chromium.

The server runs as `python -m graph_api serve` in a subprocess on a free port with its
own SQLite file, exactly as a person would start it. The browser is the system Chromium
driven by Playwright (nothing is downloaded). Without Chromium the tests skip with the
reason shown; with GRAPH_API_REQUIRE_BROWSER set (CI), they fail instead.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import httpx
import pytest

from tests.conftest import ENGINE
from tests.conftest import _pg_run as pg_run
from tests.conftest import _pg_url as pg_url

CHROMIUM = os.environ.get("GRAPH_API_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
VIEWPORT = {"width": 1360, "height": 860}


def _browser_required() -> bool:
    return os.environ.get("GRAPH_API_REQUIRE_BROWSER", "") not in ("", "0")


def _unavailable(reason: str) -> NoReturn:
    if _browser_required():
        pytest.fail(f"{reason} (GRAPH_API_REQUIRE_BROWSER is set)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real server, started once per test process, answering /health.

    GRAPH_API_WEB_TEST_URL=http://host:port points the tests at a server already running.
    """
    external = os.environ.get("GRAPH_API_WEB_TEST_URL")
    if external:
        yield external.rstrip("/")
        return
    tmp = tmp_path_factory.mktemp("web-server")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "graph_api",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with _database(tmp) as database_url:
        yield from _serve([*command, "--database-url", database_url], url, tmp)


@contextmanager
def _database(tmp: Path) -> Iterator[str]:
    """SQLite by default; with GRAPH_API_TEST_DATABASE_URL, a fresh PostgreSQL database
    (the server migrates it on start), dropped afterwards: the editor on both engines."""
    if ENGINE == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp / 't.db'}"
        return
    name = f"graph_api_web_{os.getpid()}"
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    # In a thread of its own: Playwright's sync API may already run an event loop here.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, pg_run("postgres", drop, f'CREATE DATABASE "{name}"')).result()
        try:
            yield pg_url(name)
        finally:
            pool.submit(asyncio.run, pg_run("postgres", drop)).result()


def _serve(command: list[str], url: str, tmp: Path) -> Iterator[str]:
    log_path = tmp / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"server exited ({proc.returncode}):\n{log_path.read_text()}")
                try:
                    if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"server did not answer /health:\n{log_path.read_text()}")
                time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        _unavailable(f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[dev]')")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()


class Api:
    """GraphQL over plain HTTP, for arranging and checking what the browser did."""

    def __init__(self, base: str) -> None:
        self.client = httpx.Client(base_url=base, timeout=30)

    def gql(self, query: str, **variables: Any) -> dict[str, Any]:
        body = self.client.post("/graphql", json={"query": query, "variables": variables}).json()
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def create_session(self, **input: Any) -> str:
        data = self.gql(
            "mutation($i: CreateSessionInput) { createSession(input: $i) { id } }", i=input
        )
        session_id: str = data["createSession"]["id"]
        return session_id

    def node(self, session_id: str, node_id: str) -> dict[str, Any] | None:
        data = self.gql(
            """query($s: ID!, $n: String!) { node(sessionId: $s, nodeId: $n) {
                nodeId label type metadata version components { type content } } }""",
            s=session_id,
            n=node_id,
        )
        node: dict[str, Any] | None = data["node"]
        return node

    def graph(self, session_id: str) -> dict[str, Any]:
        data = self.gql(
            """query($s: ID!) { session(id: $s) { revision
                nodes(first: 5000) { nodes { nodeId label type metadata version
                    components { type content } } }
                relationships(first: 5000) { nodes { id sourceId targetId type weight } } } }""",
            s=session_id,
        )
        session: dict[str, Any] = data["session"]
        return session

    def changes(self, session_id: str, since: int = 0) -> list[dict[str, Any]]:
        data = self.gql(
            """query($s: ID!, $r: Int!) { changes(sessionId: $s, sinceRevision: $r, first: 5000) {
                changes { revision op kind key saveId } } }""",
            s=session_id,
            r=since,
        )
        changes: list[dict[str, Any]] = data["changes"]["changes"]
        return changes


@pytest.fixture(scope="session")
def api(server_url: str) -> Iterator[Api]:
    client = Api(server_url)
    yield client
    client.client.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser profile (its own localStorage) per test."""
    ctx = browser.new_context(viewport=VIEWPORT)
    yield ctx
    ctx.close()


@pytest.fixture
def page_errors() -> list[str]:
    return []


@pytest.fixture
def open_page(context: Any, server_url: str, page_errors: list[str]) -> Iterator[Any]:
    """open_page(path) -> a new tab of the shared profile at server_url + path."""

    def _open(path: str = "/") -> Any:
        page = context.new_page()
        page.on("pageerror", lambda err: page_errors.append(str(err)))
        page.goto(server_url + path)
        return page

    yield _open
    assert not page_errors, f"uncaught errors in the page: {page_errors}"


@pytest.fixture
def shot() -> Any:
    """shot(page, name): a full-page screenshot under test-artifacts/ to look at."""
    ARTIFACTS.mkdir(exist_ok=True)

    def _shot(page: Any, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path))
        return path

    return _shot
