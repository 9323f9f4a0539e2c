"""The editor with GRAPH_API_AUTH=required: sign in, my sessions, role, sharing."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.web.helpers import session_id_of, wait_saved

pytestmark = pytest.mark.browser


def _graph_api(database_url: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "graph_api", *args, "--database-url", database_url],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@pytest.fixture
def auth_server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A server that requires tokens, and tokens for ann and bob."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'auth.db'}"
    tokens = {}
    for name in ("ann", "bob"):
        _graph_api(database_url, "users", "add", name)
        tokens[name] = _graph_api(database_url, "tokens", "create", name)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "GRAPH_API_AUTH": "required"}
    command = [sys.executable, "-m", "graph_api", "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--database-url", database_url],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        yield url, tokens
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_sign_in_create_share_and_list(context: Any, auth_server: Any, shot: Any) -> None:
    url, tokens = auth_server
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(url + "/")
    page.locator("#token-input").fill(tokens["ann"])
    page.locator("#token-submit").click()
    expect(page.locator("#me")).to_have_text("ann")
    page.locator("#landing-new").click()
    expect(page).to_have_url(re.compile(r"#/s/[0-9a-f-]{36}"), timeout=20_000)
    wait_saved(page)
    session_id = session_id_of(page)
    expect(page.locator("#my-role")).to_have_text("OWNER")
    assert page.evaluate("Object.keys(localStorage).join()").find(tokens["ann"]) == -1
    assert page.evaluate("sessionStorage.getItem('graph_api.token')") == tokens["ann"]

    page.locator("#share").click()
    page.locator("#share-user").fill("bob")
    page.locator("#share-role").select_option("VIEWER")
    page.locator("#share-dialog button[type=submit]").click()
    expect(page.locator("#members")).to_contain_text("bob · VIEWER")
    shot(page, "identity-share")
    page.locator("#share-dialog button", has_text="Close").click()

    page.locator("#my-sessions").click()
    expect(page.locator("#my-sessions-list")).to_contain_text("OWNER")
    assert not errors, errors

    # Bob sees it shared with him, as a viewer; a request without a token is refused.
    answer = httpx.post(
        f"{url}/graphql",
        json={"query": "{ mySessions { nodes { id myRole } } }"},
        headers={"Authorization": f"Bearer {tokens['bob']}"},
    ).json()
    assert answer["data"]["mySessions"]["nodes"] == [{"id": session_id, "myRole": "VIEWER"}]
    assert httpx.post(f"{url}/graphql", json={"query": "{ me { id } }"}).status_code == 401
