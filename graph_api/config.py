"""Settings (flags, then GRAPH_API_* environment, then defaults) and request limits."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./graph_api.db"

MiB = 1024 * 1024


class Limits(BaseModel):
    """Every limit a request is checked against; each is configurable."""

    max_depth: int = 15
    max_aliases: int = 500
    max_page_size: int = 5_000
    default_page_size: int = 100
    max_list_length: int = 10_000
    max_body_bytes: int = 64 * MiB
    max_upload_bytes: int = 1024 * MiB
    max_label_length: int = 1_000
    max_type_length: int = 100
    max_node_id_length: int = 64
    max_content_bytes: int = 1 * MiB
    max_json_bytes: int = 64 * 1024
    max_neighbor_depth: int = 5
    max_changes_page: int = 10_000
    # Costs that scale with what a request touches (issue 17).
    max_save_entities: int = 20_000  # nodes + relationships + deletions of one autoSave
    max_save_components: int = 20_000  # components of all the nodes of one autoSave
    # One CSV record (so any cell) in characters; a longer one is a problem on its line and
    # the rest of the file is not read (memory stays proportional to this, not to the file).
    max_csv_cell_chars: int = 16 * MiB
    max_neighbor_visits: int = 50_000  # (start, node, depth) steps of one neighbors batch
    # Fields of one operation after fragment expansion, counted without expanding.
    max_fields: int = 20_000
    # The GraphQL document's text, checked before it is parsed (values belong in variables,
    # which only the body limit bounds). A parsed document weighs ~65x its text.
    max_query_bytes: int = 1 * MiB
    # One request's run time; its work is cancelled and rolled back after it (0: no limit).
    max_run_seconds: float = 30.0
    # JSON values (objects, arrays, scalars) in one request's variables, counted before
    # GraphQL coerces them (coercing a million input objects blocks the event loop).
    max_input_values: int = 200_000
    # Parsed and validated documents kept, bounded by the bytes of their texts.
    document_cache_bytes: int = 1 * MiB


class Settings(BaseSettings):
    """Process configuration. Nested limits read e.g. GRAPH_API_LIMITS__MAX_DEPTH."""

    model_config = SettingsConfigDict(
        env_prefix="GRAPH_API_", env_nested_delimiter="__", extra="ignore"
    )

    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    log_level: str = "info"
    # Pool sizing per process; SQLite ignores what does not apply.
    pool_size: int = 10
    max_overflow: int = 10
    connect_timeout_s: float = 10.0
    statement_timeout_ms: int = 30_000
    # Well above the longest write (limits.max_run_seconds): in-process writers queue
    # (db/transaction.py); this covers other processes sharing the file (the CLI).
    sqlite_busy_timeout_ms: int = 60_000
    subscriber_queue_size: int = 1_000
    # SQLite: how often a server looks for other processes' commits (`graph-api import`,
    # other workers) while it has subscribers; 0 turns the watch off.
    sqlite_watch_ms: int = 150
    migrate_on_start: bool = True
    # Only documents already stored as persisted queries run (`graph-api persisted add`).
    persisted_only: bool = False
    # Operations in one batched request (CONTRACT.md §13); more is LIMIT_EXCEEDED.
    max_batch: int = 50
    limits: Limits = Field(default_factory=Limits)
    # Identity (CONTRACT.md §11): "none" keeps today's behaviour; "required" wants a bearer token.
    auth: Literal["none", "required"] = "none"
    jwt_public_key_file: Path | None = None
    jwks_file: Path | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    # How often a live subscription re-checks its caller's token and membership (must be < 5 s).
    access_recheck_s: float = 2.0
    # e.g. "600/minute" per user (or client address without authentication); off when unset.
    rate_limit: str | None = None
    # Shares the rate limit's budget between every server process when set.
    redis_url: str | None = None
    # On SIGTERM, requests still running after this many seconds are cancelled.
    shutdown_timeout_s: float = 5.0
    # Host names a request may address (against DNS rebinding); `host` is added; "*": any.
    # "testserver" is the test clients' name; no public DNS name resolves to it.
    trusted_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["localhost", "127.0.0.1", "::1", "testserver"]
    )
    # Origins allowed cross-site (CORS and writes); empty: CORS closed.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Production switches.
    graphiql: bool = True
    introspection: bool = True

    @field_validator("trusted_hosts", "cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        # GRAPH_API_TRUSTED_HOSTS=a.example,b.example
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value
