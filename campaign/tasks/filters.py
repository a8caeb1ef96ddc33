import django_filters
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from campaign.enums import TaskCategory, TaskStatus
from campaign.models import Task, Unit, User
from campaign.tasks.forms import UnitChoiceField, styled
from campaign.tree import subtree_q


class TaskFilter(django_filters.FilterSet):
    """Filters of the battle map. Status is derived after the query (campaign.tasks.services), so its
    filter only validates the value here; the view applies it."""

    unit = django_filters.ModelChoiceFilter(
        label=_("Unit"), queryset=Unit.objects.none(), method="filter_subtree"
    )
    lead = django_filters.ModelChoiceFilter(label=_("Lead leader"), queryset=User.objects.none())
    status = django_filters.ChoiceFilter(label=_("Status"), choices=TaskStatus.choices, method="keep")
    category = django_filters.ChoiceFilter(label=_("Category"), choices=TaskCategory.choices)
    title = django_filters.CharFilter(label=pgettext_lazy("task", "Title"), lookup_expr="icontains")

    class Meta:
        model = Task
        fields = ["unit", "lead", "status", "category", "title"]

    def __init__(self, *args, units, leaders, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["unit"].queryset = units
        self.filters["lead"].queryset = leaders
        self.filters["unit"].field_class = UnitChoiceField
        styled(self.form, small=True)

    def filter_subtree(self, queryset, name, value):
        return queryset.filter(subtree_q([value.path], "unit__path")) if value else queryset

    def keep(self, queryset, name, value):
        return queryset
