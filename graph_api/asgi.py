"""The ASGI app for servers (uvicorn graph_api.asgi:app), configured from the environment."""

from graph_api.app import create_app

app = create_app()
