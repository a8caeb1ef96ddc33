"""Every change to a tracked model is recorded with who, when, which object and the values before
and after (campaign.audit.tracking); bulk updates the code makes are recorded too."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from auditlog.context import set_actor
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from campaign.audit.models import ChangeEntry
from campaign.audit.tracking import TRACKED
from campaign.models import CalendarDay, CalendarYear, LeaderCharge, Unit
from campaign.notifications.models import NotificationPreference, UnitWebhook
from campaign.periods import Month
from campaign.services import move_unit
from inspections.models import (
    Bulletin,
    CitizenReport,
    Notice,
    PublishedFix,
    ReportFeedback,
    SupervisionRules,
)
from inspections.rankings.services import publish_bulletin, revise_bulletin
from integrations.tokens import issue
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
CREATE, UPDATE, DELETE = ChangeEntry.Action.CREATE, ChangeEntry.Action.UPDATE, ChangeEntry.Action.DELETE


def entries(obj, pk=None):
    """(action, changes) of the object's entries, oldest first."""
    return [(e.action, e.changes) for e in ChangeEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=pk or obj.pk).order_by("id")]


def _notice(tree, by):
    return Notice.objects.create(
        campaign=tree["city"].campaign, issuer=tree["city"], unit=tree["street_a"], year=2026,
        number=1, code="市督〔2026〕1号", subject="背街小巷", body="限期整改", reply_by=NOW,
        issued_by=by, issued_at=NOW)


def _feedback(tree, by):
    report = CitizenReport.objects.create(campaign=tree["city"].campaign, tracking_code="AUDIT23456",
                                          description="路灯不亮", location="东巷口")
    return ReportFeedback.objects.create(report=report, rating="not_satisfied", answered_at=NOW)


def _published_fix(tree, by):
    item = factories.RectificationFactory(unit=tree["street_a"], source="citizen_report")
    photo = factories.store_photo_for(tree["street_a"], by=by)
    return PublishedFix.objects.create(item=item, before=photo, after=photo, published_by=by,
                                       published_at=NOW)


# label → (build the object, a field, its value after the update as auditlog writes it)
BUILD = {
    "campaign.User": (lambda tree, user: factories.UserFactory(username="zhang", name="张三"),
                      "name", "李四"),
    "campaign.Campaign": (lambda tree, user: factories.CampaignFactory(name="创城"), "name", "创城2"),
    "campaign.Unit": (lambda tree, user: factories.UnitFactory(parent=tree["street_a"], name="甲巷"),
                      "name", "乙巷"),
    "campaign.Membership": (lambda tree, user: factories.MembershipFactory(user=user, unit=tree["city"],
                                                                            role="inspector"),
                            "role", "coordinator"),
    "campaign.LeaderCharge": (lambda tree, user: LeaderCharge.objects.create(leader=user, unit=tree["city"]),
                              "title", "包联领导"),
    "campaign.Standard": (lambda tree, user: factories.StandardFactory(campaign=tree["city"].campaign,
                                                                        units=[]),
                          "name", "新体系"),
    "campaign.Category": (lambda tree, user: factories.CategoryFactory(), "name", "新类别"),
    "campaign.Criterion": (lambda tree, user: factories.CriterionFactory(), "name", "新测评项"),
    "campaign.Point": (lambda tree, user: factories.PointFactory(unit=tree["street_a"]), "name", "新点位"),
    "campaign.Task": (lambda tree, user: factories.TaskFactory(unit=tree["street_a"], code="T-1"),
                      "title", "新任务"),
    "campaign.CalendarDay": (lambda tree, user: CalendarDay.objects.create(
        campaign=tree["city"].campaign, day=dt.date(2026, 4, 6), is_working_day=False), "note", "补休"),
    "campaign.CalendarYear": (lambda tree, user: CalendarYear.objects.create(
        campaign=tree["city"].campaign, year=2031), "year", "2032"),
    "inspections.SupervisionRules": (lambda tree, user: SupervisionRules.objects.create(
        campaign=tree["city"].campaign), "verify_after", "5"),
    "inspections.Bulletin": (lambda tree, user: Bulletin.objects.create(
        campaign=tree["city"].campaign, parent=tree["city"], month=dt.date(2026, 2, 1),
        inspection_weight=Decimal("0.80"), min_sample=3, bottom_n=1, streak_k=3), "reason", "更正"),
    "inspections.Notice": (_notice, "subject", "占道经营"),
    "inspections.CitizenReport": (lambda tree, user: CitizenReport.objects.create(
        campaign=tree["city"].campaign, tracking_code="T1", description="x", location="y"),
        "status", "accepted"),
    "inspections.ReportFeedback": (_feedback, "review_note", "已复查"),
    "inspections.PublishedFix": (_published_fix, "published_at", "2026-03-03 01:30:00"),
    "notifications.UnitWebhook": (lambda tree, user: UnitWebhook.objects.create(
        unit=tree["city"], kind="wecom", created_at=NOW,
        url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdefgh12345678"),
        "quiet_start", "22:00:00"),
    "notifications.NotificationPreference": (lambda tree, user: NotificationPreference.objects.create(
        user=user), "by_email", "False"),
    "integrations.ApiToken": (lambda tree, user: issue(name="12345 热线", user=user, unit=tree["city"],
                                                       access="read", by=user)[0], "name", "数字城管"),
}


def test_every_tracked_model_has_a_case():
    assert sorted(BUILD) == sorted(TRACKED)


@pytest.mark.parametrize("label", sorted(BUILD))
def test_create_update_delete_are_recorded_with_before_and_after(label, tree, people):
    build, field, after = BUILD[label]
    actor = people["coordinator"]
    with time_machine.travel(NOW, tick=False), set_actor(actor, remote_addr="10.1.2.3"):
        obj = build(tree, people["staff"])
        pk = obj.pk
        obj.refresh_from_db()     # as a page reads it (a Decimal("2") in memory is "2.00" stored)
        before = ChangeEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=pk).get().changes[field][1]
        setattr(obj, field, {"year": 2032, "verify_after": 5,
                             "quiet_start": dt.time(22), "by_email": False,
                             "published_at": NOW + dt.timedelta(days=1)}.get(field, after))
        obj.save()
        obj.delete()
    recorded = entries(obj, pk)
    assert [action for action, _changes in recorded] == [CREATE, UPDATE, DELETE]
    assert recorded[0][1][field] == ["None", before]
    assert recorded[1][1] == {field: [before, after]}
    assert recorded[2][1][field] == [after, "None"]
    assert recorded[0][1]["id"] == ["None", str(pk)]
    rows = ChangeEntry.objects.filter(object_id=pk, content_type=ContentType.objects.get_for_model(obj))
    assert {(row.actor_id, row.remote_addr, row.timestamp) for row in rows} == {(actor.pk, "10.1.2.3", NOW)}


def test_a_unit_created_records_its_own_columns_exactly(tree):
    unit = factories.UnitFactory(parent=tree["street_a"], name="甲巷", code="L1")
    assert entries(unit) == [(CREATE, {
        "id": ["None", str(unit.pk)], "campaign": ["None", str(unit.campaign_id)],
        "parent": ["None", str(tree["street_a"].pk)], "kind": ["None", "street"],
        "name": ["None", "甲巷"], "code": ["None", "L1"], "key": ["None", ""], "order": ["None", "0"],
        "placeholder": ["None", "False"], "notice_prefix": ["None", ""],
        "bulletin_prefix": ["None", ""], "document_office": ["None", ""],
        "document_copies_to": ["None", ""], "source": ["None", ""],
        "note": ["None", ""],
    })]


def test_a_password_change_and_a_login_record_no_secret(client, people):
    user = people["staff"]
    mark = ChangeEntry.objects.order_by("id").last().pk
    user.set_password("another-pass-456")
    user.save()
    client.force_login(user)
    assert not ChangeEntry.objects.filter(pk__gt=mark).exists()


def test_a_robots_url_is_masked(tree):
    hook = BUILD["notifications.UnitWebhook"][0](tree, None)
    hook.url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=zzzzzzzz87654321"
    hook.save()
    assert entries(hook)[1] == (UPDATE, {"url": ["••••5678", "••••4321"]})


def test_standard_units_added_are_recorded(tree):
    standard = factories.StandardFactory(campaign=tree["city"].campaign, units=[])
    standard.units.add(tree["district_a"])
    assert entries(standard)[-1] == (UPDATE, {"units": {"type": "m2m", "operation": "add",
                                                         "objects": ["甲区"]}})


def test_moving_a_unit_records_its_new_parent(tree):
    lane = tree["lane_a"]
    move_unit(lane, parent=tree["street_b"])
    assert entries(lane)[-1] == (UPDATE, {"parent": [str(tree["street_a"].pk), str(tree["street_b"].pk)]})


def test_a_task_without_a_code_records_the_code_it_is_given(tree):
    task = factories.TaskFactory(unit=tree["street_a"], code="")
    placeholder = entries(task)[0][1]["code"][1]
    assert placeholder.startswith("~")
    assert entries(task)[1] == (UPDATE, {"code": [placeholder, f"{tree['street_a'].code}-T{task.pk}"]})


def test_revising_a_bulletin_records_the_old_revision_no_longer_current(tree, people):
    with time_machine.travel(NOW, tick=False):
        bulletin, _created = publish_bulletin(tree["city"].campaign, Month(2026, 2), tree["city"],
                                              by=people["coordinator"])
        revise_bulletin(bulletin, by=people["coordinator"], reason="数据更正")
    assert entries(bulletin)[-1] == (UPDATE, {"is_current": ["True", "False"]})


def test_a_change_through_a_page_names_the_person_and_the_trusted_address(client, tree, people,
                                                                          settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    client.force_login(people["coordinator"])
    unit = Unit.objects.get(pk=tree["street_a"].pk)
    response = client.post(reverse("campaign-calendar", args=[unit.campaign_id]),
                           {"action": "add", "day": "2026-04-06", "kind": "off", "note": "补休"},
                           HTTP_X_FORWARDED_FOR="6.6.6.6, 10.9.8.7", HTTP_X_FORWARDED_PORT="4444",
                           REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 302
    day = CalendarDay.objects.get()
    row = ChangeEntry.objects.get(content_type=ContentType.objects.get_for_model(day), object_id=day.pk)
    assert (row.actor_id, row.remote_addr, row.remote_port) == (people["coordinator"].pk, "10.9.8.7", None)


def test_a_change_from_a_unix_socket_has_no_address(client, tree, people):
    client.force_login(people["coordinator"])
    client.post(reverse("campaign-calendar", args=[tree["city"].campaign_id]),
                {"action": "add", "day": "2026-04-06", "kind": "off"}, REMOTE_ADDR="")
    assert ChangeEntry.objects.get(
        content_type=ContentType.objects.get_for_model(CalendarDay)).remote_addr is None


def test_a_correlation_id_the_client_sends_is_not_stored(client, tree, people):
    client.force_login(people["coordinator"])
    response = client.post(reverse("campaign-calendar", args=[tree["city"].campaign_id]),
                           {"action": "add", "day": "2026-04-06", "kind": "off"},
                           HTTP_X_CORRELATION_ID="x" * 300)
    assert response.status_code == 302
    assert ChangeEntry.objects.get(
        content_type=ContentType.objects.get_for_model(CalendarDay)).cid is None
