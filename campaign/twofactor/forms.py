from django import forms
from django.utils.translation import gettext_lazy as _

from campaign.twofactor.services import RECOVERY_CODE, TOTP_CODE, normalise_code


class CodeForm(forms.Form):
    """A code at sign-in: six digits from the app, or a recovery code."""

    code = forms.CharField(
        label=_("Verification code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True,
                                      "autocapitalize": "none", "spellcheck": "false"}),
    )
    accepts_recovery_code = True

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if TOTP_CODE.fullmatch(code):
            return code
        if self.accepts_recovery_code and RECOVERY_CODE.fullmatch(code):
            return code
        if self.accepts_recovery_code:
            raise forms.ValidationError(
                _("Enter the 6-digit code from your authenticator app, or an 8-character recovery code."),
                code="format")
        raise forms.ValidationError(_("Enter the 6-digit code your authenticator app shows."),
                                    code="format")


class AppCodeForm(CodeForm):
    """A code from the app itself, to confirm the app being set up (a recovery code cannot)."""

    accepts_recovery_code = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update({"inputmode": "numeric", "maxlength": "7"})
