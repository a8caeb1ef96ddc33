"""Sessions with REDIS_URL: Django's cached_db (read from the shared cache, kept in the database),
with each copy in the cache living at most COPY_SECONDS.

Why the bound: the default cache skips a Redis that fails (campaign/cache.py), so a logout made
while Redis does not answer deletes the database row but not the cached copy. Were Redis back
with its data, a copied cookie would still open that session until it expired (12 hours). A copy
that lives five minutes bounds that to five minutes; a session then costs one database read per
five minutes, not one per request.
"""

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

COPY_SECONDS = 5 * 60


class _CappedCache:
    """The session cache, every entry written with at most COPY_SECONDS to live."""

    def __init__(self, cache):
        self._cache = cache

    def set(self, key, value, timeout=None, **kwargs):
        return self._cache.set(key, value, _capped(timeout), **kwargs)

    async def aset(self, key, value, timeout=None, **kwargs):
        return await self._cache.aset(key, value, _capped(timeout), **kwargs)

    def __getattr__(self, name):
        return getattr(self._cache, name)

    def __contains__(self, key) -> bool:
        return key in self._cache


def _capped(timeout) -> int:
    return COPY_SECONDS if timeout is None else min(timeout, COPY_SECONDS)


class SessionStore(CachedDBStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._cache = _CappedCache(self._cache)
