"""Rectification items: the lists and the ledger, the item page and its workflow steps."""

import csv
import datetime as dt
import io
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from campaign import geo, paging
from campaign.calendar import UnknownYear, calendar_warnings
from campaign.http import xlsx_download
from campaign.models import Campaign
from campaign.offline.idempotency import idempotent
from campaign.paging import capped_count
from campaign.permissions import user_roles, visible_points
from campaign.photos import PhotoError
from campaign.routers import reads_replica
from inspections import forms, permissions, plausibility, recurrence, services, workflow
from inspections.enums import EventAction as A
from inspections.enums import RectificationStatus as S
from inspections.filters import DUE_SOON_DAYS, RectificationFilter
from inspections.models import Rectification, due_soon_q, overdue_q
from inspections.notices import permissions as notice_permissions
from inspections.tables import SORTS, LedgerTable, RectificationTable, ledger_rows, page_rows

LEDGER_EXPORT_MAX = 200_000

def _scoped(user):
    # Related rows are fetched for the page's rows afterwards (prefetch), never joined: a join
    # in the page's query leads SQLite's planner to read every item of every unit and sort them.
    return permissions.visible_rectifications(user).prefetch_related("unit")


def _sort(request) -> tuple[str, bool]:
    raw = request.GET.get("sort", "-created_at")
    descending = raw.startswith("-")
    key = raw.lstrip("-")
    if key not in SORTS:
        return "created_at", True
    return key, descending


def _list_context(request, *, queryset, table_class):
    """Filter, sort and cut one keyset page; counts only a filtered list, and caps the count."""
    filterset = RectificationFilter(request.GET or None, queryset=queryset, user=request.user)
    if filterset.is_bound and not filterset.form.is_valid():
        for field, errors in filterset.form.errors.items():
            label = filterset.form.fields[field].label if field in filterset.form.fields else ""
            messages.warning(request, f"{label}: {' '.join(errors)}")
    items = filterset.qs
    key, descending = _sort(request)
    size = paging.per_page(request.GET.get("per_page"))
    page = paging.keyset_page(items, fields=SORTS[key], descending=descending,
                              cursor=request.GET.get("after", ""), size=size)
    now = timezone.now()
    rows = page_rows(page.rows, now, ledger=issubclass(table_class, LedgerTable))
    count = None
    if filterset.active():
        count = capped_count(items)
    keep = {name: value for name, value in request.GET.items() if name not in ("after",)}
    next_url = "?" + urlencode({**keep, "after": page.next_cursor}) if page.next_cursor else None
    first_url = "?" + urlencode(keep) if page.position else None
    headers = []
    for column in table_class([]).columns:
        link = None
        if column.name in SORTS:
            flip = "" if (key == column.name and descending) else "-"
            link = "?" + urlencode({**{n: v for n, v in keep.items() if n != "sort"},
                                     "sort": f"{flip}{column.name}"})
        headers.append({"name": column.name, "header": column.header, "link": link,
                        "active": key == column.name, "descending": descending})
    export_query = urlencode({n: v for n, v in keep.items() if n not in ("per_page", "sort")})
    return {
        "filter": filterset, "rows": rows, "headers": headers, "count": count,
        "count_capped": count is not None and count > paging.COUNT_CAP, "count_cap": paging.COUNT_CAP,
        "next_url": next_url, "first_url": first_url, "per_page": size,
        "per_page_choices": paging.PER_PAGE_CHOICES, "export_query": export_query,
        "roles": user_roles(request.user), "now": now,
    }


def _quick_counts(queryset) -> dict[str, int]:
    """The quick-filter buttons' counts, each capped like the list's count (COUNT_CAP + 1 means
    "more than COUNT_CAP"): a capped count reads at most that many rows of an index, so the page
    costs the same for a lane office and for a city with 400,000 pending items."""
    now = timezone.now()
    soon = now + dt.timedelta(days=DUE_SOON_DAYS)
    buckets = {
        "open": Q(status=S.OPEN),
        "due_soon": due_soon_q(now, soon),
        "overdue": overdue_q(now),
        "rework": Q(status=S.REWORK),
    }
    return {name: capped_count(queryset.filter(bucket))
            for name, bucket in buckets.items()}


def rectification_list(request):
    context = _list_context(request, queryset=_scoped(request.user), table_class=RectificationTable)
    context["quick"] = _quick_counts(permissions.visible_rectifications(request.user))
    context["can_triage_reports"] = permissions.can_triage_reports(request.user)
    context["can_file_items"] = permissions.can_inspect_somewhere(request.user)
    context["bulk"] = permissions.can_take_steps_somewhere(request.user)
    context["query"] = request.GET.urlencode()
    return render(request, "inspections/rectification_list.html", context)


def _ledger_queryset(user):
    return _scoped(user).prefetch_related("point", "criterion__category")


def rectification_ledger(request):
    context = _list_context(request, queryset=_ledger_queryset(request.user),
                            table_class=LedgerTable)
    return render(request, "inspections/rectification_ledger.html", context)


@reads_replica
def rectification_ledger_export(request, fmt: str):
    """The ledger (台账) with the page's filters, as CSV (streamed) or XLSX."""
    filterset = RectificationFilter(request.GET or None, queryset=_ledger_queryset(request.user),
                                    user=request.user)
    if filterset.is_bound and not filterset.form.is_valid():
        # A filter that cannot be read must not widen the export to everything: show the
        # ledger page with the errors instead.
        messages.error(request, _("Nothing was exported: correct the filters first."))
        context = _list_context(request, queryset=_ledger_queryset(request.user),
                                table_class=LedgerTable)
        return render(request, "inspections/rectification_ledger.html", context, status=400)
    # The rows are chosen by their keys, then read: sorting every item in scope with all the
    # joined columns of a row costs several times sorting the keys (SQLite, a million items).
    chosen = filterset.qs.order_by("-created_at", "-id").values("pk")[:LEDGER_EXPORT_MAX]
    rows = ledger_rows(Rectification.objects.filter(pk__in=chosen).order_by("-created_at", "-id"),
                       permissions.visible_rectifications(request.user))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        stream = StreamingHttpResponse(_csv_chunks(rows), content_type="text/csv; charset=utf-8")
        stream["Content-Disposition"] = f'attachment; filename="ledger-{stamp}.csv"'
        return stream
    return xlsx_download(rows, name="ledger", sheet=_("Ledger"))


CSV_CHUNK_ROWS = 1000


def _csv_chunks(rows):
    """The CSV a thousand rows at a time: one write per row would cost a send per row."""
    buffer = io.StringIO()
    buffer.write("\ufeff")   # Excel opens UTF-8 Chinese text right only with the BOM
    writer = csv.writer(buffer)
    for number, row in enumerate(rows, start=1):
        writer.writerow(row)
        if number % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


# ---- the item page ------------------------------------------------------------------------

EXTENSION_DAYS = dt.timedelta(days=3)
# How each step's button reads on the page (presentation only; the steps are workflow.STEPS).
BUTTONS: dict[str, str] = {
    A.ACKNOWLEDGED: "btn-primary", A.SUBMITTED: "btn-success", A.SENT_BACK: "btn-outline-dark",
    A.CLOSED: "btn-success", A.RETURNED: "btn-warning", A.VOIDED: "btn-outline-danger",
}


def _step_form(step: workflow.Step, user, item, data=None, files=None, initial=None):
    form_class = import_string(step.form)
    kwargs: dict[str, Any] = {"initial": {**(initial or {}), "version": item.version}}
    if issubclass(form_class, forms.RerouteForm):
        kwargs["units"] = permissions.reroute_targets(user, item).exclude(
            pk=item.unit_id).order_by("path")
    if issubclass(form_class, forms.HandOverForm):
        kwargs["current"], kwargs["campaign"] = item.deadline, item.campaign
        try:
            kwargs["offered"] = services.offered_deadline(item, timezone.now())
        except UnknownYear:
            # The criterion's period cannot be counted (the page warns): nothing is offered, a
            # date or a count in natural days is still accepted.
            kwargs["offered"] = item.deadline
        kwargs["offered_period"] = services.deadline_period(item.criterion)
    if issubclass(form_class, forms.ExtendForm):
        kwargs["current"], kwargs["campaign"] = item.deadline, item.campaign
        # Three days on from the old deadline, keeping its time of day; when it has passed (a
        # date in the past is refused), the end of the third day from now, as deadlines are
        # given. Within the bound the form accepts (an old item may hold any date).
        now = timezone.now()
        latest = now + forms.MAX_DEADLINE_AHEAD
        offered = timezone.localtime(min(max(item.deadline, now), latest - EXTENSION_DAYS) + EXTENSION_DAYS)
        if item.deadline < now:
            offered = min(services.end_of_day(now, EXTENSION_DAYS.days, item.campaign), latest)
        kwargs["initial"].setdefault("deadline", offered)
    # Every step form sits on the same page: each field needs an id of its own (extend and
    # re-route both ask for a deadline), so labels and help texts point at the right one.
    return form_class(data, files, auto_id=f"id_{step.slug}_%s", **kwargs)


def _history(item, user) -> tuple[list, list, list, bool]:
    """The item's events, its before-photos, its after-photos, and whether the user may see the
    visit that filed it."""
    events = list(
        item.events.select_related("actor").prefetch_related("photos").order_by("created_at", "pk")
    )
    # An item from a round not yet ended goes to the unit at once, but the visit (and its
    # round) stays hidden from the unit until the round ends: only the item's own photos show.
    show_visit = bool(item.finding_id) and permissions.visible_inspections(user).filter(
        pk=item.finding.inspection_id).exists()
    before = []
    if show_visit:
        before = list(item.finding.photos.all())
    before = before or [photo for event in events if event.action == A.FILED for photo in event.photos.all()]
    after = [photo for event in events if event.action == A.SUBMITTED for photo in event.photos.all()]
    return events, before, after, show_visit


def _visit_distance(item, show_visit: bool) -> dict | None:
    """How far the visit that filed the item was recorded from the item's point, when both have
    coordinates and the user may see the visit: whole metres, and whether it is far."""
    if not show_visit or item.point is None:
        return None
    visit = item.finding.inspection
    if None in (visit.latitude, visit.longitude, item.point.latitude, item.point.longitude):
        return None
    metres = round(geo.distance_m(visit.latitude, visit.longitude,
                                  item.point.latitude, item.point.longitude))
    return {"metres": metres, "far": metres > geo.FAR_FROM_POINT_M,
            "limit": geo.FAR_FROM_POINT_M}


def _recurrence_of(item, user) -> Rectification | None:
    """The earlier item this one recurs from, when the user may see it (else the page shows the
    flag without the link)."""
    if item.recurrence_of_id is None:
        return None
    return (permissions.visible_rectifications(user).filter(pk=item.recurrence_of_id)
            .only("pk", "code", "closed_at").first())


def _later_items(item, user) -> recurrence.LaterItems | None:
    """The items that recur from this one, named as far as the user may see them (the same
    visibility query as the link above)."""
    return recurrence.later_items(item, permissions.visible_rectifications(user))


def _detail(request, item, *, bound: dict | None = None, status: int = 200):
    events, before, after, show_visit = _history(item, request.user)
    actions = workflow.available_actions(request.user, item)
    now = timezone.now()
    bound = bound or {}
    # The steps possible now, and a refused one offered again even when it no longer is (its
    # form then only keeps what was typed).
    steps = [
        {"slug": step.slug, "label": step.label,
         "button": BUTTONS.get(step.action, "btn-outline-primary"),
         "form": bound.get(step.action) or _step_form(step, request.user, item)}
        for step in workflow.STEPS.values() if step.action in actions or step.action in bound
    ]
    # The verifier, about to close, is told what the after-photos' time and place say.
    checked = plausibility.check_after_photos(item, events) if A.CLOSED in actions else None
    return render(request, "inspections/rectification_detail.html", {
        "item": item, "events": events, "before": before,
        "after": [(photo, plausibility.unrecorded(photo)) for photo in after],
        "photo_check": checked,
        "photo_warnings": [plausibility.describe(w) for w in checked.warnings] if checked else [],
        "steps": steps, "now": now, "show_visit": show_visit,
        "recurrence_of": _recurrence_of(item, request.user),
        "later_items": _later_items(item, request.user),
        "visit_distance": _visit_distance(item, show_visit),
        "overdue": item.is_overdue(now), "time_left": services.working_days_left(item, now),
        "counted": services.deadline_counted(item),
        "calendar_warnings": calendar_warnings([item.campaign], now, request.user) if steps else [],
        "duty_refusals": workflow.duty_refusals(request.user, item),
        "notices": notice_permissions.notices_naming(request.user, rectifications=item),
        "notice_issue_url": (f"{reverse('inspections:notice-create')}?item={item.pk}"
                             if notice_permissions.can_issue(request.user, item.unit) else ""),
    }, status=status)


def _item(request, pk: int) -> Rectification:
    return get_object_or_404(
        _scoped(request.user).select_related("point", "criterion", "criterion__category",
                                             "created_by", "finding__inspection", "campaign"),
        pk=pk,
    )


def rectification_detail(request, pk: int):
    return _detail(request, _item(request, pk))


@require_GET
def rectification_print(request, pk: int):
    """One item on A4 paper for the files: facts, timeline, before and after photos."""
    item = _item(request, pk)
    events, before, after, _show_visit = _history(item, request.user)
    return render(request, "inspections/rectification_print.html", {
        "item": item, "events": events, "before": before, "after": after,
        "recurrence_of": _recurrence_of(item, request.user),
        "later_items": _later_items(item, request.user), "printed_at": timezone.now(),
    })


@require_POST
@idempotent
def rectification_step(request, pk: int, step: workflow.Step):
    """Every step of an item: scope (404), right (403), form, one service call, redirect.
    The URL gives the registry's step (inspections.urls.StepConverter). A step refused because
    the item changed since the page was loaded comes back as its form, with what was typed and
    why (409)."""
    item = _item(request, pk)
    if not step.may(request.user, item):
        if refusal := workflow.duty_refusal(request.user, item, step.action):
            messages.error(request, refusal)
        raise PermissionDenied
    form = _step_form(step, request.user, item, request.POST, request.FILES)
    if refusal := workflow.refusal(request.user, item, step.action):
        # The item moved on (closed, returned, re-routed…) since the page was loaded.
        return _offered_again(request, item, step, form, refusal)
    if not form.is_valid():
        # No flash message: the step form's error summary says it, takes the focus and is the
        # one alert a screen reader reads (a message above would be a second, vaguer one).
        return _detail(request, item, bound={step.action: form}, status=400)
    data = form.cleaned_data
    try:
        services.take_step(step, item, by=request.user, version=data["version"],
                           **form.arguments())
    except (workflow.TransitionError, PhotoError) as error:
        item.refresh_from_db()
        return _offered_again(request, item, step, form, str(error))
    messages.success(request, _("%(code)s: %(action)s.") % {"code": item.code,
                                                          "action": A(step.action).label})
    return redirect(item)


def _offered_again(request, item, step: workflow.Step, sent, message: str):
    """The item page with the refused step's form again: what was typed (photos have to be
    chosen again) and why, said on the form (only there: the page opens at the form). The form
    carries the item's current version, so sending it again after reading the change works;
    when the step is no longer possible at all, the form only keeps what was typed, read-only,
    with the reason."""
    typed = {name: sent.data[sent.add_prefix(name)] for name in sent.fields
             if name not in ("version", "photos") and sent.add_prefix(name) in sent.data}
    retry = _step_form(step, request.user, item, initial=typed)
    now_refused = workflow.refusal(request.user, item, step.action)
    retry.refusal = now_refused or message
    if now_refused:
        retry.make_read_only()
    return _detail(request, item, bound={step.action: retry}, status=409)


# ---- filing an item without a visit -------------------------------------------------------

@idempotent
def rectification_create(request):
    units = permissions.inspecting_units(request.user).order_by("path")
    if not units.exists():
        raise PermissionDenied
    points = visible_points(request.user).filter(is_active=True).select_related("unit")
    form = forms.StandaloneForm(request.POST or None, request.FILES or None, units=units,
                                points=points)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.file_standalone(
                unit=data["unit"], title=data["title"], description=data["description"],
                deadline=data["deadline"], by=request.user, point=data["point"],
                uploads=data["photos"], period=form.period,
            )
        except (workflow.TransitionError, PhotoError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Item %(code)s filed.") % {"code": item.code})
            return redirect(item)
    campaigns = Campaign.objects.filter(pk__in=units.values("campaign_id"))
    return render(request, "inspections/rectification_form.html", {
        "form": form,
        "calendar_warnings": calendar_warnings(campaigns, timezone.now(), request.user)})
