"""The optional read replica (DATABASE_REPLICA_URL): read-only report pages read from it.

A view marked `@reads_replica` (a published month's rankings and bulletin, a unit's trend,
accountability, the exports, the home dashboards) reads from the "replica" database on GET and
HEAD; every other read, and every write, goes to "default" (the primary). A replica lags the
primary by a moment, so nobody reads it right after a write of their own: any POST (any unsafe
method) sets a signed cookie that pins that browser to the primary for REPLICA_PIN_SECONDS.
Inside a marked view, a write or an open transaction sends the rest of the reads to the primary
too, and a replica that fails gives the page from the primary.

The router and the middleware are installed only when DATABASE_REPLICA_URL is set
(settings.py); without them the decorator only sets a flag that nothing reads.
"""

import contextlib
import functools
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar

from django.conf import settings
from django.core.signing import BadSignature
from django.db import DatabaseError, connections, router
from django.http import FileResponse, HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.utils.connection import ConnectionDoesNotExist

logger = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA = "replica"
PIN_COOKIE = "primary_pin"
_PIN_SALT = "campaign.routers.pin"
READ_METHODS = {"GET", "HEAD"}
SAFE_METHODS = READ_METHODS | {"OPTIONS", "TRACE"}
# Always read from the primary, even in a marked view: who is logged in, the login lockouts and
# the task queue must be what was just written.
PRIMARY_APPS = {"sessions", "axes", "django_tasks_database"}

# True while a marked view (or its streamed response) may read from the replica; per thread and
# per task, so concurrent requests never see each other's.
_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)
# True once the request wrote (a GET may: opening a notification marks it read), so that the
# browser is pinned to the primary after it as after a POST.
_wrote: ContextVar[bool] = ContextVar("wrote", default=False)


class ReplicaRouter:
    def db_for_read(self, model, **hints) -> str:
        if (_replica_reads.get() and model._meta.app_label not in PRIMARY_APPS
                and not connections[PRIMARY].in_atomic_block):
            return REPLICA
        return PRIMARY

    def db_for_write(self, model, **hints) -> str:
        # What a marked view reads after writing must include the write.
        _replica_reads.set(False)
        _wrote.set(True)
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True   # the same data on both

    def allow_migrate(self, db: str, app_label: str, model_name=None, **hints) -> bool:
        return db == PRIMARY   # the replica follows the primary's schema by replication


def _replica_in_use() -> bool:
    return any(isinstance(rules, ReplicaRouter) for rules in router.routers)


def is_pinned(request: HttpRequest) -> bool:
    """Whether this browser sent a POST (or another write) less than REPLICA_PIN_SECONDS ago."""
    try:
        request.get_signed_cookie(PIN_COOKIE, salt=_PIN_SALT, max_age=settings.REPLICA_PIN_SECONDS)
    except (KeyError, BadSignature):
        return False
    return True


def pin_to_primary(response: HttpResponseBase) -> None:
    response.set_signed_cookie(
        PIN_COOKIE, "1", salt=_PIN_SALT, max_age=settings.REPLICA_PIN_SECONDS,
        secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax",
    )


class PinPrimaryMiddleware:
    """Pins the browser that sent a request with an unsafe method (POST…), or whose request
    wrote (with a replica: the router saw the write), to the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = _wrote.set(False)
        try:
            response = self.get_response(request)
            if request.method not in SAFE_METHODS or _wrote.get():
                pin_to_primary(response)
        finally:
            _wrote.reset(token)
        return response


@contextlib.contextmanager
def primary_reads() -> Iterator[None]:
    """Reads in the block go to the primary, inside a marked view too."""
    token = _replica_reads.set(False)
    try:
        yield
    finally:
        _replica_reads.reset(token)


# How far behind the primary the replica is, in seconds, as the replica knows it: 0 while it has
# replayed all it received; None (too far) when it is not streaming from the primary (it would
# not know what it misses); a database that is no replica (a test's second connection) is 0.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN NOT EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN NULL
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
END
"""
# Asked at most every LAG_CHECK_SECONDS per process; (when asked, of what: the replica's address
# and the limit, the answer).
LAG_CHECK_SECONDS = 5
_lag_checked: tuple[float, tuple, bool] = (-LAG_CHECK_SECONDS, (), False)


def _replica_current() -> bool:
    """Whether the replica is at most REPLICA_MAX_LAG seconds behind: past that (replication
    stalled or far behind), a person whose access was just withdrawn would still read through
    it, and everyone would read old figures; the pages then read the primary."""
    global _lag_checked
    if not _replica_in_use():
        return True        # without a replica the flag is read by nobody
    try:
        replica = connections[REPLICA].settings_dict
    except ConnectionDoesNotExist:
        return True        # a router without a replica: every read goes to the primary anyway
    asked = (replica["HOST"], replica["PORT"], replica["NAME"], settings.REPLICA_MAX_LAG)
    checked_at, asked_then, current = _lag_checked
    now = time.monotonic()
    if now - checked_at < LAG_CHECK_SECONDS and asked == asked_then:
        return current
    try:
        with connections[REPLICA].cursor() as cursor:
            if connections[REPLICA].vendor != "postgresql":
                lag: float | None = 0
            else:
                cursor.execute(LAG_SQL)
                lag = cursor.fetchone()[0]
    except DatabaseError:
        lag = None
    current = lag is not None and float(lag) <= settings.REPLICA_MAX_LAG
    if not current:
        logger.warning("the read replica is %s behind: the report pages read the primary",
                       "too far" if lag is None else f"{float(lag):.0f} s")
    _lag_checked = (now, asked, current)
    return current


def reads_replica(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Marks a read-only report view whose reads may go to the replica (GET and HEAD, when the
    browser is not pinned). A streamed response reads on the replica too, chunk by chunk. If
    the replica fails, the view runs again on the primary."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if request.method not in READ_METHODS or is_pinned(request) or not _replica_current():
            return view(request, *args, **kwargs)
        token = _replica_reads.set(True)
        replica_answered = True
        try:
            response = view(request, *args, **kwargs)
        except DatabaseError:
            if not _replica_in_use():
                raise
            logger.warning("the read replica failed: %s read from the primary", request.path,
                           exc_info=True)
            replica_answered = False
            _replica_reads.set(False)
            response = view(request, *args, **kwargs)
        finally:
            _replica_reads.reset(token)
        if (replica_answered and isinstance(response, StreamingHttpResponse)
                and not isinstance(response, FileResponse)):
            chunks = response.streaming_content
            if isinstance(chunks, Iterator):   # a WSGI stream (an async one is not used here)
                response.streaming_content = _on_replica(chunks)
        return response

    return wrapped


def _on_replica(chunks: Iterable) -> Iterator:
    # Each chunk is produced while the server sends the response, after the view has returned.
    iterator = iter(chunks)
    while True:
        token = _replica_reads.set(True)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            _replica_reads.reset(token)
        yield chunk
