"""Fixtures of the identity tests: the app with GRAPH_API_AUTH=required and its cast."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from graph_api.app import create_app
from graph_api.config import Settings
from tests.autosave.conftest import live_server  # noqa: F401 (a fixture for test_websocket.py)
from tests.identity.world import World, build_world


@pytest.fixture
def auth_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"auth": "required", "access_recheck_s": 0.5})


@pytest.fixture
async def auth_app(auth_settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(auth_settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def auth_client(auth_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=auth_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def world(auth_app: FastAPI) -> World:
    return await build_world(auth_app.state.engine)
