"""Recurrence (复发): a problem found again soon after it was fixed. The one rule, used when an
item is filed (inspections.workflow.file_rectification).

An item with a point and a criterion (filed from a finding, from a citizen report or by hand)
recurs when an earlier item of the same criterion at the same point was CLOSED within the
campaign's window (`Campaign.recurrence_days`, N) before the new item's time (the visit's time
for a finding): N days before exactly still counts, a closure after that time does not. Voided
items were never a real problem and never count (a closed item is never voided). When several
qualify, the item recurs from the most recently closed.
"""

import datetime as dt

from django.db.models import Q

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
