"""Small helpers for the REST tests: create through the API, assert the error shape."""

from __future__ import annotations

from typing import Any

import httpx


def error_of(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The `error` object of a response that must fail with `status` and `code`."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    return error


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.text)
    return response.json()


async def new_session(client: httpx.AsyncClient, **body: Any) -> str:
    response = await client.post("/session/create", json=body or None)
    session_id: str = ok(response, 201)["id"]
    return session_id


async def new_node(client: httpx.AsyncClient, session_id: str, **body: Any) -> dict[str, Any]:
    body.setdefault("label", "a node")
    node: dict[str, Any] = ok(await client.post(f"/session/{session_id}/nodes", json=body), 201)
    return node


async def new_relationship(
    client: httpx.AsyncClient, session_id: str, source: str, target: str, type_: str = "LINKS"
) -> dict[str, Any]:
    body = {"source_id": source, "target_id": target, "type": type_}
    response = await client.post(f"/session/{session_id}/relationships", json=body)
    relationship: dict[str, Any] = ok(response, 201)
    return relationship


async def revision(client: httpx.AsyncClient, session_id: str) -> int:
    """The session's revision, read through validate (which bumps nothing)."""
    value: int = ok(await client.get(f"/session/validate/{session_id}"))["session"]["revision"]
    return value
