"""Two tabs edit one node: the second gets the conflict view, and both choices work."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Api
from tests.web.helpers import open_session, select_node, status, wait_saved

pytestmark = pytest.mark.browser


def _make_conflict(first: Any, second: Any, mine: str, theirs: str) -> None:
    """second edits N001 while cut off; first saves another label meanwhile."""
    second.route("**/graphql", lambda route: route.abort("internetdisconnected"))
    select_node(second, "N001")
    second.locator("#node-label").fill(mine)
    expect(status(second)).to_contain_text("Offline", timeout=10_000)
    select_node(first, "N001")
    first.locator("#node-label").fill(theirs)
    wait_saved(first)
    first.locator("#node-label").blur()  # a focused field is not refreshed by live updates
    # The live feed reaches second, but its field is dirty: the typed text stays.
    second.wait_for_timeout(1500)
    expect(second.locator("#node-label")).to_have_value(mine)
    second.unroute("**/graphql")
    expect(status(second)).to_have_text("Conflict", timeout=40_000)
    expect(second.locator("#conflict-dialog")).to_be_visible()


def test_conflict_view_keep_mine_then_take_servers(open_page: Any, api: Api, shot: Any) -> None:
    session_id = api.create_session()
    first = open_session(open_page, session_id)
    second = open_session(open_page, session_id)

    _make_conflict(first, second, mine="second's label", theirs="first's label")
    card = second.locator("#conflict-list .conflict")
    expect(card).to_have_count(1)
    # Only the conflicting field, named by the node's label (issue 13).
    expect(card.locator("h3")).to_have_text("second's label (N001): label")
    expect(card.locator("tbody tr")).to_have_count(1)
    row = card.locator("tr.differs")
    expect(row.locator("td.server")).to_have_text("first's label")
    expect(row.locator("td.mine")).to_have_text("second's label")
    shot(second, "04-conflict-view")

    card.get_by_role("button", name="Keep mine").click()
    expect(second.locator("#conflict-dialog")).to_be_hidden()
    wait_saved(second)
    assert api.node(session_id, "N001")["label"] == "second's label"  # type: ignore[index]
    expect(first.locator("#node-label")).to_have_value("second's label", timeout=5_000)

    _make_conflict(first, second, mine="second again", theirs="first wins")
    second.locator("#conflict-list .conflict").get_by_role("button", name="Take server's").click()
    expect(second.locator("#conflict-dialog")).to_be_hidden()
    wait_saved(second)
    expect(second.locator("#node-label")).to_have_value("first wins")
    assert api.node(session_id, "N001")["label"] == "first wins"  # type: ignore[index]
    shot(second, "05-after-take-servers")
