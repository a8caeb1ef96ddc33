from django.contrib.auth.forms import PasswordChangeForm


class OwnPasswordChangeForm(PasswordChangeForm):
    """Django's form (old password, new twice, the validators), styled as the site's forms."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"
