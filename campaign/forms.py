from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# Django 6.1's blank choice of every select (django.db.models.fields.BLANK_CHOICE_LABEL) has no
# Chinese in Django's own catalogue; naming it here keeps it in ours, which LOCALE_PATHS puts
# first, so every select in the project shows it in Chinese.
gettext_noop("- Select an option -")


class BoundedUsernameMixin:
    """Django's AuthenticationForm sets the username's max_length (the User model's) after the
    field is made, so only the browser enforces it: a longer name reached authenticate(), and
    axes' AccessAttempt.username (255 characters) failed on PostgreSQL. Here the form refuses it,
    before anything is counted or stored."""

    fields: dict[str, forms.Field]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class LoginForm(BoundedUsernameMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Wrong username or password. Both are case-sensitive; after %(limit)s failed "
            "tries the account is locked for a while."
        ),
        "inactive": _("This account is switched off. Ask your campaign office."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget = forms.PasswordInput(attrs={"autocomplete": "current-password"})

    def get_invalid_login_error(self):
        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={"limit": settings.LOGIN_PAIR_LIMIT},
        )


class AdminLoginForm(BoundedUsernameMixin, AdminAuthenticationForm):
    """The admin's log-in (admin.site.login_form), with the same bound."""
