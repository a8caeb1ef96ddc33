"""The follow-up of citizen reports (issue 16): the reporter's answer once the item is closed,
the office's revisit list, 满意率 in the unit figures, and the public page of fixed reports."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from campaign.models import Photo
from inspections import services, workflow
from inspections.enums import CitizenReportStatus, EventAction, FeedbackRating
from inspections.followup import services as followup
from inspections.models import CitizenReport, PublishedFix, ReportFeedback
from tests import factories

pytestmark = pytest.mark.django_db

CONTACT = "13912345678"
JULY_10 = dt.datetime(2026, 7, 10, 2, 0, tzinfo=dt.UTC)      # 10:00 in Shanghai


def _reported(tree, people, *, description="楼道堆物 张三家门口"):
    """A report with a photo and a contact, filed as an item of street A (open)."""
    report = services.report_problem(campaign=tree["city"].campaign, description=description,
                                     location="甲街口", contact=CONTACT,
                                     uploads=[factories.make_jpeg()])
    item = services.accept_report(report, unit=tree["street_a"], title="楼道堆物", deadline=None,
                                  by=people["coordinator"])
    report.refresh_from_db()
    return report, item


def _close(item, people):
    services.take_step(workflow.STEPS[EventAction.SUBMITTED], item, by=people["staff"],
                       version=None, uploads=[factories.make_jpeg(), factories.make_jpeg()])
    item.refresh_from_db()
    workflow.close(item, by=people["coordinator"], version=None, method="service")
    item.refresh_from_db()
    return item


def _answer(client, report, rating, comment=""):
    return client.post(reverse("inspections:report-feedback", args=[report.tracking_code]),
                       {"rating": rating, "comment": comment})


def _track(client, report):
    return client.get(reverse("inspections:report-track") + f"?code={report.tracking_code}")


def test_the_follow_up_is_asked_only_once_the_item_is_closed_and_answered_once(client, tree, people):
    report, item = _reported(tree, people)
    assert 'id="report-feedback"' not in _track(client, report).content.decode()
    refused = _answer(client, report, FeedbackRating.SATISFIED)
    assert refused.status_code == 409
    assert "结案后才能评价" in refused.content.decode() and not ReportFeedback.objects.exists()

    _close(item, people)
    page = _track(client, report).content.decode()
    assert 'id="report-feedback"' in page and 'value="not_satisfied"' in page
    response = _answer(client, report, FeedbackRating.PARTLY, "  基本可以  ")
    assert response.status_code == 302
    assert response["Location"] == reverse("inspections:report-track") + f"?code={report.tracking_code}"
    feedback = ReportFeedback.objects.get()
    assert (feedback.report, feedback.rating, feedback.comment) == (report, "partly", "基本可以")
    shown = _track(client, report).content.decode()
    assert 'id="feedback-answer"' in shown and "基本满意" in shown and 'id="feedback-send"' not in shown

    again = _answer(client, report, FeedbackRating.NOT_SATISFIED)
    assert again.status_code == 409 and "您已评价过，评价不能更改。" in again.content.decode()
    assert list(ReportFeedback.objects.values_list("rating", flat=True)) == ["partly"]


def test_a_malformed_answer_is_refused_with_the_form_and_an_unknown_code_is_not_found(client, tree, people):
    report, item = _reported(tree, people)
    _close(item, people)
    bad = _answer(client, report, "delighted", "x" * 501)
    assert bad.status_code == 400 and 'id="feedback-send"' in bad.content.decode()
    assert not ReportFeedback.objects.exists()
    # The page refusing the answer is the tracking page as it was: the stages too, and what was typed.
    unanswered = _answer(client, report, "", "修得不错").content.decode()
    assert 'id="report-stages"' in unanswered and "整改完成" in unanswered
    assert "修得不错</textarea>" in unanswered
    assert "请选择“满意”“基本满意”或“不满意”。" in unanswered
    assert client.post(reverse("inspections:report-feedback", args=["NOSUCHCODE"]),
                       {"rating": "satisfied"}).status_code == 404
    assert client.get(reverse("inspections:report-feedback", args=[report.tracking_code])).status_code == 405


def test_the_comments_help_is_in_the_readers_language(client, tree, people):
    report, item = _reported(tree, people)
    _close(item, people)
    assert "最多 500 个字。请不要在这里写姓名或电话。" in _track(client, report).content.decode()
    client.cookies["django_language"] = "en"
    english = _track(client, report).content.decode()
    assert "At most 500 characters. Please do not write your name or phone number here." in english
    assert "最多 500 个字" not in english


def test_answers_count_against_the_report_forms_hourly_quota(client, tree, people, monkeypatch):
    from inspections.views import reports

    report, item = _reported(tree, people)
    _close(item, people)
    monkeypatch.setattr(reports, "REPORTS_PER_HOUR", 0)
    response = _answer(client, report, FeedbackRating.SATISFIED)
    assert response.status_code == 429 and not ReportFeedback.objects.exists()


def test_every_reporter_of_a_merged_item_is_asked_the_same_follow_up(client, tree, people):
    report, item = _reported(tree, people)
    merged = CitizenReport.objects.create(
        campaign=item.campaign, tracking_code="MERGED2345", description="同一处堆物",
        location="甲街口", status=CitizenReportStatus.ACCEPTED, item=item)
    _close(item, people)
    for each in (report, merged):
        assert 'id="feedback-send"' in _track(client, each).content.decode()
    assert _answer(client, report, FeedbackRating.SATISFIED).status_code == 302
    assert _answer(client, merged, FeedbackRating.NOT_SATISFIED, "还没清完").status_code == 302
    assert dict(ReportFeedback.objects.values_list("report__tracking_code", "rating")) == {
        "MERGED2345": "not_satisfied", report.tracking_code: "satisfied"}


def test_not_satisfied_puts_the_item_on_the_revisit_list_until_it_is_looked_at(client, tree, people):
    report, item = _reported(tree, people)
    _close(item, people)
    _answer(client, report, FeedbackRating.NOT_SATISFIED, "楼道里还有杂物")
    client.force_login(people["coordinator"])
    home = client.get(reverse("home")).content.decode()
    assert f'data-figure="revisits" href="{reverse("inspections:revisit-list")}">1</a>' in home
    page = client.get(reverse("inspections:revisit-list")).content.decode()
    assert item.code in page and "楼道里还有杂物" in page
    mark = reverse("inspections:revisit-mark", args=[item.pk])
    assert client.post(mark, {"note": ""}).status_code == 400
    assert client.post(mark, {"note": "已复查，杂物已清"}).status_code == 302
    feedback = ReportFeedback.objects.get()
    assert (feedback.reviewed_by, feedback.review_note) == (people["coordinator"], "已复查，杂物已清")
    assert feedback.reviewed_at is not None
    page = client.get(reverse("inspections:revisit-list")).content.decode()
    assert f'id="revisit-{item.pk}"' not in page and "楼道里还有杂物" not in page
    home = client.get(reverse("home")).content.decode()
    assert 'data-figure="revisits" href="/reports/revisits/">0</a>' in home
    again = client.post(mark, {"note": "再看一次"}, follow=True)
    assert "已有人复查过此事项。" in again.content.decode()


def test_only_whoever_triages_reports_sees_the_revisit_list(client, tree, people, member):
    district = member(tree["district_a"], "coordinator", username="district")
    for user in (people["staff"], people["inspector"], district):
        client.force_login(user)
        assert client.get(reverse("inspections:revisit-list")).status_code == 403
        assert 'data-figure="revisits"' not in client.get(reverse("home")).content.decode()


def _not_satisfied_items(tree, people, count):
    for number in range(count):
        report, item = _reported(tree, people)
        ReportFeedback.objects.create(report=report, rating=FeedbackRating.NOT_SATISFIED,
                                      comment=f"意见{number}")


def test_the_revisit_list_costs_the_same_queries_for_one_item_or_five(client, tree, people,
                                                                       django_assert_num_queries):
    client.force_login(people["coordinator"])
    _not_satisfied_items(tree, people, 1)
    client.get(reverse("inspections:revisit-list"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("inspections:revisit-list")).content.decode().count("意见") == 1
    _not_satisfied_items(tree, people, 4)
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(reverse("inspections:revisit-list")).content.decode().count("意见") == 5


# ---- 满意率 ---------------------------------------------------------------------------------

def test_the_satisfaction_rate_is_satisfied_answers_over_answers(client, tree, people):
    with time_machine.travel(JULY_10, tick=False):
        ratings = ["satisfied", "satisfied", "satisfied", "partly", "not_satisfied"]
        for rating in ratings:
            report, _item = _reported(tree, people)
            ReportFeedback.objects.create(report=report, rating=rating)
        _reported(tree, people)    # not answered: not counted
        other = services.report_problem(campaign=tree["city"].campaign, description="别处",
                                        location="乙街口", uploads=[factories.make_jpeg()])
        services.accept_report(other, unit=tree["street_b"], title="别处", deadline=None,
                               by=people["coordinator"])
        ReportFeedback.objects.create(report=other, rating="not_satisfied")
    from campaign.periods import Month

    figures = services.unit_figures(tree["street_a"], Month(2026, 7), now=JULY_10)
    assert (figures.answered, figures.satisfied, figures.partly) == (5, 3, 1)
    assert figures.satisfaction_rate == Decimal("60.0")
    city = services.unit_figures(tree["city"], Month(2026, 7), now=JULY_10)
    assert (city.answered, city.satisfied, city.satisfaction_rate) == (6, 3, Decimal("50.0"))
    assert services.unit_figures(tree["street_a"], Month(2026, 6), now=JULY_10).satisfaction_rate is None
    client.force_login(people["coordinator"])
    page = client.get(reverse("inspections:unit-figures", args=[tree["street_a"].pk]) + "?month=2026-07")
    row = page.content.decode().split('id="satisfaction"')[1].split("</tr>")[0]
    assert "60.0%" in row and "3 / 5" in row and "满意率" in page.content.decode()


# ---- publishing and the public page ----------------------------------------------------

def test_the_office_publishes_a_before_and_an_after_photo_and_the_public_sees_only_those(
        client, tree, people):
    category = factories.CategoryFactory(standard__campaign=tree["city"].campaign, name="楼道堆物")
    report, item = _reported(tree, people)
    CitizenReport.objects.filter(pk=report.pk).update(category=category)
    _close(item, people)
    before = followup.before_photos(item).get()
    first_after, second_after = followup.after_photos(item)
    client.force_login(people["staff"])
    publish = reverse("inspections:publish-fix", args=[item.pk])
    assert client.post(publish, {"before": before.pk, "after": second_after.pk}).status_code == 403
    client.force_login(people["coordinator"])
    assert 'id="publish-fix"' in client.get(item.get_absolute_url()).content.decode()
    assert client.post(publish, {"before": before.pk, "after": second_after.pk}).status_code == 302
    fix = PublishedFix.objects.get()
    assert (fix.item, fix.before, fix.after, fix.published_by) == (item, before, second_after,
                                                                 people["coordinator"])

    client.logout()
    page = client.get(reverse("inspections:fixed-list")).content.decode()
    assert "楼道堆物" in page and "甲区" in page
    assert reverse("inspections:fixed-photo", args=[before.pk]) in page
    assert reverse("inspections:fixed-photo", args=[second_after.pk]) in page
    for private in (CONTACT, "张三", report.tracking_code, people["coordinator"].name,
                    people["staff"].name, item.code, "甲街口"):
        assert private not in page, private
    assert client.get(reverse("inspections:fixed-photo", args=[before.pk])).status_code == 200
    assert client.get(reverse("inspections:fixed-photo", args=[second_after.pk])).status_code == 200
    assert client.get(reverse("inspections:fixed-photo", args=[first_after.pk])).status_code == 404

    client.force_login(people["coordinator"])
    assert client.post(publish, {"withdraw": "1"}).status_code == 302
    client.logout()
    assert client.get(reverse("inspections:fixed-photo", args=[before.pk])).status_code == 404
    assert 'id="fix-' not in client.get(reverse("inspections:fixed-list")).content.decode()


def test_only_a_closed_citizen_report_item_is_published_with_its_own_photos(client, tree, people):
    report, item = _reported(tree, people)
    before = followup.before_photos(item).get()
    client.force_login(people["coordinator"])
    publish = reverse("inspections:publish-fix", args=[item.pk])
    assert 'id="publish-fix"' not in client.get(item.get_absolute_url()).content.decode()
    response = client.post(publish, {"before": before.pk, "after": before.pk}, follow=True)
    assert "请选择一张整改前照片和一张整改后照片。" in response.content.decode()
    _close(item, people)
    stranger = factories.store_photo_for(tree["street_a"], by=people["staff"])
    with pytest.raises(followup.FollowupError):
        followup.publish(item, before=before, after=stranger, by=people["coordinator"])
    assert not PublishedFix.objects.exists()
    standalone = factories.file_item(tree["street_a"], by=people["coordinator"])
    with pytest.raises(followup.FollowupError):
        followup.publish(standalone, before=before, after=stranger, by=people["coordinator"])


def test_the_public_page_keeps_fixes_closed_in_the_last_90_days(client, tree, people):
    with time_machine.travel(JULY_10, tick=False):
        report, item = _reported(tree, people)
        _close(item, people)
        followup.publish(item, before=followup.before_photos(item).get(),
                         after=followup.after_photos(item).first(), by=people["coordinator"])
    after = followup.after_photos(item).first()
    with time_machine.travel(JULY_10 + dt.timedelta(days=89), tick=False):
        assert 'id="fix-' in client.get(reverse("inspections:fixed-list")).content.decode()
        assert client.get(reverse("inspections:fixed-photo", args=[after.pk])).status_code == 200
    with time_machine.travel(JULY_10 + dt.timedelta(days=91), tick=False):
        assert 'id="fix-' not in client.get(reverse("inspections:fixed-list")).content.decode()
        assert client.get(reverse("inspections:fixed-photo", args=[after.pk])).status_code == 404


def test_the_public_page_is_paged_in_constant_queries(client, tree, people, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def published(count):
        for _number in range(count):
            report, item = _reported(tree, people)
            _close(item, people)
            followup.publish(item, before=followup.before_photos(item).get(),
                             after=followup.after_photos(item).first(), by=people["coordinator"])

    published(1)
    client.get(reverse("inspections:fixed-list"))
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("inspections:fixed-list")).content.decode().count('id="fix-') == 1
    published(21)
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(reverse("inspections:fixed-list")).content.decode()
    assert page.count('id="fix-') == followup.FIXED_PAGE_SIZE == 20
    second = client.get(reverse("inspections:fixed-list") + "?page=2").content.decode()
    assert second.count('id="fix-') == 2
    assert client.get(reverse("inspections:fixed-list") + "?page=x%00").status_code == 200
    assert Photo.objects.count() == 22 * 3


def test_the_demo_publishes_a_fix_and_leaves_one_to_look_at_again(client):
    from django.core.management import call_command

    from campaign.demo import create_demo_accounts
    from campaign.models import User
    from inspections import permissions
    from inspections.followup.demo import create_demo_followup

    call_command("load_seeds", verbosity=0)
    create_demo_accounts()
    said = create_demo_followup()
    assert said.startswith("Follow-up demo:") and "/report/fixed/" in said
    assert sorted(ReportFeedback.objects.values_list("rating", flat=True)) == ["not_satisfied", "satisfied"]
    assert permissions.revisits(User.objects.get(username="coordinator")).count() == 1
    fix = PublishedFix.objects.get()
    page = client.get(reverse("inspections:fixed-list")).content.decode()
    assert f'id="fix-{fix.pk}"' in page and "13800000000" not in page
    assert create_demo_followup() == "The follow-up demo is already there."
