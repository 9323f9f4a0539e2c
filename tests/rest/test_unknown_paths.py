"""Unknown paths and wrong methods answer the REST error shape, GraphQL's under /graphql."""

from __future__ import annotations

import pytest

from tests.rest.helpers import new_session


@pytest.mark.parametrize("path", ["/nope", "/session/x/unknown", "/session", "/js/missing.js"])
async def test_an_unknown_path_is_404_in_the_rest_shape(client, path):
    response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"error": {"code": "NOT_FOUND", "message": f"No such path: {path}"}}


async def test_a_wrong_method_on_a_rest_path_is_405_with_allow(client):
    session_id = await new_session(client)
    path = f"/session/{session_id}/nodes"
    response = await client.put(path)
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "POST"}
    error = response.json()["error"]
    assert error["code"] == "METHOD_NOT_ALLOWED"
    assert error["message"].startswith(f"{path} does not take PUT")
    health = await client.post("/health")
    assert (health.status_code, health.json()["error"]["code"]) == (405, "METHOD_NOT_ALLOWED")


async def test_graphql_keeps_its_own_error_shape(client):
    response = await client.get("/graphql", params={"query": "mutation { x }"})
    assert response.status_code == 405
    assert "errors" in response.json()
    response = await client.get("/graphql/nope")
    assert response.status_code == 404
    assert response.json() == {"errors": [{"message": "No such path: /graphql/nope"}]}
