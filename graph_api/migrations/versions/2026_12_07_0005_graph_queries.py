"""Graph queries: full-text search documents with engine-native indexes, a type index.

search_documents (see db/models.py) with, on PostgreSQL, a GIN index over
array_to_tsvector(terms) (the words are stored already normalised, so no text search
configuration parses them again: the 'simple' behaviour, exactly), and on SQLite an
FTS5 table over the same words (external content, unicode61 without diacritic removal,
with the mark categories so that no word of ours is split), kept in step by triggers,
which also fire for the cascades that remove a node's or a session's documents.
relationships gets (session_id, type) for typeCounts. Existing nodes are backfilled.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 17:00:00
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from graph_api.services.graph.search_index import encode_terms
from graph_api.services.graph.words import words

revision = "0005"
down_revision = "0004"

_SQLITE_FTS = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(terms, content='search_documents', "
    "content_rowid='id', tokenize=\"unicode61 remove_diacritics 0 categories 'L* N* M*'\")",
    "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN "
    "INSERT INTO search_fts(rowid, terms) VALUES (new.id, new.terms); END",
    "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, terms) VALUES ('delete', old.id, old.terms); END",
    "CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, terms) VALUES ('delete', old.id, old.terms); "
    "INSERT INTO search_fts(rowid, terms) VALUES (new.id, new.terms); END",
)
_POSTGRES_GIN = (
    "CREATE INDEX ix_search_documents_terms ON search_documents "
    "USING gin (array_to_tsvector(terms))"
)


def upgrade() -> None:
    op.create_table(
        "search_documents",
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
        sa.Column("in_label", sa.Boolean(), nullable=False),
        sa.Column(
            "terms",
            sa.Text().with_variant(postgresql.ARRAY(sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["session_id", "node_id"],
            ["nodes.session_id", "nodes.node_id"],
            name=op.f("fk_search_documents_session_id_node_id_nodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_documents")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.create_index("ix_search_documents_node", ["session_id", "node_id"], unique=False)
    with op.batch_alter_table("relationships", schema=None) as batch_op:
        batch_op.create_index("ix_relationships_session_type", ["session_id", "type"], unique=False)
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_FTS if dialect == "sqlite" else (_POSTGRES_GIN,):
        op.execute(statement)
    _backfill(dialect)


def _backfill(dialect: str) -> None:
    """Documents for the nodes that exist already (the same rule as search_index.py)."""
    bind = op.get_bind()
    contents: dict[tuple[str, str], list[str]] = defaultdict(list)
    for session_id, node_id, content in bind.execute(
        sa.text("SELECT session_id, node_id, content FROM components")
    ):
        contents[(session_id, node_id)].append(content)
    documents: list[dict[str, object]] = []
    for session_id, node_id, label in bind.execute(
        sa.text("SELECT session_id, node_id, label FROM nodes")
    ):
        texts = [(True, label)] + [
            (False, text) for text in contents.get((session_id, node_id), [])
        ]
        seen: set[tuple[str, ...]] = set()
        for in_label, text in texts:
            terms = words(text)
            key = (str(in_label), *sorted(terms))
            if terms and key not in seen:
                seen.add(key)
                documents.append(
                    {
                        "s": session_id,
                        "n": node_id,
                        "l": in_label,
                        "t": encode_terms(dialect, terms),
                    }
                )
    if documents:
        table = sa.table(
            "search_documents",
            sa.column("session_id"),
            sa.column("node_id"),
            sa.column("in_label"),
            sa.column(
                "terms", postgresql.ARRAY(sa.Text()) if dialect == "postgresql" else sa.Text()
            ),
        )
        bind.execute(
            table.insert().values(
                session_id=sa.bindparam("s"),
                node_id=sa.bindparam("n"),
                in_label=sa.bindparam("l"),
                terms=sa.bindparam("t"),
            ),
            documents,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("search_documents_au", "search_documents_ad", "search_documents_ai"):
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE search_fts")
    with op.batch_alter_table("relationships", schema=None) as batch_op:
        batch_op.drop_index("ix_relationships_session_type")
    op.drop_table("search_documents")
