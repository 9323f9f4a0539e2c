"""The editor's copy of the server's naming rules: web/js/rules.js, generated, never edited.

The editor numbers the nodes it creates offline and keys its unsaved relationships as the
server does; if the two disagreed, a draft's node would be saved under an id the server
would not have given, and a relationship conflict would not find its row in the page.
"""

from __future__ import annotations

from typing import Any

import pytest

from graph_api import client_rules
from tests.web.conftest import Api

# Ids around the rule's edges: padding, more digits than the padding, leading zeros,
# other prefixes and non-digits that must not count.
TAKEN = ["N0099", "N12", "NX7", "n500", "N1a", "M900", "N", "N-3"]


def test_rules_js_is_what_the_server_rules_render() -> None:
    written = client_rules.RULES_JS.read_text(encoding="utf-8")
    assert written == client_rules.render(), "stale web/js/rules.js: run `make web-rules`"


def _next_in_browser(page: Any, node_ids: list[str]) -> str:
    result: str = page.evaluate(
        "async (ids) => (await import('/js/rules.js')).nextNodeId(ids)", node_ids
    )
    return result


@pytest.mark.browser
def test_editor_numbers_a_new_node_as_the_server_does(open_page: Any, api: Api) -> None:
    page = open_page("/")
    session_id = api.create_session()  # with N001 and N002
    for node_id in TAKEN:
        api.gql(
            """mutation($s: ID!, $n: String!) {
                createNode(sessionId: $s, input: {label: $n, nodeId: $n}) { nodeId } }""",
            s=session_id,
            n=node_id,
        )
    expected = _next_in_browser(page, ["N001", "N002", *TAKEN])
    assigned = api.gql(
        'mutation($s: ID!) { createNode(sessionId: $s, input: {label: "x"}) { nodeId } }',
        s=session_id,
    )["createNode"]["nodeId"]
    assert (expected, assigned) == ("N100", "N100")
    # Past the padding the number only grows: 999 -> N1000.
    assert _next_in_browser(page, ["N999", "N03"]) == "N1000"
    assert _next_in_browser(page, []) == "N001"


@pytest.mark.browser
def test_editor_keys_an_unsaved_relationship_as_the_servers_conflicts(
    open_page: Any, api: Api
) -> None:
    page = open_page("/")
    session_id = api.create_session()
    # An expectedVersion on a relationship that does not exist: a conflict keyed by name.
    result = api.gql(
        """mutation($s: ID!, $i: AutoSaveInput!) { autoSave(sessionId: $s, input: $i) {
            status conflicts { kind key } } }""",
        s=session_id,
        i={
            "saveId": "7d0d2b5e-8a4f-4d55-9a3e-0c8f7a1b2c3d",
            "relationships": [
                {"sourceId": "N001", "targetId": "N002", "type": "R:1", "expectedVersion": 1}
            ],
        },
    )["autoSave"]
    key = page.evaluate(
        "async (r) => (await import('/js/rules.js')).relKey(r)",
        {"sourceId": "N001", "targetId": "N002", "type": "R:1"},
    )
    assert result["status"] == "CONFLICT"
    assert result["conflicts"] == [{"kind": "RELATIONSHIP", "key": key}]
    assert key == "N001-[R:1]->N002"
