"""Identity: users, API tokens (hashed) and session members.

Existing sessions get no member: with GRAPH_API_AUTH=none nothing changes; with
authentication required they are reachable once `graph-api sessions assign ID --user NAME`
gave them an owner.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 17:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from graph_api.db.models import UTCDateTime

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_api_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    op.create_table(
        "session_members",
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=6), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "role IN ('OWNER', 'EDITOR', 'VIEWER')", name=op.f("ck_session_members_role_known")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_session_members_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "user_id", name=op.f("pk_session_members")),
    )
    op.create_index("ix_session_members_user_id", "session_members", ["user_id", "session_id"])


def downgrade() -> None:
    op.drop_index("ix_session_members_user_id", table_name="session_members")
    op.drop_table("session_members")
    op.drop_index("ix_api_tokens_user_id", table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_table("users")
