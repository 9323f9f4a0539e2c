"""Property: under onConflict MERGE no acknowledged field edit is ever lost (hypothesis).

Two or three clients start from a common base (N001, N002) and interleave saves
of random fields with random values drawn from small pools (so equal values
and same-field edits are frequent), each with the expectedVersion of the state
it last saw; now and then a client reloads. A small independent model of the
rule (CONTRACT.md §6) predicts every save's outcome: CONFLICT with exactly
these fields per node, or SAVED. After every step the test asserts

- the outcome and each Conflict.fields are what the rule says;
- every field a SAVED save set holds that save's value on the server until
  another SAVED save sets it (no acknowledged edit is lost);
- the server's nodes equal the model.

The services run in a real unit of work per save, on the engine under test.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings

from graph_api.config import Limits, Settings
from graph_api.db.engine import create_engine
from graph_api.db.transaction import transaction_context
from graph_api.services import sessions
from graph_api.services.autosave import save as autosave
from graph_api.services.autosave.specs import AutoSaveSpec, NodeChangeSpec
from graph_api.services.reads import batch as batch_reads
from graph_api.services.specs import ComponentSpec, SessionSpec

NODES = ("N001", "N002")
FIELDS = ("label", "type", "metadata", "components")
POOLS: dict[str, list[Any]] = {
    "label": ["N001", "N002", "Glucose", "Fructose"],
    "type": ["concept", "molecule", "sugar", "hexose"],
    "metadata": [{}, {"a": 1}, {"a": 2}, {"b": [1, 2]}],
    "components": [(), (("text", "a"),), (("text", "b"),), (("text", "a"), ("note", "c"))],
}

edit = st.dictionaries(
    st.sampled_from(NODES),
    st.dictionaries(
        st.sampled_from(FIELDS),
        st.integers(0, 3),
        min_size=1,
    ),
    min_size=1,
    max_size=2,
)
step = st.one_of(
    st.tuples(st.just("save"), st.integers(0, 2), edit),
    st.tuples(st.just("reload"), st.integers(0, 2), st.just({})),
)
scenario = st.tuples(st.integers(2, 3), st.lists(step, min_size=1, max_size=12))


@dataclass
class Model:
    """What the rule says the server holds: values, versions and which fields each version set."""

    values: dict[str, dict[str, Any]]
    versions: dict[str, int]
    log: dict[str, list[tuple[int, set[str]]]] = field(default_factory=dict)

    def conflicts(self, node_id: str, expected: int, sets: dict[str, Any]) -> list[str]:
        if expected == self.versions[node_id]:
            return []
        changed = set().union(*(f for v, f in self.log.get(node_id, []) if v > expected))
        current = self.values[node_id]
        return [name for name in FIELDS if name in sets and name in changed
                and current[name] != sets[name]]  # fmt: skip

    def apply(self, node_id: str, sets: dict[str, Any]) -> None:
        current = self.values[node_id]
        differs = {name for name, value in sets.items() if current[name] != value}
        if differs:
            current.update({name: sets[name] for name in differs})
            self.versions[node_id] += 1
            self.log.setdefault(node_id, []).append((self.versions[node_id], differs))


def _spec(node_id: str, sets: dict[str, Any], expected: int) -> NodeChangeSpec:
    components = sets.get("components")
    return NodeChangeSpec(
        node_id=node_id,
        label=sets.get("label"),
        type=sets.get("type"),
        metadata=sets.get("metadata"),
        components=None
        if components is None
        else [ComponentSpec(type=t, content=c) for t, c in components],
        expected_version=expected,
    )


async def _state(engine: Any, session_id: str) -> dict[str, tuple[int, dict[str, Any]]]:
    async with transaction_context(engine, write=False, limits=Limits()) as db:
        keys = [(session_id, node_id) for node_id in NODES]
        rows = await batch_reads.nodes_by_keys(db=db, keys=keys)
        sequences = await batch_reads.components_by_nodes(db=db, keys=keys)
    state = {}
    for row, sequence in zip(rows, sequences, strict=True):
        assert row is not None
        state[row.node_id] = (
            row.version,
            {
                "label": row.label,
                "type": row.type,
                "metadata": row.metadata,
                "components": tuple((c.type, c.content) for c in sequence),
            },
        )
    return state


async def _run(url: str, clients: int, steps: list[tuple[str, int, dict[str, Any]]]) -> list[str]:
    """Play the steps, checking each against the model; returns each save's status."""
    engine = create_engine(Settings(database_url=url))
    try:
        async with transaction_context(engine, write=True, limits=Limits()) as db:
            session_id = str((await sessions.create_session(db=db, spec=SessionSpec())).id)
        state = await _state(engine, session_id)
        model = Model(
            values={n: dict(values) for n, (_, values) in state.items()},
            versions={n: version for n, (version, _) in state.items()},
        )
        bases = [dict(state) for _ in range(clients)]
        acknowledged: dict[tuple[str, str], Any] = {}
        statuses: list[str] = []
        for number, (kind, who, chosen) in enumerate(steps):
            client = who % clients
            if kind == "reload":
                bases[client] = await _state(engine, session_id)
                continue
            changes = {
                node_id: {name: POOLS[name][index] for name, index in fields.items()}
                for node_id, fields in chosen.items()
            }
            expected = {
                node_id: model.conflicts(node_id, bases[client][node_id][0], sets)
                for node_id, sets in changes.items()
            }
            expected = {node_id: names for node_id, names in expected.items() if names}
            spec = AutoSaveSpec(
                save_id=f"c{client}-{number}",
                nodes=[
                    _spec(node_id, sets, bases[client][node_id][0])
                    for node_id, sets in changes.items()
                ],
                on_conflict="MERGE",
            )
            async with transaction_context(engine, write=True, limits=Limits()) as db:
                result = await autosave.auto_save(db=db, session_id=session_id, spec=spec)
            statuses.append(result.status)
            got = {c.key: c.fields for c in result.conflicts}
            assert got == expected, (number, changes, bases[client])
            if expected:
                assert result.status == "CONFLICT"
            else:
                assert result.status == "SAVED"
                for node_id, sets in changes.items():
                    model.apply(node_id, sets)
                    for name, value in sets.items():
                        acknowledged[(node_id, name)] = value
            now = await _state(engine, session_id)
            for (node_id, name), value in acknowledged.items():
                assert now[node_id][1][name] == value, ("lost edit", node_id, name)
            assert now == {n: (model.versions[n], model.values[n]) for n in NODES}
            if result.status == "SAVED":
                # The client takes the state the save answered with (as the editor does).
                bases[client].update({n: now[n] for n in changes})
        return statuses
    finally:
        await engine.dispose()


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=scenario)
def test_no_acknowledged_field_edit_is_lost(database_url: str, case: Any) -> None:
    clients, steps = case
    asyncio.run(_run(database_url, clients, steps))


def test_the_property_sees_conflicts_and_merges(database_url: str) -> None:
    """The scenarios reach both outcomes: a same-field edit conflicts, another field merges."""
    steps = [
        ("save", 0, {"N001": {"label": 2}}),
        ("save", 1, {"N001": {"label": 3}}),  # stale, label changed: CONFLICT
        ("save", 1, {"N001": {"type": 1}}),  # stale, type untouched: SAVED
    ]
    assert asyncio.run(_run(database_url, 2, steps)) == ["SAVED", "CONFLICT", "SAVED"]
