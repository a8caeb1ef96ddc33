"""What the map shows, read through the visibility queries: one query per feature type (points,
items) per response, at most MAX_FEATURES features per response.

A response lists points first (by id), then items (by id). When it is full, `next_cursor` says
where the next one starts: "p<id>" (points after that id, then every item) or "i<id>" (items
after that id). The map's data URL also takes a bounding box (bbox=west,south,east,north)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, CharField, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils.translation import gettext as _

from campaign.enums import PointKind
from campaign.models import Category, Point, Unit, User
from campaign.permissions import visible_points
from campaign.tree import subtree_q
from inspections.enums import PENDING, RectificationStatus
from inspections.filters import DUE_SOON_DAYS  # the item list's quick filter: the same window
from inspections.models import Rectification, due_soon_q, overdue_q
from inspections.permissions import visible_rectifications

# Features in one response: markers for a district's points and items in one go; a city's are
# read a page at a time (the map follows `next` up to a bound, then asks for a filter).
MAX_FEATURES = 5000

# The marker classes of an item, in the legend's order; each its own colour on the map.
OVERDUE, DUE_SOON, OPEN, SUBMITTED = "overdue", "due_soon", "open", "submitted"
# Sent back to the dispatcher (回退): still open, waiting for a coordinator to re-route it.
SENT_BACK = "sent_back"
ITEM_MARKERS = (OVERDUE, DUE_SOON, OPEN, SUBMITTED, SENT_BACK)
MAPPED_STATUSES = (*PENDING, RectificationStatus.SUBMITTED, RectificationStatus.RETURNED_TO_DISPATCH)


def marker_labels() -> dict[str, str]:
    """The legend's words for each item marker class (and for a point)."""
    return {
        OVERDUE: _("Overdue"),
        DUE_SOON: _("Due within %(days)s days") % {"days": DUE_SOON_DAYS},
        OPEN: _("Open, time left"),
        SUBMITTED: _("Fix submitted, awaiting verification"),
        SENT_BACK: _("Sent back, awaiting re-routing"),
        "point": _("Point"),
    }


def marker_q(marker: str, now: dt.datetime) -> Q:
    """The items of one marker class, from the project's rules (overdue_q, due_soon_q)."""
    soon = now + dt.timedelta(days=DUE_SOON_DAYS)
    return {
        OVERDUE: overdue_q(now),
        DUE_SOON: due_soon_q(now, soon),
        OPEN: Q(status__in=PENDING) & ~overdue_q(now) & ~due_soon_q(now, soon),
        SUBMITTED: Q(status=RectificationStatus.SUBMITTED),
        SENT_BACK: Q(status=RectificationStatus.RETURNED_TO_DISPATCH),
    }[marker]


@dataclass(frozen=True)
class MapFilters:
    unit: Unit | None = None
    kind: str = ""
    status: str = ""             # an item marker class
    category: Category | None = None
    layer: str = ""              # "", "points" or "items"
    bbox: tuple[float, float, float, float] | None = None   # west, south, east, north

    @property
    def shows_points(self) -> bool:
        """Points have no status and no category: filtering by either shows items only."""
        return self.layer in ("", "points") and not self.status and self.category is None

    @property
    def shows_items(self) -> bool:
        return self.layer in ("", "items")


def _box_q(box: tuple[float, float, float, float] | None, prefix: str) -> Q:
    if box is None:
        return Q()
    west, south, east, north = (Decimal(str(value)) for value in box)
    return Q(**{f"{prefix}latitude__gte": south, f"{prefix}latitude__lte": north,
                f"{prefix}longitude__gte": west, f"{prefix}longitude__lte": east})


def mapped_points(user: User, filters: MapFilters) -> QuerySet[Point]:
    points = visible_points(user).filter(
        is_active=True, latitude__isnull=False, longitude__isnull=False)
    if filters.unit is not None:
        points = points.filter(subtree_q([filters.unit.path], "unit__path"))
    if filters.kind:
        points = points.filter(kind=filters.kind)
    return points.filter(_box_q(filters.bbox, ""))


def mapped_items(user: User, filters: MapFilters, now: dt.datetime) -> QuerySet[Rectification]:
    """Open items (waiting for the unit's fix or for verification) with a located point; an
    item stands where its point is."""
    items = visible_rectifications(user).filter(
        status__in=MAPPED_STATUSES, point__latitude__isnull=False, point__longitude__isnull=False)
    if filters.unit is not None:
        items = items.filter(unit__in=Unit.objects.filter(
            subtree_q([filters.unit.path])).values("pk"))
    if filters.kind:
        items = items.filter(point__kind=filters.kind)
    if filters.category is not None:
        items = items.filter(criterion__category=filters.category)
    if filters.status:
        items = items.filter(marker_q(filters.status, now))
    return items.filter(_box_q(filters.bbox, "point__"))


def _feature(kind: str, pk: int, latitude: Decimal | None, longitude: Decimal | None,
             properties: dict) -> dict:
    # The queries keep only rows with both coordinates.
    assert latitude is not None and longitude is not None
    return {
        "type": "Feature", "id": f"{kind}-{pk}",
        "geometry": {"type": "Point", "coordinates": [float(longitude), float(latitude)]},
        "properties": {"type": kind, **properties},
    }


def _url_pattern(name: str) -> str:
    # One reverse() per response, not one per row.
    return reverse(name, args=[999_999_999]).replace("999999999", "{}")


def point_features(user: User, filters: MapFilters, *, after: int, limit: int) -> list[dict]:
    """Up to `limit` point features with an id above `after` (one query)."""
    kinds = dict(PointKind.choices)
    url = _url_pattern("inspections:point-detail")
    rows = (mapped_points(user, filters).filter(pk__gt=after).order_by("pk")
            .values_list("pk", "code", "name", "kind", "latitude", "longitude")[:limit])
    return [
        _feature("point", pk, latitude, longitude, {
            "code": code, "title": name, "status": "point",
            "label": str(kinds.get(kind, kind)), "url": url.format(pk),
        })
        for pk, code, name, kind, latitude, longitude in rows
    ]


def item_features(user: User, filters: MapFilters, now: dt.datetime, *, after: int,
                  limit: int) -> list[dict]:
    """Up to `limit` item features with an id above `after` (one query): the marker class is
    computed by the database from the same rules as the filter."""
    labels = marker_labels()
    url = _url_pattern("inspections:rectification-detail")
    marker = Case(*(When(marker_q(name, now), then=Value(name)) for name in ITEM_MARKERS),
                  default=Value(OPEN), output_field=CharField())
    rows = (mapped_items(user, filters, now).filter(pk__gt=after).order_by("pk")
            .annotate(marker=marker)
            .values_list("pk", "code", "title", "marker", "point__latitude", "point__longitude")
            [:limit])
    return [
        _feature("item", pk, latitude, longitude, {
            "code": code, "title": title, "status": status, "label": labels[status],
            "url": url.format(pk),
        })
        for pk, code, title, status, latitude, longitude in rows
    ]


def feature_page(user: User, filters: MapFilters, now: dt.datetime, cursor: tuple[str, int] | None,
                 *, size: int | None = None) -> tuple[list[dict], str]:
    """One response's features and the cursor of the next ("" when this is the last): at most
    `size` (MAX_FEATURES) features, one query per feature type read."""
    size = size or MAX_FEATURES
    layer, after = cursor or ("p", 0)
    features: list[dict] = []
    if layer == "p" and filters.shows_points:
        features = point_features(user, filters, after=after, limit=size + 1)
        if len(features) > size:
            features = features[:size]
            return features, f"p{features[-1]['id'].split('-')[1]}"
        after = 0
    if filters.shows_items:
        items = item_features(user, filters, now, after=after if layer == "i" else 0,
                              limit=size - len(features) + 1)
        room = size - len(features)
        if len(items) > room:
            items = items[:room]
            features += items
            # A full page of points with no room left: the next page starts at the first item.
            return features, f"i{items[-1]['id'].split('-')[1]}" if items else "i0"
        features += items
    return features, ""
