"""The notice pages: the list, issuing one, its page with the timeline and the steps, and the
A4 sheet. Each view: scope (404), right (403), form, one service call, message, redirect."""

import re
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from campaign import paging
from campaign.calendar import describe
from campaign.documents.http import docx_response, pdf_response
from campaign.permissions import visible_units
from campaign.photos import PhotoError
from campaign.tasks.permissions import visible_tasks
from inspections.enums import NoticeAction
from inspections.models import Notice
from inspections.notices import forms, permissions, services
from inspections.notices.documents import notice_document
from inspections.permissions import visible_rectifications

LIST_FIELDS = ("issued_at", "id")


def _id(value: str) -> int:
    """An id from a query parameter; anything but 1–18 ASCII digits is no id (0: not found)."""
    return int(value) if re.fullmatch(r"[0-9]{1,18}", value) else 0


def _scoped(user):
    return permissions.visible_notices(user).select_related("unit", "issuer")


@require_GET
def notice_list(request):
    user = request.user
    form = forms.NoticeFilterForm(request.GET or None,
                                  units=visible_units(user).order_by("campaign", "path"))
    notices = _scoped(user)
    if form.is_valid():
        if form.cleaned_data["status"]:
            notices = notices.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["unit"]:
            notices = notices.filter(unit=form.cleaned_data["unit"])
    size = paging.per_page(request.GET.get("per_page"))
    page = paging.keyset_page(notices, fields=LIST_FIELDS, descending=True,
                              cursor=request.GET.get("after", ""), size=size)
    now = timezone.now()
    for notice in page.rows:
        notice.late = notice.is_late(now)
    keep = {name: value for name, value in request.GET.items() if name != "after"}
    return render(request, "inspections/notice_list.html", {
        "form": form, "notices": page.rows, "now": now,
        "next_url": "?" + urlencode({**keep, "after": page.next_cursor}) if page.next_cursor else None,
        "first_url": "?" + urlencode(keep) if page.position else None,
        "count": None,
        "can_issue": permissions.can_issue_somewhere(user),
    })


def notice_create(request):
    """Issue a notice; from an item's or a task's page, that one is named already (?item=,
    ?task=) and its unit addressed."""
    user = request.user
    initial = {}
    named = None
    if item_pk := request.GET.get("item", ""):
        named = get_object_or_404(visible_rectifications(user).select_related("unit"),
                                  pk=_id(item_pk))
        initial = {"unit": named.unit, "item_codes": named.code, "subject": named.title}
    elif task_pk := request.GET.get("task", ""):
        named = get_object_or_404(visible_tasks(user).select_related("unit"),
                                  pk=_id(task_pk))
        initial = {"unit": named.unit, "task_codes": named.code, "subject": named.title}
    if named is not None and not permissions.can_issue(user, named.unit):
        raise PermissionDenied
    if named is None and not permissions.can_issue_somewhere(user):
        raise PermissionDenied
    form = forms.NoticeForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notice = services.issue_notice(
                unit=data["unit"], subject=data["subject"], body=data["body"], by=user,
                items=data["items"], tasks=data["tasks"], **form.reply_arguments(),
            )
        except services.NoticeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Notice %(code)s issued.") % {"code": notice.code})
            return redirect(notice)
    return render(request, "inspections/notice_form.html", {"form": form, "named": named},
                  status=400 if form.is_bound else 200)


def _notice(request, pk: int) -> Notice:
    return get_object_or_404(_scoped(request.user).select_related("campaign", "issued_by"), pk=pk)


def _named(notice: Notice):
    items = list(notice.rectifications.select_related("unit").order_by("code"))
    tasks = list(notice.tasks.select_related("unit").order_by("code"))
    return items, tasks


def _detail(request, notice: Notice, *, bound: dict | None = None, status: int = 200):
    user = request.user
    bound = bound or {}
    now = timezone.now()
    items, tasks = _named(notice)
    replies = notice.replies.select_related("by").prefetch_related("photos").order_by(
        "at", "pk")
    may_reply = permissions.can_reply(user, notice)
    may_decide = permissions.can_decide(user, notice)
    steps = {
        "reply": may_reply and services.allowed(notice, NoticeAction.REPLIED),
        "return": may_decide and services.allowed(notice, NoticeAction.RETURNED),
        "close": may_decide and services.allowed(notice, NoticeAction.CLOSED),
    }
    return render(request, "inspections/notice_detail.html", {
        "notice": notice, "items": items, "tasks": tasks, "replies": replies,
        "events": notice.events.select_related("actor").order_by("at", "pk"),
        "late": notice.is_late(now), "steps": steps,
        # "3 个工作日" beside the date, when it was counted.
        "reply_period": (describe(notice.reply_days, notice.reply_count)
                         if notice.reply_days is not None else ""),
        "reply_form": bound.get("reply") or forms.ReplyForm(auto_id="id_reply_%s"),
        "return_form": bound.get("return") or forms.ReturnForm(auto_id="id_return_%s"),
        "close_form": bound.get("close") or forms.CloseForm(auto_id="id_close_%s"),
    }, status=status)


@require_GET
def notice_detail(request, pk: int):
    return _detail(request, _notice(request, pk))


@require_GET
def notice_print(request, pk: int):
    """The notice on A4 paper, as it is sent: number, addressee, subject, text, the items and
    tasks named, the reply date, the issuing unit and date."""
    notice = _notice(request, pk)
    items, tasks = _named(notice)
    return render(request, "inspections/notice_print.html",
                  {"notice": notice, "items": items, "tasks": tasks})


def _document(request, pk: int) -> tuple[bytes, str]:
    notice = _notice(request, pk)
    items, tasks = _named(notice)
    name = _("supervision-notice") + f"-{notice.code}"
    return notice_document(notice, items, tasks).to_bytes(), name


@require_GET
def notice_docx(request, pk: int):
    """The notice as an official document (GB/T 9704—2012), for WPS or Word."""
    data, name = _document(request, pk)
    return docx_response(data, filename=f"{name}.docx")


@require_GET
def notice_pdf(request, pk: int):
    """The same document as PDF; 503 offering the .docx when this server cannot make it."""
    data, name = _document(request, pk)
    return pdf_response(request, data, filename=f"{name}.pdf",
                        docx_url=reverse("inspections:notice-docx", args=[pk]))


def _step(request, pk: int, *, name: str, may, form_class, run):
    notice = _notice(request, pk)
    if not may(request.user, notice):
        raise PermissionDenied
    form = form_class(request.POST, request.FILES, auto_id=f"id_{name}_%s")
    if not form.is_valid():
        # No flash message: the form's error summary says it and takes the focus (one alert).
        return _detail(request, notice, bound={name: form}, status=400)
    try:
        run(notice, form)
    except (services.NoticeError, PhotoError) as error:
        messages.error(request, str(error))
        form.add_error(None, str(error))
        notice.refresh_from_db()
        return _detail(request, notice, bound={name: form}, status=409)
    return redirect(notice)


@require_POST
def notice_reply(request, pk: int):
    def run(notice, form):
        services.reply_notice(notice, text=form.cleaned_data["text"], by=request.user,
                              uploads=form.cleaned_data["photos"])
        messages.success(request, _("Your reply to %(code)s was sent.") % {"code": notice.code})

    return _step(request, pk, name="reply", may=permissions.can_reply, form_class=forms.ReplyForm,
                 run=run)


@require_POST
def notice_return(request, pk: int):
    def run(notice, form):
        services.return_reply(notice, reason=form.cleaned_data["reason"], by=request.user,
                              **form.reply_arguments())
        messages.success(request, _("The reply to %(code)s was not accepted; the unit replies "
                                    "again.") % {"code": notice.code})

    return _step(request, pk, name="return", may=permissions.can_decide,
                 form_class=forms.ReturnForm, run=run)


@require_POST
def notice_close(request, pk: int):
    def run(notice, form):
        services.close_notice(notice, note=form.cleaned_data["note"], by=request.user)
        messages.success(request, _("Notice %(code)s closed.") % {"code": notice.code})

    return _step(request, pk, name="close", may=permissions.can_decide,
                 form_class=forms.CloseForm, run=run)
