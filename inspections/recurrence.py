"""Recurrence (复发): a problem found again soon after it was fixed. The one rule, used when an
item is filed (inspections.workflow.file_rectification).

An item with a point and a criterion (filed from a finding, from a citizen report or by hand)
recurs when an earlier item of the same criterion at the same point was CLOSED within the
campaign's window (`Campaign.recurrence_days`, N) before the new item's time (the visit's time
for a finding): N days before exactly still counts, a closure after that time does not. Voided
items were never a real problem and never count (a closed item is never voided). When several
qualify, the item recurs from the most recently closed.

The earlier item's page names the items that recur from it (`later_items`), each as far as the
reader may see it.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Sum, When, Window

from campaign.models import Campaign, Criterion, Point
from inspections.enums import RectificationStatus
from inspections.models import Rectification


def window(campaign: Campaign, at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The closures an item filed at `at` recurs from: [at − N days, at], both ends included."""
    return at - dt.timedelta(days=campaign.recurrence_days), at


def earlier_item(
    campaign: Campaign, point: Point | None, criterion: Criterion | None, at: dt.datetime
) -> Rectification | None:
    """The closed item a new item at (`point`, `criterion`) filed at `at` recurs from, if any
    (one query on the point's items; none without a point and a criterion)."""
    if point is None or criterion is None:
        return None
    start, end = window(campaign, at)
    return (
        Rectification.objects.filter(
            Q(status=RectificationStatus.CLOSED), campaign=campaign, point=point,
            criterion=criterion, closed_at__gte=start, closed_at__lte=end,
        )
        .order_by("-closed_at", "-pk")
        .first()
    )


# The later items an item's page names (the rest are counted): a point can recur every month.
LATER_SHOWN = 20


@dataclass(frozen=True)
class LaterItems:
    """The items that recur from one item, as its page tells them to one reader: those the
    reader may see, in the order they were filed (at most LATER_SHOWN), how many more of those
    there are, and how many the reader may not see (counted, never named)."""

    shown: Sequence[Rectification]
    more: int
    hidden: int

    @property
    def total(self) -> int:
        return len(self.shown) + self.more + self.hidden


def later_items(item: Rectification, readable: QuerySet[Rectification]) -> LaterItems | None:
    """The items filed as recurrences of `item` (voided ones left out: never a real problem),
    `readable` being the reader's visibility query; None when there are none. One query,
    whatever their number: the counts ride on the first rows as window aggregates."""
    may_read = Exists(readable.filter(pk=OuterRef("pk")))
    rows = list(
        item.recurrences.exclude(status=RectificationStatus.VOIDED)
        .annotate(readable=may_read)
        .annotate(total=Window(Count("pk")),
                  readable_total=Window(Sum(Case(When(readable=True, then=1), default=0))))
        .order_by(F("readable").desc(), "created_at", "pk")
        .only("pk", "code", "created_at", "status")[:LATER_SHOWN]
    )
    if not rows:
        return None
    shown = [row for row in rows if row.readable]
    return LaterItems(shown=shown, more=rows[0].readable_total - len(shown),
                      hidden=rows[0].total - rows[0].readable_total)
