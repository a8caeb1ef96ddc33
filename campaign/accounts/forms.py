from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError


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
