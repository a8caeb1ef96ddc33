from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_noop, ngettext_lazy

# Django's Chinese for its password validators and password change form says 你, where the site
# says 您: naming their messages here keeps them in our catalogue, which LOCALE_PATHS puts first.
gettext_noop("Your password can’t be too similar to your other personal information.")
gettext_noop("The password is too similar to the %(verbose_name)s.")
gettext_noop("Your password can’t be a commonly used password.")
gettext_noop("This password is too common.")
gettext_noop("Your password can’t be entirely numeric.")
gettext_noop("This password is entirely numeric.")
gettext_noop("Your old password was entered incorrectly. Please enter it again.")
ngettext_lazy("Your password must contain at least %(min_length)d character.",
              "Your password must contain at least %(min_length)d characters.", "min_length")
ngettext_lazy("This password is too short. It must contain at least %d character.",
              "This password is too short. It must contain at least %d characters.", "min_length")


class OwnPasswordChangeForm(PasswordChangeForm):
    """Django's form (old password, new twice, the validators), styled as the site's forms. A
    wrong current password is a failed log-in (Django's user_login_failed): axes counts it, the
    audit records it."""

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"

    def clean_old_password(self):
        try:
            return super().clean_old_password()
        except ValidationError:
            user_login_failed.send(sender=__name__, request=self.request,
                                   credentials={"username": self.user.get_username()})
            self.wrong_old_password = True
            raise

    wrong_old_password = False
