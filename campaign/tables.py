import django_tables2 as tables
from django.core.paginator import Paginator
from django.utils.translation import gettext_lazy as _

from campaign.models import Unit

MAX_PER_PAGE = 200


class ClampedPaginator(Paginator):
    """A ?per_page= from the query string held to 1…200 (a negative one made django-tables2 fail
    with EmptyPage; a huge one would load everything)."""

    def __init__(self, object_list, per_page, *args, **kwargs):
        super().__init__(object_list, max(1, min(int(per_page), MAX_PER_PAGE)), *args, **kwargs)


# Every table's pagination: a bad ?page= or ?per_page= shows a page instead of failing.
PAGINATION = {"per_page": 50, "paginator_class": ClampedPaginator}


class UnitTable(tables.Table):
    region_label = _("Units")  # names its scrolling region (templates/django_tables2/)
    name = tables.Column(verbose_name=_("Name"), linkify=True)
    kind = tables.Column(verbose_name=_("Kind"))
    parent = tables.Column(verbose_name=_("Parent"), linkify=True, order_by=("parent__name",))
    code = tables.Column(verbose_name=_("Code"))
    campaign = tables.Column(verbose_name=_("Campaign"), order_by=("campaign__name",))

    class Meta:
        model = Unit
        fields = ["name", "kind", "parent", "code", "campaign"]
        order_by = "path"
        per_page = 50  # also when ?per_page=0
        attrs = {"class": "table table-sm table-hover align-middle"}
