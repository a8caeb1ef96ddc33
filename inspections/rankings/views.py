"""Rankings, the bulletin, a unit's drill-down and trend, accountability, scoring settings."""

import contextlib
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaign.calendar import campaign_zone
from campaign.documents.http import docx_response, pdf_response
from campaign.enums import UnitKind
from campaign.http import AuthenticatedHttpRequest, is_id
from campaign.models import Campaign, Unit
from campaign.periods import Month
from campaign.permissions import visible_units
from campaign.routers import primary_reads, reads_replica
from inspections.models import Bulletin
from inspections.permissions import visible_rectifications
from inspections.rankings import queries, scoring, services
from inspections.rankings.charts import line_chart
from inspections.rankings.export import bulletin_document, bulletin_xlsx
from inspections.rankings.forms import ReviseBulletinForm, ScoringSettingsForm
from inspections.rankings.permissions import (
    can_edit_scoring,
    can_publish_bulletin,
    can_read_draft,
    visible_peer_parents,
)

# Recurrences listed on a unit's drill-down (their count is always shown).
RECURRENCES_SHOWN = 50
# Changes of the scoring settings shown per page, newest first.
HISTORY_PAGE_SIZE = 20
# Rows of each list of a drill-down per page (visits that lost points, items that missed their
# deadline): a district's month lists hundreds of visits and over a thousand items.
DRILL_DOWN_PAGE_SIZE = 50


@dataclass
class PeerGroupQuery:
    parent: Unit
    month: Month
    kind: str
    revision: int | None
    on_record: list[queries.MonthOnRecord]


def _int_or_none(value: str | None) -> int | None:
    return int(value) if is_id(value) else None


def _month(request: AuthenticatedHttpRequest, value: str | None, default) -> Month:
    month = Month.parse(value)
    if value and month is None:
        messages.warning(request, _("“%(value)s” is not a month (YYYY-MM): showing %(month)s.")
                         % {"value": value[:20], "month": default()})
    return month or default()


def _peer_group(request: AuthenticatedHttpRequest, source) -> PeerGroupQuery:
    """Read parent, month, kind and revision from a query or form; a malformed value gets a
    message and the default, never an error. A parent out of scope is a 404; in the group a
    unit of theirs is ranked in, a person without the parent in scope reads published months
    only (rankings.permissions): another month gets a message and the latest published."""
    parents = visible_peer_parents(request.user).select_related("campaign", "parent")
    raw_parent = source.get("parent")
    parent_id = _int_or_none(raw_parent)
    if raw_parent and parent_id is None:
        messages.warning(request, _("“%(value)s” is not a unit: showing your own peer group.")
                         % {"value": raw_parent[:20]})
    parent: Unit
    if parent_id is not None:
        parent = get_object_or_404(parents, pk=parent_id)
    else:
        parent = _landing(request.user, parents)
    drafts = can_read_draft(request.user, parent)
    on_record = queries.months_on_record(parent.campaign, parent)
    if not drafts:
        on_record = [entry for entry in on_record if entry.published]
        if not on_record:
            raise Http404
    month = _month(request, source.get("month"),
                   lambda: queries.default_month(parent.campaign, parent, on_record=on_record))
    if not drafts and not queries.is_published(parent, month):
        messages.warning(request, _("The %(month)s bulletin of this group is not published: "
                                    "showing %(latest)s.")
                         % {"month": month, "latest": on_record[0].month})
        month = on_record[0].month
    raw_revision = source.get("revision")
    revision = _int_or_none(raw_revision)
    if raw_revision and revision is None:
        messages.warning(request, _("“%(value)s” is not a revision number: showing the current one.")
                         % {"value": raw_revision[:20]})
    return PeerGroupQuery(parent, month, source.get("kind", ""), revision, on_record)


def _landing(user, parents) -> Unit:
    """The group shown when none is asked for: the first unit of one's scope that has units
    below it; when nothing is published for those but the group one's unit is ranked in has a
    bulletin (a street's staff), that group; with no unit below at all, the first group of a
    unit of theirs with a bulletin."""
    parent = (visible_units(user).filter(children__isnull=False)
              .select_related("parent", "campaign").order_by("depth", "path").first())
    if parent is None:
        parent = parents.filter(bulletins__isnull=False).order_by("depth", "path").first()
        if parent is None:
            raise PermissionDenied
        return parent
    if (parent.parent is not None and not queries.has_bulletins(parent)
            and queries.has_bulletins(parent.parent)
            and parents.filter(pk=parent.parent_id).exists()):
        return parent.parent
    return parent


def _kind(request: AuthenticatedHttpRequest, result: queries.MonthResult, wanted: str) -> str:
    kinds = result.kinds()
    if wanted and wanted not in kinds:
        messages.warning(request, _("No units of that kind in this group: showing the largest kind."))
        wanted = ""
    return wanted or (kinds[0] if kinds else "")


def _query_string(parent: Unit, month: Month, **extra) -> str:
    params = {"parent": parent.pk, "month": str(month), **{k: v for k, v in extra.items() if v}}
    return urlencode(params)


def _ranking_context(request: AuthenticatedHttpRequest) -> dict:
    query = _peer_group(request, request.GET)
    # A published month is frozen rows: the read replica may serve it (@reads_replica). A draft
    # is computed from the items as they stand, where a coordinator checks the figures before
    # publishing them: from the primary (as is a month older than the months on record).
    published = any(entry.month == query.month and entry.published for entry in query.on_record)
    with contextlib.nullcontext() if published else primary_reads():
        return _month_context(request, query)


def _month_context(request: AuthenticatedHttpRequest, query: PeerGroupQuery) -> dict:
    result, revisions = queries.month_ranking(
        query.parent.campaign, query.month, query.parent, revision=query.revision
    )
    if query.revision is not None and (result.bulletin is None
                                       or result.bulletin.revision != query.revision):
        messages.warning(request, _("That revision does not exist: showing the current figures."))
    kind = _kind(request, result, query.kind)
    lines = result.lines_of(kind)
    weights = scoring.formula(result.inspection_weight)
    # Every link from a superseded revision (drill-down, print, XLSX, back) stays on it.
    superseded = result.bulletin is not None and not result.bulletin.is_current
    revision = result.bulletin.revision if result.bulletin and superseded else None
    # Everyone in the group reads the bulletin; only units in one's scope open to details.
    linkable = set(
        visible_units(request.user).filter(pk__in=[line.unit.pk for line in lines])
        .values_list("pk", flat=True)
    )
    return {
        "result": result,
        "parent": query.parent,
        "campaign": query.parent.campaign,
        "month": query.month,
        "kind": kind,
        "kinds": [(value, UnitKind(value).label if value in UnitKind.values else value)
                  for value in result.kinds()],
        "kind_label": UnitKind(kind).label if kind in UnitKind.values else kind,
        "lines": lines,
        "linkable": linkable,
        "red_list": [line for line in lines if line.standing.in_top],
        "warning_list": [line for line in lines if line.standing.in_bottom],
        "flagged": [line for line in lines if line.standing.flagged],
        "revisions": revisions,
        "months_on_record": [
            (entry, _query_string(query.parent, entry.month, kind=kind)) for entry in query.on_record
        ],
        "weights": weights,
        "previous_query": _query_string(query.parent, query.month.previous(), kind=kind),
        "next_query": _query_string(query.parent, query.month.next(), kind=kind),
        "query": _query_string(query.parent, query.month, kind=kind),
        "revision_query": _query_string(query.parent, query.month, kind=kind, revision=revision),
        # The drill-down leads back to this same group (kind) and revision.
        "drill_query": urlencode({k: v for k, v in
                                  {"month": str(query.month), "kind": kind, "revision": revision}.items()
                                  if v}),
        "revision": revision,
        "can_go_up": query.parent.parent is not None and _readable(request.user, query.parent.parent),
        "can_publish": can_publish_bulletin(request.user, query.parent),
        "can_edit_scoring": can_edit_scoring(
            request.user, query.parent.campaign,
            list(query.parent.campaign.units.filter(parent=None)),
        ),
    }


@reads_replica
def ranking_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A month's rankings of one peer group: frozen rows when published, else the live draft."""
    return render(request, "inspections/ranking_list.html", _ranking_context(request))


@reads_replica
def bulletin_detail(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The bulletin laid out for reading and printing on A4."""
    return render(request, "inspections/bulletin_detail.html", _ranking_context(request))


@reads_replica
def bulletin_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = _ranking_context(request)
    title = _("%(parent)s monthly bulletin %(month)s") % {
        "parent": context["parent"].name, "month": context["month"]}
    response = HttpResponse(
        bulletin_xlsx(context["result"], title=title),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"bulletin-{context['parent'].code}-{context['month']}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _bulletin_docx(request: AuthenticatedHttpRequest) -> tuple[bytes, str]:
    """The bulletin as an official document (.docx) for the same parameters, scope and
    permissions as the page and the XLSX, and its file name without the extension."""
    query = _peer_group(request, request.GET)
    published = any(entry.month == query.month and entry.published for entry in query.on_record)
    with contextlib.nullcontext() if published else primary_reads():
        context = _month_context(request, query)
        result = context["result"]
        details = queries.month_details(result)
    bulletin = result.bulletin
    zone = campaign_zone(result.campaign)
    if bulletin is not None and bulletin.published_at is not None:
        date = timezone.localtime(bulletin.published_at, zone).date()
    else:
        date = timezone.localtime(timezone.now(), zone).date()
    corrects = ""
    if bulletin is not None and bulletin.revision > 1:
        corrects = next((b.code for b in context["revisions"]
                         if b.revision == bulletin.revision - 1), "")
    data = bulletin_document(result, details, date=date, corrects=corrects).to_bytes()
    name = _("monthly-bulletin") + f"-{query.month}-{query.parent.name}"
    if bulletin is not None and not bulletin.is_current:
        name += f"-r{bulletin.revision}"
    return data, name


@reads_replica
def bulletin_docx(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The bulletin as an official document (GB/T 9704—2012), for WPS or Word."""
    data, name = _bulletin_docx(request)
    return docx_response(data, filename=f"{name}.docx")


@reads_replica
def bulletin_pdf(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The same document as PDF (LibreOffice, the server's fonts); 503 offering the .docx when
    this server cannot make it."""
    data, name = _bulletin_docx(request)
    docx_url = f"{reverse('inspections:bulletin-docx')}?{request.GET.urlencode()}"
    return pdf_response(request, data, filename=f"{name}.pdf", docx_url=docx_url)


@require_POST
def bulletin_publish(request: AuthenticatedHttpRequest) -> HttpResponse:
    # Publishing never falls back to a default group or month: both must be given and valid.
    if _int_or_none(request.POST.get("parent")) is None or Month.parse(request.POST.get("month")) is None:
        messages.error(request, _("Say which group and which month (YYYY-MM) to publish."))
        return redirect("inspections:ranking-list")
    # In scope without the right: 403, before the group's months are read.
    parent = get_object_or_404(visible_peer_parents(request.user), pk=request.POST["parent"])
    if not can_publish_bulletin(request.user, parent):
        raise PermissionDenied
    query = _peer_group(request, request.POST)
    try:
        bulletin, created = services.publish_bulletin(
            query.parent.campaign, query.month, query.parent, by=request.user
        )
    except services.BulletinError as error:
        messages.error(request, str(error))
    else:
        if created:
            messages.success(request, _("The bulletin for %(month)s is published.")
                             % {"month": query.month})
        else:
            messages.info(request, _("%(month)s was already published (revision %(n)s): nothing "
                                     "changed.") % {"month": query.month, "n": bulletin.revision})
    return redirect(f"{reverse('inspections:ranking-list')}?{_query_string(query.parent, query.month)}")


def bulletin_revise(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    # Any revision in scope: a form opened on a revision that someone else has corrected
    # meanwhile gets a clear message and keeps the reason typed, not a 404.
    bulletin = get_object_or_404(
        Bulletin.objects.select_related("parent", "campaign")
        .filter(parent__in=visible_peer_parents(request.user)), pk=pk
    )
    if not can_publish_bulletin(request.user, bulletin.parent):
        raise PermissionDenied
    month = Month.of(bulletin.month)
    back = f"{reverse('inspections:ranking-list')}?{_query_string(bulletin.parent, month)}"
    form = ReviseBulletinForm(request.POST or None)
    if request.method != "POST" and not bulletin.is_current:
        messages.warning(request, _("This bulletin has been revised meanwhile: open the current "
                                    "revision and try again."))
    if request.method == "POST" and form.is_valid():
        try:
            revision = services.revise_bulletin(bulletin, by=request.user,
                                                reason=form.cleaned_data["reason"])
        except services.BulletinError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Revision %(n)s of %(month)s is published.")
                             % {"n": revision.revision, "month": month})
            return redirect(back)
    return render(request, "inspections/bulletin_revise.html", {
        "bulletin": bulletin, "form": form, "back": back, "month": month,
        # A correction is computed with the settings in force: say so when they have moved.
        "settings_changed": queries.settings_changed_since(bulletin),
    })


def unit_score_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Where a unit's points went in a month (谁丢分)."""
    unit = get_object_or_404(visible_units(request.user).select_related("campaign", "parent"), pk=pk)
    month = _month(request, request.GET.get("month"),
                   lambda: queries.default_month(unit.campaign, unit.parent or unit))
    raw_revision = request.GET.get("revision")
    revision = _int_or_none(raw_revision)
    drill = queries.drill_down(unit.campaign, month, unit, revision=revision)
    if raw_revision and (drill.bulletin is None or drill.bulletin.revision != revision):
        messages.warning(request, _("That revision does not exist: showing the current figures."))
    # A superseded revision stays whole: the way back leads to that same revision, and to the
    # peer group (kind) it came from; without one, the group the unit is ranked in.
    superseded = drill.bulletin is not None and not drill.bulletin.is_current
    revision = drill.bulletin.revision if drill.bulletin and superseded else None
    kind = request.GET.get("kind", "")
    kind = kind if kind in UnitKind.values else unit.kind
    # get_page turns a bad or too large page number into the first or last page.
    visits = Paginator(drill.details.get("visits", []), DRILL_DOWN_PAGE_SIZE).get_page(
        request.GET.get("visits_page"))
    missed = Paginator(drill.details.get("missed", []), DRILL_DOWN_PAGE_SIZE).get_page(
        request.GET.get("missed_page"))

    recurrences = _recurrences_shown(request.user, drill.details.get("recurrences", []))

    def page_query(**pages) -> str:
        # A pager turns its own list's page and keeps the rest of the page as it is.
        params = {"month": str(month), "kind": kind, "revision": revision, **pages}
        return urlencode({k: v for k, v in params.items() if v})

    return render(request, "inspections/unit_score_detail.html", {
        "unit": unit, "month": month, "drill": drill, "standing": drill.standing,
        "visits": visits, "missed": missed,
        # At most the first RECURRENCES_SHOWN of them, with the count of them all.
        "recurrences": recurrences,
        "recurrences_shown": RECURRENCES_SHOWN,
        "recurrence_deduction": (drill.bulletin or unit.campaign).recurrence_deduction,
        "visits_query": page_query(missed_page=missed.number if missed.number > 1 else None),
        "missed_query": page_query(visits_page=visits.number if visits.number > 1 else None),
        "previous_query": urlencode({"month": str(month.previous()), "kind": kind}),
        "next_query": urlencode({"month": str(month.next()), "kind": kind}),
        "ranking_query": _query_string(unit.parent, month, kind=kind, revision=revision)
        if unit.parent and _readable(request.user, unit.parent) else "",
    })


def _recurrences_shown(user, recurrences: list[dict]) -> list[dict]:
    """The drill-down's recurrences, each earlier item named only when the user may see it (a
    point handed to another unit leaves its earlier items there): one query."""
    shown = recurrences[:RECURRENCES_SHOWN]
    earlier: set[int] = {row["earlier_id"] for row in shown if row.get("earlier_id") is not None}
    visible = set(visible_rectifications(user).filter(pk__in=earlier).values_list("pk", flat=True)
                  if earlier else ())
    return [{**row, "earlier_visible": row.get("earlier_id") in visible} for row in shown] + \
        recurrences[RECURRENCES_SHOWN:]


def _readable(user, parent: Unit) -> bool:
    """Whether the group under `parent` opens for the user: drafts, or some published month of
    the group a unit of theirs is ranked in (what _peer_group answers without a 404)."""
    if can_read_draft(user, parent):
        return True
    return visible_peer_parents(user).filter(pk=parent.pk, bulletins__isnull=False).exists()


@reads_replica
def unit_score_trend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A unit's published scores and ranks month by month: an SVG chart and a table."""
    unit = get_object_or_404(visible_units(request.user).select_related("campaign"), pk=pk)
    rows = queries.trend(unit)
    score_chart = line_chart([(str(row.month)[:7], row.score) for row in rows], low=0, high=100)
    worst = max([row.group_size for row in rows] + [2])
    rank_chart = line_chart([(str(row.month)[:7], row.rank) for row in rows], low=1, high=worst,
                            invert=True, ticks=min(worst, 5))
    return render(request, "inspections/unit_score_trend.html", {
        "unit": unit, "rows": rows, "score_chart": score_chart, "rank_chart": rank_chart,
    })


@reads_replica
def accountability_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Units flagged for accountability (长期末位 → 问责) in the latest bulletin of their group."""
    entries = queries.accountability(visible_units(request.user))
    return render(request, "inspections/accountability_list.html", {"entries": entries})


def scoring_settings(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(
        Campaign.objects.filter(pk__in=visible_units(request.user).values("campaign_id")), pk=pk
    )
    roots = list(campaign.units.filter(parent=None))
    if not can_edit_scoring(request.user, campaign, roots):
        raise PermissionDenied
    form = ScoringSettingsForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        changes = services.update_scoring_settings(campaign, form.cleaned_data, by=request.user)
        if any(change.field in Campaign.SCORING_SETTINGS for change in changes):
            messages.success(request, _("The scoring settings are saved. Drafts use them at once; "
                                        "published bulletins keep the settings they were published "
                                        "with."))
        elif changes:
            # The recurrence window and the photo distance: no bulletin keeps them.
            messages.success(request, _("The settings are saved. They apply from now on."))
        else:
            messages.info(request, _("Nothing changed: the settings are as they were."))
        return redirect("inspections:scoring-settings", pk=campaign.pk)
    history = Paginator(queries.scoring_history(campaign), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "inspections/scoring_settings.html",
                  {"campaign": campaign, "form": form, "history": history})
