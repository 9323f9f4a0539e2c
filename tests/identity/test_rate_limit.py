"""GRAPH_API_RATE_LIMIT: per user (or client address), 429 + Retry-After + LIMIT_EXCEEDED,
and one budget shared by two server processes through Redis."""

from __future__ import annotations

from pathlib import Path

import coredis
import httpx

from graph_api.app import create_app
from graph_api.config import Settings
from tests.autosave.conftest import serve_process
from tests.identity.world import build_world

REDIS_URL = "redis://127.0.0.1:6379"


async def test_per_user_in_process(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"auth": "required", "rate_limit": "3/minute"}))
    async with app.router.lifespan_context(app):
        world = await build_world(app.state.engine)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            statuses = []
            for _ in range(4):
                response = await http.post(
                    "/graphql", json={"query": "{ me { id } }"}, headers=world.headers("owner")
                )
                statuses.append(response.status_code)
            assert statuses == [200, 200, 200, 429]
            assert 1 <= int(response.headers["retry-after"]) <= 60
            error = response.json()["errors"][0]
            assert error["extensions"]["code"] == "LIMIT_EXCEEDED"
            # Another user has their own budget; REST has the REST error shape.
            other = await http.get("/session/validate/x", headers=world.headers("viewer"))
            assert other.status_code == 404
            for _ in range(2):
                await http.get("/session/validate/x", headers=world.headers("viewer"))
            limited = await http.get("/session/validate/x", headers=world.headers("viewer"))
            assert limited.status_code == 429
            assert limited.json()["error"]["code"] == "LIMIT_EXCEEDED"
            assert (await http.get("/health")).status_code == 200  # never limited


async def test_two_processes_share_one_budget_through_redis(
    database_url: str, tmp_path: Path
) -> None:
    # A budget of 6 per minute per client address (127.0.0.1), counted in Redis: what an
    # earlier run counted there is cleared first.
    redis = coredis.Redis.from_url(REDIS_URL)
    async for key in redis.scan_iter(match="*addr:127.0.0.1*"):
        await redis.delete([key])
    env = {"GRAPH_API_RATE_LIMIT": "6/minute", "GRAPH_API_REDIS_URL": REDIS_URL}
    async with (
        serve_process(database_url, tmp_path, **env) as first,
        serve_process(database_url, tmp_path, **env) as second,
    ):
        statuses = []
        async with httpx.AsyncClient(timeout=10) as http:
            for number in range(8):
                server = (first, second)[number % 2]
                response = await http.post(f"{server.url}/graphql", json={"query": "{ me { id } }"})
                statuses.append(response.status_code)
    assert statuses == [200] * 6 + [429, 429]
