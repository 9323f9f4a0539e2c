"""Alembic environment: always run through graph_api.db.migrations with a live connection."""

from __future__ import annotations

from alembic import context

from graph_api.db.models import in_models, metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `graph-api db upgrade` (graph_api.db.migrations)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=in_models,
)
with context.begin_transaction():
    context.run_migrations()
