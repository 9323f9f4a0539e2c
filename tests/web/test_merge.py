"""Two tabs on one node (issue 13): field-level merge, the conflict view, field validation.

Each scenario makes a real concurrent save: the second tab's autoSave request is held in
the network (Playwright's route) after it left the page with the version the tab had
seen, the first tab saves meanwhile, then the held request goes on to the server, stale.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Api
from tests.web.helpers import open_session, select_node, status, wait_saved

pytestmark = pytest.mark.browser


class HeldSaves:
    """Holds a tab's autoSave requests until released; every other request goes through."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.held: list[Any] = []
        page.route("**/graphql", self._handle)

    def _handle(self, route: Any) -> None:
        if "autoSave" in (route.request.post_data or ""):
            self.held.append(route)
        else:
            route.continue_()

    def wait(self) -> dict[str, Any]:
        """The input of the first held save, once the tab sent it."""
        for _ in range(200):
            if self.held:
                body: dict[str, Any] = json.loads(self.held[0].request.post_data)
                saved: dict[str, Any] = body["variables"]["input"]
                return saved
            self.page.wait_for_timeout(100)
        raise AssertionError("the tab sent no autoSave")

    def release(self) -> None:
        for route in self.held:
            route.continue_()
        self.held.clear()
        self.page.unroute("**/graphql", self._handle)


def _set(api: Api, session_id: str, **patch: Any) -> None:
    api.gql(
        """mutation($s: ID!, $p: NodePatch!) {
          updateNode(sessionId: $s, nodeId: "N001", patch: $p) { version } }""",
        s=session_id,
        p=patch,
    )


def _two_tabs(open_page: Any, api: Api, **patch: Any) -> tuple[str, Any, Any]:
    session_id = api.create_session()
    if patch:
        _set(api, session_id, **patch)
    first = open_session(open_page, session_id)
    second = open_session(open_page, session_id)
    select_node(first, "N001")
    select_node(second, "N001")
    return session_id, first, second


def test_different_fields_of_one_node_are_both_kept(open_page: Any, api: Api, shot: Any) -> None:
    session_id, first, second = _two_tabs(open_page, api, label="Glucose")
    held = HeldSaves(second)
    second.locator("#node-type").fill("molecule")
    sent = held.wait()
    # Only the edited field, with the version the tab had seen, under MERGE.
    assert sent["onConflict"] == "MERGE"
    assert sent["nodes"] == [{"nodeId": "N001", "type": "molecule", "expectedVersion": 2}]
    first.locator("#node-label").fill("D-Glucose")
    wait_saved(first)
    held.release()  # reaches the server with expectedVersion 2; the node is at 3
    wait_saved(second)
    expect(second.locator("#conflict-dialog")).to_be_hidden()
    node = api.node(session_id, "N001")
    assert node is not None
    assert (node["label"], node["type"], node["version"]) == ("D-Glucose", "molecule", 4)
    first.locator("#node-label").blur()
    expect(first.locator("#node-type")).to_have_value("molecule", timeout=5_000)
    expect(second.locator("#node-label")).to_have_value("D-Glucose", timeout=5_000)
    shot(second, "merge-01-different-fields-both-kept")


def _same_field_conflict(first: Any, second: Any, mine: str, theirs: str) -> None:
    held = HeldSaves(second)
    second.locator("#node-label").fill(mine)
    second.locator("#node-type").fill("molecule")
    held.wait()
    first.locator("#node-label").fill(theirs)
    wait_saved(first)
    first.locator("#node-label").blur()
    held.release()
    expect(status(second)).to_have_text("Conflict", timeout=20_000)
    expect(second.locator("#conflict-dialog")).to_be_visible()


def test_same_field_asks_about_that_field_only(open_page: Any, api: Api, shot: Any) -> None:
    session_id, first, second = _two_tabs(open_page, api, label="Glucose")
    _same_field_conflict(first, second, mine="Fructose", theirs="Dextrose")
    card = second.locator("#conflict-list .conflict")
    expect(card).to_have_count(1)
    expect(card.locator("h3")).to_have_text("Fructose (N001): label")
    expect(card.locator("tbody tr")).to_have_count(1)  # type was not changed there: no row
    expect(card.locator("td.server")).to_have_text("Dextrose")
    expect(card.locator("td.mine")).to_have_text("Fructose")
    shot(second, "merge-02-same-field-dialog")

    card.get_by_role("button", name="Keep mine").click()
    expect(second.locator("#conflict-dialog")).to_be_hidden()
    wait_saved(second)
    node = api.node(session_id, "N001")
    assert node is not None
    assert (node["label"], node["type"]) == ("Fructose", "molecule")
    expect(first.locator("#node-label")).to_have_value("Fructose", timeout=5_000)

    _same_field_conflict(first, second, mine="Galactose", theirs="Sucrose")
    second.locator("#conflict-list .conflict").get_by_role("button", name="Take server's").click()
    expect(second.locator("#conflict-dialog")).to_be_hidden()
    wait_saved(second)
    expect(second.locator("#node-label")).to_have_value("Sucrose")
    node = api.node(session_id, "N001")
    assert node is not None
    assert (node["label"], node["type"]) == ("Sucrose", "molecule")
    shot(second, "merge-03-after-take-servers")


def test_different_components_of_one_node_merge(open_page: Any, api: Api, shot: Any) -> None:
    session_id = api.create_session()
    api.gql(
        """mutation($s: ID!) { setComponents(sessionId: $s, nodeId: "N001", components: [
          {type: "text", content: "one"}, {type: "text", content: "two"},
          {type: "text", content: "three"}]) { version } }""",
        s=session_id,
    )
    first = open_session(open_page, session_id)
    second = open_session(open_page, session_id)
    select_node(first, "N001")
    select_node(second, "N001")
    held = HeldSaves(second)
    second.locator("#component-list li").nth(2).locator(".c-content").fill("three, edited")
    held.wait()
    first.locator("#component-list li").nth(0).locator(".c-content").fill("one, edited")
    wait_saved(first)
    first.locator("#component-list li").nth(0).locator(".c-content").blur()
    held.release()  # CONFLICT on components, merged in the tab, saved again
    wait_saved(second)
    expect(second.locator("#conflict-dialog")).to_be_hidden()
    node = api.node(session_id, "N001")
    assert node is not None
    assert [c["content"] for c in node["components"]] == ["one, edited", "two", "three, edited"]
    expect(first.locator("#component-list li").nth(2).locator(".c-content")).to_have_value(
        "three, edited", timeout=5_000
    )
    shot(second, "merge-04-components-merged")


def test_the_same_component_changed_on_both_sides_asks(open_page: Any, api: Api) -> None:
    session_id = api.create_session()
    api.gql(
        """mutation($s: ID!) { setComponents(sessionId: $s, nodeId: "N001", components: [
          {type: "text", content: "one"}]) { version } }""",
        s=session_id,
    )
    first = open_session(open_page, session_id)
    second = open_session(open_page, session_id)
    select_node(first, "N001")
    select_node(second, "N001")
    held = HeldSaves(second)
    second.locator("#component-list li").nth(0).locator(".c-content").fill("mine")
    held.wait()
    first.locator("#component-list li").nth(0).locator(".c-content").fill("theirs")
    wait_saved(first)
    held.release()
    expect(second.locator("#conflict-dialog")).to_be_visible(timeout=20_000)
    expect(second.locator("#conflict-list .conflict h3")).to_have_text("N001 (N001): components")


def test_an_invalid_label_is_marked_and_the_valid_edit_saved(
    open_page: Any, api: Api, shot: Any
) -> None:
    session_id = api.create_session()
    _set(api, session_id, label="Glucose")
    page = open_session(open_page, session_id)
    select_node(page, "N001")
    page.locator("#node-label").fill("")
    page.locator("#node-type").fill("molecule")
    message = "Glucose (N001): label must not be empty"
    expect(status(page)).to_have_text(f"Not saved: {message}", timeout=20_000)
    expect(page.locator("#node-label")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#node-label-error")).to_have_text(message)
    expect(page.locator("#node-type")).to_have_attribute("aria-invalid", "false")
    node = api.node(session_id, "N001")
    assert node is not None
    assert (node["label"], node["type"]) == ("Glucose", "molecule")
    shot(page, "merge-05-invalid-label-marked")
    page.locator("#node-label").fill("Glucose 6-phosphate")
    wait_saved(page)
    expect(page.locator("#node-label")).to_have_attribute("aria-invalid", "false")
    node = api.node(session_id, "N001")
    assert node is not None
    assert node["label"] == "Glucose 6-phosphate"
