"""The ASGI app for servers (uvicorn graph_api.asgi:app), configured from the environment."""

from graph_api.app import create_app
from graph_api.gc_tuning import tune_for_serving

app = create_app()
tune_for_serving()
