"""A unit's rectification figures for a month, shown on (and linked from) the unit page."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.periods import Month
from campaign.permissions import visible_units
from inspections.services import unit_figures


def unit_figures_view(request, pk: int):
    unit = get_object_or_404(visible_units(request.user).select_related("campaign"), pk=pk)
    value = request.GET.get("month")
    month = Month.parse(value)
    if value and month is None:
        messages.warning(request, _("“%(value)s” is not a month (YYYY-MM): showing the current "
                                    "month.") % {"value": value[:20]})
    month = month or Month.of(timezone.localdate())
    figures = unit_figures(unit, month)
    # ?partial=1: the table alone, fetched into the unit page.
    template = "inspections/_unit_figures_table.html" if request.GET.get("partial") else (
        "inspections/unit_figures.html")
    return render(request, template, {
        "unit": unit, "month": month, "figures": figures, "rates": figures.rates,
        "previous": month.previous(), "next": month.next(),
    })
