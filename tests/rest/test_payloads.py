"""The REST payloads take their fields from the service records (issue 11)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from graph_api.rest.payloads import ComponentOut, NodeOut, RelationshipOut, SessionOut
from graph_api.services.records import (
    ComponentRecord,
    NodeRecord,
    RelationshipRecord,
    SessionRecord,
    field_names,
    record_of,
)

AT = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)


def test_payload_fields_are_the_records_in_order_then_their_own():
    assert list(SessionOut.model_fields) == [
        *field_names(SessionRecord),
        "node_count",
        "relationship_count",
    ]
    assert list(NodeOut.model_fields) == [*field_names(NodeRecord), "components"]
    assert list(ComponentOut.model_fields) == [
        name for name in field_names(ComponentRecord) if name != "session_id"
    ]
    assert list(RelationshipOut.model_fields) == list(field_names(RelationshipRecord))


def test_a_node_payload_from_a_record_has_text_ids_and_utc_times():
    component = ComponentRecord(7, "s", "N1", 0, "text", "hi", {}, AT, AT)
    node = NodeRecord("s", "N1", "One", "concept", {"k": 1}, 3, AT, AT)
    body = NodeOut.from_row(node, [component]).model_dump(mode="json")
    assert body["version"] == 3
    assert body["metadata"] == {"k": 1}
    assert body["updated_at"] == "2026-12-07T20:00:00.000000+00:00"
    assert body["components"] == [
        {
            "id": "7",
            "node_id": "N1",
            "position": 0,
            "type": "text",
            "content": "hi",
            "properties": {},
            "created_at": "2026-12-07T20:00:00.000000+00:00",
            "updated_at": "2026-12-07T20:00:00.000000+00:00",
        }
    ]


def test_record_of_takes_the_records_fields_of_a_row_and_the_changes():
    row = SimpleNamespace(
        id=5,
        session_id="s",
        source_id="N1",
        target_id="N2",
        type="LINKS",
        weight=None,
        properties={},
        version=1,
        created_at=AT,
        updated_at=AT,
        extra="not a field",
    )
    record = record_of(RelationshipRecord, row, weight=0.5, version=2)
    assert record == RelationshipRecord(5, "s", "N1", "N2", "LINKS", 0.5, {}, 2, AT, AT)
    assert RelationshipOut.from_row(record).model_dump()["id"] == "5"
