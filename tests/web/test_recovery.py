"""Auto-save under trouble: the network cut, the page closed inside the debounce window."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Api
from tests.web.helpers import (
    add_component,
    open_session,
    pending_save,
    select_node,
    status,
    wait_saved,
)

pytestmark = pytest.mark.browser


def test_offline_edits_are_queued_then_saved_exactly_once(
    open_page: Any, api: Api, shot: Any
) -> None:
    session_id = api.create_session()
    page = open_session(open_page, session_id)
    autosave_calls: list[str] = []
    page.on(
        "request",
        lambda r: (
            autosave_calls.append(r.post_data or "")
            if r.url.endswith("/graphql") and "autoSave" in (r.post_data or "")
            else None
        ),
    )

    page.route("**/graphql", lambda route: route.abort("internetdisconnected"))
    select_node(page, "N001")
    page.locator("#node-label").fill("written offline")
    expect(status(page)).to_contain_text("Offline, retrying in", timeout=10_000)
    pending = pending_save(page)
    assert pending is not None, "the delta must be in localStorage before it is sent"
    save_id = pending["saveId"]
    assert [n["label"] for n in pending["input"]["nodes"]] == ["written offline"]

    # More edits while offline are kept and queued behind the pending delta.
    select_node(page, "N002")
    page.locator("#node-label").fill("also offline")
    expect(status(page)).to_contain_text("Offline, retrying in")
    shot(page, "03-offline")
    assert api.node(session_id, "N001")["label"] == "N001"  # type: ignore[index]

    page.unroute("**/graphql")
    wait_saved(page, timeout=40_000)
    assert api.node(session_id, "N001")["label"] == "written offline"  # type: ignore[index]
    assert api.node(session_id, "N002")["label"] == "also offline"  # type: ignore[index]
    assert pending_save(page) is None

    changes = api.changes(session_id)
    with_save_id = [c for c in changes if c["saveId"] == save_id]
    assert len({c["revision"] for c in with_save_id}) == 1, changes
    assert [(c["op"], c["key"]) for c in with_save_id] == [("UPDATE", "N001")]
    n001_updates = [c for c in changes if c["key"] == "N001" and c["op"] == "UPDATE"]
    assert len(n001_updates) == 1, "the retried save must not be applied twice"
    assert sum(save_id in body for body in autosave_calls) >= 2  # it really was retried


def test_edit_survives_closing_the_page_inside_the_debounce_window(
    open_page: Any, api: Api
) -> None:
    session_id = api.create_session()
    page = open_session(open_page, session_id)
    select_node(page, "N001")
    page.locator("#node-label").fill("typed, then the tab closed")
    page.close()  # well inside the ~1 s debounce: no autoSave was due yet

    page = open_page(f"/#/s/{session_id}")
    wait_saved(page)
    select_node(page, "N001")
    expect(page.locator("#node-label")).to_have_value("typed, then the tab closed")
    assert api.node(session_id, "N001")["label"] == "typed, then the tab closed"  # type: ignore[index]
    updates = [c for c in api.changes(session_id) if c["key"] == "N001" and c["op"] == "UPDATE"]
    assert len(updates) == 1


def test_unsent_edits_of_a_closed_tab_are_adopted_by_the_next_one(open_page: Any, api: Api) -> None:
    """No request got out before the tab closed: only localStorage holds the work."""
    session_id = api.create_session()
    page = open_session(open_page, session_id)
    page.route("**/graphql", lambda route: route.abort("internetdisconnected"))
    select_node(page, "N002")
    page.locator("#node-type").fill("place")
    add_component(page, "kept in the browser")
    # Wait for a failed attempt: while it retries, closing sends nothing more (a keepalive
    # request sent on pagehide would bypass page.route and land).
    expect(status(page)).to_contain_text("Offline", timeout=10_000)
    page.close()
    assert api.node(session_id, "N002")["type"] == "concept"  # type: ignore[index]

    page = open_page(f"/#/s/{session_id}")  # a new tab: it adopts the closed tab's draft
    wait_saved(page)
    node = api.node(session_id, "N002")
    assert node is not None
    assert node["type"] == "place"
    assert node["components"] == [{"type": "text", "content": "kept in the browser"}]
    assert (
        page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('graph_api:draft:'))")
        == []
    )


def test_pending_delta_left_by_a_crash_is_replayed_not_applied_twice(
    open_page: Any, api: Api
) -> None:
    """A save that landed but whose answer was lost: reopening re-sends it, REPLAYED."""
    session_id = api.create_session()
    page = open_session(open_page, session_id)
    answered: list[Any] = []
    # Let the save reach the server, then drop its answer, as a crash right after sending would.
    page.route(
        "**/graphql",
        lambda route: (
            (route.fetch(), answered.append(1), route.abort("failed"))
            if "autoSave" in (route.request.post_data or "")
            else route.continue_()
        ),
    )
    select_node(page, "N001")
    page.locator("#node-label").fill("landed before the crash")
    deadline = time.monotonic() + 15
    while not answered and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert answered
    pending = pending_save(page)
    assert pending is not None
    page.close()
    assert api.node(session_id, "N001")["label"] == "landed before the crash"  # type: ignore[index]

    page = open_page(f"/#/s/{session_id}")
    wait_saved(page)
    select_node(page, "N001")
    expect(page.locator("#node-label")).to_have_value("landed before the crash")
    changes = api.changes(session_id)
    assert len([c for c in changes if c["saveId"] == pending["saveId"]]) == 1
    assert pending_save(page) is None
