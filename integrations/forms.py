from django import forms
from django.utils.translation import gettext_lazy as _

from campaign.models import Unit, User
from campaign.permissions import visible_units
from inspections.forms import Form
from integrations.models import ApiToken, TokenAccess


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.campaign.name} · {'— ' * obj.depth}{obj.name} ({obj.code})"


class TokenForm(Form):   # the site's styled form: Bootstrap classes, 44 px controls on a phone
    name = forms.CharField(label=_("Name"), max_length=ApiToken._meta.get_field("name").max_length,
                           help_text=_("The system that will use it, e.g. 12345 hotline."))
    account = forms.CharField(label=_("Acts as (username)"), max_length=150,
                              help_text=_("The token reads and writes as this account may."))
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none(),
                           help_text=_("The token sees this unit and the units below it only."))
    access = forms.ChoiceField(label=_("Access"), choices=TokenAccess.choices,
                               initial=TokenAccess.READ, widget=forms.RadioSelect)

    def __init__(self, *args, by: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.by = by
        unit = self.fields["unit"]
        assert isinstance(unit, UnitChoiceField)
        unit.queryset = Unit.objects.select_related("campaign").order_by(
            "campaign_id", "path")

    def clean_account(self) -> User:
        username = self.cleaned_data["account"].strip()
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No active account has this username."))
        if user.is_superuser and not self.by.is_superuser:
            # A token acts as its account: an administrator who is no superuser would gain a
            # superuser's reach through it.
            raise forms.ValidationError(_("Only a superuser may issue a token that acts as a "
                                          "superuser."))
        return user

    def clean(self):
        data = super().clean()
        user, unit = data.get("account"), data.get("unit")
        if user is not None and unit is not None and not visible_units(user).filter(pk=unit.pk).exists():
            self.add_error("unit", _("%(account)s does not see this unit: the token would see "
                                     "nothing.") % {"account": user.get_username()})
        return data
