from django import forms
from django.utils.translation import gettext_lazy as _

from campaign.models import Photo
from inspections.enums import FeedbackRating
from inspections.forms import Form
from inspections.models import ReportFeedback


class FeedbackForm(Form):
    """The reporter's answer (回访), on the tracking page."""

    rating = forms.ChoiceField(label=_("Are you satisfied with how your report was handled?"),
                               choices=FeedbackRating.choices, widget=forms.RadioSelect,
                               error_messages={"required": _("Choose “satisfied”, “partly satisfied” "
                                                             "or “not satisfied”.")})
    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, max_length=ReportFeedback.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Here, not on the field: `%` on a lazy text translates it at import, in one language.
        self.fields["comment"].help_text = _(
            "At most %(count)s characters. Please do not write your name or phone number "
            "here.") % {"count": ReportFeedback.COMMENT_MAX}


class LookedAtForm(Form):
    """The office has looked again at an item a reporter was not satisfied with."""

    note = forms.CharField(label=_("What was found and done"), max_length=ReportFeedback.COMMENT_MAX,
                           widget=forms.Textarea(attrs={"rows": 2}))


class PhotoChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Photo) -> str:
        return _("Photo %(number)s") % {"number": obj.pk}


class PublishForm(Form):
    """Which before-photo and which after-photo of a fixed citizen report the public page shows."""

    before = PhotoChoiceField(label=_("Before-photo to publish"), queryset=Photo.objects.none(),
                              widget=forms.RadioSelect, empty_label=None)
    after = PhotoChoiceField(label=_("After-photo to publish"), queryset=Photo.objects.none(),
                             widget=forms.RadioSelect, empty_label=None)

    def __init__(self, *args, before, after, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["before"].queryset = before
        self.fields["after"].queryset = after
