"""Forms for tasks and progress reports: they check the shape of the input only; the rules
live in campaign.tasks.services, whose TaskError the views show on the form."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from campaign.calendar import MAX_DAYS, Period, UnknownYear
from campaign.enums import DayCount, TaskCategory
from campaign.importing import SheetFileField
from campaign.models import Unit, User
from campaign.tasks.services import counted_due

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def styled(form: forms.BaseForm, small: bool = False) -> None:
    """Bootstrap classes on every widget."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.Select):
            css = "form-select"
        elif isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        else:
            css = "form-control"
        if small and css != "form-check-input":
            css += f" {css}-sm"
        widget.attrs["class"] = css


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{'　' * obj.depth}{obj.name}"


class TaskForm(forms.Form):
    unit = UnitChoiceField(label=_("Responsible unit"), queryset=Unit.objects.none())
    title = forms.CharField(label=pgettext_lazy("task", "Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    category = forms.ChoiceField(label=_("Category"), choices=TaskCategory.choices)
    start = forms.DateField(label=_("Start date"), widget=DATE)
    due = forms.DateField(label=_("Due date"), widget=DATE, required=False)
    due_days = forms.IntegerField(
        label=_("Or count days from the start date"), min_value=0, max_value=MAX_DAYS,
        required=False, widget=forms.NumberInput(attrs={"min": 0, "max": MAX_DAYS, "step": 1}),
        help_text=_("A number of days, when given, wins over the due date above: the due date "
                    "is the last day counted after the start date."))
    due_count = forms.ChoiceField(label=_("counted in"), choices=DayCount.choices,
                                  initial=DayCount.NATURAL, required=False)
    target = forms.DecimalField(label=_("Target quantity"), max_digits=12, decimal_places=2,
                                min_value=Decimal("0.01"))
    measure = forms.CharField(label=_("Unit of measure"), max_length=20,
                              help_text=_("For example 条, 个, 处, 平方米 or %."))
    lead = forms.ModelChoiceField(label=_("Lead leader"), queryset=User.objects.none(), required=False)

    def __init__(self, *args, units, leaders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["lead"].queryset = leaders
        styled(self)

    def clean(self):
        """The due date picked, or counted from the start (the count wins); the service gets
        `due_period` (None: picked) in place of the two count fields."""
        data = super().clean()
        days, count = data.pop("due_days", None), data.pop("due_count", "") or DayCount.NATURAL
        data["due_period"] = None
        if days is not None and data.get("start") and data.get("unit"):
            period = Period(days, count)
            try:
                data["due"] = counted_due(data["unit"].campaign, data["start"], period)
            except UnknownYear as error:
                self.add_error("due_days", str(error))
            else:
                self.errors.pop("due", None)
                data["due_period"] = period
        elif days is None and data.get("due") is None and not self.has_error("due"):
            self.add_error("due", _("Pick the due date or count it in days from the start date."))
        if data.get("start") and data.get("due") and data["due"] < data["start"]:
            self.add_error("due", _("The due date is before the start date."))
        return data


class SplitChildForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    target = forms.DecimalField(label=_("Target"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    title = forms.CharField(label=_("Title (optional)"), max_length=200, required=False)
    due = forms.DateField(label=_("Due date (optional)"), required=False, widget=DATE)
    lead = forms.ModelChoiceField(label=_("Lead leader"), queryset=User.objects.none(), required=False)

    def __init__(self, *args, units, leaders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["lead"].queryset = leaders
        styled(self, small=True)


class BaseSplitFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        filled = [form for form in self.forms if form.has_changed() and form.cleaned_data]
        if not filled:
            raise forms.ValidationError(_("Fill in at least one child task."))


def split_formset(rows: int):
    """A formset class showing `rows` empty child rows (a POST brings its own count)."""
    return forms.formset_factory(SplitChildForm, formset=BaseSplitFormSet, extra=rows, max_num=30,
                                 absolute_max=30, validate_max=True)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*", "multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if len(files) > 6:
            raise forms.ValidationError(_("Send at most 6 photos with one report."))
        return [super(MultiplePhotoField, self).clean(file, initial) for file in files]


class ProgressForm(forms.Form):
    quantity = forms.DecimalField(label=_("Quantity done"), max_digits=12, decimal_places=2,
                                  min_value=Decimal("0"),
                                  help_text=_("Done since the last report, not the running total."))
    reported_on = forms.DateField(label=_("Date of the work"), widget=DATE)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    over_target_reason = forms.CharField(
        label=_("Reason for going past the target"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed only when the total done would pass the target."),
    )
    photos = MultiplePhotoField(label=_("Photos"), required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"reported_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        styled(self)


class ImportForm(forms.Form):
    unit = UnitChoiceField(label=_("Import under unit"), queryset=Unit.objects.none())
    file = SheetFileField(label=_("Task list (.xlsx or .csv)"))

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        styled(self)

