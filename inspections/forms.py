"""Forms validate input only; the services and the workflow decide."""

import datetime as dt
from typing import cast

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaign import tree
from campaign.calendar import MAX_DAYS, Period, UnknownYear
from campaign.enums import DayCount, DeadlineDays, PointKind
from campaign.importing import SheetFileField
from campaign.models import PLACEHOLDER_MARK, Campaign, Category, Criterion, Point, Standard, Unit
from inspections import services
from inspections.enums import InspectionMode, SolvingMethod
from inspections.models import SupervisionRules
from inspections.widgets import FastSelect, UnitCheckboxes

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PhotoInput(forms.ClearableFileInput):
    """Several photos at once; on a phone the camera opens directly."""

    allow_multiple_selected = True

    def __init__(self, attrs=None):
        super().__init__({"accept": "image/*", "capture": "environment", **(attrs or {})})


class PhotosField(forms.FileField):
    widget = PhotoInput

    def __init__(self, *args, max_files: int | None = None, **kwargs):
        self.max_files = max_files
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if self.max_files is not None and len(files) > self.max_files:
            raise forms.ValidationError(
                _("Send at most %(max)s photos (you chose %(count)s).")
                % {"max": self.max_files, "count": len(files)}, code="max_files")
        return [super(PhotosField, self).clean(file, initial) for file in files]

    def bound_data(self, data, initial):
        return data


MAX_DEADLINE_AHEAD = dt.timedelta(days=365)


class DeadlineField(forms.DateTimeField):
    """A deadline between now (the current minute) and a year ahead."""

    widget = DATETIME_WIDGET

    def clean(self, value):
        deadline = super().clean(value)
        if deadline is None:
            return deadline
        now = timezone.now()
        if deadline < now - dt.timedelta(minutes=1):
            raise forms.ValidationError(_("The deadline cannot be in the past."), code="past")
        latest = now + MAX_DEADLINE_AHEAD
        if deadline > latest:
            raise forms.ValidationError(
                _("The deadline can be at most a year ahead (until %(latest)s).")
                % {"latest": timezone.localtime(latest).strftime("%Y-%m-%d")}, code="far")
        return deadline


def _style(form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif not isinstance(widget, forms.HiddenInput):
            widget.attrs.setdefault("class", "form-control")


class Form(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class ModelForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


COUNT_FIELDS = ("deadline_days", "deadline_count")


class CountedDeadline(Form):
    """A deadline picked as a date and time (`deadline`) or counted: N natural or working days
    (`deadline_days`, `deadline_count`). A count, when given, wins over the date (the date is
    often filled in beforehand): the deadline is then the end of the N-th day, on the campaign's
    calendar (services.counted_deadline), and `period` says how it was counted; a picked date
    leaves `period` None. A year the calendar cannot answer for is the count's error."""

    deadline_days = forms.IntegerField(
        label=_("Or count days"), min_value=0, max_value=MAX_DAYS, required=False,
        help_text=_("A number of days, when given, wins over the date above: the deadline is "
                    "the end of the last day counted (0: the end of today, or of the next "
                    "working day)."),
        widget=forms.NumberInput(attrs={"min": 0, "max": MAX_DAYS, "step": 1}))
    deadline_count = forms.ChoiceField(label=_("counted in"), choices=DayCount.choices,
                                       initial=DayCount.NATURAL, required=False)

    period: Period | None = None

    def count_deadline(self, data: dict, campaign, start: dt.datetime) -> None:
        """Counts the deadline into `data` when a number of days is given."""
        self.period = None
        days = data.get("deadline_days")
        if days is None:
            return
        period = Period(days, data.get("deadline_count") or DayCount.NATURAL)
        try:
            deadline = services.counted_deadline(campaign, start, period)
        except UnknownYear as error:
            self.add_error("deadline_days", str(error))
            return
        latest = timezone.now() + MAX_DEADLINE_AHEAD
        if deadline > latest:
            self.add_error("deadline_days", _(
                "The deadline can be at most a year ahead (until %(latest)s).")
                % {"latest": timezone.localtime(latest).strftime("%Y-%m-%d")})
            return
        # The count wins: whatever the date field said (or missed) no longer matters.
        self.errors.pop("deadline", None)
        data["deadline"], self.period = deadline, period


def _text(label, *, required=True, rows=3, max_length=2000):
    return forms.CharField(label=label, required=required, max_length=max_length,
                           widget=forms.Textarea(attrs={"rows": rows}))


class StepForm(Form):
    """Every step carries the item version its page showed; a stale one is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    # Set by the item page on a form offered again after a refused step: why it was refused,
    # said on the form; `unavailable`: the step cannot be taken now (the item moved on), so the
    # form only shows what was typed, without a button.
    refusal = ""
    unavailable = False

    def make_read_only(self) -> None:
        """The form as a record of what was typed: read-only, to be copied, not sent."""
        self.unavailable = True
        self.fields.pop("photos", None)
        for field in self.fields.values():
            field.widget.attrs["readonly"] = True

    def arguments(self) -> dict:
        """The step's keyword arguments (inspections.workflow.STEPS `run`), from the fields; a
        counted deadline adds how it was counted (`period`)."""
        arguments = {name: value for name, value in self.cleaned_data.items()
                     if name not in ("version", *COUNT_FIELDS)}
        if isinstance(self, CountedDeadline):
            arguments["period"] = self.period
        return arguments


class AcknowledgeForm(StepForm):
    note = _text(_("Note"), required=False, rows=2)


class SendBackForm(StepForm):
    reason = _text(_("Why is this not your unit's item?"))


class SubmitForm(StepForm):
    photos = PhotosField(label=_("After-photos"))
    note = _text(_("What was done"), required=False)

    def arguments(self) -> dict:
        # Uploads, not yet photos: services.take_step stores them for the step.
        return {"uploads": self.cleaned_data["photos"], "note": self.cleaned_data["note"]}


class CloseForm(StepForm):
    method = forms.ChoiceField(label=_("How it was solved (721)"), choices=SolvingMethod.choices,
                               widget=forms.RadioSelect)
    note = _text(_("Note"), required=False, rows=2)


class HandOverForm(StepForm, CountedDeadline):
    """A step that hands the item (again) to a unit: it carries the deadline the unit gets.

    `offered` is what the page proposes (services.offered_deadline): the current deadline while
    it leaves the unit the criterion's period, else a new one, counted as `offered_period`
    says. When a new one is needed the field is required; left empty otherwise, the current
    deadline stays. A count of days (counted from now) wins over the date."""

    deadline = DeadlineField(label=_("Deadline for the unit"), required=False)

    def __init__(self, *args, current: dt.datetime, offered: dt.datetime, campaign=None,
                 offered_period: Period | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current, self.offered = current, offered
        self.campaign, self.offered_period = campaign, offered_period
        field = self.fields["deadline"]
        self.initial.setdefault("deadline", timezone.localtime(offered))
        if offered != current:
            field.required = True
            field.help_text = _(
                "The current deadline, %(current)s, has passed or leaves less than the "
                "criterion's period: the unit gets a new one."
            ) % {"current": timezone.localtime(current).strftime("%Y-%m-%d %H:%M")}
        else:
            field.help_text = _("Left as it is, the current deadline stays.")

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        # The page shows minutes only: the current or the offered deadline sent back unchanged
        # stays exact (the end of the day is 23:59:59, not 23:59).
        for exact in (self.current, self.offered):
            if deadline is not None and deadline == exact.replace(second=0, microsecond=0):
                return exact
        return deadline

    def clean(self):
        data = super().clean()
        self.count_deadline(data, self.campaign, timezone.now())
        if (self.period is None and self.offered != self.current
                and data.get("deadline") == self.offered):
            # The new deadline proposed, taken as it stands: the criterion's period.
            self.period = self.offered_period
        return data


class ReturnForm(HandOverForm):
    reason = _text(_("What is still wrong?"))
    field_order = ["version", "reason", "deadline", *COUNT_FIELDS]


class ExtendForm(StepForm, CountedDeadline):
    """A new deadline picked, or counted on from the current one (from now once it has
    passed): "3 working days more"."""

    deadline = DeadlineField(label=_("New deadline"))
    reason = _text(_("Reason for the extension"))
    field_order = ["version", "deadline", *COUNT_FIELDS, "reason"]

    def __init__(self, *args, current: dt.datetime, campaign=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current, self.campaign = current, campaign
        self.fields["deadline_days"].help_text = _(
            "A number of days, when given, wins over the date above: counted on from the "
            "current deadline (from today once it has passed), to the end of the last day.")

    def clean(self):
        data = super().clean()
        self.count_deadline(data, self.campaign, max(self.current, timezone.now()))
        return data


class RerouteForm(HandOverForm):
    unit = forms.ModelChoiceField(label=_("Hand to unit"), queryset=Unit.objects.none(), widget=FastSelect)
    note = _text(_("Why this unit?"), rows=2)
    field_order = ["version", "unit", "note", "deadline", *COUNT_FIELDS]

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units

    def arguments(self) -> dict:
        arguments = super().arguments()
        arguments["to_unit"] = arguments.pop("unit")
        return arguments


class VoidForm(StepForm):
    reason = _text(_("Why is the item not a real problem?"))


class LocationForm(Form):
    """Latitude and longitude, typed or filled from the phone's position (the "use my location"
    button, inspections/static/inspections/geolocate.js): both or neither, in range."""

    latitude = forms.DecimalField(
        label=_("Latitude"), required=False, max_digits=9, decimal_places=6,
        min_value=-90, max_value=90, widget=forms.NumberInput(attrs={"step": "any"}),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), required=False, max_digits=9, decimal_places=6,
        min_value=-180, max_value=180, widget=forms.NumberInput(attrs={"step": "any"}),
    )

    def clean(self):
        data = super().clean()
        latitude, longitude = data.get("latitude"), data.get("longitude")
        if (latitude is None) != (longitude is None) and not (
                self.has_error("latitude") or self.has_error("longitude")):
            raise forms.ValidationError(
                _("Give both latitude and longitude, or neither."), code="half_location")
        return data


class VisitForm(LocationForm):
    mode = forms.ChoiceField(label=_("Mode"), choices=InspectionMode.choices,
                             initial=InspectionMode.COVERT)
    # data-now: a visit form kept on the phone (issue 15) is filled with the time it is opened,
    # not the time it was kept (campaign/pwa.js).
    visited_at = forms.DateTimeField(label=_("Visited at"), widget=forms.DateTimeInput(
        attrs={"type": "datetime-local", "data-now": ""}, format="%Y-%m-%dT%H:%M"))
    note = _text(_("Note"), required=False, rows=2)
    photos = PhotosField(label=_("Photos of the point"), required=False)

    field_order = ["mode", "visited_at", "note", "photos", "latitude", "longitude"]


class FindingForm(Form):
    criterion = forms.ModelChoiceField(label=_("Criterion not met"), queryset=Criterion.objects.none(),
                                       required=False, empty_label=_("— none —"))
    note = forms.CharField(label=_("What was seen"), required=False, max_length=2000)
    deadline = DeadlineField(label=_("Deadline (empty: the criterion's default)"),
                             required=False)
    photos = PhotosField(label=_("Photos"), required=False)

    def __init__(self, *args, criteria, mock=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criterion"].queryset = Criterion.objects.filter(
            pk__in=[criterion.pk for criterion in criteria]
        ).select_related("category")
        # Grouped by category (one <optgroup> each) from the criteria already read, in their
        # order; the queryset above still validates the choice.
        groups: dict = {}
        for criterion in criteria:
            groups.setdefault(criterion.category.name, []).append(
                (criterion.pk, f"{criterion.name} (−{criterion.points.normalize():f})"))
        self.fields["criterion"].widget.choices = [
            ("", self.fields["criterion"].empty_label), *groups.items()]
        if mock:
            # A mock evaluation records findings for its report; an item is filed only when
            # the inspector asks (the default is not to).
            self.fields["file_item"] = forms.BooleanField(
                label=_("File a rectification item for this finding"), required=False,
                initial=False)
            self.fields["deadline"].label = _(
                "Deadline, when an item is filed (empty: the criterion's default)")
            self.order_fields(["criterion", "note", "photos", "file_item", "deadline"])


class BaseFindingFormSet(forms.BaseFormSet):
    def clean(self):
        chosen = [form.cleaned_data.get("criterion") for form in self.forms
                  if form.cleaned_data.get("criterion")]
        if len(chosen) != len(set(chosen)):
            raise forms.ValidationError(_("Each criterion can be recorded only once per visit."))


FindingFormSet = forms.formset_factory(FindingForm, formset=BaseFindingFormSet, extra=1,
                                       max_num=20, validate_max=True)


class StandaloneForm(CountedDeadline):
    unit = forms.ModelChoiceField(label=_("Responsible unit"), queryset=Unit.objects.none(),
                                  widget=FastSelect)
    point = forms.ModelChoiceField(label=_("Point (optional)"), queryset=Point.objects.none(),
                                   required=False, widget=FastSelect)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = _text(_("Description"), required=False)
    deadline = DeadlineField(label=_("Deadline"), required=False)
    photos = PhotosField(label=_("Photos"), required=False)
    field_order = ["unit", "point", "title", "description", "deadline", *COUNT_FIELDS, "photos"]

    def __init__(self, *args, units, points, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["point"].queryset = points

    def clean(self):
        data = super().clean()
        point, unit = data.get("point"), data.get("unit")
        if point and unit and point.unit_id != unit.pk:
            self.add_error("point", _("This point belongs to %(unit)s.") % {"unit": point.unit})
        if unit:
            self.count_deadline(data, unit.campaign, timezone.now())
        if data.get("deadline") is None and data.get("deadline_days") is None and not (
                self.has_error("deadline") or self.has_error("deadline_days")):
            self.add_error("deadline", _("Pick a deadline or count it in days."))
        return data


class RoundPeriodForm(Form):
    """What a round and a mock evaluation both ask: the subtree checked, a name and a period.
    `units` is the subtree roots the person may choose from."""

    unit = forms.ModelChoiceField(label=_("Units inspected (subtree of)"), queryset=Unit.objects.none(),
                                  widget=FastSelect)
    name = forms.CharField(label=_("Name"), max_length=120)
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE_WIDGET)
    ends_on = forms.DateField(label=_("Ends on"), widget=DATE_WIDGET)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The round cannot end before it starts."))
        return data


class RoundForm(RoundPeriodForm):
    sample_size = forms.IntegerField(label=_("Points to draw"), min_value=1, max_value=500,
                                     initial=20)
    seed = forms.IntegerField(label=_("Random seed (empty: a new one)"), required=False,
                              min_value=0, max_value=2**62)


class CategoryForm(ModelForm):
    class Meta:
        model = Category
        fields = ["key", "name", "order", "public", "source", "note"]

    def clean(self):
        # The standard is not a form field, so the model's (standard, key) check is skipped.
        data = super().clean()
        key = data.get("key")
        if key is not None and Category.objects.filter(
                standard_id=self.instance.standard_id, key=key).exclude(pk=self.instance.pk).exists():
            self.add_error("key", _("This standard already has a category with this key."))
        return data


class CriterionForm(ModelForm):
    point_kinds = forms.MultipleChoiceField(
        label=_("Point kinds (none ticked: every kind)"), choices=PointKind.choices,
        required=False, widget=forms.CheckboxSelectMultiple,
    )
    deadline_days = forms.TypedChoiceField(label=_("Default deadline"), coerce=int,
                                           choices=DeadlineDays.choices)
    deadline_count = forms.ChoiceField(
        label=_("Counted in"), choices=DayCount.choices, initial=DayCount.NATURAL,
        required=False, help_text=_("Working days follow China's official calendar (holidays "
                                    "off, 调休 make-up days on) and the campaign's own days."))

    class Meta:
        model = Criterion
        fields = ["category", "key", "name", "order", "points", "deadline_days", "deadline_count",
                  "point_kinds", "is_active", "source", "note"]

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories

    def clean_deadline_count(self):
        # Not sent (an older page, a script): natural days, as before working days existed.
        return self.cleaned_data["deadline_count"] or DayCount.NATURAL

    def clean_name(self):
        name = self.cleaned_data["name"]
        if PLACEHOLDER_MARK in name and name != self.initial.get("name"):
            raise forms.ValidationError(_("Give the criterion the name the standard uses."))
        return name

    def save(self, commit=True):
        # Naming a placeholder is what brings it into force: from then on visits check it.
        if self.instance.placeholder and "name" in self.changed_data:
            self.instance.placeholder = False
        return super().save(commit)


MAX_STANDARD_UNITS = 50


class UnitsField(forms.ModelMultipleChoiceField):
    """Several units, at most `max_units`, counted before the ids are looked up."""

    def __init__(self, *args, max_units: int, **kwargs):
        self.max_units = max_units
        super().__init__(*args, **kwargs)

    def clean(self, value):
        if value and isinstance(value, list | tuple) and len(value) > self.max_units:
            raise forms.ValidationError(
                _("Bind at most %(max)s units (you chose %(count)s): bind a unit higher up "
                  "instead, its subtree is included.")
                % {"max": self.max_units, "count": len(value)}, code="max_units")
        return super().clean(value)


class StandardUnitsForm(ModelForm):
    """Where a standard applies: the subtrees of the chosen units (within the coordinator's
    scope in the standard's campaign)."""

    units = UnitsField(
        label=_("Applies to the points of these units and the units below them"),
        queryset=None, required=False, max_units=MAX_STANDARD_UNITS,
        error_messages={
            "invalid_choice": _("Unit %(value)s is not one you coordinate in this standard's "
                                "campaign."),
            "invalid_pk_value": _("“%(pk)s” is not a unit id."),
        },
        widget=UnitCheckboxes,
    )

    class Meta:
        model = Standard
        fields = ["units"]

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["units"]
        field.queryset = units
        field.help_text = _("None chosen: the standard applies nowhere. Choose at most "
                            "%(max)s units.") % {"max": MAX_STANDARD_UNITS}
        # In tree order, indented below the highest listed level, so the tree reads as a list.
        units = list(units)
        top = min((tree.depth(unit.path) for unit in units), default=0)
        field.widget.choices = [(unit.pk, f"{unit.name} ({unit.code})", tree.depth(unit.path) - top)
                                for unit in units]
        self.listed_units = units

    def chosen_units(self) -> list[Unit]:
        """The units ticked now: the bound ones, or after a refused post the ones it ticked."""
        chosen = {str(value) for value in self["units"].value() or []}
        return [unit for unit in self.listed_units if str(unit.pk) in chosen]


class PointForm(ModelForm):
    class Meta:
        model = Point
        fields = ["code", "name", "kind", "unit", "address", "latitude", "longitude", "is_active"]

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units

    def clean(self):
        # The campaign comes from the unit, so the model's (campaign, code) check is skipped.
        data = super().clean()
        code, unit = data.get("code"), data.get("unit")
        if code and unit and Point.objects.filter(
                campaign_id=unit.campaign_id, code=code).exclude(pk=self.instance.pk).exists():
            self.add_error("code", _("This campaign already has a point with this code."))
        return data


class PointImportForm(Form):
    file = SheetFileField(label=_("File (.xlsx or .csv)"))


MAX_REPORT_PHOTOS = 6
MAX_REPORT_DESCRIPTION = 1000


class CitizenReportForm(LocationForm):
    category = forms.ModelChoiceField(
        label=_("What kind of problem is it?"), queryset=Category.objects.none(),
        empty_label=_("— choose —"))
    description = _text(_("What is the problem?"), max_length=MAX_REPORT_DESCRIPTION)
    location = forms.CharField(label=_("Where? (street, building, nearby landmark)"),
                               max_length=200)
    contact = forms.CharField(label=_("Phone or e-mail (optional)"), required=False, max_length=60)
    photos = PhotosField(label=_("Photos (at most 6)"), max_files=MAX_REPORT_PHOTOS)

    field_order = ["category", "description", "location", "latitude", "longitude", "photos",
                   "contact"]

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        # A citizen does not know coordinates: both optional, filled by the button or the map.
        for name, label in (("latitude", _("Latitude (optional)")),
                            ("longitude", _("Longitude (optional)"))):
            self.fields[name].label = label
        self.fields["longitude"].help_text = _(
            "Leave both empty, or tap “Use my location” to fill them in.")
        # The public categories of the campaign's standards in force; a campaign without any
        # asks for none.
        categories = services.public_categories(campaign)
        field = cast(forms.ModelChoiceField, self.fields["category"])
        field.queryset = categories
        if not categories.exists():
            del self.fields["category"]

    def note_dropped_photos(self) -> None:
        """A form sent back with errors cannot keep the chosen files (a browser never refills a
        file input): say so by the photos, or the report goes without them unnoticed."""
        if self.errors and self.files.getlist("photos"):
            # The bound field copied the help text when cleaning made it: set on both.
            self.fields["photos"].help_text = self["photos"].help_text = _(
                "The report was not sent, so the photos were not kept: please choose them again.")


class TrackForm(Form):
    code = forms.CharField(label=_("Tracking code"), max_length=16)


class CriterionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Criterion) -> str:
        return f"{obj.category.name} · {obj.name} ({services.criterion_period(obj)})"


class TriageForm(CountedDeadline):
    unit = forms.ModelChoiceField(label=_("Responsible unit"), queryset=Unit.objects.none(), required=False,
                                  widget=FastSelect)
    point = forms.ModelChoiceField(label=_("Point (optional)"), queryset=Point.objects.none(), required=False,
                                   widget=FastSelect)
    criterion = CriterionChoiceField(label=_("Criterion not met (optional)"),
                                     queryset=Criterion.objects.none(), required=False)
    title = forms.CharField(label=_("Item title"), max_length=200, required=False)
    deadline = DeadlineField(label=_("Deadline (empty: the criterion's default)"),
                             required=False)
    reason = forms.CharField(
        label=_("Reason (when rejecting)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to reject: the reporter reads it on the tracking page."))
    field_order = ["unit", "point", "criterion", "title", "deadline", *COUNT_FIELDS, "reason"]

    def __init__(self, *args, units, points, criteria, standalone_deadline: dt.datetime,
                 campaign=None, rejecting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        # Sent with the reject button: only the reason counts (and is required).
        self.rejecting = rejecting
        choices = cast(dict[str, forms.ModelChoiceField], self.fields)  # the three fields above
        choices["unit"].queryset = units
        choices["point"].queryset = points
        choices["criterion"].queryset = criteria
        # The default is counted when the item is filed, from the criterion chosen then.
        self.fields["deadline"].help_text = _(
            "Empty: the criterion's period counted from the moment the item is filed; without "
            "a criterion, until %(deadline)s."
        ) % {"deadline": timezone.localtime(standalone_deadline).strftime("%Y-%m-%d %H:%M")}

    def clean(self):
        data = super().clean()
        if self.rejecting:
            if not (data.get("reason") or "").strip() and "reason" not in self.errors:
                self.add_error("reason", _("Say why the report is rejected: the reporter "
                                           "reads this reason."))
            return data
        point, unit, criterion = data.get("point"), data.get("unit"), data.get("criterion")
        if point and unit and point.unit_id != unit.pk:
            self.add_error("point", _("This point belongs to %(unit)s.") % {"unit": point.unit})
        where = point.unit if point else unit
        if point and criterion and not criterion.applies_to(point.kind):
            self.add_error("criterion", _("This criterion does not apply to a %(kind)s.")
                           % {"kind": point.get_kind_display()})
        elif where and criterion and not Criterion.objects.for_unit(where).filter(
                pk=criterion.pk).exists():
            self.add_error("criterion", _("This criterion's standard does not apply to "
                                          "%(unit)s.") % {"unit": where})
        self.count_deadline(data, self.campaign, timezone.now())
        return data


class SupervisionRulesForm(forms.ModelForm):
    """A campaign's reminder and escalation rules (督办); the bounds are the model's validators,
    shown in the inputs too."""

    class Meta:
        model = SupervisionRules
        fields = ["remind_before_hours", "remind_on_day", "escalate_parent_after",
                  "escalate_leaders_after", "verify_after", "reroute_after", "triage_after",
                  "task_silent_days", "remind_behind_tasks", "remind_rework"]
        help_texts = {
            "remind_before_hours": _("The unit's staff are reminded once this many hours before "
                                     "each deadline (0 to 336; 0: no such reminder)."),
            "remind_on_day": _("The unit's staff are reminded early on the day a deadline falls."),
            "escalate_parent_after": _(
                "Working days after the deadline (0 to 60; 0: as soon as it passes) before the "
                "coordinators of the unit above are told; their work group too."),
            "escalate_leaders_after": _(
                "Working days after the deadline (0 to 60) before the leaders in charge (包联) "
                "of the unit are told; no sooner than the unit above."),
            "verify_after": _("Working days a submitted fix may wait (0 to 60) before the "
                              "nearest inspectors and coordinators above the unit are reminded."),
            "reroute_after": _("Working days an item sent back may wait (0 to 60) before the "
                               "coordinators above the unit are reminded to re-route it."),
            "triage_after": _("Working days a citizen report may wait (0 to 60) before the "
                              "campaign office is reminded to triage it."),
            "task_silent_days": _("Days without a progress report (0 to 90; 0: no such "
                                  "reminder) before the task's unit and its lead leader are "
                                  "reminded."),
            "remind_behind_tasks": _("The task's unit and its lead leader are reminded, at most "
                                     "once a week, while a task is behind schedule or late."),
            "remind_rework": _("The unit's staff are told when a fix is returned for rework."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            limits = [v.limit_value for v in SupervisionRules._meta.get_field(name).validators
                      if isinstance(v, MaxValueValidator)]
            if limits and isinstance(field, forms.IntegerField):
                field.min_value, field.max_value = 0, limits[0]
                field.widget.attrs.update(min=0, max=limits[0])
                field.validators.extend([MinValueValidator(0), MaxValueValidator(limits[0])])

    def clean(self):
        data = super().clean()
        parent, leaders = data.get("escalate_parent_after"), data.get("escalate_leaders_after")
        if parent is not None and leaders is not None and leaders < parent:
            self.add_error("escalate_leaders_after", _(
                "The leaders in charge are told no sooner than the unit above: give at least "
                "%(days)s working day(s).") % {"days": parent})
        return data
