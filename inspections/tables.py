"""Columns of the item list and the ledger (台账).

The pages render rows with a lean template of their own (a 50-row page through the generic
cell-by-cell rendering costs several times the whole query); these tables give the columns,
their headers and which of them sort, and the ledger export reads the same columns (and adds
one of its own, 复发: the earlier item's code, named only within the exporter's scope).
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import django_tables2 as tables
from django.db.models import BooleanField, Case, Exists, OuterRef, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaign.enums import PointKind
from campaign.spreadsheets import safe_cell
from inspections.enums import RectificationStatus, SolvingMethod
from inspections.models import Rectification
from inspections.services import deadline_counted

# Sortable columns → the keyset order (a unique tie-breaker last).
SORTS = {
    "created_at": ("created_at", "id"),
    "deadline": ("deadline", "id"),
    "code": ("code",),
    "status": ("status", "id"),
}


class RectificationTable(tables.Table):
    region_label = _("Rectification items")  # names its scrolling region
    code = tables.Column(verbose_name=_("Code"))
    title = tables.Column(verbose_name=_("Title"), orderable=False)
    unit = tables.Column(verbose_name=_("Responsible unit"), orderable=False)
    status = tables.Column(verbose_name=_("Status"))
    deadline = tables.DateTimeColumn(verbose_name=_("Deadline"))
    created_at = tables.DateTimeColumn(verbose_name=_("Filed at"))
    rework_count = tables.Column(verbose_name=_("Reworks"), orderable=False)

    class Meta:
        model = Rectification
        fields = ["code", "title", "unit", "status", "deadline", "created_at", "rework_count"]
        attrs = {"class": "table table-sm table-hover align-middle"}


class LedgerTable(RectificationTable):
    category = tables.Column(verbose_name=_("Category"), accessor="criterion__category__name",
                             orderable=False)
    criterion = tables.Column(verbose_name=_("Criterion"), accessor="criterion__name",
                              orderable=False)
    point = tables.Column(verbose_name=_("Point"), accessor="point__name", orderable=False)
    point_kind = tables.Column(verbose_name=_("Point kind"), accessor="point__kind",
                               orderable=False)
    submitted_at = tables.DateTimeColumn(verbose_name=_("Last submitted at"), orderable=False)
    closed_at = tables.DateTimeColumn(verbose_name=_("Closed at"), orderable=False)
    method = tables.Column(verbose_name=_("How it was solved"), orderable=False)

    class Meta(RectificationTable.Meta):
        fields = [*RectificationTable.Meta.fields, "category", "criterion", "point", "point_kind",
                  "submitted_at", "closed_at", "method"]


def ledger_headers() -> list[str]:
    """LedgerTable's columns, then the export's own: the earlier item of a recurrence (复发)."""
    return [*(str(column.header) for column in LedgerTable([]).columns), str(_("Recurrence"))]


# What the export reads of each item, in LedgerTable's column order, then the earlier item's
# code and whether the exporter may see that item (annotated by ledger_rows).
LEDGER_VALUES = (
    "code", "title", "unit__name", "status", "deadline", "created_at", "rework_count",
    "criterion__category__name", "criterion__name", "point__name", "point__kind",
    "submitted_at", "closed_at", "method", "recurrence_of__code", "earlier_readable",
)


def _earlier_readable(readable: QuerySet[Rectification]) -> Case:
    """Whether the item's earlier item (复发) is one the exporter may see: `readable`, the
    exporter's visibility query, asked in the same SQL, and only for recurrences."""
    return Case(When(recurrence_of__isnull=True, then=Value(False)),
                default=Exists(readable.filter(pk=OuterRef("recurrence_of_id"))),
                output_field=BooleanField())


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def _local(value: dt.datetime | None, zone: dt.tzinfo) -> str:
    """"Y-m-d H:i" in `zone` ("" for no time), written by isoformat at half strftime's cost:
    the exported ledger and the pages' rows format every time through here."""
    return value.astimezone(zone).replace(tzinfo=None).isoformat(" ", "minutes") if value else ""


def ledger_rows(items: QuerySet[Rectification], readable: QuerySet[Rectification], *,
                chunk_size: int = 2000) -> Iterator[list]:
    """The exported ledger, the one source of the CSV and the XLSX: the headers, then one row
    per item in the ledger's column order, labels in the active language, times in the current
    time zone, text that people typed made safe from formulas. The last column, 复发, holds the
    earlier item's code when `readable` (the exporter's visibility query) holds that item, "是"
    when it does not, nothing when the item is not a recurrence.

    Reads plain values, not items: a row costs a tuple, a few dict lookups and the time
    formatting. Headers, labels and the zone are taken here, when called, so a stream consumed
    after the view returned still writes the request's language and zone."""
    headers = ledger_headers()
    statuses, kinds, methods = (
        _labels(RectificationStatus), _labels(PointKind), _labels(SolvingMethod))
    zone = timezone.get_current_timezone()
    out_of_scope = str(_("Yes"))
    values = (items.annotate(earlier_readable=_earlier_readable(readable))
              .values_list(*LEDGER_VALUES).iterator(chunk_size=chunk_size))

    def when(value):
        return _local(value, zone)

    def rows():
        yield headers
        for (code, title, unit, status, deadline, created_at, reworks, category, criterion,
             point, kind, submitted_at, closed_at, method, earlier, earlier_readable) in values:
            # An unknown stored value shows as itself, as get_FOO_display() would show it.
            yield [
                safe_cell(code), safe_cell(title), safe_cell(unit), statuses.get(status, status),
                when(deadline), when(created_at), reworks, safe_cell(category or ""),
                safe_cell(criterion or ""), safe_cell(point or ""),
                kinds.get(kind, kind) if kind else "", when(submitted_at), when(closed_at),
                methods.get(method, method),
                "" if earlier is None else safe_cell(earlier) if earlier_readable else out_of_scope,
            ]

    return rows()


@dataclass(frozen=True)
class PageRow:
    """One item as the list and ledger pages show it (the table and the phone's card read the
    same row). Built in Python once per row: a 50-row page through template filters and model
    display methods costs several times the page's queries."""

    pk: int
    url: str
    code: str
    title: str          # cut for the table (40 characters on the ledger, 60 on the list)
    card_title: str     # cut for the phone's card (60)
    unit: str
    status: str
    status_label: str
    deadline: str
    created: str
    overdue: bool
    rework_count: int
    counted: str = ""   # how the deadline was counted ("3 个工作日"), empty when picked
    category: str = ""
    criterion: str = ""
    point: str = ""
    point_kind: str = ""
    submitted: str = ""
    closed: str = ""
    method: str = ""
    recurrence: bool = False    # a recurrence (复发) of an item closed shortly before


def _short(text: str, length: int) -> str:
    """`truncatechars`: at most `length` characters, the last an ellipsis when cut."""
    return text if len(text) <= length else text[: length - 1] + "…"


def page_rows(items: list[Rectification], now: dt.datetime, *, ledger: bool = False) -> list[PageRow]:
    """The page's rows; `ledger` adds the ledger's columns (the items' point and criterion with
    its category are prefetched)."""
    statuses, kinds, methods = (
        _labels(RectificationStatus), _labels(PointKind), _labels(SolvingMethod))
    zone = timezone.get_current_timezone()

    def when(value: dt.datetime | None, length: int = 16) -> str:
        return _local(value, zone)[:length]

    rows = []
    for item in items:
        extra = {}
        if ledger:
            criterion, point = item.criterion, item.point
            extra = {
                "category": criterion.category.name if criterion else "",
                "criterion": _short(criterion.name, 30) if criterion else "",
                "point": point.name if point else "",
                "point_kind": kinds.get(point.kind, point.kind) if point else "",
                "submitted": when(item.submitted_at), "closed": when(item.closed_at),
                "method": methods.get(item.method, item.method),
            }
        rows.append(PageRow(
            pk=item.pk, url=item.get_absolute_url(), code=item.code,
            title=_short(item.title, 40 if ledger else 60), card_title=_short(item.title, 60),
            unit=item.unit.name, status=item.status, status_label=statuses.get(item.status, item.status),
            deadline=when(item.deadline), created=when(item.created_at, 10),
            overdue=item.is_overdue(now), rework_count=item.rework_count,
            counted=deadline_counted(item), recurrence=item.recurrence_of_id is not None, **extra,
        ))
    return rows
