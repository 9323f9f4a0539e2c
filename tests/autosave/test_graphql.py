"""autoSave through GraphQL over HTTP (ASGI): input defaults, result shape, error codes."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.autosave.conftest import AUTO_SAVE, auto_save
from tests.factories import make_relationships, make_session
from tests.graphql.helpers import CHANGES, row_counts


async def _state(gql: Any, session_id: str) -> dict[str, Any]:
    data = await gql.ok(
        """query($s: ID!) { session(id: $s) { revision nodes { nodes {
            nodeId label version components { type content } } } } }""",
        {"s": session_id},
    )
    session: dict[str, Any] = data["session"]
    return session


async def test_saved_result_carries_the_current_state_of_what_it_saved(gql):
    session_id = await make_session(gql)
    result = await auto_save(
        gql,
        session_id,
        saveId="s1",
        nodes=[
            {"nodeId": "N001", "label": "Root", "components": [{"type": "text", "content": "hi"}]},
            {"nodeId": "N003", "metadata": {"x": [1, 2]}},
        ],
        relationships=[{"sourceId": "N001", "targetId": "N003", "type": "HAS", "weight": 1.5}],
    )
    assert result["status"] == "SAVED"
    assert result["saveId"] == "s1"
    assert result["revision"] == 2
    assert result["savedAt"].endswith("+00:00")
    assert result["conflicts"] == []
    assert [(n["nodeId"], n["label"], n["version"]) for n in result["nodes"]] == [
        ("N001", "Root", 2),
        ("N003", "N003", 1),
    ]
    assert result["nodes"][0]["components"][0]["content"] == "hi"
    assert result["nodes"][1]["metadata"] == {"x": [1, 2]}
    (rel,) = result["relationships"]
    assert (rel["sourceId"], rel["targetId"], rel["type"], rel["weight"], rel["version"]) == (
        "N001",
        "N003",
        "HAS",
        1.5,
        1,
    )
    feed = await gql.ok(CHANGES, {"s": session_id, "since": 1, "first": 100})
    assert {c["saveId"] for c in feed["changes"]["changes"]} == {"s1"}
    assert {c["revision"] for c in feed["changes"]["changes"]} == {2}


async def test_conflict_result_holds_the_server_state(gql, engine):
    session_id = await make_session(gql)
    await auto_save(gql, session_id, saveId="theirs", nodes=[{"nodeId": "N001", "label": "Theirs"}])
    before = await row_counts(engine, session_id)
    result = await auto_save(
        gql,
        session_id,
        saveId="mine",
        nodes=[
            {"nodeId": "N001", "label": "Mine", "expectedVersion": 1},
            {"nodeId": "N050", "expectedVersion": 2},
        ],
        relationships=[{"sourceId": "N001", "targetId": "N002", "type": "T", "expectedVersion": 1}],
    )
    assert result["status"] == "CONFLICT"
    assert result["revision"] == 2
    assert result["nodes"] == [] and result["relationships"] == []
    conflicts = result["conflicts"]
    assert conflicts[0]["kind"] == "NODE" and conflicts[0]["key"] == "N001"
    assert (conflicts[0]["expectedVersion"], conflicts[0]["currentVersion"]) == (1, 2)
    assert conflicts[0]["node"]["label"] == "Theirs"
    assert conflicts[1] == {
        "kind": "NODE",
        "key": "N050",
        "expectedVersion": 2,
        "currentVersion": None,
        "node": None,
        "relationship": None,
    }
    assert conflicts[2]["kind"] == "RELATIONSHIP"
    assert conflicts[2]["key"] == "N001-[T]->N002"
    assert conflicts[2]["relationship"] is None
    assert await row_counts(engine, session_id) == before


async def test_replayed_and_reused_save_ids_over_graphql(gql, engine):
    session_id = await make_session(gql)
    input_ = {
        "saveId": "same",
        "nodes": [{"nodeId": "N001", "label": "A", "metadata": {"a": 1, "b": 2}}],
    }
    first = await auto_save(gql, session_id, **input_)
    # Same payload after defaults, keys in another order, explicit defaults spelled out.
    again = await auto_save(
        gql,
        session_id,
        saveId="same",
        nodes=[{"metadata": {"b": 2, "a": 1}, "label": "A", "nodeId": "N001", "type": None}],
        deleteNodeIds=[],
        onConflict="REJECT",
    )
    assert (again["status"], again["revision"], again["savedAt"]) == (
        "REPLAYED",
        first["revision"],
        first["savedAt"],
    )
    assert again["nodes"] == first["nodes"]
    before = await row_counts(engine, session_id)
    error = await gql.error(
        AUTO_SAVE,
        {"s": session_id, "input": {**input_, "nodes": [{"nodeId": "N001", "label": "B"}]}},
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "saveId"
    assert await row_counts(engine, session_id) == before


async def test_errors_carry_codes_roll_back_and_answer_data_null(gql, engine):
    session_id = await make_session(gql)
    before = await row_counts(engine, session_id)
    cases = [
        (
            {
                "relationships": [
                    {"id": "123456", "sourceId": "N001", "targetId": "N002", "type": "T"}
                ]
            },
            "RELATIONSHIP_NOT_FOUND",
            None,
        ),
        (
            {"relationships": [{"sourceId": "N001", "targetId": "N404", "type": "T"}]},
            "NODE_NOT_FOUND",
            "relationships[0].targetId",
        ),
        ({"nodes": [{"nodeId": "-bad"}]}, "BAD_USER_INPUT", "nodes[0].nodeId"),
        ({"nodes": [{"nodeId": "N9", "metadata": [1]}]}, "BAD_USER_INPUT", "nodes[0].metadata"),
    ]
    for extra, code, field in cases:
        body = await gql(
            AUTO_SAVE,
            {
                "s": session_id,
                "input": {"saveId": "x", "nodes": [{"nodeId": "N001", "label": "kept?"}], **extra},
            },
        )
        assert body["data"] is None, body
        assert body["errors"][0]["extensions"]["code"] == code, body
        assert body["errors"][0]["extensions"].get("field") == field, body
    body = await gql(AUTO_SAVE, {"s": "nope", "input": {"saveId": "x"}})
    assert body["errors"][0]["extensions"]["code"] == "SESSION_NOT_FOUND"
    assert await row_counts(engine, session_id) == before


async def test_weight_sent_as_null_clears_it_and_left_out_keeps_it(gql):
    session_id = await make_session(gql)
    (rel_id,) = await make_relationships(gql, session_id, [("N001", "N002")], "T")
    edge = {"id": rel_id, "sourceId": "N001", "targetId": "N002", "type": "T"}
    set_ = await auto_save(gql, session_id, saveId="a", relationships=[{**edge, "weight": 3}])
    kept = await auto_save(
        gql, session_id, saveId="b", relationships=[{**edge, "properties": {"p": 1}}]
    )
    cleared = await auto_save(gql, session_id, saveId="c", relationships=[{**edge, "weight": None}])
    assert [r["relationships"][0]["weight"] for r in (set_, kept, cleared)] == [3.0, 3.0, None]
    assert [r["relationships"][0]["version"] for r in (set_, kept, cleared)] == [2, 3, 4]


async def test_null_lists_and_policy_mean_their_defaults(gql):
    session_id = await make_session(gql)
    result = await auto_save(
        gql,
        session_id,
        saveId="nulls",
        nodes=None,
        deleteNodeIds=None,
        relationships=None,
        deleteRelationshipIds=None,
        onConflict=None,
    )
    assert (result["status"], result["revision"]) == ("SAVED", 1)


async def test_duplicate_save_ids_sent_concurrently_apply_once(gql):
    """Retries racing the first attempt wait for it, then see its receipt: REPLAYED."""
    session_id = await make_session(gql)
    input_ = {
        "saveId": "race",
        "nodes": [
            {"nodeId": "N001", "label": "x", "expectedVersion": 1},
            {"nodeId": "N002", "components": [{"type": "t"}], "expectedVersion": 1},
        ]
        + [{"nodeId": f"X{i}", "label": "x"} for i in range(20)],
    }
    results = await asyncio.gather(*(auto_save(gql, session_id, **input_) for _ in range(4)))
    assert sorted(r["status"] for r in results) == ["REPLAYED", "REPLAYED", "REPLAYED", "SAVED"]
    assert {r["revision"] for r in results} == {2}
    assert all(r["conflicts"] == [] for r in results)
    assert (await _state(gql, session_id))["revision"] == 2


async def test_statement_count_does_not_grow_with_the_delta(app, gql, count_statements):
    counts = []
    # Runs of the inserts of new components and (on SQLite) of search documents: one
    # statement each. An executemany runs once per row, and on SQLite every run of an
    # insert into search_documents makes FTS5 write and merge an index segment.
    inserts = []
    sqlite = app.state.engine.dialect.name == "sqlite"
    for size in (5, 200):
        session_id = await make_session(gql)
        await auto_save(
            gql, session_id, saveId="seed", nodes=[{"nodeId": f"M{i}"} for i in range(size)]
        )
        changes = [
            {
                "nodeId": f"M{i}",
                "label": f"L{i}",
                "expectedVersion": 1,
                "components": [{"type": "t", "content": str(k)} for k in range(5)],
            }
            for i in range(size)
        ]
        with count_statements() as counter:
            result = await auto_save(gql, session_id, saveId="edit", nodes=changes)
        assert result["status"] == "SAVED"
        counts.append(counter.count)
        inserts.append(
            (
                counter.executions("INSERT INTO components"),
                counter.executions("INSERT INTO search_documents") if sqlite else 1,
            )
        )
    assert counts[0] == counts[1], counts
    assert inserts == [(1, 1), (1, 1)], inserts
