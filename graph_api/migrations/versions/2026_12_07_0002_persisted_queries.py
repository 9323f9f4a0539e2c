"""Persisted queries: GraphQL documents by their SHA-256 (automatic persisted queries).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 17:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from graph_api.db.models import UTCDateTime

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "persisted_queries",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("length(sha256) = 64", name=op.f("ck_persisted_queries_sha256_length")),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_persisted_queries")),
    )


def downgrade() -> None:
    op.drop_table("persisted_queries")
