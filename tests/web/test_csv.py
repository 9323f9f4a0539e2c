"""CSV import from the editor: progress, the server's line-numbered problems, export."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.web.conftest import Api
from tests.web.helpers import open_session

pytestmark = pytest.mark.browser


@pytest.fixture
def bulk_session(api: Api, server_url: str) -> str:
    session_id = api.create_session()
    response = httpx.post(f"{server_url}/session/{session_id}/bulk/import", timeout=10)
    # Without the route, the request falls through to a 404, or to the static files' 405.
    if response.status_code in (404, 405) and '"error"' not in response.text:
        pytest.skip("the REST route POST /session/{id}/bulk/import does not exist yet")
    return session_id


def test_csv_upload_lists_the_servers_problems(
    open_page: Any, bulk_session: str, tmp_path: Path, shot: Any
) -> None:
    nodes = tmp_path / "nodes.csv"
    nodes.write_text('node_id,label,metadata\nA1,Alpha,{}\n,no id,{}\nB2,Beta,"[1, 2]"\n')
    page = open_session(open_page, bulk_session)
    page.get_by_role("button", name="Import CSV…").click()
    page.locator("#import-nodes").set_input_files(str(nodes))
    page.locator("#import-submit").click()
    problems = page.locator("#import-problems li")
    expect(problems.first).to_be_visible(timeout=10_000)
    expect(page.locator("#import-result")).to_contain_text("CSV_INVALID")
    texts = problems.all_inner_texts()
    assert any("nodes line 3" in t for t in texts), texts
    assert any("nodes line 4" in t for t in texts), texts
    expect(page.locator("#import-progress")).to_be_visible()
    # A full bar must not read as success: the failed upload's bar says it failed.
    expect(page.locator("#import-progress")).to_have_attribute("data-state", "failed")
    expect(page.locator("#import-progress-text")).to_have_text("Not imported.")
    shot(page, "07-csv-problems")
    assert page.locator("#node-list button").count() == 2  # nothing was imported


def test_csv_upload_imports_and_the_graph_follows(
    open_page: Any, bulk_session: str, tmp_path: Path, api: Api
) -> None:
    nodes = tmp_path / "nodes.csv"
    nodes.write_text("node_id,label,type\nA1,Alpha,person\nB2,Beta,place\n")
    rels = tmp_path / "rels.csv"
    rels.write_text("source,target,type\nA1,B2,lives_in\n")
    page = open_session(open_page, bulk_session)
    page.get_by_role("button", name="Import CSV…").click()
    page.locator("#import-nodes").set_input_files(str(nodes))
    page.locator("#import-rels").set_input_files(str(rels))
    page.locator("#import-submit").click()
    expect(page.locator("#import-result")).to_contain_text("Imported", timeout=10_000)
    expect(page.locator("#import-progress")).to_have_js_property("value", 1)
    expect(page.locator("#import-progress")).to_have_attribute("data-state", "done")
    page.get_by_role("button", name="Close").click()
    expect(page.locator('#node-list button[data-node="A1"]')).to_contain_text(
        "Alpha", timeout=5_000
    )
    graph = api.graph(bulk_session)
    assert len(graph["relationships"]["nodes"]) == 1

    with page.expect_download() as download:
        page.locator("#export-json").click()
    assert download.value.suggested_filename


def test_the_upload_bar_follows_the_servers_reading(
    open_page: Any, bulk_session: str, tmp_path: Path
) -> None:
    nodes = tmp_path / "nodes.csv"
    nodes.write_text("node_id,label\n" + "".join(f"n{i},Node {i}\n" for i in range(40_000)))
    page = open_session(open_page, bulk_session)
    page.evaluate(
        """() => {  // every text the bar's caption shows, in order
        window.captions = [];
        const text = document.querySelector('#import-progress-text');
        new MutationObserver(() => window.captions.push(text.textContent))
          .observe(text, {childList: true, characterData: true, subtree: true});
    }"""
    )
    page.get_by_role("button", name="Import CSV…").click()
    page.locator("#import-nodes").set_input_files(str(nodes))
    page.locator("#import-submit").click()
    expect(page.locator("#import-result")).to_contain_text("Imported", timeout=30_000)
    expect(page.locator("#import-progress")).to_have_attribute(
        "title",
        re.compile(r"Reading nodes: 40,000 / 40,000 rows \(0\.\d / 0\.\d MB\)"),
        timeout=5_000,
    )
    captions = page.evaluate("window.captions")
    reading = [c for c in captions if c.startswith("Reading nodes: ")]
    assert reading, captions
    assert any("/ 40,000 rows" in c and not c.startswith("Reading nodes: 40,000") for c in reading)
