"""Filters of the item lists and the ledger (the same filters for both)."""

import datetime as dt
import hashlib
import re
import unicodedata

import django_filters
from django import forms
from django.db import connection
from django.db.models import Count, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import StrIndex, Upper
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from campaign.enums import PointKind, UnitKind
from campaign.models import Category, Point, Unit
from campaign.periods import Month
from campaign.permissions import scope_paths, visible_units
from campaign.tree import subtree_q
from inspections.enums import CitizenReportStatus, RectificationStatus
from inspections.models import CitizenReport, Rectification
from inspections.triage import in_district
from inspections.widgets import FastSelect

DUE_SOON_DAYS = 3
CHECKBOXES = ("overdue", "due_soon", "no_category", "recurrence")


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


# ---- searching by text: the one rule for the search page, the item list and the ledger -------

QUERY_MAX = 100
# The shortest text a trigram index serves (pg_trgm reads a pattern's runs of 3 characters).
TRIGRAM_MIN = 3
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def clean_query(raw: str | None) -> str:
    """The text searched for: control characters (NUL among them, which PostgreSQL refuses)
    read as spaces, runs of spaces as one, trimmed, at most QUERY_MAX characters."""
    # NFKC: full-width letters, digits and hyphens (typed with Chinese input methods) read as
    # their ASCII forms, so a code typed either way is found.
    text = " ".join(_CONTROL.sub(" ", unicodedata.normalize("NFKC", raw or "")).split())
    return text[:QUERY_MAX].strip()


def code_q(text: str, field: str = "code") -> Q:
    """An exact code in any case, read through the index on UPPER(code)."""
    return Q(**{f"{field}_upper": text.upper()})


def _contains(field: str, text: str) -> Q:
    """`field` contains `text`, in any case; % and _ match themselves."""
    if len(text) >= TRIGRAM_MIN:
        return Q(**{f"{field}__icontains": text})
    # 1–2 characters hold no trigram: PostgreSQL's trigram index would hand back every row
    # (its planner does not know and prefers it), so the same test is written in a form no
    # index serves, and the items are read newest first instead.
    return Q(GreaterThan(StrIndex(Upper(field), Upper(Value(text))), 0))


# When no index serves the text (SQLite; a 1–2 character text on PostgreSQL, which has no
# trigram), a search reads at most this many items, newest first: a text that matches nothing
# then costs a bounded scan, not a read of every item (README, "Search").
SCAN_MAX = 100_000


def indexed(text: str) -> bool:
    """Whether an index finds the items containing `text` (migration 0014's trigram indexes)."""
    return connection.vendor == "postgresql" and len(text) >= TRIGRAM_MIN


def newest(queryset: QuerySet) -> tuple[QuerySet, bool]:
    """The SCAN_MAX newest items of `queryset`: those filed at or after the SCAN_MAX-th newest
    (one walk of a (scope, created_at, id) index), and whether that cut any; all of them when
    there are fewer."""
    last = list(queryset.order_by("-created_at", "-id").values_list("created_at", flat=True)
                [SCAN_MAX - 1:SCAN_MAX])
    return (queryset.filter(created_at__gte=last[0]), True) if last else (queryset, False)


def items_matching(queryset: QuerySet, text: str) -> QuerySet:
    """Items whose code is `text` (any case) or whose title or description contains it (any
    case). On PostgreSQL the trigram indexes of migration 0014 serve a text of TRIGRAM_MIN
    characters or more."""
    return queryset.alias(code_upper=Upper("code")).filter(
        code_q(text) | _contains("title", text) | _contains("description", text)
    )


def points_matching(queryset: QuerySet[Point], text: str) -> QuerySet[Point]:
    """Points whose name, code or address contains `text` (any case)."""
    return queryset.filter(
        Q(name__icontains=text) | Q(code__icontains=text) | Q(address__icontains=text)
    )


def units_matching(queryset: QuerySet[Unit], text: str) -> QuerySet[Unit]:
    """Units whose name contains `text` (any case): the unit list's name filter says the same."""
    return queryset.filter(name__icontains=text)


class SearchField(forms.CharField):
    """A search text, cleaned by clean_query: too long is cut, never refused (a refused filter
    would widen the list to everything)."""

    def to_python(self, value):
        return clean_query(super().to_python(value))


class SearchFilter(django_filters.CharFilter):
    field_class = SearchField


# A week's first day is a date of these years: the edges of the calendar (0001-01-01,
# 9999-12-31) would overflow when the week's end is counted.
WEEK_YEARS = (2000, 2100)


class WeekField(forms.DateField):
    def validate(self, value):
        super().validate(value)
        first, last = WEEK_YEARS
        if value is not None and not first <= value.year <= last:
            raise forms.ValidationError(
                _("Choose a week of the years %(first)s to %(last)s.") % {"first": first, "last": last},
                code="out_of_range")


class WeekFilter(django_filters.DateFilter):
    field_class = WeekField


class RectificationFilter(django_filters.FilterSet):
    q = SearchFilter(label=_("Code, title or description"), method="filter_q")
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
    filed_week = WeekFilter(label=_("Filed in the week from"), method="filter_week",
                            widget=forms.DateInput(attrs={"type": "date"}))
    closed_week = WeekFilter(label=_("Closed in the week from"), method="filter_week",
                             widget=forms.DateInput(attrs={"type": "date"}))
    no_category = django_filters.BooleanFilter(label=_("No category"), method="filter_no_category",
                                               widget=forms.CheckboxInput)
    recurrence = django_filters.BooleanFilter(label=_("Recurrences (复发)"), method="filter_recurrence",
                                              widget=forms.CheckboxInput)

    class Meta:
        model = Rectification
        fields = ["q", "status", "unit", "category", "point_kind", "month", "overdue", "due_soon",
                  "filed_week", "closed_week", "no_category", "recurrence"]

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
        self.form.fields["q"].widget.input_type = "search"
        self.form.fields["q"].widget.attrs["maxlength"] = QUERY_MAX
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

    # Set by filter_q when the text was searched among the SCAN_MAX newest items only.
    windowed = False

    def filter_q(self, queryset, name, value):
        if not value:
            return queryset
        if not indexed(value):
            queryset, self.windowed = newest(queryset)
            self.scan_max = SCAN_MAX
        return items_matching(queryset, value)

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

    def filter_recurrence(self, queryset, name, value):
        return queryset.filter(recurrence_of__isnull=False) if value else queryset

    def active(self) -> bool:
        """Whether any filter is set (a filtered list may be counted; the whole table is not)."""
        if not self.form.is_valid():
            return False
        return any(value not in (None, "", False) for value in self.form.cleaned_data.values())


# ---- the triage list of citizen reports ---------------------------------------------------------

def _day_start(day: dt.date) -> dt.datetime | None:
    """The moment a local day starts; None for a day no report can fall near (year 1 at
    +08:00 has no UTC form, the year 9999 no next day)."""
    if not 1900 <= day.year <= 9000:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class CitizenReportFilter(django_filters.FilterSet):
    """The campaign office's list of citizen reports. With no `status` in the query the list is
    the reports waiting for triage (new); an empty `status` is every status."""

    status = django_filters.ChoiceFilter(label=_("Status"), choices=CitizenReportStatus.choices,
                                         widget=FastSelect, empty_label=_("All"))
    category = django_filters.ModelChoiceFilter(label=_("Category"), queryset=None,
                                                widget=FastSelect, empty_label=_("All"))
    district = django_filters.ModelChoiceFilter(label=_("District"), queryset=None,
                                                method="filter_district", widget=FastSelect,
                                                empty_label=_("All"))
    sent_from = django_filters.DateFilter(label=_("Sent from"), method="filter_sent_from",
                                          widget=forms.DateInput(attrs={"type": "date"}))
    sent_to = django_filters.DateFilter(label=_("Sent up to"), method="filter_sent_to",
                                        widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = CitizenReport
        fields = ["status", "category", "district", "sent_from", "sent_to"]

    def __init__(self, data=None, *args, campaigns, **kwargs):
        # A status that is none (a stale link, a typing error) is the default too, said so.
        self.unknown_status = False
        if data is not None and data.get("status", "") not in ("", *CitizenReportStatus.values):
            self.unknown_status = True
        if data is not None and ("status" not in data or self.unknown_status):
            data = data.copy()
            data["status"] = CitizenReportStatus.NEW
        super().__init__(data, *args, **kwargs)
        self.filters["category"].queryset = Category.objects.filter(
            standard__campaign__in=campaigns).order_by("standard_id", "order", "pk")
        # The districts: the units at district level under the campaigns' roots.
        self.filters["district"].queryset = Unit.objects.filter(
            campaign__in=campaigns, kind=UnitKind.DISTRICT).order_by("path")
        for field in self.form.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = f"{css} {css}-sm"

    def filter_district(self, queryset, name, value):
        return queryset.filter(in_district(value)) if value else queryset

    def filter_sent_from(self, queryset, name, value):
        start = _day_start(value) if value else None
        return queryset.filter(created_at__gte=start) if start else queryset

    def filter_sent_to(self, queryset, name, value):
        end = _day_start(value + dt.timedelta(days=1)) if value and value < dt.date.max else None
        return queryset.filter(created_at__lt=end) if end else queryset

    def shown_status(self) -> str:
        """The status shown ("" for all): new unless the query names another."""
        if self.form.is_valid():
            return self.form.cleaned_data.get("status") or ""
        return CitizenReportStatus.NEW
