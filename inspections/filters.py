"""Filters of the item lists and the ledger (the same filters for both)."""

import datetime as dt
import hashlib

import django_filters
from django import forms
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from campaign.enums import PointKind
from campaign.models import Category, Unit
from campaign.periods import Month
from campaign.permissions import scope_paths, visible_units
from campaign.tree import subtree_q
from inspections.enums import RectificationStatus
from inspections.models import Rectification
from inspections.widgets import FastSelect

DUE_SOON_DAYS = 3
CHECKBOXES = ("overdue", "due_soon", "no_category")


MONTHS_OFFERED = 24


def recent_months(today: dt.date, count: int = MONTHS_OFFERED) -> list[Month]:
    """This month and the ones before it, newest first (the choices of the month filter)."""
    months = [Month.of(today)]
    while len(months) < count:
        months.append(months[-1].previous())
    return months


class MonthField(forms.CharField):
    """A `YYYY-MM` value picked from a list of recent months (a phone's native month input
    shows "--------- ----" when empty); a typed-in older month is still accepted."""

    widget = FastSelect

    def clean(self, value):
        value = super().clean(value)
        if value and Month.parse(value) is None:
            raise forms.ValidationError(_("Not a month (YYYY-MM)."))
        return value


class MonthFilter(django_filters.CharFilter):
    field_class = MonthField


class RectificationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=RectificationStatus.choices,
                                         widget=FastSelect, empty_label=_("All"))
    unit = django_filters.ModelChoiceFilter(label=_("Unit (with units below)"), queryset=None,
                                            method="filter_unit", widget=FastSelect,
                                            empty_label=_("All"))
    category = django_filters.ModelChoiceFilter(label=_("Category"), queryset=None,
                                                field_name="criterion__category", widget=FastSelect,
                                                empty_label=_("All"))
    point_kind = django_filters.ChoiceFilter(label=_("Point kind"), choices=PointKind.choices,
                                             field_name="point__kind", widget=FastSelect,
                                             empty_label=_("All"))
    month = MonthFilter(label=_("Filed in month"), method="filter_month")
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="filter_overdue",
                                           widget=forms.CheckboxInput)
    due_soon = django_filters.BooleanFilter(
        label=lazy(lambda: gettext("Due within %(days)s days") % {"days": DUE_SOON_DAYS}, str)(),
        method="filter_due_soon",
        widget=forms.CheckboxInput,
    )

    # The home page's charts link here: the items filed, or closed, in the week from a Monday;
    # the overdue items with no criterion (so no category).
    filed_week = django_filters.DateFilter(label=_("Filed in the week from"), method="filter_week",
                                           widget=forms.DateInput(attrs={"type": "date"}))
    closed_week = django_filters.DateFilter(label=_("Closed in the week from"),
                                            method="filter_week",
                                            widget=forms.DateInput(attrs={"type": "date"}))
    no_category = django_filters.BooleanFilter(label=_("No category"), method="filter_no_category",
                                               widget=forms.CheckboxInput)

    class Meta:
        model = Rectification
        fields = ["status", "unit", "category", "point_kind", "month", "overdue", "due_soon",
                  "filed_week", "closed_week", "no_category"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["unit"].queryset = visible_units(user).order_by("path").only("pk", "name")
        self.filters["category"].queryset = Category.objects.filter(
            standard__campaign_id__in=visible_units(user).values("campaign_id")
        ).order_by("standard_id", "order", "pk")
        self._offer_units(user)
        months = [str(month) for month in recent_months(timezone.localdate())]
        chosen = self.form["month"].value()
        if chosen and chosen not in months and Month.parse(chosen):
            months.append(chosen)
        self.form.fields["month"].widget.choices = [("", _("All"))] + [(m, m) for m in months]
        for name, field in self.form.fields.items():
            if name not in CHECKBOXES:
                css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                field.widget.attrs["class"] = f"{css} {css}-sm"
            else:
                field.widget.attrs["class"] = "form-check-input"

    def _offer_units(self, user) -> None:
        """A city offers 1,000 units: their options are built from plain (id, name) rows and
        kept in the cache for the same scope, language and units (a unit added, moved or
        removed makes a new key; a renamed unit shows its new name within five minutes)."""
        units = self.filters["unit"].queryset
        stamp = Unit.objects.aggregate(count=Count("pk"), last=Max("pk"),
                                       moved=Sum("campaign__tree_version"))
        # The key holds exactly what visible_units reads: the user's scope paths.
        scope = ",".join(scope_paths(user)) if not user.is_superuser else "*"
        key = f"unit-options|{scope}|{get_language()}|{stamp['count']}.{stamp['last']}.{stamp['moved']}"
        widget = self.form.fields["unit"].widget
        widget.options_key = "unit-options:" + hashlib.sha256(key.encode()).hexdigest()
        # A callable: Django reads it only when iterated, and FastSelect iterates only when the
        # options are not in the cache.
        widget.choices = lambda: [("", _("All")), *units.values_list("pk", "name")]

    def filter_unit(self, queryset, name, value):
        # unit_id IN (the subtree's units) rather than a join on the units' paths: the planner
        # then reads the items through their own (unit, created_at) index.
        if not value:
            return queryset
        return queryset.filter(unit__in=Unit.objects.filter(subtree_q([value.path])).values("pk"))

    def filter_month(self, queryset, name, value):
        month = Month.parse(value)
        if month is None:
            return queryset
        start, end = month.bounds(str(timezone.get_current_timezone()))
        return queryset.filter(created_at__gte=start, created_at__lt=end)

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue(timezone.now()) if value else queryset

    def filter_due_soon(self, queryset, name, value):
        if not value:
            return queryset
        now = timezone.now()
        return queryset.due_soon(now, now + dt.timedelta(days=DUE_SOON_DAYS))

    def filter_week(self, queryset, name, value):
        """[the day's midnight, seven days later) in the current time zone: the home page's
        weeks (inspections.dashboard), which start on a Monday."""
        if not value:
            return queryset
        zone = timezone.get_current_timezone()
        start = dt.datetime.combine(value, dt.time.min, tzinfo=zone)
        end = dt.datetime.combine(value + dt.timedelta(days=7), dt.time.min, tzinfo=zone)
        if name == "closed_week":
            return queryset.filter(status=RectificationStatus.CLOSED, closed_at__gte=start,
                                   closed_at__lt=end)
        return queryset.filter(created_at__gte=start, created_at__lt=end)

    def filter_no_category(self, queryset, name, value):
        return queryset.filter(criterion__isnull=True) if value else queryset

    def active(self) -> bool:
        """Whether any filter is set (a filtered list may be counted; the whole table is not)."""
        if not self.form.is_valid():
            return False
        return any(value not in (None, "", False) for value in self.form.cleaned_data.values())
