"""The editor's merge and delta rules, run as the page's own ES modules in the browser.

These are the rules that decide whether a person's typing survives a live update and
whether a save carries the right expectedVersion; a unit test each is cheaper and more
precise than driving them through the UI.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

SETUP = """
async (scenario) => {
  const { Store } = await import('/js/store.js');
  const sync = await import('/js/store-sync.js');
  const node = (id, version, label, extra = {}) =>
    ({ nodeId: id, label, type: 'concept', metadata: {}, version, components: [], ...extra });
  const store = new Store();
  store.reset('s');
  sync.loadServerState(store, { revision: 3, nodes: [node('N1', 1, 'one'), node('N2', 1, 'two')],
    relationships: [] });
  const body = SCENARIO;
  return body({ store, sync, node });
}
"""


def run(page: Any, scenario: str) -> Any:
    return page.evaluate(SETUP.replace("SCENARIO", scenario), None)


@pytest.fixture
def page(open_page: Any) -> Any:
    return open_page("/")


def test_delta_holds_only_changed_fields_with_expected_versions(page: Any) -> None:
    delta = run(
        page,
        """({ store }) => {
          store.editNode('N1', { label: 'uno' });
          store.createNode({ label: 'new', metadata: { x: 1, y: 2 } });
          store.deleteNode('N2');
          return store.buildDelta('save-1');
        }""",
    )
    assert delta == {
        "saveId": "save-1",
        "nodes": [
            {"nodeId": "N1", "label": "uno", "expectedVersion": 1},
            {
                "nodeId": "N003",
                "label": "new",
                "type": "concept",
                "metadata": {"x": 1, "y": 2},
                "components": [],
            },
        ],
        "deleteNodeIds": ["N2"],
        "relationships": [],
        "deleteRelationshipIds": [],
        "onConflict": "MERGE",  # only the edited fields are sent: a field-level merge is safe
    }


def test_live_update_of_another_field_merges_and_moves_the_base(page: Any) -> None:
    result = run(
        page,
        """({ store, sync, node }) => {
          store.editNode('N1', { label: 'mine' });
          sync.mergeServerNode(store, node('N1', 2, 'one', { type: 'person' }));
          const local = store.local.get('N1');
          return [local.label, local.type, store.dirty.get('N1').base];
        }""",
    )
    assert result == ["mine", "person", 2]


def test_live_update_of_the_same_field_keeps_mine_and_the_old_base(page: Any) -> None:
    result = run(
        page,
        """({ store, sync, node }) => {
          store.editNode('N1', { label: 'mine' });
          sync.mergeServerNode(store, node('N1', 2, 'theirs'));
          return [store.local.get('N1').label, store.dirty.get('N1').base];
        }""",
    )
    assert result == ["mine", 1]  # the next save is a VERSION_CONFLICT, not a silent overwrite


def test_a_focused_field_is_protected_even_when_not_edited(page: Any) -> None:
    result = run(
        page,
        """({ store, sync, node }) => {
          store.editNode('N1', { type: 'idea' });
          sync.mergeServerNode(store, node('N1', 2, 'theirs'), (id, f) => f === 'label');
          return [store.local.get('N1').label, store.dirty.get('N1').base];
        }""",
    )
    assert result == ["one", 1]


def test_edits_made_while_a_save_was_in_flight_stay_dirty(page: Any) -> None:
    result = run(
        page,
        """({ store, sync, node }) => {
          store.editNode('N1', { label: 'first' });
          const input = store.buildDelta('a');
          store.editNode('N1', { label: 'second' });  // typed while the save was in flight
          const saved = { nodes: [node('N1', 2, 'first')], relationships: [] };
          sync.applySaveResult(store, input, saved);
          const after = [store.dirty.get('N1').base, store.local.get('N1').label];
          const next = store.buildDelta('b');
          return [after, next.nodes];
        }""",
    )
    assert result == [[2, "second"], [{"nodeId": "N1", "label": "second", "expectedVersion": 2}]]


def test_new_relationship_is_rekeyed_to_its_server_id(page: Any) -> None:
    result = run(
        page,
        """({ store, sync }) => {
          const key = store.createRel({ sourceId: 'N1', targetId: 'N2', type: 'knows' });
          const input = store.buildDelta('a');
          const rel = { id: 'r9', sourceId: 'N1', targetId: 'N2', type: 'knows', weight: null,
                        properties: {}, version: 1 };
          sync.applySaveResult(store, input, { nodes: [], relationships: [rel] });
          return [key, input.relationships, [...store.localRels.keys()], store.dirtyRels.size];
        }""",
    )
    assert result == [
        "N1-[knows]->N2",
        [{"sourceId": "N1", "targetId": "N2", "type": "knows", "weight": None, "properties": {}}],
        ["r9"],
        0,
    ]


def test_draft_after_a_replayed_save_uses_the_replayed_version(page: Any) -> None:
    result = run(
        page,
        """({ store, sync, node }) => {
          // The pending save (label 'a') landed as version 2; afterwards 'b' was typed.
          sync.mergeServerNode(store, node('N1', 2, 'a'));
          const draft = { nodes: { N1: { local: node('N1', 1, 'b'), base: 1 } }, rels: {} };
          sync.applyDraft(store, draft, new Map([['node:N1', 2]]));
          return store.buildDelta('c').nodes;
        }""",
    )
    assert result == [{"nodeId": "N1", "label": "b", "expectedVersion": 2}]
