"""The caches (settings.CACHES), and the Redis client that leaves a failing Redis alone a while.

Two aliases. "default" holds what can be computed again (live figures, filter options, the
sessions' copies): with Redis, a call that fails is skipped (django-redis's IGNORE_EXCEPTIONS: a
read finds nothing, a write keeps nothing), never an error page. "counters" holds counts that mean
something only when every app server adds to the same one (the citizen report rate limit): a
failure raises, so the caller knows it counted nothing.

Skipping a failed call is not enough: each call still waits for its socket timeouts, and a page
reads the cache several times (the session, each live figure, the filter options), so a Redis
that hangs would cost every page seconds. After a connection error or a timeout, every call of
the process fails at once for SKIP_SECONDS, then Redis is tried again; one warning is logged per
failure, not one per call.
"""

import logging
import time
from typing import Any

import redis

logger = logging.getLogger(__name__)

# A Redis that hangs costs a call at most this to connect, and this again to answer.
SOCKET_TIMEOUT = 0.25
SKIP_SECONDS = 10.0

# Per connection pool (django-redis keeps one a process per Redis URL): the monotonic time until
# which that Redis is not called.
_skip_until: dict[int, float] = {}


def redis_caches(url: str, prefix: str) -> dict[str, dict[str, Any]]:
    return {"default": _redis_cache(url, prefix, skip_failures=True),
            "counters": _redis_cache(url, prefix, skip_failures=False)}


def local_caches() -> dict[str, dict[str, Any]]:
    """Per process: one server's caches without Redis."""
    return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "counters": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                         "LOCATION": "counters"}}


def _redis_cache(url: str, prefix: str, *, skip_failures: bool) -> dict[str, Any]:
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": prefix,
        "OPTIONS": {
            "SOCKET_CONNECT_TIMEOUT": SOCKET_TIMEOUT,
            "SOCKET_TIMEOUT": SOCKET_TIMEOUT,
            "REDIS_CLIENT_CLASS": "campaign.cache.SkippingRedis",
            "IGNORE_EXCEPTIONS": skip_failures,
        },
    }


class SkippingRedis(redis.Redis):
    def execute_command(self, *args, **options):
        pool = id(self.connection_pool)
        if time.monotonic() < _skip_until.get(pool, 0.0):
            raise redis.ConnectionError("Redis failed a moment ago: not called")
        try:
            return super().execute_command(*args, **options)
        except (redis.ConnectionError, redis.TimeoutError):
            _skip_until[pool] = time.monotonic() + SKIP_SECONDS
            logger.warning("Redis unavailable: the cache is skipped for %s s", SKIP_SECONDS,
                           exc_info=True)
            raise
