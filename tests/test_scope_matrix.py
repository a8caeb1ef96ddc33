"""The scope matrix: every named URL that takes an object, for every role, against an object in
and out of scope, answers exactly 200 / 403 / 404 (or 400 for a refused form, 302 for a step the
page turns into a redirect), as the permissions modules say.

A URL name with an object kwarg that has no row in MATRIX fails `test_every_object_url_has_a_row`:
a new page must say who may open it. Django's admin ("admin:" names) is left out: it is staff
only and keeps its own permission system (checked once at the end).

The data is built once for the module (one tree, two campaigns); every request runs inside the
test's transaction and changes nothing (a POST is refused or fails its form).
"""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from campaign.notifications.models import Notification, UnitWebhook
from campaign.periods import Month
from campaign.tasks.services import report_progress
from inspections import services, workflow
from inspections.enums import EventAction
from inspections.followup import services as followup
from inspections.mock.services import start_mock_evaluation
from inspections.notices.services import issue_notice
from inspections.rankings.services import publish_bulletin
from integrations import tokens
from integrations.open311.services import request_id, service_code
from tests import factories

ROLES = ("office", "district", "inspector", "staff", "leader", "outsider")
NOW = dt.datetime(2019, 8, 5, 2, 0, tzinfo=dt.UTC)
TEST_SETTINGS = {"PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
                 "LANGUAGE_CODE": "zh-hans"}


@dataclass(frozen=True)
class Row:
    """Which objects a URL is asked about, and the status each role gets for the object in
    scope ("in") and the one out of scope ("out"), in ROLES order."""

    objects: str            # a key of World.kwargs
    inside: tuple[int, ...]
    outside: tuple[int, ...]
    method: str = "get"


# Roles: office = coordinator of the campaign's root (创城办); district = coordinator of district
# A; inspector, staff (of street A) and leader all belong to district A's subtree; outsider =
# coordinator of another campaign's root.
# Objects: "in" lies in street A (or is campaign A's own); "out" lies in district B (seen by the
# office only) or, for what belongs to a whole campaign, in the outsider's campaign.
#                       office district inspector staff leader outsider
MATRIX: dict[str, Row] = {
    "inspections:unit-detail": Row("unit", (200, 200, 200, 200, 200, 404),
                                   (200, 404, 404, 404, 404, 404)),
    "task-detail": Row("task", (200, 200, 200, 200, 200, 404), (200, 404, 404, 404, 404, 404)),
    "task-split": Row("task", (200, 200, 403, 403, 403, 404), (200, 404, 404, 404, 404, 404)),
    "task-report": Row("task", (403, 403, 403, 200, 403, 404), (403, 404, 404, 404, 404, 404)),
    "task-photo": Row("task_photo", (200, 200, 200, 200, 200, 404), (200, 404, 404, 404, 404, 404)),
    "task-photo-thumb": Row("task_photo", (200, 200, 200, 200, 200, 404),
                            (200, 404, 404, 404, 404, 404)),
    "inspections:rectification-detail": Row("item", (200, 200, 200, 200, 200, 404),
                                            (200, 404, 404, 404, 404, 404)),
    "inspections:rectification-print": Row("item", (200, 200, 200, 200, 200, 404),
                                           (200, 404, 404, 404, 404, 404)),
    # Acknowledging (签收) is the unit's: its staff pass the check and fail the empty form (400).
    "inspections:rectification-step": Row("item_step", (403, 403, 403, 400, 403, 404),
                                          (403, 404, 404, 404, 404, 404), method="post"),
    "inspections:photo": Row("photo", (200, 200, 200, 200, 200, 404), (200, 404, 404, 404, 404, 404)),
    "inspections:photo-thumb": Row("photo", (200, 200, 200, 200, 200, 404),
                                   (200, 404, 404, 404, 404, 404)),
    # Mock evaluations (issue 17): the report is for coordinators, inspectors and leaders.
    "inspections:mock-detail": Row("mock", (200, 200, 200, 403, 200, 404),
                                   (200, 404, 404, 404, 404, 404)),
    "inspections:mock-export-xlsx": Row("mock", (200, 200, 200, 403, 200, 404),
                                        (200, 404, 404, 404, 404, 404)),
    "inspections:mock-export-docx": Row("mock", (200, 200, 200, 403, 200, 404),
                                        (200, 404, 404, 404, 404, 404)),
    "inspections:round-detail": Row("round", (200, 200, 200, 200, 200, 404),
                                    (200, 404, 404, 404, 404, 404)),
    # A point's page (the map's click-through): whoever sees its unit.
    "inspections:point-detail": Row("point", (200, 200, 200, 200, 200, 404),
                                    (200, 404, 404, 404, 404, 404)),
    "inspections:point-edit": Row("point", (200, 200, 403, 403, 403, 404),
                                  (200, 404, 404, 404, 404, 404)),
    "inspections:visit-create": Row("point_visit", (200, 200, 200, 403, 403, 404),
                                    (200, 404, 404, 404, 404, 404)),
    "inspections:inspection-detail": Row("visit", (200, 200, 200, 200, 200, 404),
                                         (200, 404, 404, 404, 404, 404)),
    # A standard belongs to a whole campaign: everyone in it reads it; its office edits it.
    "inspections:standard-detail": Row("standard", (200, 200, 200, 200, 200, 404),
                                       (404, 404, 404, 404, 404, 200)),
    "inspections:standard-units": Row("standard", (200, 403, 403, 403, 403, 404),
                                      (404, 404, 404, 404, 404, 200)),
    "inspections:category-create": Row("standard_pk", (200, 403, 403, 403, 403, 404),
                                       (404, 404, 404, 404, 404, 200)),
    "inspections:category-edit": Row("category", (200, 403, 403, 403, 403, 404),
                                     (404, 404, 404, 404, 404, 200)),
    "inspections:criterion-create": Row("standard_pk", (200, 403, 403, 403, 403, 404),
                                        (404, 404, 404, 404, 404, 200)),
    "inspections:criterion-edit": Row("criterion", (200, 403, 403, 403, 403, 404),
                                      (404, 404, 404, 404, 404, 200)),
    "inspections:unit-figures": Row("unit", (200, 200, 200, 200, 200, 404),
                                    (200, 404, 404, 404, 404, 404)),
    # Public: whoever holds the tracking code sees the closed item's after-photos, nothing else.
    "inspections:report-track-photo": Row("tracked_photo", (200, 200, 200, 200, 200, 200),
                                          (404, 404, 404, 404, 404, 404)),
    # A report's thanks page is the sending browser's alone (the code in its session; the sender's
    # 200 is in tests/inspections/views/test_report_form.py): to everyone else, not found.
    "inspections:report-thanks": Row("tracked_code", (404, 404, 404, 404, 404, 404),
                                     (404, 404, 404, 404, 404, 404)),
    # The follow-up (回访) by the tracking code, for anyone holding it: an empty answer to a
    # closed item's report is refused (400); a report whose item is not closed is not asked (409).
    "inspections:report-feedback": Row("tracked_report", (400, 400, 400, 400, 400, 400),
                                       (409, 409, 409, 409, 409, 409), method="post"),
    # Public: a photo the office published for a fixed report; any other photo is not found.
    "inspections:fixed-photo": Row("fixed_photo", (200, 200, 200, 200, 200, 200),
                                   (404, 404, 404, 404, 404, 404)),
    # Looking again at a "not satisfied" item: whoever triages reports (the empty note: 400).
    "inspections:revisit-mark": Row("item", (400, 403, 403, 403, 403, 404),
                                    (400, 404, 404, 404, 404, 404), method="post"),
    # Publishing a fix's photos: coordinators of the item's unit or above; an item that is not a
    # closed report's is refused with a message on its page (302).
    "inspections:publish-fix": Row("item", (302, 302, 403, 403, 403, 404),
                                   (302, 404, 404, 404, 404, 404), method="post"),
    # Citizen reports are the office's alone (can_triage_reports): to anyone else, not found.
    "inspections:report-detail": Row("report", (200, 404, 404, 404, 404, 404),
                                     (404, 404, 404, 404, 404, 200)),
    "inspections:bulletin-revise": Row("bulletin", (200, 200, 403, 403, 403, 404),
                                       (200, 404, 404, 404, 404, 404)),
    "inspections:unit-score-detail": Row("unit", (200, 200, 200, 200, 200, 404),
                                         (200, 404, 404, 404, 404, 404)),
    "inspections:unit-score-trend": Row("unit", (200, 200, 200, 200, 200, 404),
                                        (200, 404, 404, 404, 404, 404)),
    "inspections:scoring-settings": Row("campaign", (200, 403, 403, 403, 403, 404),
                                        (404, 404, 404, 404, 404, 200)),
    # The working-day calendar is the campaign office's, like its scoring settings.
    "campaign-calendar": Row("campaign", (200, 403, 403, 403, 403, 404),
                             (404, 404, 404, 404, 404, 200)),
    # Supervision notices (督办单) from the office to a street: seen by whoever sees the street;
    # answered below the office (the district's coordinator and the street's staff pass the
    # check and fail the empty form); returned and closed by the office (closing needs no
    # input: it closes and redirects).
    "inspections:notice-detail": Row("notice", (200, 200, 200, 200, 200, 404),
                                     (200, 404, 404, 404, 404, 404)),
    "inspections:notice-print": Row("notice", (200, 200, 200, 200, 200, 404),
                                    (200, 404, 404, 404, 404, 404)),
    "inspections:notice-docx": Row("notice", (200, 200, 200, 200, 200, 404),
                                   (200, 404, 404, 404, 404, 404)),
    # No PDF is made in this module (no LibreOffice, see _test_settings): 503 once in scope.
    "inspections:notice-pdf": Row("notice", (503, 503, 503, 503, 503, 404),
                                  (503, 404, 404, 404, 404, 404)),
    "inspections:notice-reply": Row("notice", (403, 400, 403, 400, 403, 404),
                                    (403, 404, 404, 404, 404, 404), method="post"),
    "inspections:notice-return": Row("notice", (400, 403, 403, 403, 403, 404),
                                     (400, 404, 404, 404, 404, 404), method="post"),
    "inspections:notice-close": Row("notice", (302, 403, 403, 403, 403, 404),
                                    (302, 404, 404, 404, 404, 404), method="post"),
    # A notification is its recipient's alone (street A's staff; "out": street B's staff's).
    "notifications:open": Row("notification", (404, 404, 404, 302, 404, 404),
                              (404, 404, 404, 404, 404, 404)),
    "notifications:read": Row("notification", (404, 404, 404, 302, 404, 404),
                              (404, 404, 404, 404, 404, 404), method="post"),
    # A unit's group robots: coordinators of the unit or above; removing one needs confirming (400).
    "notifications:unit-webhooks": Row("unit", (200, 200, 403, 403, 403, 404),
                                       (200, 404, 404, 404, 404, 404)),
    "notifications:webhook-test": Row("webhook", (302, 302, 403, 403, 403, 404),
                                      (302, 404, 404, 404, 404, 404), method="post"),
    "notifications:webhook-delete": Row("webhook", (400, 400, 403, 403, 403, 404),
                                        (400, 404, 404, 404, 404, 404), method="post"),
    # The supervision rules (督办) are the campaign office's, like its scoring settings.
    "inspections:supervision-rules": Row("campaign", (200, 403, 403, 403, 403, 404),
                                         (404, 404, 404, 404, 404, 200)),
    # Open311 (public, no key: the session counts for nothing): a request or a service of the
    # default jurisdiction (the first campaign) is read by anyone; another campaign's is not
    # found there (it is under its own jurisdiction_id).
    "open311:request-detail": Row("open311_request", (200, 200, 200, 200, 200, 200),
                                  (404, 404, 404, 404, 404, 404)),
    "open311:service-definition": Row("open311_service", (200, 200, 200, 200, 200, 200),
                                      (404, 404, 404, 404, 404, 404)),
    # Integration tokens are administrators' (staff) alone: no role here is one.
    "integrations:token-revoke": Row("token", (403, 403, 403, 403, 403, 403),
                                     (403, 403, 403, 403, 403, 403)),
}

# The JSON API (/api/v1/), asked with a token per role: the role's account narrowed to the unit
# it belongs to (the office's to the city, the district's, inspector's and leader's to district A,
# the staff's to street A, the outsider's to its own root). A session is never read there, so
# these are not in MATRIX; `test_api_scope_matrix` asks them with the tokens.
#                       office district inspector staff leader outsider
API_MATRIX: dict[str, Row] = {
    **{name: Row(objects, (200, 200, 200, 200, 200, 404), (200, 404, 404, 404, 404, 404))
       for name, objects in (("api:item", "item"), ("api:unit", "unit"), ("api:point", "point"),
                             ("api:task", "task"))},
    # A month's bulletins: a list (never a 404), each token's own (`test_api_lists_hold_only_the_scope`).
    "api:ranking-month": Row("month", (200, 200, 200, 200, 200, 200), (200, 200, 200, 200, 200, 200)),
}


# URLs that name their object in the query string. A peer group by its parent: the rankings,
# their print view and XLSX read a group whose parent is in scope whole (the city's July is a
# draft: the office's alone), the group one's own unit is ranked in once published (district A's
# July is: street A's staff read it), no other. The task board's export by its unit: a unit out
# of scope (or of another campaign) is a filter refused (400), never a wider export.
#                                               office district inspector staff leader outsider
QUERY_MATRIX: dict[tuple[str, str], tuple[int, ...]] = {
    **{(name, group): statuses
       for name in ("inspections:ranking-list", "inspections:bulletin-detail",
                    "inspections:bulletin-export", "inspections:bulletin-docx")
       for group, statuses in (("city", (200, 404, 404, 404, 404, 404)),
                               ("district_a", (200, 200, 200, 200, 200, 404)),
                               ("district_b", (200, 404, 404, 404, 404, 404)))},
    # The bulletin's PDF, on a server without LibreOffice here (the module's settings): the same
    # scope, and a 503 offering the .docx where the others answer 200.
    **{("inspections:bulletin-pdf", group): statuses
       for group, statuses in (("city", (503, 404, 404, 404, 404, 404)),
                               ("district_a", (503, 503, 503, 503, 503, 404)),
                               ("district_b", (503, 404, 404, 404, 404, 404)))},
    ("task-export", "street_a"): (200, 200, 200, 200, 200, 400),
    ("task-export", "street_b"): (200, 400, 400, 400, 400, 400),
}


def _object_urls(patterns=None, namespace: str = ""):
    """(name, kwargs taken from the path) of every named URL pattern, namespaces included."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or ""
            yield from _object_urls(entry.url_patterns,
                                    ":".join(part for part in (namespace, inner) if part))
        elif isinstance(entry, URLPattern) and entry.name:
            kwargs = set(entry.pattern.converters)
            if kwargs:
                yield (f"{namespace}:{entry.name}" if namespace else entry.name), kwargs


def test_every_object_url_has_a_row():
    names = {name for name, _kwargs in _object_urls() if not name.startswith("admin:")}
    rows = set(MATRIX) | set(API_MATRIX)
    missing = sorted(names - rows)
    assert not missing, f"URL names without a row in the scope matrix: {', '.join(missing)}"
    assert not sorted(rows - names), "rows for URL names that no longer exist"
    assert all(name.startswith("api:") for name in API_MATRIX)


@pytest.fixture(scope="module")
def media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _test_settings(settings, media_root):
    """Replaces tests/conftest.py's: the module's photos stay in one media folder."""
    settings.PASSWORD_HASHERS = TEST_SETTINGS["PASSWORD_HASHERS"]
    settings.MEDIA_ROOT = media_root
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.LANGUAGE_CODE = TEST_SETTINGS["LANGUAGE_CODE"]
    settings.TWO_FACTOR_REQUIRED = False
    # No PDF is made here: its URLs answer 503 once the scope lets them through.
    settings.DOCUMENT_PDF_SOFFICE = "/nonexistent/soffice"
    cache.clear()


def _member(unit, role, username):
    user = factories.UserFactory(username=username)
    factories.MembershipFactory(user=user, unit=unit, role=role)
    return user


def _side(street, *, coordinator, staff, name):
    """One street's objects: a point with a visit, an item, a photo, a task with a report."""
    point = factories.PointFactory(unit=street, name=f"{name}点位")
    visit = services.record_visit(point=point, by=coordinator, mode="open",
                                  visited_at=NOW - dt.timedelta(days=10), now=NOW)
    item = factories.file_item(street, by=coordinator, title=f"{name}事项")
    photo = factories.store_photo_for(street, by=coordinator)
    task = factories.TaskFactory(unit=street)
    split = factories.TaskFactory(unit=street)   # no reports: may be split
    progress = report_progress(task, quantity=5, reported_on=dt.date(2019, 3, 1), by=staff,
                               uploads=[factories.make_jpeg()])
    round_ = services.plan_round(unit=street, name=f"{name}轮次", sample_size=1, by=coordinator,
                                 starts_on=dt.date(2019, 5, 1), ends_on=dt.date(2019, 5, 10), seed=1)
    mock = start_mock_evaluation(unit=street, name=f"{name}模拟测评", sample_size=1,
                                 by=coordinator, starts_on=dt.date(2019, 5, 1),
                                 ends_on=dt.date(2019, 5, 10), seed=1)
    notice = issue_notice(unit=street, subject=f"{name}督办", body="请整改", by=coordinator,
                          reply_by=NOW + dt.timedelta(days=3), items=[item], now=NOW)
    return {"point": point, "visit": visit, "item": item, "photo": photo, "task": split,
            "task_photo": progress.photos.get(), "round": round_, "notice": notice,
            "mock": mock}


def _closed_report(campaign, street, *, office, staff):
    """A citizen report filed as an item for `street`, fixed with an after-photo and closed."""
    report = services.report_problem(campaign=campaign, description="井盖缺失", location="甲街口",
                                     uploads=[factories.make_jpeg()])
    item = services.accept_report(report, unit=street, title="井盖缺失", deadline=None, by=office)
    services.take_step(workflow.STEPS[EventAction.SUBMITTED], item, by=staff, version=None,
                       uploads=[factories.make_jpeg()])
    item.refresh_from_db()
    workflow.close(item, by=office, version=None, method="service")
    report.refresh_from_db()
    return report, item.events.get(action="submitted").photos.get()


def _build():
    campaign = factories.CampaignFactory()
    city = factories.UnitFactory(campaign=campaign, parent=None, kind="headquarters", name="市指挥部")
    district_a = factories.UnitFactory(parent=city, kind="district", name="甲区")
    district_b = factories.UnitFactory(parent=city, kind="district", name="乙区")
    street_a = factories.UnitFactory(parent=district_a, kind="street", name="甲街道")
    street_b = factories.UnitFactory(parent=district_b, kind="street", name="乙街道")
    other_root = factories.UnitFactory(parent=None, kind="headquarters", name="另一指挥部")
    other_campaign = other_root.campaign
    users = {
        "office": _member(city, "coordinator", "office"),
        "district": _member(district_a, "coordinator", "district"),
        "inspector": _member(district_a, "inspector", "inspector"),
        "staff": _member(street_a, "unit_staff", "staff"),
        "leader": _member(district_a, "leader", "leader"),
        "outsider": _member(other_root, "coordinator", "outsider"),
    }
    staff_b = _member(street_b, "unit_staff", "staff-b")
    office = users["office"]
    a = _side(street_a, coordinator=office, staff=users["staff"], name="甲")
    b = _side(street_b, coordinator=office, staff=staff_b, name="乙")
    criterion = factories.CriterionFactory(category__standard__campaign=campaign)
    other_criterion = factories.CriterionFactory(category__standard__campaign=other_campaign)
    report, after_photo = _closed_report(campaign, street_a, office=office, staff=users["staff"])
    followup.publish(report.item, before=followup.before_photos(report.item).get(),
                     after=after_photo, by=office)
    other_report = services.report_problem(campaign=other_campaign, description="占道经营",
                                           location="乙路口", uploads=[factories.make_jpeg()])
    bulletins = [publish_bulletin(campaign, Month(2019, 7), parent, by=None, now=NOW)[0]
                 for parent in (district_a, district_b)]
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    token_units = {"office": city, "district": district_a, "inspector": district_a,
                   "staff": street_a, "leader": district_a, "outsider": other_root}
    keys = {role: tokens.issue(name=role, user=users[role], unit=unit, access="read", by=admin)[1]
            for role, unit in token_units.items()}
    # The office's account narrowed to district A: district B is out of this token's scope.
    keys["office-in-a"] = tokens.issue(name="office-a", user=office, unit=district_a, access="read",
                                       by=admin)[1]

    notes = [Notification.objects.create(recipient=user, kind="due_today", key="matrix", url="/",
                                         created_at=NOW) for user in (users["staff"], staff_b)]
    robots = [UnitWebhook.objects.create(unit=street, kind="wecom", created_at=NOW,
                                         url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")
              for street in (street_a, street_b)]

    def standard_kwargs(criterion):
        return {"standard_pk": criterion.category.standard_id}

    kwargs = {
        "unit": ({"pk": street_a.pk}, {"pk": street_b.pk}),
        "campaign": ({"pk": campaign.pk}, {"pk": other_campaign.pk}),
        "report": ({"pk": report.pk}, {"pk": other_report.pk}),
        "bulletin": ({"pk": bulletins[0].pk}, {"pk": bulletins[1].pk}),
        "standard": ({"pk": criterion.category.standard_id},
                     {"pk": other_criterion.category.standard_id}),
        "standard_pk": (standard_kwargs(criterion), standard_kwargs(other_criterion)),
        "category": ({**standard_kwargs(criterion), "pk": criterion.category_id},
                     {**standard_kwargs(other_criterion), "pk": other_criterion.category_id}),
        "criterion": ({**standard_kwargs(criterion), "pk": criterion.pk},
                      {**standard_kwargs(other_criterion), "pk": other_criterion.pk}),
        "tracked_report": ({"code": report.tracking_code}, {"code": other_report.tracking_code}),
        "fixed_photo": ({"pk": after_photo.pk}, {"pk": a["photo"].pk}),
        "tracked_photo": ({"code": report.tracking_code, "pk": after_photo.pk},
                          {"code": report.tracking_code, "pk": a["photo"].pk}),
        "tracked_code": ({"code": report.tracking_code}, {"code": other_report.tracking_code}),
        "item_step": ({"pk": a["item"].pk, "step": "acknowledge"},
                      {"pk": b["item"].pk, "step": "acknowledge"}),
        "point_visit": ({"point_pk": a["point"].pk}, {"point_pk": b["point"].pk}),
        "notification": ({"pk": notes[0].pk}, {"pk": notes[1].pk}),
        "webhook": ({"pk": robots[0].pk}, {"pk": robots[1].pk}),
        "open311_request": ({"code": request_id(report), "fmt": "json"},
                            {"code": request_id(other_report), "fmt": "json"}),
        "open311_service": ({"code": service_code(criterion.category), "fmt": "xml"},
                            {"code": service_code(other_criterion.category), "fmt": "xml"}),
        "token": ({"pk": tokens.authenticate(keys["staff"]).pk},
                  {"pk": tokens.authenticate(keys["outsider"]).pk}),
        "month": ({"month": "2019-07"}, {"month": "2019-08"}),
        "keys": keys,
        "bulletins": bulletins,
        "street_units": (street_a, street_b),
    }
    kwargs["query"] = {"city": {"parent": city.pk, "month": "2019-07"},
                       "district_a": {"parent": district_a.pk, "month": "2019-07"},
                       "district_b": {"parent": district_b.pk, "month": "2019-07"},
                       "street_a": {"unit": street_a.pk}, "street_b": {"unit": street_b.pk}}
    for key in ("point", "visit", "item", "photo", "task", "task_photo", "round", "notice",
                "mock"):
        kwargs[key] = ({"pk": a[key].pk}, {"pk": b[key].pk})
    return users, kwargs


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, media_root):
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media_root, **TEST_SETTINGS):
        with transaction.atomic():
            yield _build()
            transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_scope_matrix(world, name):
    users, kwargs = world
    row = MATRIX[name]
    clients = {}
    for role in ROLES:
        clients[role] = Client()
        clients[role].force_login(users[role])
    got = {}
    for side, expected in (("in", row.inside), ("out", row.outside)):
        url = reverse(name, kwargs=kwargs[row.objects][0 if side == "in" else 1])
        for role, status in zip(ROLES, expected, strict=True):
            response = getattr(clients[role], row.method)(url)
            got[(side, role)] = (response.status_code, status)
    wrong = {key: value for key, value in got.items() if value[0] != value[1]}
    assert not wrong, f"{name}: (got, expected) {wrong}"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "target"), sorted(QUERY_MATRIX))
def test_query_scope_matrix(world, name, target):
    users, kwargs = world
    got = {}
    for role, status in zip(ROLES, QUERY_MATRIX[(name, target)], strict=True):
        client = Client()
        client.force_login(users[role])
        got[role] = (client.get(reverse(name), kwargs["query"][target]).status_code, status)
    wrong = {role: value for role, value in got.items() if value[0] != value[1]}
    assert not wrong, f"{name} {target}: (got, expected) {wrong}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(API_MATRIX))
def test_api_scope_matrix(world, name):
    _users, kwargs = world
    row, keys = API_MATRIX[name], kwargs["keys"]
    client = Client()
    got = {}
    for side, expected in (("in", row.inside), ("out", row.outside)):
        url = reverse(name, kwargs=kwargs[row.objects][0 if side == "in" else 1])
        for role, status in zip(ROLES, expected, strict=True):
            got[(side, role)] = (client.get(url, HTTP_AUTHORIZATION=f"Bearer {keys[role]}").status_code,
                                 status)
        if row.objects != "month":
            # The office's account narrowed to district A: street B's objects are out of scope.
            got[(side, "office-in-a")] = (
                client.get(url, HTTP_AUTHORIZATION=f"Bearer {keys['office-in-a']}").status_code,
                200 if side == "in" else 404)
    wrong = {key: value for key, value in got.items() if value[0] != value[1]}
    assert not wrong, f"{name}: (got, expected) {wrong}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["api:items", "api:units", "api:points", "api:tasks", "api:rankings"])
def test_api_lists_hold_only_the_scope(world, name):
    """Each token's list holds the "in" object (street A's, district A's bulletin) unless it is
    the outsider's, and the "out" one (street B's, district B's bulletin) only for the office's
    token over the whole city."""
    _users, kwargs = world
    objects = {"api:items": "item", "api:units": "unit", "api:points": "point", "api:tasks": "task"}
    if name == "api:rankings":
        inside, outside = (bulletin.pk for bulletin in kwargs["bulletins"])
    else:
        inside, outside = (side["pk"] for side in kwargs[objects[name]])
    client = Client()
    got = {}
    for role in (*ROLES, "office-in-a"):
        response = client.get(reverse(name), {"limit": 100},
                              HTTP_AUTHORIZATION=f"Bearer {kwargs['keys'][role]}")
        listed = {row["id"] for row in response.json()["items"]}
        got[role] = (inside in listed, outside in listed)
    assert got == {"office": (True, True), "district": (True, False), "inspector": (True, False),
                   "staff": (True, False), "leader": (True, False), "outsider": (False, False),
                   "office-in-a": (True, False)}


@pytest.mark.django_db
def test_admin_pages_are_for_staff_only(client, world):
    users, kwargs = world
    client.force_login(users["office"])
    url = reverse("admin:campaign_unit_change", args=[kwargs["unit"][0]["pk"]])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
