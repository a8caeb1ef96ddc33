import datetime as dt

import pytest

from campaign.calendar import WorkingCalendar
from campaign.notifications.services import notify
from campaign.people import People
from inspections.models import SupervisionRules
from inspections.notices import services
from inspections.supervision import Round, notice_reminders
from tests.inspections.notices.conftest import at

pytestmark = pytest.mark.django_db


def _round(campaign, now, **rules):
    return Round(campaign=campaign, rules=SupervisionRules(campaign=campaign, **rules),
                 calendar=WorkingCalendar(campaign, strict=False), people=People(campaign),
                 now=now, since=now - dt.timedelta(minutes=5))


def _said(campaign, now, **rules):
    return [(message.key.split(":", 2)[2], message.kind, message.unit_id, message.params.get("days"),
             sorted(user.username for user in users))
            for message, users in notice_reminders(_round(campaign, now, **rules))]


@pytest.fixture
def notice(issue):
    """Reply due 2026-10-09 23:59:59 (15:59:59 UTC): three working days after 09-29."""
    return issue()


def test_a_reply_coming_due_reminds_the_unit(campaign, tree, notice):
    assert _said(campaign, at(2026, 10, 8, 8, 0)) == []        # 40 hours before: not yet
    assert _said(campaign, at(2026, 10, 9, 8, 0)) == [
        ("reply_due:20261009T1559Z", "notice_reply_due", tree["street_a"].pk, None,
         ["staff", "staff2", "streetco"])]
    assert _said(campaign, at(2026, 10, 9, 8, 0), remind_before_hours=0) == []


def test_a_late_reply_climbs_the_ladder_in_working_days(campaign, tree, notice):
    # Late since Friday night; Saturday 10-10 is a make-up working day.
    assert _said(campaign, at(2026, 10, 10, 12, 0)) == []
    assert _said(campaign, at(2026, 10, 12, 10, 0)) == [
        ("late_parent:20261009T1559Z", "notice_late_parent", tree["district_a"].pk, 1,
         ["district"])]
    assert _said(campaign, at(2026, 10, 15, 10, 0)) == [
        ("late_parent:20261009T1559Z", "notice_late_parent", tree["district_a"].pk, 4,
         ["district"]),
        ("late_leader:20261009T1559Z", "notice_late_leader", None, 4, ["incharge"]),
    ]


def test_the_message_says_which_notice(campaign, tree, notice):
    message, _users = next(iter(notice_reminders(_round(campaign, at(2026, 10, 12, 10, 0)))))
    assert message.key == f"notice:{notice.pk}:late_parent:20261009T1559Z"
    assert (message.url, message.campaign_id, message.params) == (
        notice.get_absolute_url(), campaign.pk,
        {"notice": "市督〔2026〕1号", "unit": "甲街道", "title": "背街小巷整治滞后",
         "deadline": "2026-10-09 23:59", "days": 1})


def test_replied_and_closed_notices_are_quiet(campaign, cast, notice, issue):
    services.reply_notice(notice, text="已整改", by=cast["staff"], now=at(2026, 10, 9, 9, 0))
    services.close_notice(issue(), by=cast["coordinator"], now=at(2026, 10, 9, 9, 0))
    assert _said(campaign, at(2026, 10, 15, 10, 0)) == []


def test_a_new_reply_date_reminds_again(campaign, cast, notice):
    services.reply_notice(notice, text="已整改", by=cast["staff"], now=at(2026, 10, 9, 9, 0))
    services.return_reply(notice, reason="不清楚", by=cast["coordinator"],
                          reply_by=at(2026, 10, 13, 18, 0), now=at(2026, 10, 9, 10, 0))
    assert [key for key, *_rest in _said(campaign, at(2026, 10, 15, 10, 0))] == [
        "late_parent:20261013T1000Z"]


def test_each_reminder_is_told_once(campaign, notice):
    now = at(2026, 10, 15, 10, 0)
    made = [len(notify(message, users, now=now))
            for _run in range(2) for message, users in notice_reminders(_round(campaign, now))]
    assert made == [1, 1, 0, 0]


def test_one_query_whatever_the_number_of_notices(campaign, tree, issue,
                                                  django_assert_num_queries):
    for _n in range(5):
        issue()
    for unit in (tree["lane_a"], tree["district_b"]):
        issue(unit=unit)
    round_ = _round(campaign, at(2026, 10, 15, 10, 0))
    with django_assert_num_queries(1):
        said = list(notice_reminders(round_))
    # Each reaches both rungs; district B has no leader in charge: its second rung names nobody
    # (tell() hands such a message on only for a unit with a group robot; this one has none).
    assert len(said) == 7 * 2
    assert [(message.kind, message.unit_id, len(users)) for message, users in said[-2:]] == [
        ("notice_late_parent", tree["city"].pk, 1), ("notice_late_leader", None, 0)]


def test_the_reminders_read_one_range_of_their_index(campaign, issue):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    issue()
    round_ = _round(campaign, at(2026, 10, 15, 10, 0))
    with CaptureQueriesContext(connection) as run:
        list(notice_reminders(round_))
    (sql,) = [query["sql"] for query in run.captured_queries]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        else:
            # A handful of rows: the planner would read the table whole unless told not to.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql)
            plan = " ".join(row[0] for row in cursor.fetchall())
    assert "notice_status_reply_idx" in plan, plan
