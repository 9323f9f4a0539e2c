"""graph_api: session-scoped knowledge graphs over GraphQL."""

__version__ = "0.1.0"
