"""GraphiQL at GET /graphql in Debian's Chromium, with every other host blocked.

The page must load everything from the server itself (graph_api/web/vendor/graphiql),
run a query and a mutation, and show a subscription's live change made through another
request. Any request to another host is aborted and fails the test; so does a missing
Chromium (this test never skips).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.autosave.conftest import ServerProcess
from tests.clients.conftest import CREATE_SESSION, RENAME_NODE
from tests.web.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, VIEWPORT

pytestmark = pytest.mark.browser

SESSION = "query($s: ID!) { session(id: $s) { name revision } }"
WATCH = """subscription($s: ID!) {
  sessionChanges(sessionId: $s, sinceRevision: 1) { revision op kind key }
}"""


@dataclass
class Traffic:
    """What the page asked for: every request and WebSocket, and what was blocked."""

    origin: str
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    sockets: list[str] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def chromium() -> str:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture
async def browser(chromium: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}"


async def _open(browser: Browser, server: ServerProcess, traffic: Traffic, **params: str) -> Page:
    """GraphiQL in a fresh profile, with `params` (q, variables) in its URL."""
    context = await browser.new_context(viewport=VIEWPORT)

    async def only_the_server(route: Any) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:")) or _origin(url) == traffic.origin:
            await route.continue_()
        else:
            traffic.blocked.append(url)
            await route.abort("blockedbyclient")

    await context.route("**/*", only_the_server)
    page = await context.new_page()
    page.on("request", lambda request: traffic.requests.append(request.url))
    page.on("pageerror", lambda error: traffic.errors.append(str(error)))

    def on_socket(socket: Any) -> None:
        traffic.sockets.append(socket.url)
        socket.on("framesent", lambda payload: traffic.sent.append(json.loads(payload)))

    page.on("websocket", on_socket)
    await page.goto(f"{server.url}/graphql?{urlencode(params)}")
    await expect(page.locator(".graphiql-execute-button")).to_be_visible(timeout=20_000)
    return page


async def _run(page: Page) -> None:
    await page.locator(".graphiql-execute-button").click()


def _result(page: Page) -> Any:
    return page.locator(".result-window")


async def test_graphiql_runs_queries_mutations_and_subscriptions_offline(
    browser: Browser, server: ServerProcess
) -> None:
    traffic = Traffic(origin=_origin(server.url))
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        created = await http.post(
            "/graphql", json={"query": CREATE_SESSION, "variables": {"name": "in GraphiQL"}}
        )
        session_id = created.json()["data"]["createSession"]["id"]
        variables = json.dumps({"s": session_id, "n": "N002", "label": "renamed in GraphiQL"})

        page = await _open(browser, server, traffic, q=RENAME_NODE, variables=variables)
        await _run(page)
        await expect(_result(page)).to_contain_text("renamed in GraphiQL", timeout=10_000)

        page = await _open(
            browser, server, traffic, q=SESSION, variables=json.dumps({"s": session_id})
        )
        await _run(page)
        await expect(_result(page)).to_contain_text('"revision": 2', timeout=10_000)
        await expect(_result(page)).to_contain_text('"name": "in GraphiQL"')

        page = await _open(
            browser, server, traffic, q=WATCH, variables=json.dumps({"s": session_id})
        )
        await _run(page)
        # The replay (revision 2, made above) shows once the subscription is running...
        await expect(_result(page)).to_contain_text('"key": "N002"', timeout=10_000)
        # ...then a change made through another request arrives live.
        changed = await http.post(
            "/graphql",
            json={
                "query": RENAME_NODE,
                "variables": {"s": session_id, "n": "N001", "label": "live"},
            },
        )
        assert "errors" not in changed.json()
        await expect(_result(page)).to_contain_text('"revision": 3', timeout=10_000)
        await expect(_result(page)).to_contain_text('"key": "N001"')
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "graphiql-subscription.png"))

    assert traffic.blocked == [], f"requests to other hosts: {traffic.blocked}"
    network = [url for url in traffic.requests if not url.startswith(("data:", "blob:"))]
    elsewhere = [url for url in network + traffic.sockets if _origin(url) != traffic.origin]
    assert elsewhere == [], elsewhere
    assert any("/vendor/graphiql/graphiql.min.js" in url for url in network)
    assert traffic.sockets, "the subscription opened no WebSocket"
    assert {socket.replace("ws://", "") for socket in traffic.sockets} == {
        f"{traffic.origin}/graphql"
    }
    assert any(message.get("type") == "subscribe" for message in traffic.sent)
    assert traffic.errors == [], traffic.errors
