"""Live figures, computed from items and visits, kept in the cache until what they read changes.

A draft month's ranking and a unit's month figures add up tens of thousands of items with their
events; people open the same month again and again while nothing under it changes. Each cached
figure is keyed by a stamp of everything it reads, so a change makes a new key and the old entry
is never read again (it expires):

- every item filed is a new row, and every change to it is recorded as an event
  (`inspections.workflow` is the only writer of an item's status, deadline and unit, and records
  each step), so the newest item and event ids move;
- every visit is a new row: the newest visit id moves;
- the figures that depend on the clock (overdue now, a month still running) change when a
  deadline passes: the newest deadline of the campaign already passed moves;
- a unit moved in the command tree changes which subtree its rows count in: the campaign's
  `tree_version` moves (`campaign.services.move_unit`).

Each part is one index lookup (the newest row of an index), so the stamp costs one query
whatever the size of the data. The cache is Django's default cache: per process (LocMem) on a
single server, shared when REDIS_URL is set.

What the stamp cannot see, an entry's short life bounds: on PostgreSQL ids come from sequences,
so a transaction that took a smaller id may commit after a larger one was read; a renamed unit,
point or criterion keeps its old name in a cached drill-down; a correction made by hand in the
database moves nothing. Each is seen within TIMEOUT. A cache that fails (Redis down) is
skipped: the figures are computed as if nothing were kept.
"""

import datetime as dt
import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db.models import Subquery
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from campaign.models import Campaign
from campaign.routers import SAFE_METHODS, is_pinned
from inspections.models import Inspection, Rectification, RectificationEvent

logger = logging.getLogger(__name__)

# Long enough for the same figures to be opened again and again; short enough to bound what
# the stamp cannot see (above), and the dead entries a busy cache holds.
TIMEOUT = 5 * 60
# Part of every key: an upgrade that changes what is kept never reads an older entry.
VERSION = 1
# One computation at a time per entry: after a change, the first request to miss an entry
# computes it while the others (every worker of every app server sharing the cache) wait for its
# result instead of each computing the same figures at once, which on a busy server multiplied
# a computation of seconds by the number of workers. A waiter gives up after WAIT seconds and
# computes itself; a claim left by a killed worker expires after CLAIM seconds.
WAIT = 30
CLAIM = 60
POLL = 0.1

# Whether this request may be given figures up to settings.LIVE_FIGURES_LAG seconds behind the
# data (LagMiddleware). Outside a request (commands, publishing, tests of the rule) never.
_lag_allowed: ContextVar[bool] = ContextVar("live_lag_allowed", default=False)


class LagMiddleware:
    """Lets a page read live figures computed a moment ago, unless its reader has just changed
    something (a POST in the last REPLICA_PIN_SECONDS: campaign.routers' pin cookie).

    Why: every change moves the stamp, and a city's month takes seconds to add up at a million
    items (the coordinator's home page reads seven of them). While changes come in faster than
    that, an exact cache never serves a figure and the database does nothing but recompute
    (the two-server load bench: 6 operations a second, p50 11 s). With a lag allowed, each
    figure is computed at most once per LIVE_FIGURES_LAG seconds whatever the pace of changes;
    the person who just acted still sees their change counted at once."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        allowed = request.method in SAFE_METHODS and not is_pinned(request)
        token = _lag_allowed.set(allowed and settings.LIVE_FIGURES_LAG > 0)
        try:
            return self.get_response(request)
        finally:
            _lag_allowed.reset(token)


def stamp(campaign: Campaign, now: dt.datetime) -> str:
    """What the live figures of `campaign` read, as a short string (one query)."""

    def newest(queryset, field: str = "pk") -> Subquery:
        return Subquery(queryset.order_by(f"-{field}").values(field)[:1])

    parts = Campaign.objects.filter(pk=campaign.pk).values_list(
        "tree_version",
        newest(Rectification.objects.all()),
        newest(RectificationEvent.objects.all()),
        newest(Inspection.objects.all()),
        newest(Rectification.objects.filter(campaign=campaign, deadline__lt=now), "deadline"),
    ).first()
    return ".".join(str(part) for part in parts or ())


def cached[T](key: str, campaign: Campaign, now: dt.datetime, compute: Callable[[], T], *,
              fresh: bool = False) -> T:
    """`compute()`, or its value cached under `key` at the current stamp. `fresh` computes it
    anew and keeps that: publishing and correcting a bulletin read the data as it is now, even
    after a correction made by hand in the database (which moves no stamp)."""
    # Hashed: paths and times hold characters some cache servers refuse in a key.
    base = f"{VERSION}|{campaign.time_zone}|{key}"
    full_key = "live:" + hashlib.sha256(f"{base}|{stamp(campaign, now)}".encode()).hexdigest()
    # The newest value of this figure, whatever the stamp, with when it was computed.
    latest_key = "live-latest:" + hashlib.sha256(base.encode()).hexdigest()
    if fresh:
        value = compute()
        _keep(full_key, latest_key, value)
        return value
    value = _get(full_key)
    if value is not None:
        return value
    if _lag_allowed.get():
        latest = _get(latest_key)
        if latest is not None and time.time() - latest[0] <= settings.LIVE_FIGURES_LAG:
            return latest[1]
    claim = _claim(full_key)
    if claim is None:
        value = _wait_for(full_key)
        if value is not None:
            return value
        claim = _claim(full_key)      # the other request gave up: one of the waiters takes over
    try:
        value = compute()
        _keep(full_key, latest_key, value)
    finally:
        if claim:
            _release(full_key, claim)
    return value


def _keep(full_key: str, latest_key: str, value) -> None:
    _set(full_key, value)
    _set(latest_key, (time.time(), value))


def _claim(key: str) -> str | None:
    """A token when this request is the one to compute `key`; "" when the cache cannot tell
    (compute, nothing to release); None when another request holds the claim."""
    token = uuid.uuid4().hex
    try:
        # A cache that skips its failures (django-redis's IGNORE_EXCEPTIONS) answers None.
        added = cache.add(f"{key}:computing", token, CLAIM)
    except Exception:  # noqa: BLE001 - as in _get
        return ""
    if added is None:
        return ""
    return token if added else None


def _release(key: str, token: str) -> None:
    """Removes the claim if it is still this request's: one that expired and was taken by
    another request meanwhile is theirs to release."""
    try:
        if cache.get(f"{key}:computing") == token:
            cache.delete(f"{key}:computing")
    except Exception:  # noqa: BLE001 - as in _get
        pass


def _wait_for(key: str):
    """The value another request is computing, once it is kept; None after WAIT seconds or if
    that request gave up (its claim gone without a value)."""
    give_up = time.monotonic() + WAIT
    while time.monotonic() < give_up:
        time.sleep(POLL)
        value = _get(key)
        if value is not None:
            return value
        try:
            if cache.get(f"{key}:computing") is None:
                return _get(key)
        except Exception:  # noqa: BLE001 - as in _get
            return None
    return None


def _get(key: str):
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001 - any failure of the cache server: compute instead
        logger.warning("cache unavailable: live figures computed without it", exc_info=True)
        return None


def _set(key: str, value) -> None:
    try:
        cache.set(key, value, TIMEOUT)
    except Exception:  # noqa: BLE001 - as in _get
        logger.warning("cache unavailable: live figures not kept", exc_info=True)
