"""exportCsv -> importCsv into an empty session gives an identical graph: a real public graph
(networkx's Les Misérables) and random graphs full of awkward text (hypothesis)."""

from __future__ import annotations

import csv
import io
from typing import Any

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_api.services.csv.export import json_text


def content(state: tuple[dict[str, Any], dict[Any, Any]]) -> tuple[dict[str, Any], dict[Any, Any]]:
    """The graph without ids, versions and timestamps."""
    nodes, relationships = state
    return (
        {key: {k: v for k, v in node.items() if k != "version"} for key, node in nodes.items()},
        {key: (rel["weight"], rel["properties"]) for key, rel in relationships.items()},
    )


async def test_les_miserables_round_trip(
    les_miserables, new_session, run_import, run_export, graph
):
    nodes_path, relationships_path = les_miserables
    first = await new_session()
    report = await run_import(first, nodes=nodes_path, relationships=relationships_path)
    assert (report.rows_read, report.nodes_created, report.relationships_created) == (331, 77, 254)
    nodes, relationships = await graph(first)
    hugo = nx.les_miserables_graph()
    assert nodes["Valjean"]["metadata"] == {"degree": hugo.degree("Valjean")} == {"degree": 36}
    for a, b, data in hugo.edges(data=True):
        assert relationships[(a, b, "APPEARS_WITH")]["weight"] == float(data["weight"])
    exported = await run_export(first)
    second = await new_session()
    again = await run_import(
        second, nodes=exported.nodes_csv, relationships=exported.relationships_csv
    )
    assert (again.nodes_created, again.relationships_created) == (77, 254)
    assert content(await graph(second)) == content(await graph(first))
    assert await run_export(second) == exported


# ---------------------------------------------------------------- random graphs

AWKWARD = st.sampled_from(
    ['"', '""', ",", "\n", "\r\n", "\r", " ", "é", "日本語", "🙂", "\t", "\\", "'", "=1", "\ufeff"]
)
# Any text an engine can store: no lone surrogates, no NUL.
CHARACTER = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
TEXT = st.lists(st.one_of(AWKWARD, st.text(CHARACTER)), max_size=4).map("".join)
NAME = TEXT.filter(lambda text: text.strip() != "")
NODE_ID = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,8}", fullmatch=True)
# JSON numbers that every engine gives back as they were (PostgreSQL's JSONB keeps decimals).
NUMBER = st.integers(-(2**63), 2**63 - 1) | st.floats(-1e15, 1e15, allow_nan=False)
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | NUMBER | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)
OBJECT = st.dictionaries(TEXT, JSON_VALUE, max_size=3)
COMPONENT = st.fixed_dictionaries(
    {"type": NAME.map(lambda t: t[:100]), "content": TEXT, "properties": OBJECT}
)
WEIGHT = st.none() | st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def graphs(draw: st.DrawFn) -> tuple[dict[str, Any], dict[Any, Any]]:
    ids = draw(st.lists(NODE_ID, min_size=1, max_size=6, unique=True))
    nodes = {
        node_id: {
            "label": draw(NAME),
            "type": draw(NAME.map(lambda t: t[:100])),
            "metadata": draw(OBJECT),
            "components": [
                (c["type"], c["content"], c["properties"])
                for c in draw(st.lists(COMPONENT, max_size=3))
            ],
        }
        for node_id in ids
    }
    keys = draw(
        st.lists(
            st.tuples(st.sampled_from(ids), st.sampled_from(ids), NAME.map(lambda t: t[:100])),
            max_size=6,
            unique=True,
        )
    )
    relationships = {key: (draw(WEIGHT), draw(OBJECT)) for key in keys}
    return nodes, relationships


def to_csv(graph_value: tuple[dict[str, Any], dict[Any, Any]]) -> tuple[str, str]:
    nodes, relationships = graph_value
    node_text, rel_text = io.StringIO(), io.StringIO()
    writer = csv.writer(node_text)
    writer.writerow(["node_id", "label", "type", "metadata", "components"])
    for node_id, node in nodes.items():
        parts = [{"type": t, "content": c, "properties": p} for t, c, p in node["components"]]
        writer.writerow(
            [node_id, node["label"], node["type"], json_text(node["metadata"]), json_text(parts)]
        )
    writer = csv.writer(rel_text)
    writer.writerow(["source", "target", "type", "weight", "properties"])
    for (source, target, type_), (weight, properties) in relationships.items():
        cell = "" if weight is None else repr(weight)
        writer.writerow([source, target, type_, cell, json_text(properties)])
    return node_text.getvalue(), rel_text.getvalue()


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(generated=graphs())
async def test_random_graphs_round_trip(generated, new_session, run_import, run_export, graph):
    nodes_csv, relationships_csv = to_csv(generated)
    first = await new_session()
    await run_import(first, nodes=nodes_csv, relationships=relationships_csv)
    assert content(await graph(first)) == generated
    exported = await run_export(first)
    second = await new_session()
    await run_import(second, nodes=exported.nodes_csv, relationships=exported.relationships_csv)
    assert content(await graph(second)) == generated
    assert await run_export(second) == exported
