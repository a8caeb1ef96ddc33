"""The audit page (/audit/): the changes and the security events, filtered, newest first, paged by
keyset (campaign.paging), and exported as XLSX (at most settings.AUDIT_EXPORT_MAX_ROWS rows).
Administrators only (can_read_audit); nothing here writes an audit row."""

import itertools
from collections.abc import Callable, Iterator
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from campaign import paging
from campaign.audit import forms, readable
from campaign.audit.enums import ACTION_LABELS, DETAIL_LABELS, DETAIL_VALUES, SecurityKind
from campaign.audit.models import ChangeEntry, SecurityEvent
from campaign.audit.permissions import can_read_audit
from campaign.http import xlsx_download

CHANGE_FIELDS = ("timestamp", "id")
EVENT_FIELDS = ("at", "id")
KINDS = dict(SecurityKind.choices)
# Rows read from the database at a time by an export (and the changes' related objects named).
EXPORT_BATCH = 2000
# What each tab's template calls its rows.
TAB_ROWS = {"changes": "entries", "security": "events"}


def _guard(request: HttpRequest) -> None:
    if not can_read_audit(request.user):
        raise PermissionDenied


def action_label(entry: ChangeEntry) -> str:
    return str(ACTION_LABELS.get(entry.action, entry.action))


def type_name(entry: ChangeEntry) -> str:
    model = entry.content_type.model_class()
    return str(model._meta.verbose_name) if model else entry.content_type.model


def details_text(details: dict) -> str:
    """An event's details in readable words: "Reason: Idle too long"."""
    return "; ".join(
        _("%(label)s: %(value)s") % {"label": DETAIL_LABELS.get(key, key),
                                      "value": DETAIL_VALUES.get((key, str(value)), value)}
        for key, value in sorted(details.items()))


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def _links(request: HttpRequest, page: paging.KeysetPage) -> dict:
    keep = {name: value for name, value in request.GET.items() if name != "after"}
    return {
        "next_url": "?" + urlencode({**keep, "after": page.next_cursor}) if page.next_cursor else None,
        "first_url": "?" + urlencode(keep) if page.position else None,
        "export_query": urlencode({n: v for n, v in keep.items() if n != "per_page"}),
        "count": None,
    }


def _changes(request: HttpRequest) -> tuple[forms.ChangeFilterForm, QuerySet[ChangeEntry]]:
    form = forms.ChangeFilterForm(request.GET or None)
    entries = ChangeEntry.objects.select_related("actor", "content_type")
    if form.is_bound:
        entries = form.filtered(entries) if form.is_valid() else entries.none()
    return form, entries


def _events(request: HttpRequest) -> tuple[forms.SecurityFilterForm, QuerySet[SecurityEvent]]:
    form = forms.SecurityFilterForm(request.GET or None)
    events = SecurityEvent.objects.all()
    if form.is_bound:
        events = form.filtered(events) if form.is_valid() else events.none()
    return form, events


def _readable_changes(entries: list[ChangeEntry]) -> None:
    for entry, lines in zip(entries, readable.change_lines(entries), strict=True):
        entry.lines = lines
        entry.type_name = type_name(entry)
        entry.action_label = action_label(entry)


def _readable_events(events: list[SecurityEvent]) -> None:
    for event in events:
        event.details_text = details_text(event.details)  # type: ignore[attr-defined]


def _list(request: HttpRequest, form, rows: QuerySet, *, fields: tuple[str, str],
          readable_rows: Callable[[list], None], template: str, tab: str) -> HttpResponse:
    """One page of an audit list (the changes or the security events), newest first."""
    size = paging.per_page(request.GET.get("per_page"))
    page = paging.keyset_page(rows, fields=fields, descending=True,
                              cursor=request.GET.get("after", ""), size=size)
    readable_rows(page.rows)
    return render(request, template, {
        "form": form, TAB_ROWS[tab]: page.rows, "tab": tab, "per_page": size,
        "per_page_choices": paging.PER_PAGE_CHOICES, "export_max": settings.AUDIT_EXPORT_MAX_ROWS,
        **_links(request, page),
    }, status=400 if form.errors else 200)


@require_GET
def change_list(request: HttpRequest) -> HttpResponse:
    _guard(request)
    form, entries = _changes(request)
    return _list(request, form, entries, fields=CHANGE_FIELDS, readable_rows=_readable_changes,
                 template="audit/change_list.html", tab="changes")


@require_GET
def security_list(request: HttpRequest) -> HttpResponse:
    _guard(request)
    form, events = _events(request)
    return _list(request, form, events, fields=EVENT_FIELDS, readable_rows=_readable_events,
                 template="audit/security_list.html", tab="security")


def change_rows(entries) -> Iterator[list]:
    yield [_("Time"), _("Person"), _("Address"), _("Action"), _("Object type"), _("Object id"),
           _("Object"), _("Changes")]
    for batch in itertools.batched(entries, EXPORT_BATCH):
        for entry, lines in zip(batch, readable.change_lines(list(batch)), strict=True):
            yield [
                _local(entry.timestamp), entry.actor.get_username() if entry.actor else "",
                entry.remote_addr or "", action_label(entry), type_name(entry),
                entry.object_id if entry.object_id is not None else entry.object_pk, entry.object_repr,
                "; ".join(_line_text(entry, *line) for line in lines),
            ]


def _line_text(entry: ChangeEntry, label: str, before: str, after: str) -> str:
    # As the page shows a line: a creation its values, a deletion the last ones, a change both.
    if entry.action == ChangeEntry.Action.CREATE:
        return f"{label}: {after}"
    if entry.action == ChangeEntry.Action.DELETE:
        return f"{label}: {before}"
    return f"{label}: {before} → {after}"


def event_rows(events) -> Iterator[list]:
    yield [_("Time"), _("Event"), _("Username"), _("Address"), _("HTTP status"), _("Path"),
           _("Event details")]
    for event in events:
        yield [
            _local(event.at), str(KINDS.get(event.kind, event.kind)), event.username,
            event.address or "", event.status, event.path,
            details_text(event.details),
        ]


@require_GET
def change_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered changes, newest first, at most AUDIT_EXPORT_MAX_ROWS of them."""
    _guard(request)
    form, entries = _changes(request)
    if form.errors:
        return change_list(request)      # the page, with the errors and status 400
    chosen = entries.order_by("-timestamp", "-id")[: settings.AUDIT_EXPORT_MAX_ROWS]
    return xlsx_download(change_rows(chosen.iterator(chunk_size=EXPORT_BATCH)), name="audit-changes",
                 sheet=_("Changes"))


@require_GET
def security_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered security events, newest first, at most AUDIT_EXPORT_MAX_ROWS of them."""
    _guard(request)
    form, events = _events(request)
    if form.errors:
        return security_list(request)
    chosen = events.order_by("-at", "-id")[: settings.AUDIT_EXPORT_MAX_ROWS]
    return xlsx_download(event_rows(chosen.iterator(chunk_size=EXPORT_BATCH)), name="audit-security",
                 sheet=_("Security events"))
