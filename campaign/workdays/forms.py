"""The calendar page's forms: they validate input only (campaign.workdays.services decides)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from campaign.workdays.services import MAX_NOTE

DAY_KINDS = [("off", _("Day off (holiday, local day off)")),
             ("working", _("Working day (make-up day, 调休)"))]


class CalendarDayForm(forms.Form):
    day = forms.DateField(label=_("Day"),
                          widget=forms.DateInput(attrs={"type": "date", "class": "form-control"},
                                                 format="%Y-%m-%d"))
    kind = forms.ChoiceField(label=_("The day is"), choices=DAY_KINDS, initial="off",
                             widget=forms.Select(attrs={"class": "form-select"}))
    note = forms.CharField(label=_("Note (e.g. 春节)"), required=False, max_length=MAX_NOTE,
                           widget=forms.TextInput(attrs={"class": "form-control"}))


class DayForm(forms.Form):
    day = forms.DateField()


class YearForm(forms.Form):
    year = forms.IntegerField(min_value=1, max_value=9999)
