import datetime as dt

import chinese_calendar
import pytest

from campaign.notifications.models import Notification
from inspections.enums import NoticeAction, NoticeStatus
from inspections.models import NoticeEvent
from inspections.notices import services
from inspections.notices.services import NoticeError
from tests import factories
from tests.inspections.notices.conftest import ISSUED, at

pytestmark = pytest.mark.django_db


# ---- numbers ------------------------------------------------------------------------------

def test_numbers_count_per_issuing_unit_and_year(tree, cast, issue):
    first, second = issue(), issue()
    by_district = issue(by=cast["district"])
    next_year = issue(now=at(2027, 1, 4, 9, 0), reply_by=at(2027, 1, 10, 18, 0))
    assert [first.code, second.code] == ["市督〔2026〕1号", "市督〔2026〕2号"]
    assert (first.issuer, first.year, first.number) == (tree["city"], 2026, 1)
    assert (by_district.issuer, by_district.code) == (tree["district_a"], "甲督〔2026〕1号")
    assert (next_year.year, next_year.code) == (2027, "市督〔2027〕1号")


def test_two_units_with_the_same_prefix_never_repeat_a_code(tree, cast, issue):
    # 甲区 and 甲街道 both number as 甲督.
    codes = [issue(by=cast["district"]).code,
             issue(by=cast["street_coordinator"], unit=tree["lane_a"]).code,
             issue(by=cast["district"]).code]
    assert codes == ["甲督〔2026〕1号", "甲督〔2026〕2号", "甲督〔2026〕3号"]


def test_the_units_own_prefix_is_used(tree, issue):
    tree["city"].notice_prefix = "杏督"
    tree["city"].save()
    assert issue().code == "杏督〔2026〕1号"


def test_the_year_is_the_campaigns_local_year(issue):
    # 2026-12-31 17:00 UTC is already 2027-01-01 in Beijing.
    notice = issue(now=dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC),
                   reply_by=at(2027, 1, 8, 18, 0))
    assert notice.code == "市督〔2027〕1号"


# ---- the life of a notice -----------------------------------------------------------------

def test_issue_reply_return_close_write_the_timeline(tree, cast, issue):
    item = factories.file_item(tree["street_a"], by=cast["coordinator"],
                               deadline=at(2026, 10, 20, 18, 0))
    task = factories.TaskFactory(unit=tree["lane_a"])
    notice = issue(items=[item], tasks=[task])
    assert (notice.status, notice.reply_by, notice.reply_days, notice.reply_count) == (
        NoticeStatus.OPEN, at(2026, 10, 9, 23, 59, 59), 3, "working")
    assert list(notice.rectifications.all()) == [item] and list(notice.tasks.all()) == [task]

    reply = services.reply_notice(notice, text="已整改完毕", by=cast["staff"],
                                  uploads=[factories.make_jpeg()], now=at(2026, 10, 8, 9, 0))
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.REPLIED
    assert reply.photos.get().unit == tree["street_a"]

    services.return_reply(notice, reason="照片不清楚", by=cast["coordinator"], reply_days=2,
                          reply_count="natural", now=at(2026, 10, 8, 15, 0))
    notice.refresh_from_db()
    assert (notice.status, notice.reply_by, notice.reply_days, notice.reply_count) == (
        NoticeStatus.OPEN, at(2026, 10, 10, 23, 59, 59), 2, "natural")

    services.reply_notice(notice, text="补充照片", by=cast["street_coordinator"],
                          now=at(2026, 10, 9, 9, 0))
    services.close_notice(notice, by=cast["coordinator"], note="同意", now=at(2026, 10, 9, 16, 0))
    notice.refresh_from_db()
    assert (notice.status, notice.closed_at) == (NoticeStatus.CLOSED, at(2026, 10, 9, 16, 0))
    events = [(event.action, event.actor.username, event.note, event.at)
              for event in NoticeEvent.objects.filter(notice=notice)]
    assert events == [
        (NoticeAction.ISSUED, "coord", "", ISSUED),
        (NoticeAction.REPLIED, "staff", "已整改完毕", at(2026, 10, 8, 9, 0)),
        (NoticeAction.RETURNED, "coord", "照片不清楚", at(2026, 10, 8, 15, 0)),
        (NoticeAction.REPLIED, "streetco", "补充照片", at(2026, 10, 9, 9, 0)),
        (NoticeAction.CLOSED, "coord", "同意", at(2026, 10, 9, 16, 0)),
    ]
    returned = NoticeEvent.objects.get(notice=notice, action=NoticeAction.RETURNED)
    assert returned.data == {"old_reply_by": "2026-10-09T15:59:59+00:00",
                             "new_reply_by": "2026-10-10T15:59:59+00:00"}


def test_steps_out_of_turn_are_refused(cast, issue):
    notice = issue()
    with pytest.raises(NoticeError, match="督办单 市督〔2026〕1号 当前为“待回复”，不能进行此操作。"):
        services.return_reply(notice, reason="x", by=cast["coordinator"], reply_days=1,
                              reply_count="natural", now=ISSUED)
    services.close_notice(notice, by=cast["coordinator"], now=ISSUED)
    with pytest.raises(NoticeError):
        services.reply_notice(notice, text="迟到的回复", by=cast["staff"], now=ISSUED)
    assert NoticeEvent.objects.filter(notice=notice).count() == 2


def test_who_may_take_each_step(cast, issue):
    notice = issue()
    with pytest.raises(NoticeError):   # the issuing office does not answer its own notice
        services.reply_notice(notice, text="x", by=cast["coordinator"], now=ISSUED)
    with pytest.raises(NoticeError):   # another street's staff
        services.reply_notice(notice, text="x", by=cast["other_staff"], now=ISSUED)
    with pytest.raises(NoticeError):   # the addressee does not close it
        services.close_notice(notice, by=cast["street_coordinator"], now=ISSUED)
    with pytest.raises(NoticeError):
        issue(by=cast["staff"])
    with pytest.raises(NoticeError):   # strictly above: not to one's own unit
        issue(by=cast["district"], unit=cast["district"].memberships.get().unit)


# ---- the reply date -----------------------------------------------------------------------

def test_working_days_skip_the_national_day_and_count_the_make_up_saturday(campaign, issue):
    notice = issue(reply_days=4, reply_count="working")
    # Counted after 09-29: 09-30, 10-08, 10-09 and the make-up Saturday 10-10.
    assert notice.reply_by == at(2026, 10, 10, 23, 59, 59)
    days = [dt.date(2026, 9, 30) + dt.timedelta(days=n) for n in range(11)]
    assert [day for day in days if chinese_calendar.is_workday(day)] == [
        dt.date(2026, 9, 30), dt.date(2026, 10, 8), dt.date(2026, 10, 9), dt.date(2026, 10, 10)]


def test_natural_days_and_a_picked_date(issue):
    assert issue(reply_days=3, reply_count="natural").reply_by == at(2026, 10, 2, 23, 59, 59)
    picked = issue(reply_by=at(2026, 10, 12, 17, 30))
    assert (picked.reply_by, picked.reply_days, picked.reply_count) == (
        at(2026, 10, 12, 17, 30), None, "")


@pytest.mark.parametrize(("reply_by", "message"), [
    (at(2026, 9, 29, 9, 0), "回复期限不能早于现在。"),
    (at(2027, 9, 30, 10, 0), "回复期限最多在一年之后（至 2027-09-29）。"),
])
def test_a_reply_date_in_the_past_or_too_far_is_refused(issue, reply_by, message):
    from inspections.models import Notice

    with pytest.raises(NoticeError) as refused:
        issue(reply_by=reply_by)
    assert str(refused.value) == message
    assert Notice.objects.count() == 0


def test_a_year_the_calendar_does_not_know_is_said(issue):
    from inspections.models import Notice

    with pytest.raises(NoticeError, match="2027"):
        issue(now=at(2026, 12, 28, 10, 0), reply_days=5, reply_count="working")
    assert Notice.objects.count() == 0


# ---- what a notice may name ---------------------------------------------------------------

def test_at_most_50_items_and_20_tasks(tree, cast, issue, monkeypatch):
    items = [factories.file_item(tree["street_a"], by=cast["coordinator"],
                                 deadline=at(2026, 10, 20, 18, 0)) for _ in range(51)]
    with pytest.raises(NoticeError, match="最多列出 50 个整改事项"):
        issue(items=items)
    assert issue(items=items[:50]).rectifications.count() == 50
    tasks = [factories.TaskFactory(unit=tree["street_a"]) for _ in range(21)]
    with pytest.raises(NoticeError, match="最多列出 20 项任务"):
        issue(tasks=tasks)


def test_items_and_tasks_outside_the_addressee_are_refused(tree, cast, issue):
    other = factories.file_item(tree["street_b"], by=cast["coordinator"],
                                deadline=at(2026, 10, 20, 18, 0))
    with pytest.raises(NoticeError, match=other.code):
        issue(items=[other])
    task = factories.TaskFactory(unit=tree["street_b"])
    with pytest.raises(NoticeError, match=task.code):
        issue(tasks=[task])


# ---- who is told --------------------------------------------------------------------------

def test_issuing_tells_the_addressee_and_replying_tells_the_issuer(tree, cast, issue):
    notice = issue()
    told = Notification.objects.filter(key=f"notice:{notice.pk}:issued")
    assert sorted(told.values_list("recipient__username", flat=True)) == [
        "staff", "staff2", "streetco"]
    first = told.first()
    assert (first.kind, first.url, first.params, first.created_at) == (
        "notice_issued", f"/notices/{notice.pk}/",
        {"notice": "市督〔2026〕1号", "unit": "甲街道", "title": "背街小巷整治滞后",
         "deadline": "2026-10-09 23:59"}, ISSUED)
    reply = services.reply_notice(notice, text="已回复", by=cast["staff"], now=at(2026, 10, 8, 9))
    replied = Notification.objects.filter(key=f"notice:{notice.pk}:replied:{reply.pk}")
    assert list(replied.values_list("recipient__username", "kind")) == [("coord", "notice_replied")]


def test_a_reply_not_accepted_tells_the_addressee_with_the_reason_and_the_new_date(cast, issue):
    notice = issue()
    services.reply_notice(notice, text="已回复", by=cast["staff"], now=at(2026, 10, 8, 9))
    services.return_reply(notice, reason="照片不清楚", by=cast["coordinator"], reply_days=2,
                          reply_count="natural", now=at(2026, 10, 8, 15))
    returned = Notification.objects.filter(key=f"notice:{notice.pk}:returned:20261010T1559Z")
    assert sorted(returned.values_list("recipient__username", flat=True)) == [
        "staff", "staff2", "streetco"]
    first = returned.first()
    assert (first.kind, first.params["reason"], first.params["deadline"]) == (
        "notice_returned", "照片不清楚", "2026-10-10 23:59")
