"""REST bulk routes: multipart CSV upload, CSV zip and JSON exports (CONTRACT.md §8)."""

from __future__ import annotations

import io
import zipfile

import orjson
import pytest

from tests.csv.conftest import DATA

MISSING = "00000000-0000-4000-8000-000000000000"


async def make_session(client, *, default_nodes: bool = False) -> str:
    response = await client.post("/session/create", json={"with_default_nodes": default_nodes})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def upload(nodes: bytes | None = None, relationships: bytes | None = None) -> dict:
    files = {}
    if nodes is not None:
        files["nodes"] = ("nodes.csv", nodes, "text/csv")
    if relationships is not None:
        files["relationships"] = ("relationships.csv", relationships, "text/csv")
    return files


async def test_upload_of_real_files(client, les_miserables):
    session_id = await make_session(client)
    nodes, relationships = les_miserables
    response = await client.post(
        f"/session/{session_id.upper()}/bulk/import",
        files=upload(nodes.read_bytes(), relationships.read_bytes()),
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "dry_run": False, "rows_read": 331, "nodes_created": 77, "nodes_updated": 0,
        "components_created": 0, "relationships_created": 254, "relationships_updated": 0,
        "revision": 2,
    }  # fmt: skip


async def test_form_fields_mode_dry_run_and_missing_nodes(client):
    session_id = await make_session(client, default_nodes=True)
    response = await client.post(
        f"/session/{session_id}/bulk/import",
        files=upload(b"node_id,label\nN001,Renamed\n", b"source,target,type\nN001,ghost,R\n"),
        data={"mode": "upsert", "dry_run": "true", "create_missing_nodes": "true"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["dry_run"], body["nodes_updated"], body["nodes_created"]) == (True, 1, 1)
    assert body["revision"] == 1


async def test_rejected_csv_is_422_with_problems(client):
    session_id = await make_session(client)
    response = await client.post(
        f"/session/{session_id}/bulk/import",
        files=upload(b"node_id,label\na,A\n,B\n", b"source,target,type,weight\na,a,R,x\n"),
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "CSV_INVALID"
    assert error["problems"] == [
        {"file": "nodes", "line": 3, "column": "node_id", "message": "node id is empty"},
        {
            "file": "relationships",
            "line": 2,
            "column": "weight",
            "message": "weight 'x' is not a number",
        },
    ]
    export = await client.get(f"/session/{session_id}/bulk/export?format=json")
    assert export.json()["nodes"] == []


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/session/not-a-uuid/bulk/import", 404, "SESSION_NOT_FOUND"),
        (f"/session/{MISSING}/bulk/import", 404, "SESSION_NOT_FOUND"),
    ],
)
async def test_unknown_or_malformed_session(client, path, status, code):
    response = await client.post(path, files=upload(b"node_id\na\n"))
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    response = await client.get(path.replace("import", "export"))
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


async def test_bad_form_values_are_422(client):
    session_id = await make_session(client)
    response = await client.post(
        f"/session/{session_id}/bulk/import", files=upload(b"id\na\n"), data={"mode": "MERGE"}
    )
    assert response.status_code == 422
    assert response.json()["error"] | {"message": ""} == {
        "code": "BAD_USER_INPUT", "field": "mode", "message": "",
    }  # fmt: skip
    response = await client.get(f"/session/{session_id}/bulk/export?format=xml")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "BAD_USER_INPUT"


async def test_csv_export_is_a_zip_that_imports_back(client):
    session_id = await make_session(client)
    nodes = (DATA / "spreadsheet_nodes.csv").read_bytes()
    relationships = (DATA / "spreadsheet_relationships.csv").read_bytes()
    response = await client.post(
        f"/session/{session_id}/bulk/import", files=upload(nodes, relationships)
    )
    assert response.status_code == 200, response.text
    response = await client.get(f"/session/{session_id}/bulk/export")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert f"session-{session_id}.zip" in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["nodes.csv", "relationships.csv"]
    exported = {name: archive.read(name) for name in archive.namelist()}
    assert exported["nodes.csv"].startswith(b"node_id,label,type,metadata,components\r\n")
    assert b'"Quoted ""label"", with comma"' in exported["nodes.csv"]
    copy = await make_session(client)
    response = await client.post(
        f"/session/{copy}/bulk/import",
        files=upload(exported["nodes.csv"], exported["relationships.csv"]),
    )
    assert response.status_code == 200, response.text
    again = zipfile.ZipFile(io.BytesIO((await client.get(f"/session/{copy}/bulk/export")).content))
    assert {name: again.read(name) for name in again.namelist()} == exported


async def test_json_export_is_one_document(client):
    session_id = await make_session(client, default_nodes=True)
    await client.post(
        f"/session/{session_id}/bulk/import",
        files=upload(
            b'node_id,components\nN003,"[{""type"": ""text"", ""content"": ""hi""}]"\n',
            b"source,target,type,weight\nN001,N003,R,2.5\n",
        ),
    )
    response = await client.get(f"/session/{session_id}/bulk/export", params={"format": "json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    document = orjson.loads(response.content)
    assert document["session"]["id"] == session_id
    assert (document["session"]["node_count"], document["session"]["relationship_count"]) == (3, 1)
    assert [node["node_id"] for node in document["nodes"]] == ["N001", "N002", "N003"]
    assert [c["content"] for c in document["nodes"][2]["components"]] == ["hi"]
    [relationship] = document["relationships"]
    assert (relationship["source_id"], relationship["target_id"], relationship["weight"]) == (
        "N001", "N003", 2.5,
    )  # fmt: skip


async def test_empty_file_parts_count_as_no_file(client):
    session_id = await make_session(client)
    response = await client.post(
        f"/session/{session_id}/bulk/import",
        files={"nodes": ("", b"", "application/octet-stream")},
    )
    assert response.status_code == 200, response.text
    assert response.json()["rows_read"] == 0
