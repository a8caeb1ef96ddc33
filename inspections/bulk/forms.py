"""The bulk steps' forms: the fields of each step's own form (inspections.forms), once for all
the selected items. A deadline is one date for all, or N natural or working days counted for
each item as the single form counts it (services.counted_deadline)."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign.calendar import Period, UnknownYear
from campaign.enums import DayCount
from inspections import forms as step_forms
from inspections import services, workflow
from inspections.enums import EventAction as A
from inspections.forms import COUNT_FIELDS, MAX_DEADLINE_AHEAD, CountedDeadline, DeadlineField
from inspections.models import Rectification


class BulkForm(step_forms.Form):
    """One step's fields for every selected item; `arguments(item)` gives that item's keyword
    arguments for the step's function."""

    def arguments(self, item: Rectification) -> dict:
        return {name: value for name, value in self.cleaned_data.items()
                if name not in ("deadline", *COUNT_FIELDS)}


class AcknowledgeForm(BulkForm):
    note = step_forms.AcknowledgeForm.base_fields["note"]


class CloseForm(BulkForm):
    method = step_forms.CloseForm.base_fields["method"]
    note = step_forms.CloseForm.base_fields["note"]

    def arguments(self, item: Rectification) -> dict:
        # The list shows no photo warnings (inspections.plausibility): an item that has some is
        # closed from its own page, where the verifier sees them.
        return {**super().arguments(item), "refuse_photo_warnings": True}


class VoidForm(BulkForm):
    reason = step_forms.VoidForm.base_fields["reason"]


def _refuse_far(deadline: dt.datetime, item: Rectification) -> None:
    latest = timezone.now() + MAX_DEADLINE_AHEAD
    if deadline > latest:
        raise workflow.TransitionError(_(
            "%(code)s: the deadline counted would be more than a year ahead (after %(latest)s).")
            % {"code": item.code, "latest": timezone.localtime(latest).strftime("%Y-%m-%d")})


class CountedForm(BulkForm, CountedDeadline):
    """A deadline picked (one for all) or counted in days for each item."""

    def counted_period(self) -> Period | None:
        days = self.cleaned_data.get("deadline_days")
        if days is None:
            return None
        return Period(days, self.cleaned_data.get("deadline_count") or DayCount.NATURAL)

    def counted(self, item: Rectification, start: dt.datetime, period: Period) -> dt.datetime:
        try:
            deadline = services.counted_deadline(item.campaign, start, period)
        except UnknownYear as error:
            raise workflow.TransitionError(f"{item.code}: {error}") from None
        _refuse_far(deadline, item)
        return deadline


class ExtendForm(CountedForm):
    """As the single form: the date picked, or the days counted on from each item's current
    deadline (from now once it has passed)."""

    deadline = DeadlineField(label=gettext_lazy("New deadline"), required=False)
    reason = step_forms.ExtendForm.base_fields["reason"]
    field_order = ["deadline", *COUNT_FIELDS, "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deadline_days"].help_text = gettext_lazy(
            "A number of days, when given, wins over the date above: counted on from the "
            "current deadline (from today once it has passed), to the end of the last day.")

    def clean(self):
        data = super().clean()
        if (data.get("deadline") is None and data.get("deadline_days") is None
                and not self.has_error("deadline") and not self.has_error("deadline_days")):
            self.add_error("deadline", _("Pick a deadline or count it in days."))
        elif data.get("deadline_days") is not None:
            self.errors.pop("deadline", None)   # the count wins, as on the single form
        return data

    def arguments(self, item: Rectification) -> dict:
        arguments = super().arguments(item)
        period = self.counted_period()
        if period is None:
            arguments.update(deadline=self.cleaned_data["deadline"], period=None)
        else:
            start = max(item.deadline, timezone.now())
            arguments.update(deadline=self.counted(item, start, period), period=period)
        return arguments


class HandOverForm(CountedForm):
    """As the single form: the date picked, or the days counted from now; left empty, each item
    gets what its own page offers (services.offered_deadline): its deadline while that still
    leaves the unit the criterion's period, else the criterion's period counted from now."""

    deadline = DeadlineField(
        label=gettext_lazy("Deadline for the unit"), required=False,
        help_text=gettext_lazy(
            "Left empty, each item keeps its deadline while it leaves the unit the criterion's "
            "period, else gets the criterion's period counted from now."))

    def clean(self):
        data = super().clean()
        if data.get("deadline_days") is not None:
            self.errors.pop("deadline", None)
        return data

    def arguments(self, item: Rectification) -> dict:
        arguments = super().arguments(item)
        now, period = timezone.now(), self.counted_period()
        if period is not None:
            arguments.update(deadline=self.counted(item, now, period), period=period)
        elif self.cleaned_data.get("deadline") is not None:
            arguments.update(deadline=self.cleaned_data["deadline"], period=None)
        else:
            try:
                offered = services.offered_deadline(item, now)
            except UnknownYear:
                # As the single page: the current deadline, refused by the step once passed.
                arguments.update(deadline=None, period=None)
            else:
                arguments.update(
                    deadline=offered,
                    period=services.deadline_period(item.criterion) if offered != item.deadline
                    else None)
        return arguments


class ReturnForm(HandOverForm):
    reason = step_forms.ReturnForm.base_fields["reason"]
    field_order = ["reason", "deadline", *COUNT_FIELDS]


class RerouteForm(HandOverForm):
    unit = step_forms.RerouteForm.base_fields["unit"]
    note = step_forms.RerouteForm.base_fields["note"]
    field_order = ["unit", "note", "deadline", *COUNT_FIELDS]

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units

    def arguments(self, item: Rectification) -> dict:
        arguments = super().arguments(item)
        arguments["to_unit"] = arguments.pop("unit")
        return arguments


FORMS: dict[str, type[BulkForm]] = {
    A.ACKNOWLEDGED: AcknowledgeForm, A.CLOSED: CloseForm, A.RETURNED: ReturnForm,
    A.EXTENDED: ExtendForm, A.REROUTED: RerouteForm, A.VOIDED: VoidForm,
}
