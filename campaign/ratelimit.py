"""Fixed-window counts in the "counters" cache (campaign.cache): shared by every app server when
REDIS_URL is set. What the citizen report form and the integration API count their requests with.

While the shared cache fails, the count is kept in this process instead: the limit then holds per
app server process (looser, never absent), and the request is still served."""

import logging
import time
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache

logger = logging.getLogger(__name__)

_local_counts = LocMemCache("rate-limit", {})


@dataclass(frozen=True)
class Hit:
    count: int          # hits counted in the window so far, this one included
    retry_after: int    # seconds until the window ends (a 429's Retry-After)


def count_hit(name: str, *, window: int) -> Hit:
    """Count one hit of `name` (what is counted and whose: "api-rate:<token>") in the current
    fixed window of `window` seconds (windows start on whole multiples of it, in UTC)."""
    now = time.time()
    key = f"{name}:{int(now // window)}"
    try:
        count = _count(caches["counters"], key, window)
    except Exception:  # noqa: BLE001 - any failure of the cache server: count here instead
        logger.warning("shared cache unavailable: %s counted per process", name.split(":")[0],
                       exc_info=True)
        count = _count(_local_counts, key, window)
    return Hit(count, max(1, window - int(now % window)))


def _count(cache: BaseCache, key: str, window: int) -> int:
    # add + incr: atomic in Redis, so two app servers never lose a count.
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:     # the entry expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1
