"""Issue 17, item 8: a CSV cell over the limit is a problem on its line and column; a huge
upload without a newline costs memory in proportion to the limit, not to the file."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from graph_api.config import Limits
from tests.abuse.conftest import health_probe

IMPORT = """mutation($s: ID!, $n: String, $r: String) {
  importCsv(sessionId: $s, nodesCsv: $n, relationshipsCsv: $r) { nodesCreated }
}"""


@pytest.fixture
def limits() -> Limits:
    return Limits(max_csv_cell_chars=100)


async def _problems(gql, **files: str) -> list[dict]:
    session_id = (await gql.ok("mutation { createSession { id } }"))["createSession"]["id"]
    error = await gql.error(IMPORT, {"s": session_id, **files})
    assert error["extensions"]["code"] == "CSV_INVALID"
    return list(error["extensions"]["problems"])


async def test_a_long_cell_is_a_problem_with_its_line_and_column(gql):
    nodes = "node_id,label,type\na,ok,t\nb," + "x" * 150 + ",t\nc,fine,t\n"
    problems = await _problems(gql, n=nodes)
    assert [(p["file"], p["line"], p["column"]) for p in problems] == [("nodes", 3, "label")]
    assert "larger than 100" in problems[0]["message"]


async def test_a_quoted_cell_spanning_lines_counts_as_one(gql):
    rels = 'source,target,type,properties\na,b,T,{}\na,c,T,"' + "\n" * 120 + '{}"\n'
    problems = await _problems(gql, n="node_id\na\nb\nc\n", r=rels)
    assert [(p["file"], p["line"], p["column"]) for p in problems] == [
        ("relationships", 3, "properties")
    ]


async def test_within_the_limit_imports(gql):
    session_id = (await gql.ok("mutation { createSession { id } }"))["createSession"]["id"]
    nodes = "node_id,label\na," + "x" * 80 + "\n"
    data = await gql.ok(IMPORT, {"s": session_id, "n": nodes})
    assert data["importCsv"]["nodesCreated"] == 1


def _peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


async def test_a_huge_upload_without_a_newline_stays_small_in_memory(server):
    size = 150 * 1024 * 1024
    async with (
        server(GRAPH_API_LIMITS__MAX_CSV_CELL_CHARS=str(1024 * 1024)) as proc,
        httpx.AsyncClient(base_url=proc.url, timeout=120) as http,
    ):
        created = await http.post("/session/create", json={})
        session_id = created.json()["id"]
        before = _peak_kib(proc.process.pid)
        blob = b"node_id,label\na," + b"x" * size
        with health_probe(proc.url):
            response = await http.post(
                f"/session/{session_id}/bulk/import",
                files={"nodes": ("n.csv", blob)},
                data={"mode": "UPSERT"},
            )
        assert response.status_code == 422, response.text
        body = response.json()["error"]
        assert body["code"] == "CSV_INVALID"
        [problem] = body["problems"]
        assert (problem["line"], problem["column"]) == (2, "label")
        grown_mib = (_peak_kib(proc.process.pid) - before) / 1024
        assert grown_mib < 100, grown_mib
