"""The merge tests reuse autoSave's live server (a real uvicorn on a loopback port)."""

from tests.autosave.conftest import live_server  # noqa: F401 (a fixture, used by name)
