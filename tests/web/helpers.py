"""Small page actions shared by the editor tests (a person's steps, spelled once)."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

SAVE_TIMEOUT_MS = 20_000


def status(page: Any) -> Any:
    return page.locator("#save-status")


def wait_saved(page: Any, timeout: int = SAVE_TIMEOUT_MS) -> None:
    expect(status(page)).to_have_text("Saved", timeout=timeout)


def session_id_of(page: Any) -> str:
    match = re.search(r"#/s/([0-9a-f-]{36})", page.url)
    assert match, page.url
    return match.group(1)


def open_session(open_page: Any, session_id: str) -> Any:
    page = open_page(f"/#/s/{session_id}")
    wait_saved(page)
    expect(page.locator("#live-state")).to_have_text("live", timeout=10_000)
    return page


def select_node(page: Any, node_id: str) -> None:
    page.locator(f'#node-list button[data-node="{node_id}"]').click()
    expect(page.locator("#node-id")).to_have_text(node_id)


def add_node(page: Any, label: str, node_type: str | None = None) -> str:
    """Add a node with the toolbar button; its label field has focus and is selected."""
    page.locator("#add-node").click()
    page.keyboard.type(label)
    if node_type:
        page.locator("#node-type").fill(node_type)
    node_id: str = page.locator("#node-id").inner_text()
    return node_id


def add_component(page: Any, content: str, component_type: str | None = None) -> None:
    page.locator("#add-component").click()
    page.keyboard.type(content)  # the new component's content has focus
    if component_type:
        page.locator("#component-list li").last.locator(".c-type").fill(component_type)


def add_relationship(page: Any, target: str, rel_type: str) -> None:
    page.locator("#rel-target").fill(target)
    page.locator("#rel-type").fill(rel_type)
    page.locator("#add-rel").click()


def component_values(page: Any) -> list[tuple[str, str]]:
    rows = page.locator("#component-list li")
    return [
        (
            rows.nth(i).locator(".c-type").input_value(),
            rows.nth(i).locator(".c-content").input_value(),
        )
        for i in range(rows.count())
    ]


def pending_save(page: Any) -> Any:
    """The pending delta this tab wrote to localStorage before sending (or None)."""
    return page.evaluate(
        """() => { for (let i = 0; i < localStorage.length; i++) {
            const k = localStorage.key(i);
            if (k.startsWith('graph_api:pending:')) return JSON.parse(localStorage.getItem(k));
          } return null; }"""
    )
