"""The notice's forms: they read and bound the input; the services decide."""

import re
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from campaign.enums import DayCount
from campaign.models import Unit, User
from campaign.tasks.permissions import visible_tasks
from inspections.enums import NoticeStatus
from inspections.forms import DATETIME_WIDGET, Form, PhotosField
from inspections.notices import permissions
from inspections.notices.services import MAX_ITEMS, MAX_PHOTOS, MAX_TASKS
from inspections.permissions import visible_rectifications
from inspections.widgets import FastSelect

CODE_SEPARATORS = re.compile(r"[\s,，、;；]+")


def _text(label, *, required=True, rows=3, max_length=2000):
    return forms.CharField(label=label, required=required, max_length=max_length,
                           widget=forms.Textarea(attrs={"rows": rows}))


def _codes(raw: str, limit: int, message) -> list[str]:
    codes = list(dict.fromkeys(code for code in CODE_SEPARATORS.split(raw or "") if code))
    if len(codes) > limit:
        raise forms.ValidationError(message % {"max": limit, "count": len(codes)})
    return codes


class ReplyDateForm(Form):
    """A reply date: picked, or counted as N natural or working days from now."""

    reply_by = forms.DateTimeField(label=_("Reply by"), required=False, widget=DATETIME_WIDGET)
    reply_days = forms.IntegerField(
        label=_("Or: days to reply"), required=False, min_value=0, max_value=366,
        help_text=_("Counted from now; the reply date is the end of the last day. When both are "
                    "given, the count wins."),
    )
    reply_count = forms.ChoiceField(label=_("Days counted in"), choices=DayCount.choices,
                                    initial=DayCount.WORKING)

    def clean(self):
        data = super().clean()
        unread = "reply_by" in self.errors or "reply_days" in self.errors
        if not unread and data.get("reply_by") is None and data.get("reply_days") is None:
            self.add_error("reply_by", _("Give a reply date, or a number of days to reply."))
        return data

    def reply_arguments(self) -> dict:
        data = self.cleaned_data
        # The count wins over a picked date, as on the items' and tasks' forms.
        if data["reply_days"] is not None:
            return {"reply_days": data["reply_days"], "reply_count": data["reply_count"]}
        return {"reply_by": data["reply_by"]}


class UnitTreeChoiceField(forms.ModelChoiceField):
    """Units in tree order, each indented by its depth (full-width spaces, which a select keeps):
    a city's thousand units, many named alike, read as the tree they are."""

    def label_from_instance(self, obj: Unit) -> str:
        return "\u3000" * obj.depth + obj.name


class NoticeForm(ReplyDateForm):
    unit = UnitTreeChoiceField(label=_("Addressed to"), queryset=Unit.objects.none(),
                               widget=FastSelect)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = _text(_("Text"), rows=6, max_length=5000)
    item_codes = _text(_("Items (codes)"), required=False, rows=2, max_length=2000)
    task_codes = _text(_("Tasks (codes)"), required=False, rows=2, max_length=1000)
    field_order = ["unit", "subject", "body", "item_codes", "task_codes", "reply_by",
                   "reply_days", "reply_count"]

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        unit = cast(forms.ModelChoiceField, self.fields["unit"])
        unit.queryset = permissions.issuing_targets(user).order_by("campaign", "path")
        self.fields["item_codes"].help_text = _(
            "One code per line or separated by commas; at most %(max)s.") % {"max": MAX_ITEMS}
        self.fields["task_codes"].help_text = _(
            "One code per line or separated by commas; at most %(max)s.") % {"max": MAX_TASKS}

    def clean_item_codes(self):
        return _codes(self.cleaned_data["item_codes"], MAX_ITEMS,
                      _("A notice can name at most %(max)s items (you chose %(count)s)."))

    def clean_task_codes(self):
        return _codes(self.cleaned_data["task_codes"], MAX_TASKS,
                      _("A notice can name at most %(max)s tasks (you chose %(count)s)."))

    def clean(self):
        data = super().clean()
        unit = data.get("unit")
        if unit is None:
            return data
        codes = data.get("item_codes") or []
        found = {item.code: item for item in
                 visible_rectifications(self.user).filter(code__in=codes, campaign_id=unit.campaign_id)}
        if missing := [code for code in codes if code not in found]:
            self.add_error("item_codes", _("No such item: %(codes)s.") % {"codes": ", ".join(missing)})
        data["items"] = [found[code] for code in codes if code in found]
        codes = data.get("task_codes") or []
        tasks = {task.code: task for task in
                 visible_tasks(self.user).filter(code__in=codes, campaign_id=unit.campaign_id)}
        if missing := [code for code in codes if code not in tasks]:
            self.add_error("task_codes", _("No such task: %(codes)s.") % {"codes": ", ".join(missing)})
        data["tasks"] = [tasks[code] for code in codes if code in tasks]
        return data


class ReplyForm(Form):
    text = _text(_("Reply"), rows=4)
    photos = PhotosField(label=_("Photos"), required=False, max_files=MAX_PHOTOS)


class ReturnForm(ReplyDateForm):
    reason = _text(_("Why the reply is not accepted"), rows=2)
    field_order = ["reason", "reply_by", "reply_days", "reply_count"]


class CloseForm(Form):
    note = _text(_("Note"), required=False, rows=2)


class NoticeFilterForm(Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", "—"), *NoticeStatus.choices])
    unit = forms.ModelChoiceField(label=_("Addressed to"), required=False,
                                  queryset=Unit.objects.none())

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"
