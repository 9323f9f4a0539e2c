"""Export for other tools (GraphML, GEXF, neo4j-admin CSV) and GraphML import, round trips.

networkx reads what we write with every attribute kept; neo4j-admin CSV and
GraphML import back into a new session with an identical CSV export.
"""

from __future__ import annotations

import json

import networkx as nx
import pytest

from tests.csv.conftest import write_csv
from tests.csv.test_cli import cli, session_of

NODES = [
    ["node_id", "label", "type", "metadata", "components"],
    ["A", 'Al <&> "pha"\r\nmulti', "person", '{"x":1,"t":[1,2],"n":null}',
     '[{"type":"text","content":"hi\\nthere","properties":{"k":true}}]'],
    ["B", "Beta", "place", "{}", "[]"],
    ["C:1", "Ça ☃", "concept", '{"deep":{"a":[{}]}}', ""],
]  # fmt: skip
RELATIONSHIPS = [
    ["source", "target", "type", "weight", "properties"],
    ["A", "B", "KNOWS", "1.5", '{"since":2001}'],
    ["A", "B", "LIKES", "", "{}"],  # a parallel edge, without a weight
    ["B", "A", "KNOWS", "-2e-3", "{}"],
    ["C:1", "C:1", "SELF", "0", '{"x":"<tag>"}'],  # a self-loop
]


@pytest.fixture
def session(database_url, tmp_path):
    nodes = write_csv(tmp_path / "nodes.csv", NODES)
    relationships = write_csv(tmp_path / "relationships.csv", RELATIONSHIPS)
    result = cli(
        "import", "--new-session", "--nodes", str(nodes), "--relationships", str(relationships),
        database_url=database_url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return session_of(result.stdout)


def export(database_url, session_id, out, fmt):
    result = cli(
        "export", session_id, "--out", str(out), "--format", fmt, database_url=database_url
    )
    assert result.returncode == 0, result.stderr
    assert f"({fmt})" in result.stdout
    return out


async def expected(graph, session_id):
    nodes, relationships = await graph(session_id)
    return (
        {node_id: {k: node[k] for k in ("label", "type", "metadata", "components")}
         for node_id, node in nodes.items()},
        {key: {"weight": rel["weight"], "properties": rel["properties"]}
         for key, rel in relationships.items()},
    )  # fmt: skip


def read_back(graph: nx.MultiDiGraph):
    nodes = {
        node_id: {
            "label": data["label"],
            "type": data["type"],
            "metadata": json.loads(data["metadata"]),
            "components": [
                (c["type"], c["content"], c["properties"]) for c in json.loads(data["components"])
            ],
        }
        for node_id, data in graph.nodes(data=True)
    }
    relationships = {
        (source, target, data["type"]): {
            "weight": data.get("weight"),
            "properties": json.loads(data["properties"]),
        }
        for source, target, data in graph.edges(data=True)
    }
    return nodes, relationships


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
async def test_networkx_reads_everything_we_write(database_url, tmp_path, session, graph, fmt):
    out = export(database_url, session, tmp_path / fmt, fmt)
    reader = nx.read_graphml if fmt == "graphml" else nx.read_gexf
    read = reader(out / f"graph.{fmt}")
    assert isinstance(read, nx.MultiDiGraph) and read.is_directed()
    assert read.number_of_edges() == 4
    assert read_back(read) == await expected(graph, session)
    if fmt == "gexf":  # tools that show an edge's label show its type
        assert sorted(label for *_, label in read.edges(data="label")) == [
            "KNOWS", "KNOWS", "LIKES", "SELF",
        ]  # fmt: skip


async def test_neo4j_admin_csv_reimports_identically(
    database_url, tmp_path, session, run_export, new_session, run_import
):
    out = export(database_url, session, tmp_path / "neo4j", "neo4j-admin")
    nodes_text = (out / "nodes.csv").read_bytes().decode()
    assert nodes_text.startswith("node_id:ID,label,:LABEL,metadata,components\r\n")
    relationships_text = (out / "relationships.csv").read_bytes().decode()
    assert relationships_text.startswith(":START_ID,:END_ID,:TYPE,weight:double,properties\r\n")
    again = await new_session()
    await run_import(again, nodes=out / "nodes.csv", relationships=out / "relationships.csv")
    assert await run_export(again) == await run_export(session)


async def test_graphml_imports_back_identically(database_url, tmp_path, session, run_export):
    out = export(database_url, session, tmp_path / "graphml", "graphml")
    result = cli(
        "import", "--new-session", "--graphml", str(out / "graph.graphml"),
        database_url=database_url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    again = session_of(result.stdout)
    assert await run_export(again) == await run_export(session)
    # A file named *.graphml given as --nodes is GraphML too.
    result = cli(
        "import", "--session", again, "--nodes", str(out / "graph.graphml"), "--mode", "upsert",
        database_url=database_url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "nodes 0 created, 0 updated" in result.stdout


async def test_graphml_written_by_networkx_imports(database_url, tmp_path, graph):
    source = nx.les_miserables_graph()
    directed = nx.DiGraph()
    for name in source.nodes:
        directed.add_node(name.replace(" ", "_"), label=name, degree=source.degree(name))
    for a, b, data in source.edges(data=True):
        directed.add_edge(a.replace(" ", "_"), b.replace(" ", "_"), weight=float(data["weight"]))
    path = tmp_path / "lesmis.graphml"
    nx.write_graphml(directed, path)
    result = cli("import", "--new-session", "--graphml", str(path), database_url=database_url)
    assert result.returncode == 0, result.stderr
    nodes, relationships = await graph(session_of(result.stdout))
    assert len(nodes) == 77 and len(relationships) == 254
    assert nodes["Valjean"]["label"] == "Valjean"
    assert nodes["Valjean"]["metadata"] == {"degree": 36}  # typed as GraphML declared it
    assert relationships[("Napoleon", "Myriel", "RELATED_TO")]["weight"] == 1.0


def test_graphml_problems_name_the_element(database_url, tmp_path):
    path = tmp_path / "bad.graphml"
    path.write_text(
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        '<key id="w" for="edge" attr.name="weight" attr.type="double"/>'
        '<graph edgedefault="directed"><node id="a"/><node id="bad id"/><node id="a"/>'
        '<edge source="a" target="zz"/><edge source="a" target="a"><data key="w">x</data></edge>'
        "</graph></graphml>",
        encoding="utf-8",
    )
    result = cli("import", "--new-session", "--graphml", str(path), database_url=database_url)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{path}: node 2: node_id: node id 'bad id' is not a valid node id "
        "(^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$)",
        f"{path}: node 3: node_id: node id 'a' appears twice in the file (first on line 2)",
        f"{path}: edge 1: target: node 'zz' exists neither in the session nor in the nodes file",
        f"{path}: edge 2: weight: weight 'x' is not a number",
        "error: The CSV was rejected (4 problems); nothing was imported",
    ]
    path.write_text("<graphml><graph>", encoding="utf-8")
    result = cli("import", "--new-session", "--graphml", str(path), database_url=database_url)
    assert result.returncode == 1
    assert result.stderr.startswith("error: BAD_USER_INPUT: the GraphML is not well-formed XML")
