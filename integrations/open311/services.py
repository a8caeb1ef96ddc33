"""What the Open311 interface reads and files.

Services are the report categories of the jurisdiction's standards in force; service requests are
its citizen reports. The public reads requests without a key, so a request carries nothing
personal: never the contact, the reporter or a photo, and only the fields below.

A request's id (service_request_id) is never the report's tracking code: the tracking code is the
reporter's key (the tracking page's after-photos, the follow-up answer that counts in 满意率), and
the public list would hand it to anyone. The id is the report's number and a keyed signature of
it, so it cannot be guessed (a rejected request is read only by whoever was given its id) and is
checked without a stored column.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from campaign.models import Campaign, Category
from inspections import services as inspection_services
from inspections.enums import CitizenReportStatus, RectificationStatus
from inspections.models import CitizenReport, RectificationEvent

# An item in one of these is over for the citizen: the report reads "closed".
ENDED_ITEM = (RectificationStatus.CLOSED, RectificationStatus.VOIDED)
OPEN, CLOSED = "open", "closed"
# service_code is "<standard key>.<category key>": keys are slugs (no dot), so the code splits
# back at its dot, and stays the same while the category does.
CODE_SEPARATOR = "."


class Open311Error(Exception):
    """A request the interface refuses: `status` (400, 403, 404) and a message for the client."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def jurisdiction(key: str) -> Campaign:
    """The campaign named by jurisdiction_id; none given: the first, as the public report
    form takes."""
    campaigns = Campaign.objects.order_by("start", "pk")
    campaign = campaigns.filter(key=key).first() if key else campaigns.first()
    if campaign is None:
        raise Open311Error(404, _("No jurisdiction has this jurisdiction_id."))
    return campaign


def service_categories(campaign: Campaign) -> QuerySet[Category]:
    """The categories a citizen may choose on the public form, in the standards' order."""
    return inspection_services.public_categories(campaign).select_related("standard")


def service_code(category: Category) -> str:
    return f"{category.standard.key}{CODE_SEPARATOR}{category.key}"


def services_by_code(campaign: Campaign) -> dict[str, Category]:
    return {service_code(category): category for category in service_categories(campaign)}


def service_row(category: Category) -> dict[str, Any]:
    # No metadata: filing asks nothing beyond the standard fields. The standard is the group.
    return {"service_code": service_code(category), "service_name": category.name,
            "description": "", "metadata": False, "type": "realtime", "keywords": "",
            "group": category.standard.name}


# ---- service requests ----------------------------------------------------------------------

def status_q(status: str) -> Q:
    """The reports whose request status is `status` (open or closed)."""
    closed = Q(status=CitizenReportStatus.REJECTED) | Q(
        status=CitizenReportStatus.ACCEPTED, item__status__in=ENDED_ITEM)
    return closed if status == CLOSED else ~closed


def public_reports(campaign: Campaign) -> QuerySet[CitizenReport]:
    """The visibility query of the interface: the campaign's reports with what a request shows,
    newest first. A rejected report is listed to no one; whoever holds its tracking code reads it
    (as on the tracking page)."""
    last_step = RectificationEvent.objects.filter(
        rectification=OuterRef("item")).order_by("-created_at", "-pk").values("created_at")[:1]
    return (CitizenReport.objects.filter(campaign=campaign)
            .select_related("category__standard", "item__unit")
            .annotate(last_step_at=Subquery(last_step))
            .order_by("-created_at", "-pk"))


def listed_reports(campaign: Campaign) -> QuerySet[CitizenReport]:
    return public_reports(campaign).exclude(status=CitizenReportStatus.REJECTED)


REQUEST_ID_SALT = "integrations.open311.request_id"
SIGNATURE_LENGTH = 16          # hex digits: 64 bits
ID_SEPARATOR = "-"
# The longest id: an 18-digit number, the separator and the signature.
MAX_REQUEST_ID = 18 + len(ID_SEPARATOR) + SIGNATURE_LENGTH


def _signature(pk: int) -> str:
    return salted_hmac(REQUEST_ID_SALT, str(pk), algorithm="sha256").hexdigest()[:SIGNATURE_LENGTH]


def request_id(report: CitizenReport) -> str:
    """The report's service_request_id: "<number>-<signature>"."""
    return f"{report.pk}{ID_SEPARATOR}{_signature(report.pk)}"


def report_pk(value: str) -> int | None:
    """The report a service_request_id names; None for anything this interface did not give
    out (a wrong signature, a tracking code, junk)."""
    number, separator, signature = value.strip().lower().partition(ID_SEPARATOR)
    if (not separator or len(value) > MAX_REQUEST_ID or not number.isascii()
            or not number.isdigit() or len(number) > 18 or not signature.isascii()):
        return None
    pk = int(number)
    return pk if pk >= 1 and constant_time_compare(signature, _signature(pk)) else None


def request_status(report: CitizenReport) -> str:
    if report.status == CitizenReportStatus.REJECTED:
        return CLOSED
    if report.item is not None and report.item.status in ENDED_ITEM:
        return CLOSED
    return OPEN


def _datetime(value: dt.datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def request_row(report: CitizenReport) -> dict[str, Any]:
    """A report as a service request (a report of `public_reports`)."""
    item = report.item
    if report.status == CitizenReportStatus.REJECTED:
        notes = report.reason
    elif item is not None:
        notes = item.get_status_display()
    else:
        notes = report.get_status_display()
    changes = [moment for moment in (report.created_at, report.triaged_at,
                                     getattr(report, "last_step_at", None)) if moment]
    category = report.category
    return {
        "service_request_id": request_id(report),
        "status": request_status(report),
        "status_notes": notes,
        "service_name": category.name if category else "",
        "service_code": service_code(category) if category else "",
        "description": report.description,
        "agency_responsible": item.unit.name if item is not None else "",
        "service_notice": "",
        "requested_datetime": _datetime(report.created_at),
        "updated_datetime": _datetime(max(changes)),
        "expected_datetime": (_datetime(item.deadline)
                              if item is not None and request_status(report) == OPEN else ""),
        "address": report.location,
        "address_id": "",
        "zipcode": "",
        "lat": _number(report.latitude),
        "long": _number(report.longitude),
        "media_url": "",
    }


@transaction.atomic
def file_request(*, campaign: Campaign, category: Category, description: str, location: str,
                 contact: str, latitude: Decimal | None,
                 longitude: Decimal | None) -> CitizenReport:
    """A citizen report filed through the interface (no photos: media_url is not fetched)."""
    try:
        return inspection_services.report_problem(
            campaign=campaign, description=description, location=location, contact=contact,
            latitude=latitude, longitude=longitude, category=category)
    except inspection_services.InspectionError as error:
        raise Open311Error(400, str(error)) from None
