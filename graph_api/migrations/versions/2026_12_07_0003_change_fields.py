"""The change log records which fields an UPDATE changed, and the entity's version after it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 17:10:00

Rows written before this revision keep both columns null; onConflict MERGE reads
such a row as "every field changed" (services.change_history.fields_changed_after).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fields", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_changes_session_entity",
            ["session_id", "kind", "key", "revision"],
            unique=False,
            sqlite_where=sa.text("op <> 'CREATE'"),
            postgresql_where=sa.text("op <> 'CREATE'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.drop_index("ix_changes_session_entity")
        batch_op.drop_column("version")
        batch_op.drop_column("fields")
