"""A second tab sees the first tab's edits live, without disturbing what it is typing."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Api
from tests.web.helpers import add_node, open_session, select_node, wait_saved

pytestmark = pytest.mark.browser


def test_second_page_sees_edits_live(open_page: Any, api: Api, shot: Any) -> None:
    session_id = api.create_session()
    first = open_session(open_page, session_id)
    second = open_session(open_page, session_id)
    select_node(second, "N001")

    select_node(first, "N001")
    first.locator("#node-label").fill("seen live")
    wait_saved(first)
    saved_at = time.monotonic()
    expect(second.locator("#node-label")).to_have_value("seen live", timeout=5_000)
    latency = time.monotonic() - saved_at
    print(f"second tab showed the edit {latency:.2f} s after the first showed Saved")
    # The aim is well under a second; the 5 s wait above is the functional bound.

    new_id = add_node(first, "Brand new")
    wait_saved(first)
    expect(second.locator(f'#node-list button[data-node="{new_id}"]')).to_contain_text(
        "Brand new", timeout=3_000
    )
    shot(second, "06-live-second-tab")


def test_live_update_does_not_overwrite_the_field_being_typed(open_page: Any, api: Api) -> None:
    session_id = api.create_session()
    first = open_session(open_page, session_id)
    second = open_session(open_page, session_id)
    select_node(second, "N001")
    label = second.locator("#node-label")
    label.focus()  # focused, not yet edited
    second.keyboard.press("End")

    select_node(first, "N001")
    first.locator("#node-type").fill("person")
    wait_saved(first)
    # The type field (not focused) follows; the focused label keeps what is shown.
    expect(second.locator("#node-type")).to_have_value("person", timeout=3_000)
    expect(label).to_be_focused()
    second.keyboard.type(" (mine)")
    wait_saved(second)
    node = api.node(session_id, "N001")
    assert node is not None
    assert (node["label"], node["type"]) == ("N001 (mine)", "person")
