"""Columns of the item list and the ledger (台账).

The pages render rows with a lean template of their own (a 50-row page through the generic
cell-by-cell rendering costs several times the whole query); these tables give the columns,
their headers and which of them sort, and the ledger export reads the same columns.
"""

import django_tables2 as tables
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaign.spreadsheets import safe_cell
from inspections.models import Rectification

# Sortable columns → the keyset order (a unique tie-breaker last).
SORTS = {
    "created_at": ("created_at", "id"),
    "deadline": ("deadline", "id"),
    "code": ("code",),
    "status": ("status", "id"),
}


class RectificationTable(tables.Table):
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
    return [str(column.header) for column in LedgerTable([]).columns]


def ledger_row(item: Rectification) -> list:
    """One exported row, in the ledger's column order; times in the campaign's local time."""

    def when(value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    return [safe_cell(value) for value in (
        item.code, item.title, item.unit.name, item.get_status_display(), when(item.deadline),
        when(item.created_at), item.rework_count,
        item.criterion.category.name if item.criterion else "",
        item.criterion.name if item.criterion else "",
        item.point.name if item.point else "",
        item.point.get_kind_display() if item.point else "",
        when(item.submitted_at), when(item.closed_at), item.get_method_display(),
    )]
