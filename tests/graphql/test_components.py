"""Component sequences (CONTRACT.md §4): contiguous positions, versions, no-ops, isolation."""

from __future__ import annotations

import pytest

from tests.factories import make_session
from tests.graphql.helpers import change_list, code, dt, get_node, revision, row_counts

FIELDS = "nodeId version updatedAt components { id position type content properties }"
SET = f"""mutation($s: ID!, $n: String!, $c: [ComponentInput!]!, $v: Int) {{
  setComponents(sessionId: $s, nodeId: $n, components: $c, expectedVersion: $v) {{ {FIELDS} }}
}}"""
ADD = f"""mutation($s: ID!, $n: String!, $c: ComponentInput!, $p: Int, $v: Int) {{
  addComponent(sessionId: $s, nodeId: $n, component: $c, position: $p, expectedVersion: $v) {{
    {FIELDS}
  }}
}}"""
UPDATE = f"""mutation($s: ID!, $id: ID!, $patch: ComponentPatch!, $v: Int) {{
  updateComponent(sessionId: $s, componentId: $id, patch: $patch, expectedVersion: $v) {{
    {FIELDS}
  }}
}}"""
MOVE = f"""mutation($s: ID!, $id: ID!, $to: Int!, $v: Int) {{
  moveComponent(sessionId: $s, componentId: $id, toPosition: $to, expectedVersion: $v) {{
    {FIELDS}
  }}
}}"""
REMOVE = f"""mutation($s: ID!, $id: ID!, $v: Int) {{
  removeComponent(sessionId: $s, componentId: $id, expectedVersion: $v) {{ {FIELDS} }}
}}"""


def contents(node):
    assert [c["position"] for c in node["components"]] == list(range(len(node["components"])))
    return [c["content"] for c in node["components"]]


async def _node_with(gql, session_id, *texts):
    """N001 with components a, b, c... (version 2 when any were set)."""
    components = [{"type": "text", "content": text} for text in texts]
    data = await gql.ok(SET, {"s": session_id, "n": "N001", "c": components})
    return data["setComponents"]


@pytest.fixture
async def session_id(gql):
    return await make_session(gql)


@pytest.mark.parametrize(
    ("position", "expected"),
    [(None, "abcX"), (3, "abcX"), (0, "Xabc"), (1, "aXbc"), (2, "abXc")],
)
async def test_add_component_keeps_positions_contiguous(gql, session_id, position, expected):
    await _node_with(gql, session_id, "a", "b", "c")
    data = await gql.ok(
        ADD,
        {"s": session_id, "n": "N001", "c": {"type": "t", "content": "X"}, "p": position, "v": 2},
    )
    node = data["addComponent"]
    assert "".join(contents(node)) == expected
    assert node["version"] == 3


@pytest.mark.parametrize("position", [-1, 4, 100])
async def test_add_component_out_of_range_is_bad_user_input(gql, session_id, engine, position):
    await _node_with(gql, session_id, "a", "b", "c")
    before = await row_counts(engine, session_id)
    error = await gql.error(ADD, {"s": session_id, "n": "N001", "c": {"type": "t"}, "p": position})
    assert code(error) == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "position"
    assert await row_counts(engine, session_id) == before


async def test_add_component_to_an_empty_node_and_defaults(gql, session_id):
    node = (await gql.ok(ADD, {"s": session_id, "n": "N002", "c": {"type": "t"}}))["addComponent"]
    assert node["components"][0]["position"] == 0
    assert node["components"][0]["content"] == ""
    assert node["components"][0]["properties"] == {}
    error = await gql.error(ADD, {"s": session_id, "n": "N404", "c": {"type": "t"}})
    assert code(error) == "NODE_NOT_FOUND"


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [(0, 3, "bcda"), (3, 0, "dabc"), (1, 2, "acbd"), (2, 1, "acbd"), (0, 1, "bacd")],
)
async def test_move_component_in_both_directions(gql, session_id, source, target, expected):
    node = await _node_with(gql, session_id, "a", "b", "c", "d")
    moving = node["components"][source]["id"]
    data = await gql.ok(MOVE, {"s": session_id, "id": moving, "to": target, "v": 2})
    node = data["moveComponent"]
    assert "".join(contents(node)) == expected
    assert node["components"][target]["id"] == moving
    assert node["version"] == 3
    assert await change_list(gql, session_id, since=2) == [(3, "UPDATE", "NODE", "N001")]


async def test_move_to_the_same_position_is_a_no_op(gql, session_id):
    node = await _node_with(gql, session_id, "a", "b", "c")
    data = await gql.ok(MOVE, {"s": session_id, "id": node["components"][1]["id"], "to": 1})
    assert data["moveComponent"] == node
    assert await revision(gql, session_id) == 2
    # ...but a stale expectedVersion still conflicts.
    error = await gql.error(
        MOVE, {"s": session_id, "id": node["components"][1]["id"], "to": 1, "v": 1}
    )
    assert code(error) == "VERSION_CONFLICT"
    assert error["extensions"]["currentVersion"] == 2


@pytest.mark.parametrize("target", [-1, 3])
async def test_move_out_of_range_is_bad_user_input(gql, session_id, target):
    node = await _node_with(gql, session_id, "a", "b", "c")
    error = await gql.error(
        MOVE, {"s": session_id, "id": node["components"][0]["id"], "to": target}
    )
    assert code(error) == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "toPosition"
    assert contents(await get_node(gql, session_id, "N001")) == ["a", "b", "c"]


@pytest.mark.parametrize(("index", "expected"), [(0, "bcd"), (1, "acd"), (3, "abc")])
async def test_remove_component_closes_the_gap(gql, session_id, engine, index, expected):
    node = await _node_with(gql, session_id, "a", "b", "c", "d")
    data = await gql.ok(REMOVE, {"s": session_id, "id": node["components"][index]["id"], "v": 2})
    assert "".join(contents(data["removeComponent"])) == expected
    assert data["removeComponent"]["version"] == 3
    assert (await row_counts(engine, session_id))["components"] == 3


async def test_set_components_replaces_the_sequence(gql, session_id):
    node = await _node_with(gql, session_id, "a", "b")
    assert node["version"] == 2
    data = await gql.ok(
        SET, {"s": session_id, "n": "N001", "c": [{"type": "x", "content": "z"}], "v": 2}
    )
    assert contents(data["setComponents"]) == ["z"]
    assert data["setComponents"]["version"] == 3
    data = await gql.ok(SET, {"s": session_id, "n": "N001", "c": []})
    assert data["setComponents"]["components"] == []
    assert data["setComponents"]["version"] == 4


async def test_set_identical_components_keeps_ids_and_bumps_nothing(gql, session_id):
    components = [
        {"type": "text", "content": "a", "properties": {"k": [1, True]}},
        {"type": "text", "content": "b"},
    ]
    first = (await gql.ok(SET, {"s": session_id, "n": "N001", "c": components}))["setComponents"]
    again = (await gql.ok(SET, {"s": session_id, "n": "N001", "c": components, "v": 2}))[
        "setComponents"
    ]
    assert again == first
    assert await revision(gql, session_id) == 2
    # A different properties value (true vs 1) is a change.
    components[0]["properties"] = {"k": [1, 1]}
    changed = (await gql.ok(SET, {"s": session_id, "n": "N001", "c": components}))["setComponents"]
    assert changed["version"] == 3


async def test_stale_version_on_set_components_writes_nothing(gql, session_id, engine):
    await _node_with(gql, session_id, "a")
    before = await row_counts(engine, session_id)
    error = await gql.error(
        SET, {"s": session_id, "n": "N001", "c": [{"type": "t", "content": "b"}], "v": 1}
    )
    assert code(error) == "VERSION_CONFLICT"
    assert error["extensions"]["currentVersion"] == 2
    assert contents(await get_node(gql, session_id, "N001")) == ["a"]
    assert await row_counts(engine, session_id) == before


async def test_update_component_bumps_its_node(gql, session_id):
    node = await _node_with(gql, session_id, "a", "b")
    component_id = node["components"][1]["id"]
    data = await gql.ok(
        UPDATE,
        {"s": session_id, "id": component_id, "patch": {"content": "B", "properties": {"p": 1}}},
    )
    updated = data["updateComponent"]
    assert updated["version"] == 3
    assert dt(updated["updatedAt"]) > dt(node["updatedAt"])
    assert updated["components"][1] == {
        "id": component_id,
        "position": 1,
        "type": "text",
        "content": "B",
        "properties": {"p": 1},
    }
    assert await change_list(gql, session_id, since=2) == [(3, "UPDATE", "NODE", "N001")]


async def test_no_op_component_update_bumps_nothing(gql, session_id):
    node = await _node_with(gql, session_id, "a")
    component_id = node["components"][0]["id"]
    data = await gql.ok(
        UPDATE, {"s": session_id, "id": component_id, "patch": {"content": "a", "type": "text"}}
    )
    assert data["updateComponent"] == node
    assert await revision(gql, session_id) == 2
    error = await gql.error(
        UPDATE, {"s": session_id, "id": component_id, "patch": {"content": "a"}, "v": 1}
    )
    assert code(error) == "VERSION_CONFLICT"


async def test_component_properties_must_be_an_object(gql, session_id):
    node = await _node_with(gql, session_id, "a")
    error = await gql.error(
        UPDATE, {"s": session_id, "id": node["components"][0]["id"], "patch": {"properties": [1]}}
    )
    assert code(error) == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "properties"


@pytest.mark.parametrize("mutation", [UPDATE, MOVE, REMOVE], ids=["update", "move", "remove"])
async def test_component_of_another_session_is_not_found(gql, session_id, mutation):
    node = await _node_with(gql, session_id, "a")
    component_id = node["components"][0]["id"]
    other = await make_session(gql)
    variables = {"s": other, "id": component_id, "patch": {"content": "x"}, "to": 0}
    error = await gql.error(mutation, variables)
    assert code(error) == "COMPONENT_NOT_FOUND"
    assert contents(await get_node(gql, session_id, "N001")) == ["a"]


@pytest.mark.parametrize("bad", ["abc", "0", "-1", "01", " 1", "1.0", "99999999999999999999999"])
async def test_unknown_component_ids_are_not_found(gql, session_id, bad):
    await _node_with(gql, session_id, "a")
    error = await gql.error(REMOVE, {"s": session_id, "id": bad})
    assert code(error) == "COMPONENT_NOT_FOUND"


async def test_node_deletion_removes_its_components(gql, session_id, engine):
    await _node_with(gql, session_id, "a", "b")
    await gql.ok(
        'mutation($s: ID!) { deleteNode(sessionId: $s, nodeId: "N001") { deleted } }',
        {"s": session_id},
    )
    assert (await row_counts(engine, session_id))["components"] == 0
