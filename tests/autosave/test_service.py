"""autoSave's rules at the service level, each inside a real unit of work."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from graph_api.config import Limits
from graph_api.db.models import changes, components, nodes, relationships, saves, sessions
from graph_api.errors import (
    BadUserInput,
    Duplicate,
    LimitExceeded,
    NodeNotFound,
    RelationshipNotFound,
    SessionNotFound,
)
from graph_api.services import relationships as relationship_service
from graph_api.services import sessions as session_service
from graph_api.services.autosave import save as autosave_service
from graph_api.services.autosave.save import SaveResult
from graph_api.services.autosave.specs import (
    AutoSaveSpec,
    NodeChangeSpec,
    RelationshipChangeSpec,
    payload_hash,
)
from graph_api.services.specs import ComponentSpec, RelationshipSpec, SessionSpec

Rel = RelationshipChangeSpec


@pytest.fixture
async def session_id(unit_of_work: Any) -> str:
    async with unit_of_work() as db:
        row = await session_service.create_session(db=db, spec=SessionSpec())
    return str(row.id)


@pytest.fixture
def save(unit_of_work: Any, session_id: str) -> Any:
    async def run(save_id: str = "s1", session: str | None = None, **fields: Any) -> SaveResult:
        spec = AutoSaveSpec(save_id=save_id, **fields)
        async with unit_of_work() as db:
            return await autosave_service.auto_save(
                db=db, session_id=session or session_id, spec=spec
            )

    return run


async def _scalar(unit_of_work: Any, statement: Any) -> Any:
    async with unit_of_work(write=False) as db:
        return (await db.execute(statement)).scalar_one()


async def _revision(unit_of_work: Any, session_id: str) -> int:
    return int(
        await _scalar(unit_of_work, select(sessions.c.revision).where(sessions.c.id == session_id))
    )


async def _change_rows(unit_of_work: Any, session_id: str, since: int = 1) -> list[tuple[Any, ...]]:
    async with unit_of_work(write=False) as db:
        rows = await db.execute(
            select(
                changes.c.revision, changes.c.op, changes.c.kind, changes.c.key, changes.c.save_id
            )
            .where(changes.c.session_id == session_id, changes.c.revision > since)
            .order_by(changes.c.id)
        )
        return [tuple(row) for row in rows]


async def _node(unit_of_work: Any, session_id: str, node_id: str) -> Any:
    async with unit_of_work(write=False) as db:
        return (
            await db.execute(
                select(nodes).where(nodes.c.session_id == session_id, nodes.c.node_id == node_id)
            )
        ).first()


async def _counts(unit_of_work: Any, session_id: str) -> dict[str, int]:
    result = {}
    for name, table in (
        ("nodes", nodes),
        ("components", components),
        ("relationships", relationships),
        ("changes", changes),
        ("saves", saves),
    ):
        result[name] = await _scalar(
            unit_of_work, select(func.count()).where(table.c.session_id == session_id)
        )
    result["revision"] = await _revision(unit_of_work, session_id)
    return result


async def _relate(unit_of_work: Any, session_id: str, source: str, target: str, type_: str) -> Any:
    async with unit_of_work() as db:
        (row,) = await relationship_service.create_relationships(
            db=db,
            session_id=session_id,
            specs=[RelationshipSpec(source_id=source, target_id=target, type=type_)],
        )
    return row


# ---------------------------------------------------------------- saved deltas


async def test_saved_delta_bumps_the_revision_by_exactly_one(save, unit_of_work, session_id):
    result = await save(
        nodes=[
            NodeChangeSpec("N001", label="One", components=[ComponentSpec("text", "a")]),
            NodeChangeSpec("N002", metadata={"k": 1}),
            NodeChangeSpec("N003"),
        ],
    )
    assert (result.status, result.revision) == ("SAVED", 2)
    assert await _revision(unit_of_work, session_id) == 2
    assert [(row.node_id, row.version) for row in result.nodes] == [
        ("N001", 2),
        ("N002", 2),
        ("N003", 1),
    ]
    revisions = {row[0] for row in await _change_rows(unit_of_work, session_id)}
    assert revisions == {2}


async def test_change_rows_carry_the_save_id(save, unit_of_work, session_id):
    await save(
        save_id="save-abc",
        nodes=[NodeChangeSpec("N001", label="x"), NodeChangeSpec("N009")],
        relationships=[Rel("N001", "N009", "LINKS")],
        delete_node_ids=["N002"],
    )
    rows = await _change_rows(unit_of_work, session_id)
    assert [(op, kind, key) for _, op, kind, key, _ in rows][:3] == [
        ("CREATE", "NODE", "N009"),
        ("UPDATE", "NODE", "N001"),
        ("DELETE", "NODE", "N002"),
    ]
    assert rows[3][1:3] == ("CREATE", "RELATIONSHIP")
    assert {row[4] for row in rows} == {"save-abc"}


async def test_absent_fields_are_unchanged_and_components_replace_the_sequence(
    save, unit_of_work, session_id
):
    await save("a", nodes=[NodeChangeSpec("N001", label="L", type="t", metadata={"m": 1})])
    await save(
        "b",
        nodes=[NodeChangeSpec("N001", components=[ComponentSpec("x", "1"), ComponentSpec("y")])],
    )
    node = await _node(unit_of_work, session_id, "N001")
    assert (node.label, node.type, node.metadata, node.version) == ("L", "t", {"m": 1}, 3)
    async with unit_of_work(write=False) as db:
        rows = (
            await db.execute(
                select(components.c.position, components.c.type, components.c.content)
                .where(components.c.session_id == session_id)
                .order_by(components.c.position)
            )
        ).all()
    assert [tuple(row) for row in rows] == [(0, "x", "1"), (1, "y", "")]
    await save("c", nodes=[NodeChangeSpec("N001", components=[])])
    counts = await _counts(unit_of_work, session_id)
    assert counts["components"] == 0


async def test_node_change_for_a_missing_node_creates_it_with_label_defaulting_to_node_id(
    save, unit_of_work, session_id
):
    result = await save(nodes=[NodeChangeSpec("idea-7", components=[ComponentSpec("text")])])
    assert result.status == "SAVED"
    node = await _node(unit_of_work, session_id, "idea-7")
    assert (node.label, node.type, node.metadata, node.version) == ("idea-7", "concept", {}, 1)


async def test_relationship_endpoint_may_be_created_in_the_same_delta(save, session_id):
    result = await save(
        nodes=[NodeChangeSpec("A"), NodeChangeSpec("B")],
        relationships=[Rel("A", "B", "CAUSES", weight=0.5, weight_given=True)],
    )
    assert [(r.source_id, r.target_id, r.type, r.weight) for r in result.relationships] == [
        ("A", "B", "CAUSES", 0.5)
    ]


async def test_relationship_endpoint_missing_everywhere_is_node_not_found(
    save, unit_of_work, session_id
):
    before = await _counts(unit_of_work, session_id)
    with pytest.raises(NodeNotFound) as raised:
        await save(nodes=[NodeChangeSpec("A")], relationships=[Rel("A", "ZZZ", "T")])
    assert raised.value.extensions["field"] == "relationships[0].targetId"
    assert await _counts(unit_of_work, session_id) == before


async def test_relationship_upsert_by_key_updates_and_by_id_keeps_absent_fields(
    save, unit_of_work, session_id
):
    rel = await _relate(unit_of_work, session_id, "N001", "N002", "T")
    first = await save("a", relationships=[Rel("N001", "N002", "T", weight=2.0, weight_given=True)])
    assert [(r.id, r.weight, r.version) for r in first.relationships] == [(rel.id, 2.0, 2)]
    second = await save(
        "b", relationships=[Rel("N001", "N002", "T", id=str(rel.id), properties={"p": 1})]
    )
    assert [(r.weight, r.properties, r.version) for r in second.relationships] == [
        (2.0, {"p": 1}, 3)
    ]
    cleared = await save("c", relationships=[Rel("N001", "N002", "T", weight_given=True)])
    assert [(r.weight, r.version) for r in cleared.relationships] == [(None, 4)]


async def test_relationship_id_with_other_endpoints_is_bad_user_input(
    save, unit_of_work, session_id
):
    rel = await _relate(unit_of_work, session_id, "N001", "N002", "T")
    with pytest.raises(BadUserInput) as raised:
        await save(relationships=[Rel("N002", "N002", "T", id=str(rel.id))])
    assert raised.value.extensions["field"] == "relationships[0].sourceId"


async def test_relationship_id_naming_nothing_is_relationship_not_found(
    save, unit_of_work, session_id
):
    before = await _counts(unit_of_work, session_id)
    for raw in ("999999", "abc", "01"):
        with pytest.raises(RelationshipNotFound):
            await save(
                nodes=[NodeChangeSpec("N001", label="x")],
                relationships=[Rel("N001", "N002", "T", id=raw)],
            )
    assert await _counts(unit_of_work, session_id) == before


async def test_relationship_type_change_by_id_must_not_collide(save, unit_of_work, session_id):
    rel = await _relate(unit_of_work, session_id, "N001", "N002", "A")
    await _relate(unit_of_work, session_id, "N001", "N002", "B")
    with pytest.raises(Duplicate):
        await save(relationships=[Rel("N001", "N002", "B", id=str(rel.id))])
    renamed = await save(relationships=[Rel("N001", "N002", "C", id=str(rel.id))])
    assert [(r.id, r.type) for r in renamed.relationships] == [(rel.id, "C")]


async def test_deletes_of_missing_entities_are_skipped(save, unit_of_work, session_id):
    rel = await _relate(unit_of_work, session_id, "N001", "N002", "T")
    result = await save(
        delete_node_ids=["N002", "GONE", "not a node id"],
        delete_relationship_ids=[str(rel.id), "424242", "x"],
    )
    assert result.status == "SAVED"
    rows = await _change_rows(unit_of_work, session_id, since=result.revision - 1)
    # The relationship went with N002 (cascade, recorded before its node); the explicit delete
    # of the same id is then a missing one, skipped.
    assert [(op, kind, key) for _, op, kind, key, _ in rows] == [
        ("DELETE", "RELATIONSHIP", str(rel.id)),
        ("DELETE", "NODE", "N002"),
    ]
    only_missing = await save("again", delete_node_ids=["GONE"], delete_relationship_ids=["7"])
    assert (only_missing.status, only_missing.revision) == ("SAVED", result.revision)


# ---------------------------------------------------------------- conflicts


async def test_conflict_writes_nothing_and_reports_every_entity(save, unit_of_work, session_id):
    rel = await _relate(unit_of_work, session_id, "N001", "N002", "T")
    await save("bump", nodes=[NodeChangeSpec("N001", label="moved on"), NodeChangeSpec("N003")])
    before = await _counts(unit_of_work, session_id)
    result = await save(
        "stale",
        nodes=[
            NodeChangeSpec("N001", label="mine", expected_version=1),
            NodeChangeSpec("N002", label="fine", expected_version=1),
            NodeChangeSpec("N404", expected_version=3),
        ],
        relationships=[
            Rel("N001", "N002", "T", id=str(rel.id), expected_version=5),
            Rel("N001", "N002", "NEW", expected_version=1),
        ],
        delete_node_ids=["N003"],
    )
    assert result.status == "CONFLICT"
    assert result.revision == before["revision"]
    assert [(c.kind, c.key, c.expected_version, c.current_version) for c in result.conflicts] == [
        ("NODE", "N001", 1, 2),
        ("NODE", "N404", 3, None),
        ("RELATIONSHIP", str(rel.id), 5, 1),
        ("RELATIONSHIP", "N001-[NEW]->N002", 1, None),
    ]
    assert result.conflicts[0].node.label == "moved on"
    assert result.conflicts[1].node is None
    assert result.conflicts[2].relationship.id == rel.id
    assert result.conflicts[3].relationship is None
    assert await _counts(unit_of_work, session_id) == before


async def test_conflict_does_not_consume_the_save_id(save, unit_of_work, session_id):
    await save("other", nodes=[NodeChangeSpec("N001", label="v2")])
    conflicted = await save(
        "retry-me", nodes=[NodeChangeSpec("N001", label="x", expected_version=1)]
    )
    assert conflicted.status == "CONFLICT"
    resolved = await save("retry-me", nodes=[NodeChangeSpec("N001", label="x", expected_version=2)])
    assert resolved.status == "SAVED"


async def test_stale_expected_version_conflicts_even_when_the_change_is_a_no_op(save):
    await save("a", nodes=[NodeChangeSpec("N001", label="same")])
    result = await save("b", nodes=[NodeChangeSpec("N001", label="same", expected_version=1)])
    assert result.status == "CONFLICT"


async def test_expected_version_on_a_deleted_relationship_id_is_a_conflict(
    save, unit_of_work, session_id
):
    rel = await _relate(unit_of_work, session_id, "N001", "N002", "T")
    await save("del", delete_relationship_ids=[str(rel.id)])
    result = await save(
        "edit", relationships=[Rel("N001", "N002", "T", id=str(rel.id), expected_version=1)]
    )
    assert [(c.kind, c.key, c.current_version, c.relationship) for c in result.conflicts] == [
        ("RELATIONSHIP", str(rel.id), None, None)
    ]


async def test_overwrite_ignores_expected_version(save, unit_of_work, session_id):
    await save("a", nodes=[NodeChangeSpec("N001", label="theirs")])
    result = await save(
        "b",
        nodes=[
            NodeChangeSpec("N001", label="mine", expected_version=1),
            NodeChangeSpec("N777", expected_version=4),
        ],
        on_conflict="OVERWRITE",
    )
    assert result.status == "SAVED"
    assert [(row.node_id, row.label, row.version) for row in result.nodes] == [
        ("N001", "mine", 3),
        ("N777", "N777", 1),
    ]


# ---------------------------------------------------------------- idempotency


async def test_same_save_id_and_payload_is_replayed_and_writes_nothing(
    save, unit_of_work, session_id
):
    fields = {"nodes": [NodeChangeSpec("N001", label="once")]}
    first = await save("dup", **fields)
    await save("later", nodes=[NodeChangeSpec("N001", label="later")])
    before = await _counts(unit_of_work, session_id)
    again = await save("dup", **fields)
    assert (again.status, again.revision, again.saved_at) == (
        "REPLAYED",
        first.revision,
        first.saved_at,
    )
    # The current state of what it touched, not the state it wrote.
    assert [(row.node_id, row.label, row.version) for row in again.nodes] == [("N001", "later", 3)]
    assert await _counts(unit_of_work, session_id) == before


async def test_same_save_id_with_a_different_payload_is_bad_user_input(
    save, unit_of_work, session_id
):
    await save("dup", nodes=[NodeChangeSpec("N001", label="one")])
    before = await _counts(unit_of_work, session_id)
    with pytest.raises(BadUserInput) as raised:
        await save("dup", nodes=[NodeChangeSpec("N001", label="two")])
    assert raised.value.extensions["field"] == "saveId"
    assert await _counts(unit_of_work, session_id) == before


def test_payload_identity_is_structural_json_with_ordered_lists():
    def spec(**fields: Any) -> AutoSaveSpec:
        return AutoSaveSpec(save_id="s", **fields)

    a = spec(nodes=[NodeChangeSpec("N1", metadata={"a": 1, "b": [1, 2]}), NodeChangeSpec("N2")])
    same = spec(
        nodes=[NodeChangeSpec("N1", metadata={"b": [1.0, 2], "a": 1}), NodeChangeSpec("N2")]
    )
    reordered = spec(
        nodes=[NodeChangeSpec("N2"), NodeChangeSpec("N1", metadata={"a": 1, "b": [1, 2]})]
    )
    listed_differently = spec(
        nodes=[NodeChangeSpec("N1", metadata={"a": 1, "b": [2, 1]}), NodeChangeSpec("N2")]
    )
    assert payload_hash(a) == payload_hash(same)
    assert payload_hash(a) != payload_hash(reordered)
    assert payload_hash(a) != payload_hash(listed_differently)
    assert payload_hash(spec()) == payload_hash(spec(on_conflict="REJECT"))
    assert payload_hash(spec()) != payload_hash(spec(on_conflict="OVERWRITE"))
    assert payload_hash(spec(nodes=[NodeChangeSpec("N1", metadata={"x": True})])) != payload_hash(
        spec(nodes=[NodeChangeSpec("N1", metadata={"x": 1})])
    )
    weightless = spec(relationships=[Rel("A", "B", "T")])
    cleared = spec(relationships=[Rel("A", "B", "T", weight_given=True)])
    assert payload_hash(weightless) != payload_hash(cleared)


async def test_save_ids_are_per_session(save, unit_of_work):
    async with unit_of_work() as db:
        other = str((await session_service.create_session(db=db, spec=SessionSpec())).id)
    first = await save("shared", nodes=[NodeChangeSpec("N001", label="a")])
    second = await save("shared", session=other, nodes=[NodeChangeSpec("N001", label="b")])
    assert (first.status, second.status) == ("SAVED", "SAVED")
    assert (await _node(unit_of_work, other, "N001")).label == "b"


async def test_a_no_op_save_bumps_nothing_and_keeps_its_receipt(save, unit_of_work, session_id):
    await save("a", nodes=[NodeChangeSpec("N001", label="x", components=[ComponentSpec("t")])])
    before = await _counts(unit_of_work, session_id)
    noop = await save(
        "b", nodes=[NodeChangeSpec("N001", label="x", components=[ComponentSpec("t", "")])]
    )
    assert (noop.status, noop.revision) == ("SAVED", before["revision"])
    after = await _counts(unit_of_work, session_id)
    assert after == {**before, "saves": before["saves"] + 1}
    replayed = await save(
        "b", nodes=[NodeChangeSpec("N001", label="x", components=[ComponentSpec("t", "")])]
    )
    assert (replayed.status, replayed.revision) == ("REPLAYED", before["revision"])


# ---------------------------------------------------------------- validation and failure


async def test_a_failed_save_leaves_no_trace(save, unit_of_work, session_id):
    before = await _counts(unit_of_work, session_id)
    with pytest.raises(NodeNotFound):
        await save(
            "fails",
            nodes=[
                NodeChangeSpec("N001", label="x", components=[ComponentSpec("t")]),
                NodeChangeSpec("NEW"),
            ],
            delete_node_ids=["N002"],
            relationships=[Rel("N001", "NOPE", "T")],
        )
    assert await _counts(unit_of_work, session_id) == before
    # The saveId was not consumed either.
    assert (await save("fails", nodes=[NodeChangeSpec("N001", label="x")])).status == "SAVED"


@pytest.mark.parametrize(
    ("fields", "error", "field"),
    [
        ({"save_id": ""}, BadUserInput, "saveId"),
        ({"nodes": [NodeChangeSpec("bad id")]}, BadUserInput, "nodes[0].nodeId"),
        ({"nodes": [NodeChangeSpec("N1"), NodeChangeSpec("N1")]}, BadUserInput, "nodes[1].nodeId"),
        ({"nodes": [NodeChangeSpec("N1", label=" ")]}, BadUserInput, "nodes[0].label"),
        (
            {"nodes": [NodeChangeSpec("N1", expected_version=0)]},
            BadUserInput,
            "nodes[0].expectedVersion",
        ),
        (
            {"nodes": [NodeChangeSpec("N1", components=[ComponentSpec("t", "x" * 2000)])]},
            BadUserInput,
            "nodes[0].components[0].content",
        ),
        (
            {"nodes": [NodeChangeSpec("N1")], "delete_node_ids": ["N1"]},
            BadUserInput,
            "deleteNodeIds[0]",
        ),
        (
            {"relationships": [Rel("A", "B", "T", weight=float("nan"), weight_given=True)]},
            BadUserInput,
            "relationships[0].weight",
        ),
        (
            {"relationships": [Rel("A", "B", "T"), Rel("A", "B", "T")]},
            BadUserInput,
            "relationships[1]",
        ),
        (
            {"relationships": [Rel("A", "B", "T", id="3")], "delete_relationship_ids": ["3"]},
            BadUserInput,
            "deleteRelationshipIds[0]",
        ),
        ({"delete_node_ids": ["N"] * 11}, LimitExceeded, "deleteNodeIds"),
        (
            {"nodes": [NodeChangeSpec("N1", components=[ComponentSpec("t")] * 11)]},
            LimitExceeded,
            "nodes[0].components",
        ),
    ],
)
async def test_invalid_deltas_are_refused_before_any_write(
    engine, session_id, fields, error, field
):
    from graph_api.db.transaction import transaction_context

    limits = Limits(max_list_length=10, max_content_bytes=1000)
    spec = AutoSaveSpec(**{"save_id": "s", **fields})
    with pytest.raises(error) as raised:
        async with transaction_context(engine, write=True, limits=limits) as db:
            await autosave_service.auto_save(db=db, session_id=session_id, spec=spec)
    assert raised.value.extensions["field"] == field


async def test_unknown_session_is_session_not_found(save):
    with pytest.raises(SessionNotFound):
        await save(session="00000000-0000-4000-8000-000000000000")
