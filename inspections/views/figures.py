"""The unit page, and a unit's rectification figures for a month.

The unit page is campaign's (its template and the unit's context) with the figures filled in
here: campaign never imports inspections, so the view that can see both serves the page, and it
renders on the server like every other page (no script fetches a part of it).
"""

from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.periods import Month
from campaign.permissions import visible_units
from campaign.views import unit_page_context
from inspections.services import unit_figures


def _asked_month(request: HttpRequest) -> Month | None:
    """`?month=` if it is one; a malformed value gets a message and None (the current month)."""
    value = request.GET.get("month")
    month = Month.parse(value)
    if value and month is None:
        messages.warning(request, _("“%(value)s” is not a month (YYYY-MM): showing the current "
                                    "month.") % {"value": value[:20]})
    return month


def unit_detail(request, pk: int):
    context = unit_page_context(request.user, pk)
    asked = _asked_month(request)
    figures_month = asked or Month.of(timezone.localdate())
    figures = unit_figures(context["unit"], figures_month)
    return render(request, "inspections/unit_detail.html", {
        **context, "month": asked, "figures_month": figures_month, "figures": figures,
        "rates": figures.rates,
    })


def unit_figures_view(request, pk: int):
    unit = get_object_or_404(visible_units(request.user).select_related("campaign"), pk=pk)
    month = _asked_month(request) or Month.of(timezone.localdate())
    figures = unit_figures(unit, month)
    return render(request, "inspections/unit_figures.html", {
        "unit": unit, "month": month, "figures": figures, "rates": figures.rates,
        "previous": month.previous(), "next": month.next(),
    })
