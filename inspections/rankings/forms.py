from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from campaign.models import Campaign


class ReviseBulletinForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the correction"), max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the bulletin with the new revision."),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("A correction needs a reason."))
        return reason


# Upper bounds that keep the settings meaningful (and the look-back of a streak finite): two
# years of months, a watch list of at most 20 places, at most 100 visits a month to be ranked.
MAX_STREAK_K = 24
MAX_BOTTOM_N = 20
MAX_MIN_SAMPLE = 100
# A recurrence costs at most 10 points; the window is at most a year (the model's validators).
MAX_RECURRENCE_DEDUCTION = 10
MAX_RECURRENCE_DAYS = 365
# Added after the others (issue 17): a form sent without them (a page loaded before they existed,
# a script) keeps them as stored rather than refusing the other settings. Sent blank, they are
# refused: the page shows the stored value, and a person who clears one means something else.
KEPT_WHEN_MISSING = ("recurrence_deduction", "recurrence_days", "photo_distance_m")


class ScoringSettingsForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, most in [("streak_k", MAX_STREAK_K), ("bottom_n", MAX_BOTTOM_N),
                           ("min_sample", MAX_MIN_SAMPLE)]:
            field = self.fields[name]
            field.max_value = most
            field.validators.append(MaxValueValidator(most))
            field.widget.attrs.update(step=1, min=1, max=most)
        # Django's own message for 0.123 counts digits ("at most 3 digits"); people think in decimals.
        two_decimals = _("Give the weight with at most two decimals, between 0 and 1 (e.g. 0.80).")
        self.fields["inspection_weight"].error_messages.update(
            max_digits=two_decimals, max_decimal_places=two_decimals, max_whole_digits=two_decimals)
        points = _("Give the points with at most two decimals, between 0 and %(most)s (e.g. 0.50).") % {
            "most": MAX_RECURRENCE_DEDUCTION}
        self.fields["recurrence_deduction"].error_messages.update(
            max_digits=points, max_decimal_places=points, max_whole_digits=points)
        # The browser's own bounds, as the form's (the template reads them from the widget).
        for name, (step, least, most) in {
            "inspection_weight": ("0.01", 0, 1),
            "recurrence_deduction": ("0.01", 0, MAX_RECURRENCE_DEDUCTION),
            "recurrence_days": (1, 1, MAX_RECURRENCE_DAYS),
            "photo_distance_m": (1, 10, 5000),
        }.items():
            self.fields[name].widget.attrs.update(step=step, min=least, max=most)
        self.fields["recurrence_deduction"].error_messages["required"] = _(
            "Give the points taken off per recurrence, between 0 and %(most)s; 0 turns the "
            "deduction off.") % {"most": MAX_RECURRENCE_DEDUCTION}
        self.fields["recurrence_days"].error_messages["required"] = _(
            "Give the number of days, between 1 and %(most)s.") % {"most": MAX_RECURRENCE_DAYS}
        self.fields["photo_distance_m"].error_messages["required"] = _(
            "Give the distance in metres, between 10 and 5000.")
        self.missing = [name for name in KEPT_WHEN_MISSING
                        if self.is_bound and name not in self.data]
        for name in self.missing:
            self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        for name in self.missing:
            cleaned[name] = getattr(self.instance, name)
        return cleaned

    class Meta:
        model = Campaign
        fields = Campaign.RULE_SETTINGS
        help_texts = {
            "inspection_weight": _("Between 0 and 1; the on-time rate weighs 1 minus this."),
            "min_sample": _("Units with fewer visits in a month are listed but not ranked."),
            "bottom_n": _("How many places at the top and bottom make the red and warning lists."),
            "streak_k": _("Months in a row in the bottom N before a unit is flagged."),
            "recurrence_deduction": _("Taken off a unit's monthly score for each recurrence filed "
                                      "that month in its area; 0: recurrences cost nothing."),
            "recurrence_days": _("A problem found again at the same point within this many days "
                                 "after its item was closed is flagged as a recurrence (复发). "
                                 "A change applies to items filed from then on; items already "
                                 "filed keep their flag."),
            "photo_distance_m": _("An after-photo taken further than this from the item's point "
                                  "is shown to the verifier as a warning (10 to 5000)."),
        }
