import django_filters
from django.utils.translation import gettext_lazy as _

from campaign.enums import UnitKind
from campaign.models import Unit


class UnitFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(label=_("Name"), lookup_expr="icontains")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=UnitKind.choices)

    class Meta:
        model = Unit
        fields = ["name", "kind"]
