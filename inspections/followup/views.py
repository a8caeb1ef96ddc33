"""The follow-up pages. The reporter's answer and the public page need no account (the tracking
code is the reporter's key); the revisit list and publishing are the office's. Each view: scope
(404), right (403), form, one service call, message, redirect."""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from campaign.http import photo_response
from campaign.models import Photo
from inspections import forms as inspection_forms
from inspections import permissions
from inspections.enums import FeedbackRating
from inspections.followup import forms, services
from inspections.models import ReportFeedback
from inspections.views.reports import (
    over_rate_limit,
    public_campaign,
    track_context,
    tracked_report,
)

# Items the revisit list shows at once (the oldest closed first); the count says how many wait.
REVISITS_SHOWN = 100


def _track_url(code: str) -> str:
    return reverse("inspections:report-track") + "?code=" + code


def _track_page(request, report, feedback_form, status: int):
    return render(request, "inspections/report_track.html", {
        "form": inspection_forms.TrackForm(initial={"code": report.tracking_code}),
        **track_context(report), "feedback_form": feedback_form,
    }, status=status)


@login_not_required
@require_POST
def feedback_answer(request, code: str):
    """The reporter's answer to the follow-up, by the tracking code. Counted against the same
    hourly quota per address as the report form, once the answer is about to be stored."""
    report = tracked_report(code)
    if report is None:
        raise Http404
    form = forms.FeedbackForm(request.POST)
    reason = services.refusal(report)
    if reason:
        messages.error(request, reason)
        return _track_page(request, report, None, status=409)
    if not form.is_valid():
        return _track_page(request, report, form, status=400)
    if over_rate_limit(request):
        form.add_error(None, _("Too many answers from this address: please try again in an hour."))
        return _track_page(request, report, form, status=429)
    try:
        services.answer(report, rating=form.cleaned_data["rating"],
                        comment=form.cleaned_data["comment"])
    except services.FollowupError as error:
        messages.error(request, str(error))
        return _track_page(request, report, None, status=409)
    messages.success(request, _("Thank you for your answer."))
    return redirect(_track_url(report.tracking_code))


# ---- the office's revisit list (回访不满意) --------------------------------------------------

def _revisit_page(request, bound: dict | None = None, status: int = 200):
    user = request.user
    if not permissions.can_review_revisits(user):
        raise PermissionDenied
    waiting = permissions.revisits(user)
    items = list(waiting.select_related("unit").order_by("closed_at", "pk")[:REVISITS_SHOWN])
    answers = defaultdict(list)
    for feedback in ReportFeedback.objects.filter(
            report__item__in=[item.pk for item in items], rating=FeedbackRating.NOT_SATISFIED,
            reviewed_at__isnull=True).select_related("report").order_by("answered_at", "pk"):
        answers[feedback.report.item_id].append(feedback)
    bound = bound or {}
    rows = [{"item": item, "answers": answers[item.pk],
             "form": bound.get(item.pk) or forms.LookedAtForm(auto_id=f"id_{item.pk}_%s")}
            for item in items]
    total = len(items) if len(items) < REVISITS_SHOWN else waiting.count()
    return render(request, "inspections/revisit_list.html",
                  {"rows": rows, "total": total, "shown": REVISITS_SHOWN}, status=status)


@require_GET
def revisit_list(request):
    return _revisit_page(request)


@require_POST
def revisit_mark(request, pk: int):
    item = get_object_or_404(permissions.visible_rectifications(request.user), pk=pk)
    if not permissions.can_review_revisits(request.user):
        raise PermissionDenied
    form = forms.LookedAtForm(request.POST, auto_id=f"id_{item.pk}_%s")
    if not form.is_valid():
        return _revisit_page(request, {item.pk: form}, status=400)
    try:
        services.mark_looked_at(item, by=request.user, note=form.cleaned_data["note"])
    except services.FollowupError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(code)s marked as looked at.") % {"code": item.code})
    return redirect("inspections:revisit-list")


# ---- publishing a fix, and the public page ----------------------------------------------

@require_POST
def publish_fix(request, pk: int):
    """The item page's small form: publish the chosen before- and after-photo, or withdraw."""
    item = get_object_or_404(permissions.visible_rectifications(request.user), pk=pk)
    if not permissions.can_publish_fix(request.user, item):
        raise PermissionDenied
    if "withdraw" in request.POST:
        if services.withdraw(item):
            messages.success(request, _("The fix is no longer on the public page."))
        return redirect(item)
    form = forms.PublishForm(request.POST, before=services.before_photos(item),
                             after=services.after_photos(item))
    if not form.is_valid():
        messages.error(request, _("Choose one before-photo and one after-photo to publish."))
        return redirect(item)
    try:
        services.publish(item, before=form.cleaned_data["before"],
                         after=form.cleaned_data["after"], by=request.user)
    except services.FollowupError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The fix is on the public page of fixed reports."))
    return redirect(item)


@login_not_required
@require_GET
def fixed_list(request):
    """Reports fixed in the last FIXED_DAYS days whose photos the office published: category,
    district, date closed and the two photos, nothing that names a person."""
    campaign = public_campaign(request)
    fixes = services.recently_fixed(timezone.now(), campaign.pk)
    page = Paginator(fixes, services.FIXED_PAGE_SIZE).get_page(request.GET.get("page", "")[:6])
    districts = services.district_names([fix.item.unit for fix in page])
    rows = [{"fix": fix, "district": districts.get(fix.item.unit_id, ""),
             "category": (fix.item.criterion.category.name if fix.item.criterion
                          else fix.reported_category or "")} for fix in page]
    return render(request, "inspections/fixed_list.html", {
        "rows": rows, "page": page, "days": services.FIXED_DAYS, "campaign": campaign})


@login_not_required
@require_GET
def fixed_photo(request, pk: int):
    """A published photo of a recently fixed report; any other photo is not found."""
    if not services.is_public_photo(pk, timezone.now()):
        raise Http404
    return photo_response(get_object_or_404(Photo, pk=pk), thumb=True)
