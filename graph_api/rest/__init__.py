"""The REST surface (CONTRACT.md §8): thin routes over the same service layer."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from graph_api.config import Settings
from graph_api.services.events import Broker


def include_routers(
    app: FastAPI, *, settings: Settings, engine: AsyncEngine, broker: Broker
) -> None:
    """Attach every REST router to `app`."""
    return None
