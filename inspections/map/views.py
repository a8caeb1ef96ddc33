"""The map page and its data URL (GeoJSON). Both answer to anyone with a scope; what they show
is read through the visibility queries (inspections.map.queries)."""

from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from campaign.permissions import scope_paths
from inspections.map import queries
from inspections.map.forms import MapFilterForm

FILTERS = ("unit", "kind", "status", "category", "layer")


def _has_scope(user) -> bool:
    return user.is_superuser or bool(scope_paths(user))


@require_GET
def map_page(request):
    if not _has_scope(request.user):
        raise PermissionDenied
    form = MapFilterForm(request.GET or None, user=request.user)
    chosen = {name: request.GET[name][:100] for name in FILTERS if request.GET.get(name)}
    data_url = reverse("inspections:map-data") + ("?" + urlencode(chosen) if chosen else "")
    labels = queries.marker_labels()
    return render(request, "inspections/map.html", {
        "form": form,
        "legend": [(name, labels[name]) for name in ("point", *queries.ITEM_MARKERS)],
        "map_config": {
            "data": data_url,
            "tiles": settings.MAP_TILE_URL,
            "attribution": settings.MAP_TILE_ATTRIBUTION,
            "maxPages": MAX_PAGES,
            "text": {
                "loading": _("Loading the markers…"),
                "shown": _("%(count)s markers shown."),
                "more": _("More than %(count)s markers: only the first %(count)s are shown. "
                          "Choose a unit, a kind or a status to see the rest."),
                "none": _("Nothing to show here: no point or open item with a location "
                          "matches."),
                "failed": _("The markers could not be loaded."),
                "open": pgettext("map popup link", "Open"),
                "markers": _("markers"),
                "worst": _("the most urgent:"),
                "labels": {name: str(labels[name]) for name in ("point", *queries.ITEM_MARKERS)},
            },
        },
    })


# Pages of features the map page follows (MAX_PAGES × queries.MAX_FEATURES markers at most).
MAX_PAGES = 4


@require_GET
def map_data(request):
    """GeoJSON: a FeatureCollection of points and items, at most queries.MAX_FEATURES per
    response, with `next` (the URL of the rest) or null. Bad parameters: 400 with a message."""
    if not _has_scope(request.user):
        return JsonResponse({"error": _("You see no unit.")}, status=403)
    form = MapFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        return JsonResponse({"error": form.error_text()}, status=400)
    features, cursor = queries.feature_page(request.user, form.filters(), timezone.now(),
                                            form.cleaned_data["after"])
    next_url = None
    if cursor:
        keep = {name: value for name, value in request.GET.items() if name != "after"}
        next_url = reverse("inspections:map-data") + "?" + urlencode({**keep, "after": cursor})
    return JsonResponse(
        {"type": "FeatureCollection", "features": features, "next": next_url,
         "limit": queries.MAX_FEATURES},
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )
