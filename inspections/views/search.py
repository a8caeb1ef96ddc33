"""The search box in the nav (issue 12): an exact item code the person sees opens the item;
any other text lists, in the person's scope, the items, points, units and citizen reports it
matches, each group cut to RESULTS_PER_GROUP with a link to its full list."""

from urllib.parse import urlencode

from django.db.models import prefetch_related_objects
from django.db.models.functions import Upper
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from campaign.paging import COUNT_CAP, capped_count
from campaign.permissions import visible_points, visible_units
from inspections import filters, permissions
from inspections.filters import (
    QUERY_MAX,
    clean_query,
    code_q,
    indexed,
    items_matching,
    newest,
    points_matching,
    units_matching,
)

RESULTS_PER_GROUP = 20
# How many of the newest matching items the ranking reads (exact title first within them).
RANKING_WINDOW = 100


def _items(user, text: str) -> dict:
    """The newest RANKING_WINDOW matches, read through an index walk that stops there; among
    them the items titled exactly `text` (any case) come first, then the rest newest first. A
    second query for exact titles anywhere would read every item on SQLite when none is."""
    scoped = permissions.visible_rectifications(user)
    windowed = False
    if not indexed(text):
        scoped, windowed = newest(scoped)
    window = list(items_matching(scoped, text).order_by("-created_at", "-id")[:RANKING_WINDOW])
    exact = text.casefold()
    window.sort(key=lambda item: item.title.casefold() != exact)   # stable: newest first within
    rows = window[:RESULTS_PER_GROUP]
    prefetch_related_objects(rows, "unit")
    count = capped_count(items_matching(scoped, text)) if len(window) == RANKING_WINDOW else len(window)
    return {"rows": rows, "count": count, "windowed": windowed,
            "all_url": reverse("inspections:rectification-list") + "?" + urlencode({"q": text})}


def _group(queryset, order: str, count_all: bool, all_url: str) -> dict:
    rows = list(queryset.order_by(order)[:RESULTS_PER_GROUP])
    count = capped_count(queryset) if count_all and len(rows) >= RESULTS_PER_GROUP else len(rows)
    return {"rows": rows, "count": count, "all_url": all_url}


@require_GET
def search(request):
    raw = request.GET.get("q", "")
    text = clean_query(raw)
    context: dict = {"q": text, "query_max": QUERY_MAX, "per_group": RESULTS_PER_GROUP,
                     "count_cap": COUNT_CAP, "scan_max": filters.SCAN_MAX,
                     "cut": len(" ".join(raw.split())) > QUERY_MAX}
    if not text:
        return render(request, "inspections/search.html", context)
    user = request.user
    item = (permissions.visible_rectifications(user).alias(code_upper=Upper("code"))
            .filter(code_q(text)).only("pk").first())
    if item is not None:
        return redirect(item)
    context["items"] = _items(user, text)
    context["points"] = _group(
        points_matching(visible_points(user).filter(is_active=True), text), "code", True,
        reverse("inspections:point-list") + "?" + urlencode({"q": text}))
    context["units"] = _group(
        units_matching(visible_units(user), text), "path", True,
        reverse("unit-list") + "?" + urlencode({"name": text}))
    if permissions.can_triage_reports(user):
        # A tracking code is matched whole (codes are stored in capitals): never a fragment of
        # one, which would let a guess list a citizen's reports.
        context["reports"] = _group(
            permissions.visible_citizen_reports(user).filter(tracking_code=text.upper()[:16]),
            "-created_at", False, "")
    return render(request, "inspections/search.html", context)
