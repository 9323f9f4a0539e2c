"""Initial schema: sessions, nodes, components, relationships, the change log and autoSave receipts.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 06:17:52.750623
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from graph_api.db.models import UTCDateTime

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_accessed", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("revision", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("revision >= 0", name=op.f("ck_sessions_revision_non_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
    )
    op.create_table(
        "changes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("op", sa.String(length=6), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("save_id", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('SESSION', 'NODE', 'RELATIONSHIP')", name=op.f("ck_changes_kind_known")
        ),
        sa.CheckConstraint(
            "op IN ('CREATE', 'UPDATE', 'DELETE')", name=op.f("ck_changes_op_known")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_changes_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_changes")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_changes_session_revision", ["session_id", "revision", "id"], unique=False
        )

    op.create_table(
        "nodes",
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column(
            "node_id",
            sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "label", sa.Text().with_variant(sa.Text(collation="C"), "postgresql"), nullable=False
        ),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("length(label) > 0", name=op.f("ck_nodes_label_not_empty")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_nodes_version_positive")),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_nodes_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "node_id", name=op.f("pk_nodes")),
    )
    with op.batch_alter_table("nodes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_nodes_session_label", ["session_id", "label", "node_id"], unique=False
        )
        batch_op.create_index("ix_nodes_session_type", ["session_id", "type"], unique=False)
        batch_op.create_index(
            "ix_nodes_session_updated", ["session_id", "updated_at", "node_id"], unique=False
        )

    op.create_table(
        "saves",
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("save_id", sa.Text(), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("saved_at", UTCDateTime(), nullable=False),
        sa.Column(
            "touched",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_saves_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "save_id", name=op.f("pk_saves")),
    )
    op.create_table(
        "components",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column(
            "node_id",
            sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column(
            "properties",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("position >= 0", name=op.f("ck_components_position_non_negative")),
        sa.ForeignKeyConstraint(
            ["session_id", "node_id"],
            ["nodes.session_id", "nodes.node_id"],
            name=op.f("fk_components_session_id_node_id_nodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_components")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("components", schema=None) as batch_op:
        batch_op.create_index(
            "ix_components_node_position", ["session_id", "node_id", "position"], unique=False
        )

    op.create_table(
        "relationships",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column(
            "source_id",
            sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "target_id",
            sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=True),
        sa.Column(
            "properties",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_relationships_version_positive")),
        sa.ForeignKeyConstraint(
            ["session_id", "source_id"],
            ["nodes.session_id", "nodes.node_id"],
            name=op.f("fk_relationships_session_id_source_id_nodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id", "target_id"],
            ["nodes.session_id", "nodes.node_id"],
            name=op.f("fk_relationships_session_id_target_id_nodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relationships")),
        sa.UniqueConstraint(
            "session_id",
            "source_id",
            "target_id",
            "type",
            name=op.f("uq_relationships_session_id_source_id_target_id_type"),
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("relationships", schema=None) as batch_op:
        batch_op.create_index("ix_relationships_session_id", ["session_id", "id"], unique=False)
        batch_op.create_index(
            "ix_relationships_session_target", ["session_id", "target_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("relationships", schema=None) as batch_op:
        batch_op.drop_index("ix_relationships_session_target")
        batch_op.drop_index("ix_relationships_session_id")

    op.drop_table("relationships")
    with op.batch_alter_table("components", schema=None) as batch_op:
        batch_op.drop_index("ix_components_node_position")

    op.drop_table("components")
    op.drop_table("saves")
    with op.batch_alter_table("nodes", schema=None) as batch_op:
        batch_op.drop_index("ix_nodes_session_updated")
        batch_op.drop_index("ix_nodes_session_type")
        batch_op.drop_index("ix_nodes_session_label")

    op.drop_table("nodes")
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.drop_index("ix_changes_session_revision")

    op.drop_table("changes")
    op.drop_table("sessions")
