from django import forms
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


class ScoringSettingsForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["inspection_weight", "min_sample", "bottom_n", "streak_k"]
        help_texts = {
            "inspection_weight": _("Between 0 and 1; the on-time rate weighs 1 minus this."),
            "min_sample": _("Units with fewer visits in a month are listed but not ranked."),
            "bottom_n": _("How many places at the top and bottom make the red and warning lists."),
            "streak_k": _("Months in a row in the bottom N before a unit is flagged."),
        }
