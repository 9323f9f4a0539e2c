"""What a CSV file may look like: aliases, neo4j-admin headers, BOM, quoting, JSON and extra
columns, typed columns, line ends and the kinds of input (CONTRACT.md §6, §9)."""

from __future__ import annotations

import io

import pytest

from tests.csv.conftest import DATA


async def test_spreadsheet_files_with_bom_quotes_multiline_cells_and_extra_columns(
    new_session, run_import, graph
):
    session_id = await new_session()
    report = await run_import(
        session_id,
        nodes=DATA / "spreadsheet_nodes.csv",
        relationships=DATA / "spreadsheet_relationships.csv",
    )
    assert (report.rows_read, report.nodes_created, report.components_created) == (5, 3, 1)
    assert report.relationships_created == 2
    nodes, relationships = await graph(session_id)
    assert nodes["a:1"] == {
        "label": 'Quoted "label", with comma',
        "type": "person",
        # The extra column wins over the metadata cell's key of the same name.
        "metadata": {"x": 1, "color": "blue"},
        "version": 1,
        "components": [("text", "line one\nline two", {})],
    }
    # Empty cells: label -> the node id, type -> concept, metadata -> {}, extra -> no key.
    assert nodes["b"] == {
        "label": "b", "type": "concept", "metadata": {}, "version": 1, "components": [],
    }  # fmt: skip
    assert nodes["c"]["label"] == "multi\r\nline label"
    assert relationships[("b", "a:1", "LINKS")]["properties"] == {"note": "x", "since": "2020"}
    assert relationships[("b", "a:1", "LINKS")]["weight"] == 2.0
    assert relationships[("c", "b", "LINKS")] | {"id": 0} == {
        "weight": None, "properties": {}, "id": 0, "version": 1,
    }  # fmt: skip


async def test_neo4j_admin_headers_labels_typed_columns_and_ignore(new_session, run_import, graph):
    session_id = await new_session()
    report = await run_import(
        session_id,
        nodes=DATA / "neo4j_nodes.csv",
        relationships=DATA / "neo4j_relationships.csv",
    )
    assert (report.nodes_created, report.relationships_created) == (3, 3)
    nodes, relationships = await graph(session_id)
    assert nodes["keanu"]["type"] == "Person"
    assert nodes["keanu"]["label"] == "keanu"
    assert nodes["keanu"]["metadata"] == {
        "name": "Keanu Reeves",
        "born": 1964,
        "rating": 8.5,
        "alive": True,
        "aliases": ["Neo", "John Wick"],
        "scores": [1, 2, 3],
        "labels": ["Person", "Actor"],
    }
    # One label: type only; empty typed cells: no key.
    assert nodes["carrie"]["metadata"] == {"name": "Carrie-Anne Moss", "born": 1967, "alive": False}
    assert nodes["matrix"]["type"] == "Movie"
    acted = relationships[("keanu", "matrix", "ACTED_IN")]
    assert (acted["weight"], acted["properties"]) == (1.5, {"roles": ["Neo"], "year": 1999})
    trinity = relationships[("carrie", "matrix", "ACTED_IN")]
    assert (trinity["weight"], trinity["properties"]) == (None, {"roles": ["Trinity", "Herself"]})
    assert relationships[("keanu", "carrie", "KNOWS")]["weight"] == 0.25


@pytest.mark.parametrize(
    "id_header", ["node_id", "id", "ID", ":ID", "name:ID", ":ID(Person)", "uid:id(g)", " Node_Id "]
)
async def test_node_id_aliases(new_session, run_import, graph, id_header):
    session_id = await new_session()
    await run_import(session_id, nodes=f"{id_header},LABEL\nx1,First\n")
    nodes, _ = await graph(session_id)
    assert nodes["x1"]["label"] == "First"


@pytest.mark.parametrize(
    "header",
    [
        "source,target,type",
        "source_id,target_id,type",
        "from,to,relationship",
        ":START_ID,:END_ID,:TYPE",
        ":START_ID(a),:END_ID(b),:type",
        "SOURCE,Target,Relationship",
    ],
)
async def test_relationship_aliases(new_session, run_import, graph, header):
    session_id = await new_session()
    await run_import(session_id, nodes="id\na\nb\n", relationships=f"{header}\na,b,R\n")
    _, relationships = await graph(session_id)
    assert list(relationships) == [("a", "b", "R")]


async def test_line_ends_blank_lines_and_inputs_of_every_kind(new_session, run_import, graph):
    text = "id,label\r\n\r\na,A\rb,B\n\nc,C"
    for data in (text, text.encode(), io.BytesIO(text.encode())):
        session_id = await new_session()
        report = await run_import(session_id, nodes=data)
        assert report.rows_read == 3  # blank lines are no records
        nodes, _ = await graph(session_id)
        assert {k: v["label"] for k, v in nodes.items()} == {"a": "A", "b": "B", "c": "C"}


async def test_a_document_without_records_counts_as_no_file(new_session, run_import):
    session_id = await new_session()
    for data in ("", "\ufeff", b"\xef\xbb\xbf", "\n\n"):
        report = await run_import(session_id, nodes=data, relationships=data)
        assert report.rows_read == 0
        assert report.revision == 1


async def test_header_only_files_import_nothing(new_session, run_import):
    session_id = await new_session()
    report = await run_import(session_id, nodes="node_id\n", relationships="source,target,type\n")
    assert (report.rows_read, report.nodes_created, report.revision) == (0, 0, 1)


async def test_components_cell_with_defaults_and_properties(new_session, run_import, graph):
    session_id = await new_session()
    components = (
        '[{"type": "text"}, {"type": "code", "content": null, "properties": null},'
        ' {"type": "image", "content": "x.png", "properties": {"w": 2}}]'
    )
    report = await run_import(session_id, nodes=f"node_id,components\nn1,{_quoted(components)}\n")
    assert report.components_created == 3
    nodes, _ = await graph(session_id)
    assert nodes["n1"]["components"] == [
        ("text", "", {}),
        ("code", "", {}),
        ("image", "x.png", {"w": 2}),
    ]


async def test_metadata_and_properties_json_objects_merge_with_extra_columns(
    new_session, run_import, graph
):
    session_id = await new_session()
    await run_import(
        session_id,
        nodes='id,metadata,note\nn1,"{""a"": [1, {""b"": null}], ""note"": ""old""}",new\n',
        relationships='source,target,type,properties,extra\nn1,n1,SELF,"{""p"": true}",\n',
    )
    nodes, relationships = await graph(session_id)
    assert nodes["n1"]["metadata"] == {"a": [1, {"b": None}], "note": "new"}
    assert relationships[("n1", "n1", "SELF")]["properties"] == {"p": True}


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'
