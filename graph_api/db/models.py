"""The tables, as SQLAlchemy Core `Table`s.

Every read and write in the service layer is a set-based Core statement, so
there is no ORM identity map to keep in step with what a statement changed.
Nodes are keyed by (session_id, node_id): components and relationships point
at that pair with ON DELETE CASCADE, so deleting a session or a node removes
everything under it in the database itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_N_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every engine.

    SQLite stores naive ISO text (which sorts correctly); PostgreSQL stores
    timestamptz. Values come back aware, in UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# JSONB on PostgreSQL (indexable, compact); JSON text elsewhere.
JsonObject = JSON().with_variant(JSONB(), "postgresql")


def _code_point_string(length: int | None = None) -> Any:
    """A string column that sorts by code point on every engine.

    SQLite's default BINARY collation already compares UTF-8 bytes, which is
    code-point order; PostgreSQL needs COLLATE "C".
    """
    base = String(length) if length else Text()
    collated = String(length, collation="C") if length else Text(collation="C")
    return base.with_variant(collated, "postgresql")


# Surrogate integer ids on SQLite must be INTEGER (the rowid alias) to autoincrement.
IdInteger = BigInteger().with_variant(Integer(), "sqlite")

# Columns and keys several tables share, made fresh for each table (a Column belongs to one).


def _surrogate_id() -> Column[Any]:
    return Column("id", IdInteger, primary_key=True, autoincrement=True)


def _session_ref(*, primary_key: bool) -> Column[Any]:
    """session_id referencing sessions: the row goes with its session."""
    reference = ForeignKey("sessions.id", ondelete="CASCADE")
    if primary_key:
        return Column("session_id", String(36), reference, primary_key=True)
    return Column("session_id", String(36), reference, nullable=False)


def _node_columns(*names: str) -> list[Column[Any]]:
    """session_id and the node id columns of a row that belongs to nodes (see _node_ref)."""
    return [
        Column("session_id", String(36), nullable=False),
        *(Column(name, _code_point_string(64), nullable=False) for name in names),
    ]


def _node_ref(column: str) -> ForeignKeyConstraint:
    """(session_id, column) referencing a node: the row goes with the node."""
    return ForeignKeyConstraint(
        ["session_id", column], ["nodes.session_id", "nodes.node_id"], ondelete="CASCADE"
    )


def _timestamps() -> list[Column[Any]]:
    return [
        Column("created_at", UTCDateTime, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
    ]


sessions = Table(
    "sessions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("user_id", Text, nullable=True),
    Column("name", Text, nullable=True),
    Column("metadata", JsonObject, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_accessed", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revision", Integer, nullable=False, server_default="0"),
    CheckConstraint("revision >= 0", name="revision_non_negative"),
)

nodes = Table(
    "nodes",
    metadata,
    _session_ref(primary_key=True),
    Column("node_id", _code_point_string(64), primary_key=True),
    Column("label", _code_point_string(), nullable=False),
    Column("type", Text, nullable=False),
    Column("metadata", JsonObject, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    *_timestamps(),
    CheckConstraint("version >= 1", name="version_positive"),
    CheckConstraint("length(label) > 0", name="label_not_empty"),
    Index("ix_nodes_session_label", "session_id", "label", "node_id"),
    Index("ix_nodes_session_updated", "session_id", "updated_at", "node_id"),
    Index("ix_nodes_session_type", "session_id", "type"),
)

components = Table(
    "components",
    metadata,
    _surrogate_id(),
    *_node_columns("node_id"),
    Column("position", Integer, nullable=False),
    Column("type", Text, nullable=False),
    Column("content", Text, nullable=False),
    Column("properties", JsonObject, nullable=False),
    *_timestamps(),
    _node_ref("node_id"),
    CheckConstraint("position >= 0", name="position_non_negative"),
    Index("ix_components_node_position", "session_id", "node_id", "position"),
    sqlite_autoincrement=True,
)

relationships = Table(
    "relationships",
    metadata,
    _surrogate_id(),
    *_node_columns("source_id", "target_id"),
    Column("type", Text, nullable=False),
    Column("weight", Float, nullable=True),
    Column("properties", JsonObject, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    *_timestamps(),
    _node_ref("source_id"),
    _node_ref("target_id"),
    UniqueConstraint("session_id", "source_id", "target_id", "type"),
    CheckConstraint("version >= 1", name="version_positive"),
    Index("ix_relationships_session_target", "session_id", "target_id"),
    Index("ix_relationships_session_id", "session_id", "id"),
    Index("ix_relationships_session_type", "session_id", "type"),
    sqlite_autoincrement=True,
)

changes = Table(
    "changes",
    metadata,
    _surrogate_id(),
    _session_ref(primary_key=False),
    Column("revision", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("op", String(6), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("key", Text, nullable=False),
    Column("save_id", Text, nullable=True),
    # An UPDATE's changed fields, comma-separated in canonical order (services.changes);
    # null for CREATE and DELETE, and for rows written before fields were recorded.
    Column("fields", Text, nullable=True),
    # The entity's version after the request's change: onConflict MERGE asks which
    # fields changed after a client's expectedVersion.
    Column("version", Integer, nullable=True),
    CheckConstraint("op IN ('CREATE', 'UPDATE', 'DELETE')", name="op_known"),
    CheckConstraint("kind IN ('SESSION', 'NODE', 'RELATIONSHIP')", name="kind_known"),
    Index("ix_changes_session_revision", "session_id", "revision", "id"),
    # MERGE's lookup of one entity's history. CREATE rows (most of a bulk import's log)
    # are left out: MERGE needs only UPDATEs and the DELETEs that end an incarnation.
    Index(
        "ix_changes_session_entity",
        "session_id",
        "kind",
        "key",
        "revision",
        sqlite_where=text("op <> 'CREATE'"),
        postgresql_where=text("op <> 'CREATE'"),
    ),
    sqlite_autoincrement=True,
)

# autoSave idempotency: one row per applied saveId, kept as long as the session.
saves = Table(
    "saves",
    metadata,
    _session_ref(primary_key=True),
    Column("save_id", Text, primary_key=True),
    Column("payload_hash", String(64), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("saved_at", UTCDateTime, nullable=False),
    Column("touched", JsonObject, nullable=False),
)

# Automatic persisted queries (CONTRACT.md §10): GraphQL documents by their SHA-256, shared
# by every server process. A hash names one document forever, so rows are never updated.
persisted_queries = Table(
    "persisted_queries",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("document", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("length(sha256) = 64", name="sha256_length"),
)

# Identity (CONTRACT.md §11). Users with API tokens; JWT subjects need no row here.
users = Table(
    "users",
    metadata,
    Column("id", Text, primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
)

# API tokens are kept only as sha256(secret): a leaked table grants nothing.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", Text, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
    Index("ix_api_tokens_user_id", "user_id"),
)

# Who may use a session, the owner included (one lookup decides access). user_id is not a
# foreign key: a session may be shared with an identity provider's subject before it calls.
session_members = Table(
    "session_members",
    metadata,
    _session_ref(primary_key=True),
    Column("user_id", Text, primary_key=True),
    Column("role", String(6), nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
    CheckConstraint("role IN ('OWNER', 'EDITOR', 'VIEWER')", name="role_known"),
    Index("ix_session_members_user_id", "user_id", "session_id"),
)

# Full-text search (services/graph/search_index.py): one document per node label and per
# component with words, holding the node's words as the search rule normalised them (text
# joined by spaces on SQLite, text[] on PostgreSQL). Deleting a node or a session removes
# its documents by cascade. The engine-native indexes over `terms` exist only in the
# migration (2026_12_07_0005): PostgreSQL's GIN on array_to_tsvector(terms), SQLite's
# FTS5 table search_fts (external content, kept in step by triggers on this table).
search_documents = Table(
    "search_documents",
    metadata,
    _surrogate_id(),
    *_node_columns("node_id"),
    Column("in_label", Boolean, nullable=False),
    Column("terms", Text().with_variant(ARRAY(Text), "postgresql"), nullable=False),
    _node_ref("node_id"),
    Index("ix_search_documents_node", "session_id", "node_id"),
    sqlite_autoincrement=True,
)

# Engine-native search objects the migration makes and the tables above do not describe.
SEARCH_ENGINE_OBJECTS = frozenset(
    {"search_fts", "search_fts_data", "search_fts_idx", "search_fts_docsize", "search_fts_config"}
    | {"ix_search_documents_terms"}
)


def in_models(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic's include_name: leave out the engine-native search objects when comparing."""
    return name not in SEARCH_ENGINE_OBJECTS
