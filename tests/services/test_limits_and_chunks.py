"""Limits and input rules are the service's, checked before anything else; keys go in chunks."""

from __future__ import annotations

import pytest

from graph_api.config import Limits
from graph_api.db.keysets import chunked
from graph_api.errors import BadUserInput, LimitExceeded
from graph_api.services import components as component_service
from graph_api.services import nodes as node_service
from graph_api.services import relationships as relationship_service
from graph_api.services.specs import (
    ComponentSpec,
    NodePatch,
    NodeSpec,
    RelationshipPatch,
    RelationshipSpec,
)


@pytest.fixture
def limits() -> Limits:
    return Limits(max_list_length=2)


async def test_too_many_nodes_is_limit_exceeded_before_the_session_is_looked_up(unit_of_work):
    async with unit_of_work() as db:
        with pytest.raises(LimitExceeded, match="inputs has 3 items; the limit is 2"):
            await node_service.create_nodes(
                db=db, session_id="no-such-session", specs=[NodeSpec(label="x")] * 3
            )


async def test_too_many_relationships_is_limit_exceeded_before_the_session_is_looked_up(
    unit_of_work,
):
    spec = RelationshipSpec(source_id="N001", target_id="N002", type="T")
    async with unit_of_work() as db:
        with pytest.raises(LimitExceeded, match="inputs has 3 items; the limit is 2"):
            await relationship_service.create_relationships(
                db=db, session_id="no-such-session", specs=[spec] * 3
            )


@pytest.mark.parametrize(
    "call",
    [
        lambda db: node_service.update_node(
            db=db, session_id="none", node_id="N001", patch=NodePatch(), expected_version=0
        ),
        lambda db: relationship_service.update_relationship(
            db=db,
            session_id="none",
            relationship_id="1",
            patch=RelationshipPatch(),
            expected_version=0,
        ),
        lambda db: component_service.add_component(
            db=db,
            session_id="none",
            node_id="N001",
            spec=ComponentSpec(type="t"),
            expected_version=0,
        ),
        lambda db: component_service.remove_component(
            db=db, session_id="none", component_id="1", expected_version=0
        ),
    ],
)
async def test_an_expected_version_below_one_is_refused_by_the_service(unit_of_work, call):
    async with unit_of_work() as db:
        with pytest.raises(BadUserInput, match="expectedVersion must be at least 1"):
            await call(db)


def test_chunked_keeps_every_value_in_order_in_lists_of_the_size():
    assert list(chunked(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunked(iter("abcd"), 2)) == [["a", "b"], ["c", "d"]]
    assert list(chunked([], 3)) == []
    assert [len(chunk) for chunk in chunked(range(25_001))] == [10_000, 10_000, 5_001]
