"""Deadlines a unit can meet: re-routing, returning for rework and triage never hand a unit an
item already overdue, and the dates the forms offer are valid as they stand."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from inspections import services, workflow
from inspections.enums import EventAction as A
from inspections.enums import RectificationStatus as S
from inspections.models import CitizenReport, Rectification
from tests import factories

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
FILED = dt.datetime(2026, 3, 1, 10, 0, tzinfo=SHANGHAI)
NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)
PAST = dt.datetime(2026, 3, 5, 10, 0, tzinfo=SHANGHAI)        # the item's deadline, passed
# The criterion's 7 days counted from NOW: the end of the 7th day, local time.
WEEK_FROM_NOW = dt.datetime(2026, 3, 17, 23, 59, 59, tzinfo=SHANGHAI)


@pytest.fixture
def criterion(tree):
    return factories.CriterionFactory(category__standard__campaign=tree["city"].campaign,
                                      name="占道经营", deadline_days=7)


def file(tree, people, *, deadline=PAST, criterion=None):
    with time_machine.travel(FILED, tick=False):
        return factories.file_item(tree["street_a"], by=people["inspector"], deadline=deadline,
                                   criterion=criterion)


def sent_back(tree, people, criterion, deadline=PAST):
    item = file(tree, people, deadline=deadline, criterion=criterion)
    return workflow.send_back(item, by=people["staff"], version=None, reason="不归我们管",
                              at=FILED + dt.timedelta(days=1))


def submitted(tree, people, criterion, deadline=PAST):
    item = file(tree, people, deadline=deadline, criterion=criterion)
    photo = factories.store_photo_for(tree["street_a"], by=people["staff"])
    return workflow.submit(item, by=people["staff"], version=None, photos=[photo],
                           at=FILED + dt.timedelta(days=2))


def step_url(item, step):
    return reverse("inspections:rectification-step", args=[item.pk, step])


def input_tag(body: str, field_id: str) -> str:
    match = re.search(rf'<input[^>]*id="{field_id}"[^>]*>', body)
    assert match, field_id
    return match.group(0)


def kept_deadlines(event) -> tuple[dt.datetime, dt.datetime]:
    return (dt.datetime.fromisoformat(event.data["old_deadline"]),
            dt.datetime.fromisoformat(event.data["new_deadline"]))


def item_page(client, user, item) -> str:
    client.force_login(user)
    with time_machine.travel(NOW, tick=False):
        response = client.get(item.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


# ---- the rule, in one place -------------------------------------------------------------------

@pytest.mark.parametrize(("deadline", "days", "offered"), [
    (PAST, 7, WEEK_FROM_NOW),                                          # passed
    (dt.datetime(2026, 3, 17, 9, 59, tzinfo=SHANGHAI), 7, WEEK_FROM_NOW),  # < now + 7 days
    (dt.datetime(2026, 3, 17, 10, 0, tzinfo=SHANGHAI), 7, WEEK_FROM_NOW),  # 7 days to the hour: short
    (WEEK_FROM_NOW, 7, WEEK_FROM_NOW),                                 # the whole period: kept
    (dt.datetime(2026, 3, 10, 12, 0, tzinfo=SHANGHAI), 0,
     dt.datetime(2026, 3, 10, 23, 59, 59, tzinfo=SHANGHAI)),           # same day, 2 h left: renewed
    (dt.datetime(2026, 3, 30, 18, 0, tzinfo=SHANGHAI), 7,
     dt.datetime(2026, 3, 30, 18, 0, tzinfo=SHANGHAI)),                # comfortably ahead
    (PAST, 0, dt.datetime(2026, 3, 10, 23, 59, 59, tzinfo=SHANGHAI)),  # same day
    (PAST, None, dt.datetime(2026, 3, 13, 23, 59, 59, tzinfo=SHANGHAI)),  # no criterion: 3 days
])
def test_offered_deadline_keeps_or_renews_exactly(tree, people, deadline, days, offered):
    criterion = None if days is None else factories.CriterionFactory(deadline_days=days)
    item = file(tree, people, deadline=deadline, criterion=criterion)
    assert services.offered_deadline(item, NOW) == offered


# ---- re-routing (回退 → 改派) -------------------------------------------------------------------

def test_reroute_of_an_overdue_item_asks_for_the_criterion_default(client, tree, people,
                                                                    criterion):
    item = sent_back(tree, people, criterion)
    body = item_page(client, people["coordinator"], item)
    field = input_tag(body, "id_reroute_deadline")
    assert 'value="2026-03-17T23:59"' in field and " required" in field
    assert "2026-03-05 10:00" in body      # the help text names the passed deadline
    with time_machine.travel(NOW, tick=False):
        response = client.post(step_url(item, "reroute"), {
            "version": item.version, "unit": tree["street_b"].pk, "note": "属地在乙街道",
            "deadline": "2026-03-17T23:59"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.unit, item.deadline) == (S.OPEN, tree["street_b"], WEEK_FROM_NOW)
    assert kept_deadlines(item.events.get(action=A.REROUTED)) == (PAST, WEEK_FROM_NOW)
    body = item_page(client, people["coordinator"], item)
    assert "整改期限 2026-03-05 10:00 → 2026-03-17 23:59" in body


@pytest.mark.parametrize(("deadline", "error"), [
    ("", "这个字段是必填项。"),
    ("2026-03-09T10:00", "截止时间不能早于现在。"),
])
def test_reroute_view_refuses_a_missing_or_past_deadline_and_keeps_the_typing(
        client, tree, people, criterion, deadline, error):
    item = sent_back(tree, people, criterion)
    client.force_login(people["coordinator"])
    with time_machine.travel(NOW, tick=False):
        response = client.post(step_url(item, "reroute"), {
            "version": item.version, "unit": tree["street_b"].pk, "note": "属地在乙街道",
            "deadline": deadline})
    assert response.status_code == 400
    body = response.content.decode()
    assert error in body and "属地在乙街道" in body
    assert f'value="{deadline}"' in input_tag(body, "id_reroute_deadline")
    assert re.search(rf'<option value="{tree["street_b"].pk}" selected>', body)
    item.refresh_from_db()
    assert (item.status, item.unit, item.deadline, item.events.count()) == (
        S.RETURNED_TO_DISPATCH, tree["street_a"], PAST, 2)


def test_reroute_workflow_refuses_an_overdue_hand_over(tree, people, criterion):
    item = sent_back(tree, people, criterion)
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(workflow.TransitionError, match="的整改期限已过：请给单位定一个新的期限。"):
            workflow.reroute(item, by=people["coordinator"], version=None,
                             to_unit=tree["street_b"], note="属地")
        with pytest.raises(workflow.TransitionError, match="新的整改期限早于现在"):
            workflow.reroute(item, by=people["coordinator"], version=None,
                             to_unit=tree["street_b"], note="属地",
                             deadline=NOW - dt.timedelta(minutes=1))
    item.refresh_from_db()
    assert (item.status, item.unit, item.deadline, item.events.count()) == (
        S.RETURNED_TO_DISPATCH, tree["street_a"], PAST, 2)


def test_reroute_keeps_a_deadline_comfortably_ahead(client, tree, people, criterion):
    ahead = dt.datetime(2026, 3, 30, 18, 0, 30, tzinfo=SHANGHAI)
    item = sent_back(tree, people, criterion, deadline=ahead)
    body = item_page(client, people["coordinator"], item)
    field = input_tag(body, "id_reroute_deadline")
    assert 'value="2026-03-30T18:00"' in field and " required" not in field
    with time_machine.travel(NOW, tick=False):
        response = client.post(step_url(item, "reroute"), {
            "version": item.version, "unit": tree["street_b"].pk, "note": "属地",
            "deadline": "2026-03-30T18:00"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.unit, item.deadline) == (tree["street_b"], ahead)
    assert "old_deadline" not in item.events.get(action=A.REROUTED).data


# ---- returning for rework (核查不通过) ----------------------------------------------------------

def test_return_of_an_overdue_item_asks_for_the_criterion_default(client, tree, people,
                                                                  criterion):
    item = submitted(tree, people, criterion)
    body = item_page(client, people["inspector"], item)
    field = input_tag(body, "id_return_deadline")
    assert 'value="2026-03-17T23:59"' in field and " required" in field
    with time_machine.travel(NOW, tick=False):
        response = client.post(step_url(item, "return"), {
            "version": item.version, "reason": "仍有摊位", "deadline": "2026-03-17T23:59"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.rework_count, item.deadline) == (S.REWORK, 1, WEEK_FROM_NOW)
    event = item.events.get(action=A.RETURNED)
    assert event.data["rework_count"] == 1
    assert kept_deadlines(event) == (PAST, WEEK_FROM_NOW)


def test_return_refuses_a_past_deadline_in_the_view_and_the_workflow(client, tree, people,
                                                                     criterion):
    item = submitted(tree, people, criterion)
    client.force_login(people["inspector"])
    with time_machine.travel(NOW, tick=False):
        response = client.post(step_url(item, "return"), {
            "version": item.version, "reason": "仍有摊位", "deadline": "2026-03-08T10:00"})
        assert response.status_code == 400
        body = response.content.decode()
        assert "截止时间不能早于现在。" in body and "仍有摊位" in body
        with pytest.raises(workflow.TransitionError, match="的整改期限已过：请给单位定一个新的期限。"):
            workflow.return_for_rework(item, by=people["inspector"], version=None, reason="x")
        with pytest.raises(workflow.TransitionError, match="新的整改期限早于现在"):
            workflow.return_for_rework(item, by=people["inspector"], version=None, reason="x",
                                       deadline=PAST + dt.timedelta(days=1))
    item.refresh_from_db()
    assert (item.status, item.rework_count, item.deadline, item.events.count()) == (
        S.SUBMITTED, 0, PAST, 2)


# ---- triage (随手拍 → 立案) ---------------------------------------------------------------------

@pytest.fixture
def report(tree):
    return CitizenReport.objects.create(campaign=tree["city"].campaign, tracking_code="ABC",
                                        description="路边摆摊", location="南街")


def triage(client, people, report, **fields):
    client.force_login(people["coordinator"])
    with time_machine.travel(NOW, tick=False):
        return client.post(reverse("inspections:report-detail", args=[report.pk]),
                           {"accept": "1", "title": "占道经营", **fields})


def test_triage_form_states_the_default_counted_from_now(client, tree, people, criterion,
                                                         report):
    client.force_login(people["coordinator"])
    with time_machine.travel(NOW, tick=False):
        body = client.get(reverse("inspections:report-detail", args=[report.pk])).content.decode()
    assert 'value="' not in input_tag(body, "id_deadline")
    assert "2026-03-13 23:59" in body                 # no criterion: 3 days from now
    assert "占道经营 (7天)" in body                      # each criterion names its period


@pytest.mark.parametrize(("with_criterion", "expected"), [
    (True, WEEK_FROM_NOW),
    (False, dt.datetime(2026, 3, 13, 23, 59, 59, tzinfo=SHANGHAI)),
])
def test_triage_without_a_deadline_takes_the_default_from_now(client, tree, people, criterion,
                                                              report, with_criterion, expected):
    fields = {"unit": tree["street_a"].pk, "deadline": ""}
    if with_criterion:
        fields["criterion"] = criterion.pk
    assert triage(client, people, report, **fields).status_code == 302
    assert Rectification.objects.get().deadline == expected


def test_triage_refuses_a_past_deadline_in_the_view_and_the_service(client, tree, people,
                                                                    criterion, report):
    response = triage(client, people, report, unit=tree["street_a"].pk,
                      criterion=criterion.pk, deadline="2026-03-09T10:00")
    assert response.status_code == 200
    body = response.content.decode()
    assert "截止时间不能早于现在。" in body and 'value="占道经营"' in body
    assert 'value="2026-03-09T10:00"' in input_tag(body, "id_deadline")
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(workflow.TransitionError):
            services.accept_report(report, unit=tree["street_a"], title="占道经营", deadline=PAST,
                                   by=people["coordinator"])
    report.refresh_from_db()
    assert (report.status, Rectification.objects.count()) == ("new", 0)


# ---- extension (延期) ----------------------------------------------------------------------------

@pytest.mark.parametrize(("deadline", "offered"), [
    (PAST, "2026-03-13T23:59"),                                  # the end of the third day from now
    (dt.datetime(2026, 3, 20, 18, 0, tzinfo=SHANGHAI), "2026-03-23T18:00"),  # old + 3 days
])
def test_extension_default_is_accepted_as_offered(client, tree, people, deadline, offered):
    item = file(tree, people, deadline=deadline)
    body = item_page(client, people["coordinator"], item)
    assert f'value="{offered}"' in input_tag(body, "id_extend_deadline")
    with time_machine.travel(NOW, tick=False):
        response = client.post(step_url(item, "extend"), {
            "version": item.version, "deadline": offered, "reason": "雨天施工"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.deadline == dt.datetime.fromisoformat(offered).replace(tzinfo=SHANGHAI)
