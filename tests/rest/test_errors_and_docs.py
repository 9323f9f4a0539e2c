"""The REST error shape end to end, the body limit, and what /openapi.json and /docs say."""

from __future__ import annotations

import httpx
import pytest

from graph_api.config import Limits
from graph_api.errors import InternalError
from graph_api.rest import nodes as node_routes
from tests.rest.helpers import error_of, new_session, ok, revision

ROUTES = {
    ("post", "/session/create"),
    ("get", "/session/validate/{session_id}"),
    ("put", "/session/{session_id}/touch"),
    ("delete", "/session/{session_id}"),
    ("get", "/session/{session_id}/nodes"),
    ("post", "/session/{session_id}/nodes"),
    ("get", "/session/{session_id}/nodes/{node_id}"),
    ("patch", "/session/{session_id}/nodes/{node_id}"),
    ("delete", "/session/{session_id}/nodes/{node_id}"),
    ("get", "/session/{session_id}/nodes/{node_id}/components"),
    ("put", "/session/{session_id}/nodes/{node_id}/components"),
    ("post", "/session/{session_id}/nodes/{node_id}/components"),
    ("get", "/session/{session_id}/relationships"),
    ("post", "/session/{session_id}/relationships"),
    ("patch", "/session/{session_id}/relationships/{relationship_id}"),
    ("delete", "/session/{session_id}/relationships/{relationship_id}"),
}
ERROR_REF = "#/components/schemas/ErrorResponse"


@pytest.fixture
def limits() -> Limits:
    return Limits(max_body_bytes=4096)


@pytest.fixture
async def lenient_client(app):
    """A client that gets the 500 response instead of the re-raised exception."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def test_a_body_over_the_limit_is_413_in_the_rest_shape(client):
    session_id = await new_session(client)
    big = {"label": "x" * 5000}
    error = error_of(
        await client.post(f"/session/{session_id}/nodes", json=big), 413, "LIMIT_EXCEEDED"
    )
    assert "4096" in error["message"]

    async def chunks():  # no Content-Length: the middleware counts what arrives
        yield b'{"label": "'
        for _ in range(10):
            yield b"y" * 1000
        yield b'"}'

    response = await client.post(
        f"/session/{session_id}/nodes",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    error_of(response, 413, "LIMIT_EXCEEDED")
    assert ok(await client.get(f"/session/{session_id}/nodes"))["total_count"] == 2


async def test_bodies_that_cannot_be_read_are_422(client):
    session_id = await new_session(client)
    url = f"/session/{session_id}/nodes"
    for content in (b"{not json", b'{"label": "\xff\xfe"}', b"[1, 2]"):
        response = await client.post(
            url, content=content, headers={"content-type": "application/json"}
        )
        error = error_of(response, 422, "BAD_USER_INPUT")
        assert error["field"] == "body", (content, error)
    response = await client.post(url, content=b"label=x", headers={"content-type": "text/plain"})
    error_of(response, 422, "BAD_USER_INPUT")


async def test_unexpected_errors_are_a_generic_500_and_roll_back(app, lenient_client, monkeypatch):
    session_id = await new_session(lenient_client)

    async def explode(*_args, **_kwargs):
        raise RuntimeError("SELECT secret FROM somewhere")

    monkeypatch.setattr(node_routes, "node_out", explode)
    response = await lenient_client.post(f"/session/{session_id}/nodes", json={"label": "x"})
    error = error_of(response, 500, "INTERNAL_ERROR")
    assert error == {"code": "INTERNAL_ERROR", "message": "Internal server error"}
    assert "secret" not in response.text
    # The node was inserted before the failure; the rollback took it back.
    monkeypatch.undo()
    assert await revision(lenient_client, session_id) == 1
    assert ok(await lenient_client.get(f"/session/{session_id}/nodes"))["total_count"] == 2


async def test_contract_internal_errors_keep_their_client_message(lenient_client, monkeypatch):
    session_id = await new_session(lenient_client)

    async def busy(*_args, **_kwargs):
        error = InternalError("The database is busy; retry the request")
        error.extensions["retryable"] = True
        raise error

    monkeypatch.setattr(node_routes, "node_out", busy)
    response = await lenient_client.post(f"/session/{session_id}/nodes", json={"label": "x"})
    error = error_of(response, 500, "INTERNAL_ERROR")
    assert error == {
        "code": "INTERNAL_ERROR",
        "message": "The database is busy; retry the request",
        "retryable": True,
    }


async def test_openapi_documents_every_route_and_its_errors(client):
    document = ok(await client.get("/openapi.json"))
    operations = {
        (method, path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    assert set(operations) >= ROUTES
    assert "HTTPValidationError" not in str(document)
    for key in ROUTES:
        responses = operations[key]["responses"]
        assert "500" in responses, key
        assert ("404" in responses) == (key[1] != "/session/create"), key
        for status, response in responses.items():
            schema = response["content"]["application/json"]["schema"]
            if status.startswith("2") or (status == "404" and "/validate/" in key[1]):
                assert schema != {"$ref": ERROR_REF}, (key, status)
            else:
                assert schema == {"$ref": ERROR_REF}, (key, status)
        has_body = "requestBody" in operations[key]
        has_query = any(p["in"] == "query" for p in operations[key].get("parameters", []))
        assert ("422" in responses) == (has_body or has_query), key
        assert ("413" in responses) == has_body, key
    creates = [key for key in ROUTES if key[0] == "post"]
    assert all(next(iter(operations[key]["responses"])) == "201" for key in creates)
    validate = operations[("get", "/session/validate/{session_id}")]["responses"]["404"]
    assert validate["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SessionValidationOut"
    }


async def test_docs_are_served_without_a_cdn(client):
    for page, asset in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        html = (await client.get(page)).text
        assert f"/docs-assets/{asset}" in html
        assert "cdn." not in html and "fonts.googleapis" not in html
        response = await client.get(f"/docs-assets/{asset}")
        assert response.status_code == 200 and len(response.content) > 100_000
    assert (await client.get("/docs-assets/swagger-ui.css")).status_code == 200
