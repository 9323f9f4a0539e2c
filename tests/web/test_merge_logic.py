"""The editor's component merge and conflict intake, run as the page's own ES modules.

mergeComponents(base, mine, theirs) merges two edits of one component sequence when they
touch different components and answers null (ask the person) when the same component
changed on both sides. Server ids change when a sequence is saved, so identical
components are matched by content too.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

MERGE = """
async ([base, mine, theirs]) => {
  const { mergeComponents } = await import('/js/merge-components.js');
  const merged = mergeComponents(base, mine, theirs);
  return merged && merged.map((c) => c.content);
}
"""


def c(content: str, id_: str | None = None) -> dict[str, Any]:
    return {"id": id_, "type": "text", "content": content, "properties": {}}


BASE = [c("a", "1"), c("b", "2"), c("c", "3")]


@pytest.fixture
def page(open_page: Any) -> Any:
    return open_page("/")


def merge(page: Any, mine: list[Any], theirs: list[Any]) -> Any:
    return page.evaluate(MERGE, [BASE, mine, theirs])


def test_edits_of_different_components_merge_even_with_new_server_ids(page: Any) -> None:
    mine = [c("a", "1"), c("b", "2"), c("c!", "3")]
    theirs = [c("a!", "7"), c("b", "8"), c("c", "9")]  # saved by autoSave: new ids
    assert merge(page, mine, theirs) == ["a!", "b", "c!"]


def test_the_same_component_changed_on_both_sides_is_asked(page: Any) -> None:
    mine = [c("a", "1"), c("b mine", "2"), c("c", "3")]
    theirs = [c("a", "7"), c("b theirs", "8"), c("c", "9")]
    assert merge(page, mine, theirs) is None


def test_changed_here_and_removed_there_is_asked(page: Any) -> None:
    assert merge(page, [c("a!", "1"), c("b", "2"), c("c", "3")], [c("b"), c("c")]) is None


def test_the_same_new_value_on_both_sides_is_no_conflict(page: Any) -> None:
    both = [c("a", "1"), c("b2", "2"), c("c", "3")]
    assert merge(page, both, [c("a", "1"), c("b2", "5"), c("c", "3")]) == ["a", "b2", "c"]


def test_additions_and_removals_on_both_sides(page: Any) -> None:
    mine = [c("a", "1"), c("new mine"), c("b", "2"), c("c", "3")]  # added after a
    theirs = [c("a", "1"), c("b", "2"), c("new theirs", "4")]  # removed c, added at the end
    assert merge(page, mine, theirs) == ["a", "new mine", "b", "new theirs"]


def test_a_reorder_here_keeps_an_edit_there(page: Any) -> None:
    mine = [c("c", "3"), c("a", "1"), c("b", "2")]
    theirs = [c("a", "1"), c("b!", "5"), c("c", "3")]
    assert merge(page, mine, theirs) == ["c", "a", "b!"]


def test_reorders_on_both_sides_are_asked(page: Any) -> None:
    mine = [c("c", "3"), c("a", "1"), c("b", "2")]
    theirs = [c("b", "2"), c("a", "1"), c("c", "3")]
    assert merge(page, mine, theirs) is None


def test_a_merged_components_conflict_is_rebased_and_not_asked(page: Any) -> None:
    result = page.evaluate(
        """async () => {
          const { Store } = await import('/js/store.js');
          const sync = await import('/js/store-sync.js');
          const comp = (id, content) => ({ id, type: 'text', content, properties: {} });
          const node = (version, label, components) =>
            ({ nodeId: 'N1', label, type: 'concept', metadata: {}, version, components });
          const store = new Store();
          store.reset('s');
          sync.loadServerState(store, { revision: 1, relationships: [],
            nodes: [node(1, 'one', [comp('1', 'a'), comp('2', 'b')])] });
          store.editNode('N1', { label: 'mine', components: [comp('1', 'a'), comp('2', 'b!')] });
          const server = node(2, 'theirs', [comp('7', 'a!'), comp('8', 'b')]);
          const kept = sync.takeConflicts(store, [{ kind: 'NODE', key: 'N1', expectedVersion: 1,
            currentVersion: 2, fields: ['label', 'components'], node: server }]);
          const delta = store.buildDelta('x');
          return [kept.map((k) => k.fields), store.local.get('N1').components.map((c) => c.content),
                  delta];
        }"""
    )
    kept, contents, delta = result
    assert kept == [["label"]]  # only the label is asked about
    assert contents == ["a!", "b!"]
    assert delta is None  # N1 waits in the conflict view; nothing else to save


def test_a_conflict_on_components_alone_is_resolved_and_saved_again(page: Any) -> None:
    result = page.evaluate(
        """async () => {
          const { Store } = await import('/js/store.js');
          const sync = await import('/js/store-sync.js');
          const comp = (id, content) => ({ id, type: 'text', content, properties: {} });
          const node = (version, components) =>
            ({ nodeId: 'N1', label: 'one', type: 'concept', metadata: {}, version, components });
          const store = new Store();
          store.reset('s');
          sync.loadServerState(store, { revision: 1, relationships: [],
            nodes: [node(1, [comp('1', 'a'), comp('2', 'b')])] });
          store.editNode('N1', { components: [comp('1', 'a'), comp('2', 'b!')] });
          const kept = sync.takeConflicts(store, [{ kind: 'NODE', key: 'N1', expectedVersion: 1,
            currentVersion: 2, fields: ['components'],
            node: node(2, [comp('7', 'a!'), comp('8', 'b')]) }]);
          return [kept.length, store.conflicts.size, store.buildDelta('x').nodes];
        }"""
    )
    assert result == [
        0,
        0,
        [
            {
                "nodeId": "N1",
                "components": [
                    {"type": "text", "content": "a!", "properties": {}},
                    {"type": "text", "content": "b!", "properties": {}},
                ],
                "expectedVersion": 2,
            }
        ],
    ]
