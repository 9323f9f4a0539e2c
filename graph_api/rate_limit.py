"""The request budget (CONTRACT.md §11): GRAPH_API_RATE_LIMIT per user or client address.

Counted with the `limits` library's moving window, in memory (per process) or in Redis
when GRAPH_API_REDIS_URL is set (shared by every server process). If Redis cannot be
reached the request is let through and the failure logged: an outage of the counter
must not become an outage of the API.
"""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

log = logging.getLogger("graph_api.rate_limit")


class RateLimiter:
    def __init__(self, spec: str, *, redis_url: str | None = None) -> None:
        self.item: RateLimitItem = parse(spec)
        uri = "async+memory://"
        if redis_url:
            uri = redis_url if redis_url.startswith("async+") else f"async+{redis_url}"
        storage = storage_from_string(uri)
        assert isinstance(storage, Storage)
        self.strategy = MovingWindowRateLimiter(storage)

    async def retry_after(self, key: str) -> int | None:
        """Count one request for `key`: None when within the budget, else seconds to wait."""
        try:
            if await self.strategy.hit(self.item, "graph_api", key):
                return None
            stats = await self.strategy.get_window_stats(self.item, "graph_api", key)
        except Exception:
            log.exception("the rate limit's storage failed; the request is let through")
            return None
        return max(1, math.ceil(stats.reset_time - time.time()))
