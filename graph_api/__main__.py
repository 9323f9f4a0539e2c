"""`python -m graph_api` runs the CLI."""

from graph_api.cli import main

main()
