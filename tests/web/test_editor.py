"""A person builds a small graph in the editor, waits for Saved, reloads: it is all there."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Api
from tests.web.helpers import (
    add_component,
    add_node,
    add_relationship,
    component_values,
    open_session,
    select_node,
    session_id_of,
    wait_saved,
)

pytestmark = pytest.mark.browser


def test_build_a_graph_save_and_reload(open_page: Any, api: Api, shot: Any) -> None:
    page = open_page("/")
    expect(page.locator("#landing")).to_be_visible()
    shot(page, "01-landing")
    page.get_by_role("button", name="Create a new session").click()
    expect(page).to_have_url(re.compile(r"#/s/[0-9a-f-]{36}$"))
    wait_saved(page)
    session_id = session_id_of(page)
    expect(page.locator("#node-list button")).to_have_count(2)  # N001 and N002

    # A node with a type and a component sequence: add three, reorder, edit, remove.
    alpha = add_node(page, "Alpha", "person")
    add_component(page, "first part")
    add_component(page, "second part", "note")
    add_component(page, "third part")
    third = page.locator("#component-list li").nth(2)
    third.locator(".c-content").focus()
    page.keyboard.press("Alt+ArrowUp")  # keyboard reorder: third moves above second
    page.locator("#component-list li").nth(0).locator(".c-remove").click()
    page.locator("#component-list li").nth(0).locator(".c-content").fill("third part, edited")
    assert component_values(page) == [("text", "third part, edited"), ("note", "second part")]
    add_relationship(page, "N001", "knows")
    expect(page.locator("#rel-list li")).to_have_count(1)

    # Rename N001, delete N002 with the keyboard.
    select_node(page, "N001")
    page.locator("#node-label").fill("Root")
    select_node(page, "N002")
    page.locator('#node-list button[data-node="N002"]').focus()
    page.keyboard.press("Delete")
    expect(page.locator("#node-list button")).to_have_count(2)

    wait_saved(page)
    select_node(page, alpha)
    shot(page, "02-editor-small-graph")

    graph = api.graph(session_id)
    nodes = {n["nodeId"]: n for n in graph["nodes"]["nodes"]}
    assert set(nodes) == {"N001", alpha}
    assert nodes["N001"]["label"] == "Root"
    assert (nodes[alpha]["label"], nodes[alpha]["type"]) == ("Alpha", "person")
    assert [(c["type"], c["content"]) for c in nodes[alpha]["components"]] == [
        ("text", "third part, edited"),
        ("note", "second part"),
    ]
    assert {"x", "y"} <= set(nodes[alpha]["metadata"])  # placed where it was created
    rels = graph["relationships"]["nodes"]
    assert [(r["sourceId"], r["type"], r["targetId"]) for r in rels] == [(alpha, "knows", "N001")]

    page.reload()
    wait_saved(page)
    expect(page.locator("#node-list button")).to_have_count(2)
    select_node(page, alpha)
    expect(page.locator("#node-label")).to_have_value("Alpha")
    expect(page.locator("#node-type")).to_have_value("person")
    assert component_values(page) == [("text", "third part, edited"), ("note", "second part")]
    expect(page.locator("#rel-list li")).to_contain_text("knows")
    select_node(page, "N001")
    expect(page.locator("#node-label")).to_have_value("Root")


def test_dragging_a_node_saves_its_position(open_page: Any, api: Api) -> None:
    session_id = api.create_session()
    page = open_page(f"/#/s/{session_id}")
    wait_saved(page)
    # "Saved" can show before the network view has drawn the session's nodes.
    page.wait_for_function("graphEditor.view.screenOf('N001') !== null")
    start = page.evaluate("graphEditor.view.screenOf('N001')")
    page.mouse.move(start["x"], start["y"])
    page.mouse.down()
    page.mouse.move(start["x"] + 60, start["y"] + 40, steps=8)
    page.mouse.up()
    expect(page.locator("#save-status")).not_to_have_text("Saved")
    wait_saved(page)
    node = api.node(session_id, "N001")
    assert node is not None
    moved = page.evaluate("graphEditor.view.positionOf('N001')")
    assert (node["metadata"]["x"], node["metadata"]["y"]) == (round(moved["x"]), round(moved["y"]))


def test_relationship_can_be_deleted_from_the_keyboard(open_page: Any, api: Api) -> None:
    session_id = api.create_session()
    page = open_page(f"/#/s/{session_id}")
    wait_saved(page)
    select_node(page, "N001")
    add_relationship(page, "N002", "likes")
    wait_saved(page)
    assert len(api.graph(session_id)["relationships"]["nodes"]) == 1
    page.locator("#rel-list .rel-delete").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#rel-list li")).to_have_text("No relationships yet.")
    wait_saved(page)
    assert api.graph(session_id)["relationships"]["nodes"] == []


def test_everything_from_the_keyboard(open_page: Any, api: Api) -> None:
    session_id = api.create_session()
    page = open_session(open_page, session_id)
    page.locator("body").click(position={"x": 5, "y": 840})  # nothing focused
    page.keyboard.press("n")  # add a node; its label is selected
    expect(page.locator("#node-label")).to_be_focused()
    page.keyboard.type("Typed")
    page.keyboard.press("Tab")
    expect(page.locator("#node-type")).to_be_focused()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("idea")
    page.keyboard.press("Tab")
    expect(page.locator("#add-component")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.type("one")
    page.keyboard.press("Shift+Tab")  # back over "Remove" (↑ ↓ are disabled for one row)
    expect(page.locator("#component-list li .c-remove")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(page.locator("#component-list li .c-type")).to_be_focused()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("quote")
    page.locator("#add-component").focus()
    page.keyboard.press("Enter")
    page.keyboard.type("two")
    page.keyboard.press("Alt+ArrowUp")
    assert component_values(page) == [("text", "two"), ("quote", "one")]
    page.locator("#rel-target").focus()
    page.keyboard.type("N002")
    page.keyboard.press("Enter")  # submits the relationship form
    expect(page.locator("#rel-list li")).to_contain_text("related_to")
    wait_saved(page)

    graph = api.graph(session_id)
    node = next(n for n in graph["nodes"]["nodes"] if n["label"] == "Typed")
    assert node["type"] == "idea"
    assert [(c["type"], c["content"]) for c in node["components"]] == [
        ("text", "two"),
        ("quote", "one"),
    ]
    assert [(r["sourceId"], r["targetId"]) for r in graph["relationships"]["nodes"]] == [
        (node["nodeId"], "N002")
    ]

    page.locator(f'#node-list button[data-node="{node["nodeId"]}"]').focus()
    page.keyboard.press("Delete")
    expect(page.locator("#node-list button")).to_have_count(2)
    wait_saved(page)
    assert api.node(session_id, node["nodeId"]) is None
    assert api.graph(session_id)["relationships"]["nodes"] == []
