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


class ScoringSettingsForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, most in [("streak_k", MAX_STREAK_K), ("bottom_n", MAX_BOTTOM_N),
                           ("min_sample", MAX_MIN_SAMPLE)]:
            field = self.fields[name]
            field.max_value = most
            field.validators.append(MaxValueValidator(most))
            field.widget.attrs["max"] = most
        # Django's own message for 0.123 counts digits ("at most 3 digits"); people think in decimals.
        two_decimals = _("Give the weight with at most two decimals, between 0 and 1 (e.g. 0.80).")
        self.fields["inspection_weight"].error_messages.update(
            max_digits=two_decimals, max_decimal_places=two_decimals, max_whole_digits=two_decimals)

    class Meta:
        model = Campaign
        fields = Campaign.SCORING_SETTINGS
        help_texts = {
            "inspection_weight": _("Between 0 and 1; the on-time rate weighs 1 minus this."),
            "min_sample": _("Units with fewer visits in a month are listed but not ranked."),
            "bottom_n": _("How many places at the top and bottom make the red and warning lists."),
            "streak_k": _("Months in a row in the bottom N before a unit is flagged."),
        }
