from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from campaign.enums import UnitKind
from campaign.filters import UnitFilter
from campaign.http import int_param
from campaign.models import LeaderCharge, User
from campaign.notifications.permissions import can_manage_webhooks
from campaign.permissions import visible_units
from campaign.tables import PAGINATION, UnitTable
from campaign.tree import tree_rows


def unit_tree(request):
    """The command tree the user can see, root to lane offices, opened to `depth` levels."""
    units = visible_units(request.user).select_related("campaign").annotate(
        child_count=Count("children")
    ).order_by("campaign_id", "path")
    kind = request.GET.get("kind", "")
    if kind and kind not in UnitKind.values:
        messages.warning(request, _("Unknown unit kind: showing all kinds."))
        kind = ""
    open_depth = int_param(request, "depth", default=2, low=0, high=12)
    return render(
        request,
        "campaign/unit_tree.html",
        {
            "rows": tree_rows(list(units), open_depth=open_depth, highlight_kind=kind),
            "kinds": UnitKind.choices,
            "kind": kind,
            "open_depth": open_depth,
        },
    )


class UnitListView(SingleTableMixin, FilterView):
    table_class = UnitTable
    filterset_class = UnitFilter
    # Pagination is the table's: django-tables2 turns a bad or too large ?page= into the first
    # or last page instead of a 404; ClampedPaginator holds ?per_page= to 1…200.
    table_pagination = PAGINATION
    template_name = "campaign/unit_list.html"

    def get_queryset(self):
        return visible_units(self.request.user).select_related("parent", "campaign")


def unit_page_context(user: User, pk: int) -> dict[str, Any]:
    """What the unit page shows of the unit itself. The page is served by the inspections app,
    which adds the unit's figures (campaign never imports inspections); out of scope is a 404."""
    unit = get_object_or_404(visible_units(user).select_related("campaign", "parent"), pk=pk)
    # Leaders in charge of an ancestor watch this unit too.
    inherited_leaders = (
        LeaderCharge.objects.filter(unit__pk__in=unit.ancestor_ids())
        .select_related("leader", "unit")
        .order_by("unit__depth")
    )
    return {
        "unit": unit,
        "ancestors": visible_units(user).filter(pk__in=unit.ancestor_ids()).order_by("depth"),
        "children": unit.children.annotate(child_count=Count("children")).order_by("order", "pk"),
        "members": unit.memberships.select_related("user").order_by("role", "user__username"),
        "leaders": unit.leader_charges.select_related("leader"),
        "inherited_leaders": inherited_leaders,
        "can_manage_robots": can_manage_webhooks(user, unit),
    }
