import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from campaign.models import Unit


class UnitTable(tables.Table):
    name = tables.Column(verbose_name=_("Name"), linkify=True)
    kind = tables.Column(verbose_name=_("Kind"))
    parent = tables.Column(verbose_name=_("Parent"), linkify=True, order_by=("parent__name",))
    code = tables.Column(verbose_name=_("Code"))
    campaign = tables.Column(verbose_name=_("Campaign"), order_by=("campaign__name",))

    class Meta:
        model = Unit
        fields = ["name", "kind", "parent", "code", "campaign"]
        order_by = "path"
        attrs = {"class": "table table-sm table-hover align-middle"}
