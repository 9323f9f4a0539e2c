"""The network view (sigma.js over a graphology graph): placement, selection, palette, state.

Positions and colours are read from the library's own model and display data
(`graphEditor.view.graph`, `graphEditor.view.renderer`), the same the WebGL drawing uses.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Api
from tests.web.helpers import add_node, open_session, wait_saved

pytestmark = pytest.mark.browser

DIM = "#e1e5eb"  # graph-view.js: what is not the selection or its neighbours

DISPLAY = """(ids) => Object.fromEntries(ids.map((id) => {
    const d = graphEditor.view.renderer.getNodeDisplayData(id);
    return [id, { color: d.color, ring: d.ringColor, ringSize: d.ringSize }];
}))"""


def _create_nodes(api: Api, session_id: str, inputs: list[dict[str, Any]]) -> None:
    api.gql(
        """mutation($s: ID!, $i: [NodeInput!]!) {
            createNodes(sessionId: $s, inputs: $i) { nodeId } }""",
        s=session_id,
        i=inputs,
    )


def _create_rels(api: Api, session_id: str, inputs: list[dict[str, Any]]) -> None:
    api.gql(
        """mutation($s: ID!, $i: [RelationshipInput!]!) {
            createRelationships(sessionId: $s, inputs: $i, onDuplicate: SKIP) { id } }""",
        s=session_id,
        i=inputs,
    )


def _lab(hex_colour: str) -> tuple[float, float, float]:
    """CIELAB of an sRGB #rrggbb, to judge how far apart two colours look."""

    def linear(c: float) -> float:
        return ((c + 0.055) / 1.055) ** 2.4 if c > 0.04045 else c / 12.92

    r, g, b = (linear(int(hex_colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    x = (r * 0.4124 + g * 0.3576 + b * 0.1805) / 0.95047
    y = r * 0.2126 + g * 0.7152 + b * 0.0722
    z = (r * 0.0193 + g * 0.1192 + b * 0.9505) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def test_ten_nodes_added_in_a_row_stand_apart(open_page: Any, api: Api, shot: Any) -> None:
    session_id = api.create_session()
    page = open_session(open_page, session_id)
    added = [add_node(page, f"row {i}") for i in range(10)]
    assert len(set(added)) == 10
    wait_saved(page)
    positions = page.evaluate(
        "(ids) => ids.map((id) => graphEditor.view.graph.getNodeAttributes(id))", added
    )
    diameter = 2 * page.evaluate("graphEditor.view.radius")
    for (a, pa), (b, pb) in itertools.combinations(zip(added, positions, strict=True), 2):
        gap = math.dist((pa["x"], pa["y"]), (pb["x"], pb["y"]))
        assert gap >= diameter, f"{a} and {b} are {gap:.1f} apart (diameter {diameter})"
    # Each is kept where it was put: the positions are saved, and drawn where saved.
    saved = {n["nodeId"]: n["metadata"] for n in api.graph(session_id)["nodes"]["nodes"]}
    for node_id, p in zip(added, positions, strict=True):
        assert (saved[node_id]["x"], saved[node_id]["y"]) == (p["x"], p["y"])
        assert p["fixed"] is True
    page.locator("#zoom-fit").click()
    shot(page, "10-ten-nodes-in-a-row")


def test_choosing_a_node_in_the_list_reveals_it_and_its_neighbours(
    open_page: Any, api: Api, shot: Any
) -> None:
    session_id = api.create_session(withDefaultNodes=False)
    grid = [
        {
            "nodeId": f"G{i:02d}",
            "label": f"grid {i}",
            "metadata": {"x": i % 8 * 300, "y": i // 8 * 300},
        }
        for i in range(48)
    ]
    _create_nodes(api, session_id, grid)
    # G47 is the far corner; its neighbours are G46, G39 and (far away) G00.
    _create_rels(
        api,
        session_id,
        [{"sourceId": "G47", "targetId": t, "type": "near"} for t in ("G46", "G39", "G00")],
    )
    page = open_session(open_page, session_id)
    expect(page.locator("#node-count")).to_have_text("(48)")
    page.wait_for_function("graphEditor.view.settled()")
    for _ in range(12):
        page.locator("#zoom-in").click()
    page.wait_for_timeout(300)
    assert not page.evaluate("graphEditor.view.inView('G47')")

    page.locator("#node-search").fill("grid 47")
    page.locator('#node-list button[data-node="G47"]').click()
    expect(page.locator("#node-id")).to_have_text("G47")
    page.wait_for_function("graphEditor.view.inView('G47')", timeout=5_000)
    page.wait_for_timeout(300)
    shown = page.evaluate(DISPLAY, ["G47", "G46", "G39", "G00", "G10", "G45"])
    for neighbour in ("G46", "G39", "G00"):
        assert shown[neighbour]["color"] != DIM, (neighbour, shown)
    for other in ("G10", "G45"):
        assert shown[other]["color"] == DIM, (other, shown)
    edges = page.evaluate(
        """() => graphEditor.view.graph.edges()
            .map((e) => graphEditor.view.renderer.getEdgeDisplayData(e).color)"""
    )
    assert len(set(edges)) == 1 and edges[0] != DIM  # all three touch G47: emphasised
    shot(page, "11-selection-highlight")

    page.keyboard.press("Escape")
    page.wait_for_timeout(200)
    again = page.evaluate(DISPLAY, ["G10", "G45"])
    assert all(d["color"] != DIM for d in again.values()), again


def test_twelve_types_get_distinct_colours_and_a_legend(
    open_page: Any, api: Api, shot: Any
) -> None:
    session_id = api.create_session(withDefaultNodes=False)
    types = [f"type{chr(65 + t)}" for t in range(14)]  # 12 colours, then another cue
    inputs = [
        {
            "nodeId": f"T{t:02d}{k}",
            "label": f"{types[t]} {k}",
            "type": types[t],
            "metadata": {"x": t * 60, "y": k * 60},
        }
        for t in range(14)
        for k in range(t % 3 + 1)
    ]
    _create_nodes(api, session_id, inputs)
    page = open_session(open_page, session_id)
    expect(page.locator("#legend li")).to_have_count(14, timeout=5_000)
    legend = page.locator("#legend li").all_inner_texts()
    counts = {line.split()[0]: int(line.split()[-1]) for line in legend}
    assert counts == {types[t]: t % 3 + 1 for t in range(14)}

    firsts = [f"T{t:02d}0" for t in range(14)]
    shown = page.evaluate(DISPLAY, firsts)
    fills = [shown[f"T{t:02d}0"]["color"] for t in range(12)]
    nearest = min(math.dist(_lab(a), _lab(b)) for a, b in itertools.combinations(fills, 2))
    assert nearest > 20, f"two of the 12 type colours are only {nearest:.1f} ΔE apart"
    # Types 13 and 14 reuse hues, with a ring: every type still looks different.
    looks = {(d["color"], d["ring"] if d["ringSize"] else None) for d in shown.values()}
    assert len(looks) == 14, shown
    for node_id in firsts[12:]:
        assert shown[node_id]["ringSize"] > 0
    shot(page, "12-twelve-types-legend")


def test_the_live_indicator_says_offline_when_offline(
    open_page: Any, api: Api, context: Any
) -> None:
    session_id = api.create_session()
    page = open_session(open_page, session_id)
    context.set_offline(True)
    expect(page.locator("#live-state")).to_have_text("offline", timeout=5_000)
    expect(page.locator("#live-state")).to_have_attribute("data-state", "offline")
    context.set_offline(False)
    expect(page.locator("#live-state")).to_have_text("live", timeout=10_000)


@pytest.mark.slow
def test_a_thousand_nodes(open_page: Any, api: Api, shot: Any) -> None:
    session_id = api.create_session(withDefaultNodes=False)
    n = 1000
    types = ("concept", "person", "document", "event", "place", "claim")
    _create_nodes(
        api,
        session_id,
        [{"nodeId": f"K{i:04d}", "label": f"node {i}", "type": types[i % 6]} for i in range(n)],
    )
    rels = [
        {"sourceId": f"K{i:04d}", "targetId": f"K{(i * m + 1) % n:04d}", "type": f"r{m}"}
        for i in range(n)
        for m in (3, 7, 11)
    ]
    _create_rels(api, session_id, rels)
    page = open_session(open_page, session_id)
    expect(page.locator("#node-count")).to_have_text(f"({n})", timeout=60_000)
    page.wait_for_function("graphEditor.view.settled()", timeout=60_000)
    drawn = page.evaluate("[graphEditor.view.graph.order, graphEditor.view.graph.size]")
    assert drawn == [n, 3 * n]
    page.wait_for_timeout(500)
    shot(page, "13-thousand-nodes")


def test_search_and_path_forms_follow_the_servers_schema(
    open_page: Any, api: Api, shot: Any
) -> None:
    """Shown exactly when the server has `search` / `shortestPath` (CONTRACT.md section 12)."""
    fields = {
        f["name"]
        for f in api.gql('{ __type(name: "Session") { fields { name } } }')["__type"]["fields"]
    }
    session_id = api.create_session()
    page = open_session(open_page, session_id)
    search, path = page.locator("#text-search-form"), page.locator("#path-form")
    if "search" in fields:
        expect(search).to_be_visible()
        page.locator("#text-search").fill("N001")
        page.locator("#text-search").press("Enter")
        expect(page.locator('#text-search-hits button[data-node="N001"]')).to_be_visible()
    else:
        expect(search).to_be_hidden()
    if "shortestPath" in fields:
        expect(path).to_be_visible()
        _create_rels(api, session_id, [{"sourceId": "N001", "targetId": "N002", "type": "r"}])
        page.locator("#path-from").fill("N002")
        page.locator("#path-to").fill("N001")
        page.locator("#path-show").click()
        expect(page.locator("#path-result")).to_contain_text("1 step")
        shot(page, "14-path")
    else:
        expect(path).to_be_hidden()
