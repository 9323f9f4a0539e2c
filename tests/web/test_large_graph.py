"""2,000 nodes stay usable: the page loads them, draws, selects and saves promptly."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Api
from tests.web.helpers import open_session, select_node, wait_saved

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FRAMES_IN_ONE_SECOND = """() => new Promise((done) => {
    let frames = 0;
    const t = performance.now();
    const count = () => {
        if (performance.now() - t >= 1000) return done(frames);
        frames += 1;
        requestAnimationFrame(count);
    };
    requestAnimationFrame(count);
})"""


def test_two_thousand_nodes(open_page: Any, api: Api, shot: Any) -> None:
    session_id = api.create_session(withDefaultNodes=False)
    inputs = [
        {"nodeId": f"L{i:04d}", "label": f"node {i}", "type": f"t{i % 7}"} for i in range(2000)
    ]
    api.gql(
        """mutation($s: ID!, $i: [NodeInput!]!) {
            createNodes(sessionId: $s, inputs: $i) { nodeId } }""",
        s=session_id,
        i=inputs,
    )
    rels = [
        {"sourceId": f"L{i:04d}", "targetId": f"L{(i * 7 + 1) % 2000:04d}", "type": "next"}
        for i in range(2000)
    ]
    api.gql(
        """mutation($s: ID!, $i: [RelationshipInput!]!) {
            createRelationships(sessionId: $s, inputs: $i, onDuplicate: SKIP) { id } }""",
        s=session_id,
        i=rels,
    )

    started = time.monotonic()
    page = open_session(open_page, session_id)
    expect(page.locator("#node-count")).to_have_text("(2000)", timeout=60_000)
    # Timings are printed, not asserted: speed is measured in bench/, not by the test clock.
    print(f"2,000 nodes loaded and listed in {time.monotonic() - started:.1f} s")

    # The layout is bounded in time (it cools and stops), and the page keeps answering
    # meanwhile. Timing bounds are loose: CI shares two cores with a second browser.
    frames = page.evaluate(FRAMES_IN_ONE_SECOND)
    print(f"frames in the first second of laying out 2,000 nodes: {frames}")
    assert frames >= 1
    page.wait_for_function("graphEditor.view.settled()", timeout=20_000)
    # Settled, a redraw of everything (pan, zoom, selection) fits in a few frames. The best
    # of five, so that a neighbour process hogging the CPU once does not decide.
    lags = [
        page.evaluate(
            """() => new Promise((done) => {
                const t = performance.now();
                graphEditor.view.redraw();
                const after = () => done(performance.now() - t);
                requestAnimationFrame(() => requestAnimationFrame(after));
            })"""
        )
        for _ in range(5)
    ]
    print(f"full redraws of 2,000 nodes: {[round(lag) for lag in lags]} ms")
    page.wait_for_timeout(200)
    shot(page, "09-two-thousand-nodes")

    page.locator("#node-search").fill("node 1999")
    select_node(page, "L1999")
    page.locator("#node-label").fill("renamed among 2000")
    wait_saved(page)
    assert api.node(session_id, "L1999")["label"] == "renamed among 2000"  # type: ignore[index]
