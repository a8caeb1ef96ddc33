"""Forms of the notification pages: they check the shape of the input; the rules (the allow-list,
the bound per unit) are the services' and channels'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from campaign.notifications import channels
from campaign.notifications.enums import RobotKind
from campaign.notifications.models import NotificationPreference, UnitWebhook

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _styled(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs["class"] = "form-check-input"
        elif isinstance(widget, forms.Select):
            widget.attrs["class"] = "form-select"
        else:
            widget.attrs["class"] = "form-control"


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["by_email", "quiet_start", "quiet_end"]
        widgets = {"quiet_start": TIME, "quiet_end": TIME}
        help_texts = {"quiet_end": _("Messages by email that fall in the quiet hours wait for "
                                     "their end. The same time twice: no quiet hours.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)


class WebhookForm(forms.ModelForm):
    class Meta:
        model = UnitWebhook
        fields = ["kind", "url", "secret", "quiet_start", "quiet_end", "is_active"]
        widgets = {"quiet_start": TIME, "quiet_end": TIME,
                   "url": forms.URLInput(attrs={"autocomplete": "off"}),
                   "secret": forms.PasswordInput(attrs={"autocomplete": "off"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.TypedChoiceField)
        kind.choices = RobotKind.choices   # no empty choice: one of the two robots
        kind.initial = RobotKind.WECOM
        self.fields["url"].help_text = _("https only; the robot's host must be one of the allowed "
                                         "ones (the WeCom and DingTalk services by default).")
        _styled(self)

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        problem = channels.webhook_url_problem(url)
        if problem:
            raise forms.ValidationError(problem)
        return url

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("secret") and cleaned.get("kind") != RobotKind.DINGTALK:
            self.add_error("secret", _("Only DingTalk robots have a signing secret."))
        return cleaned
