"""Settings (flags, then GRAPH_API_* environment, then defaults) and request limits."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    sqlite_busy_timeout_ms: int = 10_000
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
