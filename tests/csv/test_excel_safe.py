"""Issue 17, item 7: formula-safe export, reversed by the importer, round trip exact."""

from __future__ import annotations

import csv
import io
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_api.services.csv import export as csv_export
from graph_api.services.csv.formula import FORMULA_STARTS, escape_cell, unescape_cell
from tests.csv.test_cli import cli
from tests.csv.test_roundtrip import CHARACTER, content, graphs, to_csv

AWKWARD_VALUES = [
    "=1+1",
    '=HYPERLINK("http://x")',
    "+1",
    "-1",
    "@SUM(A1)",
    "\tx",
    "\rx",
    "'",
    "''",
    "'=1",
    "''=1",
    "'x",
    "x=1",
    "-",
    "=",
    "'\t",
]
DANGEROUS = st.sampled_from(sorted(FORMULA_STARTS | {"'"}))
FORMULA_TEXT = st.tuples(DANGEROUS, st.text(CHARACTER, max_size=5)).map("".join)


def test_escape_and_unescape_are_inverse_on_awkward_values():
    for value in AWKWARD_VALUES:
        escaped = escape_cell(value, excel_safe=True)
        assert escaped[:1] not in FORMULA_STARTS
        assert unescape_cell(escaped) == value
        assert escape_cell(value, excel_safe=False) == value


@given(value=st.one_of(FORMULA_TEXT, st.text(CHARACTER)))
def test_escape_then_unescape_is_identity(value):
    assert unescape_cell(escape_cell(value, excel_safe=True)) == value


def cells(text: str, column: int) -> list[str]:
    return [row[column] for row in csv.reader(io.StringIO(text.removeprefix("\ufeff")))][1:]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(generated=graphs(), label=FORMULA_TEXT.filter(lambda t: t.strip() != ""))
async def test_excel_safe_round_trip_is_exact(
    generated, label, new_session, run_import, unit_of_work, graph
):
    nodes, relationships = generated
    first_id = next(iter(nodes))
    nodes = {**nodes, first_id: {**nodes[first_id], "label": label, "type": label[:100]}}
    generated = (nodes, relationships)
    nodes_csv, relationships_csv = to_csv(generated)
    first = await new_session()
    await run_import(first, nodes=nodes_csv, relationships=relationships_csv)
    async with unit_of_work(write=False) as db:
        exported = await csv_export.export_csv(db=db, session_id=first, excel_safe=True)
    assert exported.nodes_csv.startswith("\ufeff")
    for text, columns in ((exported.nodes_csv, (1, 2)), (exported.relationships_csv, (2,))):
        for column in columns:
            assert all(cell[:1] not in FORMULA_STARTS for cell in cells(text, column))
    second = await new_session()
    await run_import(second, nodes=exported.nodes_csv, relationships=exported.relationships_csv)
    assert content(await graph(second)) == generated


async def test_graphql_rest_and_cli_offer_it(gql, client, database_url, tmp_path):
    created = await gql.ok("mutation { createSession { id } }")
    session_id = created["createSession"]["id"]
    await gql.ok(
        'mutation($s: ID!) { createNode(sessionId: $s, input: {nodeId: "f", label: "=1+1",'
        ' type: "@t"}) { nodeId } }',
        {"s": session_id},
    )
    query = (
        "query($s: ID!, $x: Boolean!) { session(id: $s) { exportCsv(excelSafe: $x) { nodesCsv } } }"
    )
    plain = await gql.ok(query, {"s": session_id, "x": False})
    safe = await gql.ok(query, {"s": session_id, "x": True})
    assert "f,=1+1,@t," in plain["session"]["exportCsv"]["nodesCsv"]
    assert "f,'=1+1,'@t," in safe["session"]["exportCsv"]["nodesCsv"]
    response = await client.get(f"/session/{session_id}/bulk/export?format=csv&excel_safe=true")
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert "f,'=1+1,'@t," in archive.read("nodes.csv").decode("utf-8-sig")
    result = cli(
        "export", session_id, "--out", str(tmp_path), "--excel-safe", database_url=database_url
    )
    assert result.returncode == 0, result.stderr
    exported = (tmp_path / "nodes.csv").read_text(encoding="utf-8")
    assert exported.startswith("\ufeff")
    assert "f,'=1+1,'@t," in exported
    # The importer reverses it.
    result = cli(
        "import", "--new-session", "--nodes", str(tmp_path / "nodes.csv"), database_url=database_url
    )
    assert result.returncode == 0, result.stderr + result.stdout
    again = (await client.get(f"/session/{session_of(result.stdout)}/nodes/f")).json()
    assert (again["label"], again["type"]) == ("=1+1", "@t")


def session_of(stdout: str) -> str:
    from tests.csv.test_cli import session_of as find

    return find(stdout)
