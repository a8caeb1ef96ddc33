"""The audit page's filters. Each reads and bounds its parameter; an unreadable one is an error
shown on the page (and refuses an export), never a 500."""

import datetime as dt

from auditlog.registry import auditlog
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaign.audit.enums import ACTION_LABELS, SecurityKind

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"},
                       format="%Y-%m-%d")
TEXT = {"class": "form-control form-control-sm"}
SELECT = {"class": "form-select form-select-sm"}
MAX_ID = 2**63 - 1
# The dates the filters take: far beyond any row, and far inside what a datetime can hold (a day
# before 0001-01-01 or after 9999-12-31 in local time would overflow).
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)
ACTIONS = [(str(value), label) for value, label in ACTION_LABELS.items()]


def tracked_types() -> list[tuple[str, str]]:
    """(content type id, name) of each model the audit records changes of, by name."""
    models = auditlog.get_models()
    types = ContentType.objects.get_for_models(*models)
    return sorted(((str(types[model].pk), str(model._meta.verbose_name)) for model in models),
                  key=lambda choice: choice[1])


class BoundedDateField(forms.DateField):
    """A day between FIRST_DAY and LAST_DAY."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.attrs.update(min=FIRST_DAY.isoformat(), max=LAST_DAY.isoformat())

    def validate(self, value):
        super().validate(value)
        if value is not None and not FIRST_DAY <= value <= LAST_DAY:
            raise forms.ValidationError(
                _("Enter a date from %(first)s to %(last)s."), code="out_of_range",
                params={"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()})


class AddressField(forms.GenericIPAddressField):
    """An IPv4 or IPv6 address, without a port."""

    default_error_messages = {"invalid": _("Enter an IP address (without a port).")}

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class AuditFilterForm(forms.Form):
    since = BoundedDateField(label=_("From"), required=False, widget=DATE)
    until = BoundedDateField(label=_("Until"), required=False, widget=DATE)
    person = forms.CharField(label=_("Username"), required=False, max_length=150,
                             widget=forms.TextInput(attrs=TEXT))
    address = AddressField(label=_("Address"), required=False, widget=forms.TextInput(attrs=TEXT))

    # The columns each list filters: its time, the person's username, the address, and the form
    # fields matched exactly (form field: column).
    time_field = "timestamp"
    person_field = address_field = ""
    exact_fields: dict[str, str] = {}

    def filtered(self, queryset):
        data = self.cleaned_data
        queryset = queryset.filter(self.time_q())
        if data["person"]:
            queryset = queryset.filter(**{self.person_field: data["person"]})
        if data["address"]:
            queryset = queryset.filter(**{self.address_field: data["address"]})
        return queryset.filter(**{column: data[name] for name, column in self.exact_fields.items()
                                  if data[name] not in (None, "")})

    def time_q(self) -> Q:
        """The date range, inclusive, in local days."""
        q = Q()
        data = self.cleaned_data
        if data.get("since"):
            q &= Q(**{f"{self.time_field}__gte": _start_of(data["since"])})
        if data.get("until"):
            q &= Q(**{f"{self.time_field}__lt": _start_of(data["until"] + dt.timedelta(days=1))})
        return q

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The range ends before it starts."))
        return data


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class ChangeFilterForm(AuditFilterForm):
    action = forms.TypedChoiceField(label=_("Action"), required=False, coerce=int,
                                    choices=[("", _("Any"))] + ACTIONS,
                                    widget=forms.Select(attrs=SELECT))
    object_type = forms.TypedChoiceField(label=_("Object type"), required=False, coerce=int,
                                         widget=forms.Select(attrs=SELECT))
    object_id = forms.IntegerField(label=_("Object id"), required=False, min_value=1,
                                   max_value=MAX_ID, widget=forms.TextInput(attrs=TEXT))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", _("Any"))] + tracked_types()

    person_field, address_field = "actor__username", "remote_addr"
    exact_fields = {"action": "action", "object_type": "content_type_id", "object_id": "object_id"}


class SecurityFilterForm(AuditFilterForm):
    kind = forms.ChoiceField(label=_("Event"), required=False,
                             choices=[("", _("Any"))] + list(SecurityKind.choices),
                             widget=forms.Select(attrs=SELECT))

    time_field = "at"
    person_field, address_field = "username", "address"
    exact_fields = {"kind": "kind"}
