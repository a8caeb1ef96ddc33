"""Triage of citizen reports (随手拍) by the campaign office: which reports may be the same
problem (possible duplicates), where a report lies (its district), and merging several reports
into one item. The single-report steps (accept, reject) are in inspections.services."""

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.calendar import Period
from campaign.geo import EARTH_RADIUS_M, distance_m
from campaign.models import Criterion, Point, Unit, User
from campaign.tree import subtree_q
from inspections import services, workflow
from inspections.enums import CitizenReportStatus
from inspections.models import CitizenReport, Rectification

# ---- the duplicate rule, stated once --------------------------------------------------------
# Two reports of a campaign may be the same problem when
#   (a) both carry a location at most DUPLICATE_RADIUS_M apart (haversine), the same category,
#       and were sent at most DUPLICATE_DAYS apart (either side, exactly 7 × 24 h counts); or
#   (b) the other report was filed as (or merged into) an item at the report's point: the point
#       of the report's own item, or the point the coordinator picks on the triage form.
DUPLICATE_RADIUS_M = 50
DUPLICATE_DAYS = 7
# Bounds: candidates read from the database for (a) (before the exact distance), and reports and
# items shown beside a report.
DUPLICATE_CANDIDATES_MAX = 200
DUPLICATES_SHOWN = 20
SAME_POINT_ITEMS_SHOWN = 20

# A report "lies in" a district when its item's unit is in the district's subtree, or when its
# location is in a box around an active point of the district: DISTRICT_NEAR_M north and south,
# and as many degrees east and west (fewer metres: about 240 m at Taiyuan's 37.9° N). A box,
# so the filter stays one SQL query.
DISTRICT_NEAR_M = 300

# Reports merged in one step with the report being triaged, at most.
MERGE_MAX = DUPLICATES_SHOWN


def _degrees(metres: float) -> float:
    return math.degrees(metres / EARTH_RADIUS_M)


def _box(latitude: Decimal, longitude: Decimal, metres: float) -> Q:
    """The rows whose latitude/longitude fall in the box around a place that holds every place
    within `metres` of it (a little wider: the exact distance decides)."""
    d_lat = _degrees(metres) * 1.01
    d_lon = d_lat / max(math.cos(math.radians(float(latitude))), 0.01)
    lat, lon = float(latitude), float(longitude)
    return Q(latitude__gte=Decimal(f"{lat - d_lat:.6f}"), latitude__lte=Decimal(f"{lat + d_lat:.6f}"),
             longitude__gte=Decimal(f"{lon - d_lon:.6f}"), longitude__lte=Decimal(f"{lon + d_lon:.6f}"))


def report_points(report: CitizenReport, picked: Point | None = None) -> list[Point]:
    """The points a report is at: its item's point, and the point the coordinator picked."""
    points = [point for point in (report.item.point if report.item else None, picked) if point]
    return list({point.pk: point for point in points}.values())


@dataclass
class Duplicate:
    report: CitizenReport
    distance_m: float | None     # None: found at the same point, not by distance


def possible_duplicates(report: CitizenReport, picked: Point | None = None) -> list[Duplicate]:
    """The other reports of the report's campaign that may be the same problem (the rule above),
    oldest first, at most DUPLICATES_SHOWN. Two queries at most, whatever the table holds."""
    others = CitizenReport.objects.filter(campaign_id=report.campaign_id).exclude(pk=report.pk)
    others = others.select_related("item", "item__point", "category")
    found: dict[int, Duplicate] = {}
    if report.latitude is not None and report.longitude is not None and report.category_id:
        window = dt.timedelta(days=DUPLICATE_DAYS)
        near = others.filter(
            _box(report.latitude, report.longitude, DUPLICATE_RADIUS_M),
            category_id=report.category_id,
            created_at__gte=report.created_at - window, created_at__lte=report.created_at + window,
        ).order_by("created_at", "pk")[:DUPLICATE_CANDIDATES_MAX]
        for other in near:
            assert other.latitude is not None and other.longitude is not None   # the box says so
            metres = distance_m(report.latitude, report.longitude, other.latitude, other.longitude)
            if metres <= DUPLICATE_RADIUS_M:
                found[other.pk] = Duplicate(other, metres)
    points = report_points(report, picked)
    if points:
        at_point = others.filter(item__point__in=points).order_by("created_at", "pk")
        for other in at_point[:DUPLICATES_SHOWN]:
            found.setdefault(other.pk, Duplicate(other, None))
    ordered = sorted(found.values(), key=lambda dup: (dup.report.created_at, dup.report.pk))
    return ordered[:DUPLICATES_SHOWN]


def open_items_at(report: CitizenReport, visible: QuerySet[Rectification],
                  picked: Point | None = None) -> list[Rectification]:
    """The items of the report's campaign at its point(s) that a report may still join, from
    `visible` (the coordinator's visibility query), oldest first, bounded."""
    points = report_points(report, picked)
    if not points:
        return []
    return list(visible.filter(campaign_id=report.campaign_id, point__in=points,
                               status__in=workflow.MERGEABLE)
                .select_related("unit", "point").order_by("created_at", "pk")[:SAME_POINT_ITEMS_SHOWN])


def in_district(district: Unit) -> Q:
    """The reports that lie in a district (see DISTRICT_NEAR_M)."""
    d_lat = Decimal(f"{_degrees(DISTRICT_NEAR_M):.6f}")
    near = Point.objects.filter(
        subtree_q([district.path], "unit__path"), is_active=True,
        latitude__gte=OuterRef("latitude") - d_lat, latitude__lte=OuterRef("latitude") + d_lat,
        longitude__gte=OuterRef("longitude") - d_lat, longitude__lte=OuterRef("longitude") + d_lat,
    )
    return Q(item__unit__in=Unit.objects.filter(subtree_q([district.path])).values("pk")) | Q(
        Exists(near), latitude__isnull=False, longitude__isnull=False)


# ---- merging ----------------------------------------------------------------------------------

@dataclass
class Merged:
    item: Rectification
    reports: list[CitizenReport]


def _lock_new(report: CitizenReport, others: Sequence[CitizenReport]) -> list[CitizenReport]:
    """The reports locked (in id order, so two coordinators never wait on each other), each
    checked to be NEW and of the report's campaign; refuses naming the first that is not."""
    if len(others) > MERGE_MAX:
        raise services.InspectionError(
            _("At most %(count)d reports can be merged at once.") % {"count": MERGE_MAX})
    pks = {report.pk, *(other.pk for other in others)}
    locked = list(CitizenReport.objects.select_for_update().filter(pk__in=pks).order_by("pk"))
    for row in locked:
        if row.campaign_id != report.campaign_id:
            raise services.InspectionError(_("Report %(code)s is of another campaign.")
                                           % {"code": row.tracking_code})
        if row.status != CitizenReportStatus.NEW:
            raise services.InspectionError(_(
                "Report %(code)s has already been triaged: only new reports can be merged."
            ) % {"code": row.tracking_code})
    if len(locked) != len(pks):
        raise services.InspectionError(_("A report to merge no longer exists."))
    return locked


def _accept_into(item: Rectification, reports: Sequence[CitizenReport], by: User) -> None:
    now = timezone.now()
    for report in reports:
        workflow.merge_report(item, report, by=by, at=now)
        report.status, report.triaged_by, report.triaged_at = CitizenReportStatus.ACCEPTED, by, now
        report.save(update_fields=["status", "triaged_by", "triaged_at"])


@transaction.atomic
def merge_into_new_item(
    report: CitizenReport, others: Sequence[CitizenReport], *, unit: Unit, title: str,
    deadline: dt.datetime | None, by: User, point: Point | None = None,
    criterion: Criterion | None = None, period: Period | None = None,
) -> Merged:
    """File ONE item for the report (services.accept_report: its photos go along) and merge the
    other reports into it: every report's item is the new item, each merge an event on it."""
    locked = _lock_new(report, others)
    item = services.accept_report(report, unit=unit, title=title, deadline=deadline, by=by,
                                  point=point, criterion=criterion, period=period)
    rest = [row for row in locked if row.pk != report.pk]
    _accept_into(item, rest, by)
    return Merged(item, [CitizenReport.objects.get(pk=report.pk), *rest])


@transaction.atomic
def attach_to_item(report: CitizenReport, others: Sequence[CitizenReport], item: Rectification,
                   *, by: User) -> Merged:
    """Merge the report (and the others) into an existing item of the same campaign: each is
    accepted, follows the item, and the item records the merge. The caller fetched the item
    through the coordinator's visibility query."""
    if item.campaign_id != report.campaign_id:
        raise services.InspectionError(_("Item %(code)s is of another campaign.") % {"code": item.code})
    locked = _lock_new(report, others)
    _accept_into(item, locked, by)
    return Merged(item, locked)


def reports_to_merge(report: CitizenReport, pks: Sequence[str]) -> list[CitizenReport]:
    """The reports chosen on the triage page to merge with `report` (ids as sent; anything that
    is not an id of a report of the same campaign is dropped), at most MERGE_MAX + 1 read."""
    ids = sorted({int(pk) for pk in pks if pk.isascii() and pk.isdigit() and len(pk) < 12})
    ids = [pk for pk in ids if pk != report.pk]
    return list(CitizenReport.objects.filter(campaign_id=report.campaign_id, pk__in=ids)
                .order_by("pk")[: MERGE_MAX + 1])

