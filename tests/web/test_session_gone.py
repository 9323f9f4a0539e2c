"""A session that is gone: the page says so and carries unsaved work into a new one."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Api
from tests.web.helpers import open_session, select_node, session_id_of, status, wait_saved

pytestmark = pytest.mark.browser


def test_deleted_session_offers_a_new_one_with_the_unsaved_work(
    open_page: Any, api: Api, shot: Any
) -> None:
    session_id = api.create_session()
    page = open_session(open_page, session_id)
    page.route("**/graphql", lambda route: route.abort("internetdisconnected"))
    select_node(page, "N001")
    page.locator("#node-label").fill("unsaved when the session vanished")
    expect(status(page)).to_contain_text("Offline", timeout=10_000)
    page.close()
    api.gql("mutation($id: ID!) { deleteSession(id: $id) { deleted } }", id=session_id)

    page = open_page(f"/#/s/{session_id}")
    banner = page.locator("#banner")
    expect(banner).to_contain_text("does not exist", timeout=10_000)
    expect(banner).to_contain_text("unsaved change")
    shot(page, "08-session-gone")
    page.locator("#carry-over").click()
    expect(page).not_to_have_url(f"/#/s/{session_id}")
    wait_saved(page)
    new_id = session_id_of(page)
    assert new_id != session_id
    select_node(page, "N001")
    expect(page.locator("#node-label")).to_have_value("unsaved when the session vanished")
    node = api.node(new_id, "N001")
    assert node is not None and node["label"] == "unsaved when the session vanished"
    assert api.node(new_id, "N002") is not None  # the rest of the graph came along


def test_malformed_session_id_is_reported(open_page: Any) -> None:
    page = open_page("/#/s/not-a-session")
    expect(page.locator("#banner")).to_contain_text("is not a valid session id", timeout=10_000)
    page.locator("#fresh-session").click()
    wait_saved(page)
    expect(page.locator("#node-list button")).to_have_count(2)


def test_session_deleted_while_open_is_noticed_live(open_page: Any, api: Api) -> None:
    session_id = api.create_session()
    page = open_session(open_page, session_id)
    api.gql("mutation($id: ID!) { deleteSession(id: $id) { deleted } }", id=session_id)
    # The live feed says "was deleted"; a deletion that lands before the server registered
    # the subscription (the protocol does not confirm it, CONTRACT.md §6) is found by the
    # subscription's SESSION_NOT_FOUND instead: "does not exist (it may have been deleted)".
    banner = page.locator("#banner")
    expect(banner).to_contain_text(re.compile("was deleted|may have been deleted"), timeout=5_000)
    expect(status(page)).to_have_text("Session gone")
    expect(page.locator("#add-node")).to_be_disabled()
