"""Modes CREATE, UPSERT and REPLACE, dry runs, createMissingNodes, revisions and the change log."""

from __future__ import annotations

from tests.csv.conftest import problems_of

NODES = (
    "node_id,label,type,metadata,components\n"
    'a,Alpha,person,"{""k"": 1}","[{""type"": ""text"", ""content"": ""hi""}]"\n'
    "b,Beta,place,{},\n"
)
RELS = 'source,target,type,weight,properties\na,b,KNOWS,0.5,"{""p"": 1}"\nb,a,KNOWS,,\n'


def log_of(snapshot_value, revision):
    return [(op, kind, key) for rev, op, kind, key in snapshot_value["changes"] if rev == revision]


async def test_create_counts_revision_and_one_change_per_entity(
    new_session, run_import, snapshot, graph
):
    session_id = await new_session(with_default_nodes=True)
    report = await run_import(session_id, nodes=NODES, relationships=RELS)
    assert vars(report) == {
        "dry_run": False, "rows_read": 4, "nodes_created": 2, "nodes_updated": 0,
        "components_created": 1, "relationships_created": 2, "relationships_updated": 0,
        "revision": 2,
    }  # fmt: skip
    _, relationships = await graph(session_id)
    ids = [str(relationships[key]["id"]) for key in (("a", "b", "KNOWS"), ("b", "a", "KNOWS"))]
    state = await snapshot(session_id)
    assert state["revision"] == 2
    assert log_of(state, 2) == [
        ("CREATE", "NODE", "a"),
        ("CREATE", "NODE", "b"),
        ("CREATE", "RELATIONSHIP", ids[0]),
        ("CREATE", "RELATIONSHIP", ids[1]),
    ]


async def test_relationships_alone_between_existing_nodes(new_session, run_import, graph):
    session_id = await new_session(with_default_nodes=True)
    report = await run_import(session_id, relationships="from,to,type\nN001,N002,R\nN002,N002,R\n")
    assert (report.rows_read, report.relationships_created, report.revision) == (2, 2, 2)
    _, relationships = await graph(session_id)
    assert set(relationships) == {("N001", "N002", "R"), ("N002", "N002", "R")}


async def test_upsert_replaces_only_the_columns_the_file_has(new_session, run_import, graph):
    session_id = await new_session()
    await run_import(session_id, nodes=NODES, relationships=RELS)
    report = await run_import(
        session_id,
        nodes="node_id,label\na,Alpha 2\nb,Beta\nc,Gamma\n",
        relationships="source,target,type,weight\na,b,KNOWS,2\nb,a,KNOWS,\na,c,NEW,\n",
        mode="UPSERT",
    )
    assert (report.nodes_created, report.nodes_updated) == (1, 1)  # b is identical
    assert (report.relationships_created, report.relationships_updated) == (1, 1)
    assert (report.components_created, report.revision) == (0, 3)
    nodes, relationships = await graph(session_id)
    assert nodes["a"] == {
        "label": "Alpha 2", "type": "person", "metadata": {"k": 1}, "version": 2,
        "components": [("text", "hi", {})],
    }  # fmt: skip
    assert nodes["b"]["version"] == 1
    ab = relationships[("a", "b", "KNOWS")]
    assert (ab["weight"], ab["properties"], ab["version"]) == (2.0, {"p": 1}, 2)
    assert relationships[("b", "a", "KNOWS")]["version"] == 1


async def test_upsert_metadata_as_a_whole_and_components_empty_keeps(
    new_session, run_import, graph
):
    session_id = await new_session()
    await run_import(session_id, nodes=NODES)
    report = await run_import(
        session_id,
        nodes='node_id,components,colour\na,,red\nb,"[{""type"": ""t""}]",\n',
        mode="UPSERT",
    )
    assert (report.nodes_updated, report.components_created) == (2, 1)
    nodes, _ = await graph(session_id)
    # An extra column replaces metadata as a whole; an empty components cell keeps them.
    assert nodes["a"]["metadata"] == {"colour": "red"}
    assert nodes["a"]["components"] == [("text", "hi", {})]
    assert nodes["b"]["metadata"] == {}
    assert nodes["b"]["components"] == [("t", "", {})]


async def test_upsert_of_identical_rows_bumps_nothing(new_session, run_import, snapshot):
    session_id = await new_session()
    await run_import(session_id, nodes=NODES, relationships=RELS)
    before = await snapshot(session_id)
    report = await run_import(session_id, nodes=NODES, relationships=RELS, mode="UPSERT")
    assert (report.nodes_created, report.nodes_updated, report.components_created) == (0, 0, 0)
    assert (report.relationships_created, report.relationships_updated) == (0, 0)
    assert report.revision == before["revision"]
    assert await snapshot(session_id) == before


async def test_upsert_of_a_changed_component_sequence(new_session, run_import, graph, snapshot):
    session_id = await new_session()
    await run_import(session_id, nodes=NODES)
    report = await run_import(
        session_id,
        nodes='node_id,components\na,"[{""type"": ""text"", ""content"": ""bye""}]"\n',
        mode="UPSERT",
    )
    assert (report.nodes_updated, report.components_created) == (1, 1)
    nodes, _ = await graph(session_id)
    assert (nodes["a"]["components"], nodes["a"]["version"]) == ([("text", "bye", {})], 2)
    assert log_of(await snapshot(session_id), report.revision) == [("UPDATE", "NODE", "a")]


async def test_replace_deletes_first_and_logs_the_net_effect(
    new_session, run_import, graph, snapshot
):
    session_id = await new_session(with_default_nodes=True)
    await run_import(session_id, nodes=NODES, relationships=RELS)
    await run_import(session_id, nodes="node_id\na\n", relationships="source,target,type\na,a,X\n",
                     mode="UPSERT")  # fmt: skip
    _, old_relationships = await graph(session_id)
    report = await run_import(
        session_id,
        nodes="node_id,label\nb,New B\nz,Zed\n",
        relationships="source,target,type\nz,b,R\n",
        mode="REPLACE",
    )
    assert (report.nodes_created, report.nodes_updated) == (2, 0)
    assert (report.relationships_created, report.revision) == (1, 4)
    nodes, relationships = await graph(session_id)
    assert {k: (v["label"], v["version"], v["components"]) for k, v in nodes.items()} == {
        "b": ("New B", 2, []),  # back again: one version past the deleted node
        "z": ("Zed", 1, []),
    }
    new_id = str(relationships[("z", "b", "R")]["id"])
    deleted = sorted(str(rel["id"]) for rel in old_relationships.values())
    assert log_of(await snapshot(session_id), 4) == [
        *[("DELETE", "RELATIONSHIP", rel_id) for rel_id in deleted],
        ("UPDATE", "NODE", "b"),
        ("CREATE", "NODE", "z"),
        ("CREATE", "RELATIONSHIP", new_id),
        ("DELETE", "NODE", "N001"),
        ("DELETE", "NODE", "N002"),
        ("DELETE", "NODE", "a"),
    ]


async def test_replace_ignores_what_the_session_had(new_session, run_import, graph):
    session_id = await new_session(with_default_nodes=True)
    report = await run_import(session_id, nodes="node_id\nN001\n", mode="REPLACE")
    assert (report.nodes_created, report.revision) == (1, 2)
    nodes, _ = await graph(session_id)
    assert list(nodes) == ["N001"]
    # Endpoints must come from the file now.
    problems = await problems_of(
        run_import, session_id, relationships="source,target,type\nN001,N001,R\n", mode="REPLACE"
    )
    assert "'N001' exists neither" in problems[0]["message"]


async def test_dry_run_counts_exactly_and_writes_nothing(new_session, run_import, snapshot):
    session_id = await new_session(with_default_nodes=True)
    await run_import(session_id, nodes=NODES, relationships=RELS)
    before = await snapshot(session_id)
    text = "node_id,label\na,Changed\nb,Beta\nnew,New\n"
    for mode, expected in (
        ("UPSERT", (1, 1, 1, 0)),
        ("REPLACE", (3, 0, 0, 1)),
    ):
        report = await run_import(
            session_id,
            nodes=text,
            relationships="source,target,type\nnew,a,R\nb,a,KNOWS\n",
            mode=mode,
            dry_run=True,
        )
        counts = (report.nodes_created, report.nodes_updated, report.relationships_created)
        assert (*counts, report.relationships_updated) == (
            expected[0], expected[1], 1 if mode == "UPSERT" else 2, 0,
        ), mode  # fmt: skip
        assert (report.dry_run, report.rows_read, report.revision) == (True, 5, before["revision"])
        assert await snapshot(session_id) == before


async def test_dry_run_still_rejects_bad_files(new_session, run_import, snapshot):
    session_id = await new_session()
    before = await snapshot(session_id)
    problems = await problems_of(run_import, session_id, nodes="node_id\n,\n", dry_run=True)
    assert problems[0]["line"] == 2
    assert await snapshot(session_id) == before


async def test_create_missing_nodes(new_session, run_import, graph, snapshot):
    session_id = await new_session(with_default_nodes=True)
    report = await run_import(
        session_id,
        relationships="source,target,type\nN001,ghost,R\nghost,other,R\nother,N002,R\n",
        create_missing_nodes=True,
    )
    assert (report.nodes_created, report.relationships_created) == (2, 3)
    nodes, _ = await graph(session_id)
    assert nodes["ghost"] == {
        "label": "ghost", "type": "concept", "metadata": {}, "version": 1, "components": [],
    }  # fmt: skip
    log = log_of(await snapshot(session_id), report.revision)
    assert log[:2] == [("CREATE", "NODE", "ghost"), ("CREATE", "NODE", "other")]
    assert [entry[1] for entry in log[2:]] == ["RELATIONSHIP"] * 3


async def test_unknown_session_and_malformed_id(run_import):
    from graph_api.errors import SessionNotFound

    for session_id in ("not-a-uuid", "00000000-0000-4000-8000-000000000000"):
        try:
            await run_import(session_id, nodes="node_id\na\n")
        except SessionNotFound:
            continue
        raise AssertionError(session_id)


async def test_upsert_with_an_empty_array_clears_the_components(new_session, run_import, graph):
    session_id = await new_session()
    await run_import(session_id, nodes=NODES)
    report = await run_import(session_id, nodes="node_id,components\na,[]\nb,[]\n", mode="UPSERT")
    assert (report.nodes_updated, report.components_created) == (1, 0)  # b had none already
    nodes, _ = await graph(session_id)
    assert (nodes["a"]["components"], nodes["a"]["version"]) == ([], 2)
    assert nodes["b"]["version"] == 1
