"""The start form of a mock evaluation: validates input only."""

from django import forms
from django.utils.translation import gettext_lazy as _

from inspections.forms import RoundPeriodForm
from inspections.mock.services import MAX_SAMPLE


class MockEvaluationForm(RoundPeriodForm):
    """A round's subtree, name and period, and how many points to draw (the seed is always new)."""

    sample_size = forms.IntegerField(label=_("Points to draw"), min_value=1,
                                     max_value=MAX_SAMPLE, initial=100)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, units=units, **kwargs)
        self.fields["unit"].label = _("Units evaluated (subtree of)")
